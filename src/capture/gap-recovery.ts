// What the decoder does about records the capture lost, once resync.ts has found the next record boundary: the
// first record after a gap under keys tried at the sequence numbers the lost bytes allow; a lost ChangeCipherSpec
// tried past (the record opened under the pending keys from sequence number 0); TLS 1.0's lost IV (the record whose
// IV went with the gap shown encrypted, the next one tried). Each time only the authentication tag decides: when
// nothing opens, the trace says so and the records stay encrypted, never a guess. RC4's keystream runs on across
// records: after a gap the first record found is tried at each count of records the bytes between could hold (the
// keystream run on by those bytes less their headers), its MAC deciding; when none fits, that direction's records
// stay encrypted, saying so. Kept
// apart from the decoder's ordinary path, which it joins only through the few calls below, so that path stays free
// of these cases.
import type { Emit } from '../trace/recorder.ts';
import { ContentType, RECORD_HEADER_LENGTH, protectedRecordFields, type OpenedRecord, type RecordProtector } from './engine.ts';
import { encryptedByItsLooks, readsAsHandshake } from './midway.ts';
import { LegacyCbcProtector, type CapturedRecord } from './legacy-cbc-protector.ts';
import { keystreamRunsOn } from './keystream-cipher.ts';
import { LARGEST_RECORD } from './record-header.ts';
import { attempt, rawRecord, type Attempt } from './captured-record.ts';
import { encryptedRecordEvent } from './record-events.ts';
import { NO_BYTES, type CaptureGap, type Damage, type Direction, type Protection } from './stream-direction.ts';
import type { DecodedSession } from './decoded-session.ts';
import type { KeyLogKeys } from './key-log-keys.ts';
import { gapCutText } from './truncation.ts';

/** After a gap under keys: sequence numbers tried for the first record found (the AEAD tag decides). */
export const MAX_SEQUENCE_TRIALS = 64;
/** After a gap under RC4: counts of lost records tried for the first record found (its MAC decides). */
export const MAX_KEYSTREAM_TRIALS = 4096;
/** After a gap under RC4: the most keystream made to try them (the lost bytes' worth, and the record's). */
export const MAX_KEYSTREAM_SPAN = 64 << 20;

/** A protector whose keystream runs on across records (rc4-protector.ts), which can pick it up again past lost records. */
interface KeystreamProtector extends RecordProtector {
  resumeAfterLoss(record: CapturedRecord, span: number, maxTries: number, maxKeystream: number):
    | { opened: OpenedRecord; lost: number; keystreamSkipped: number }
    | { opened: null; tried: { fewest: number; most: number } | null };
}
/** The smallest protected record there is: with LARGEST_RECORD, bounds on how many records a gap can hold. */
const SMALLEST_PROTECTED_RECORD = RECORD_HEADER_LENGTH + 1 + 16;
/** A ChangeCipherSpec record's length: a gap of just this many bytes while one was due lost that one record. */
const CCS_RECORD_LENGTH = RECORD_HEADER_LENGTH + 1;

/** A TLS 1.0 record after a gap whose IV was lost with it (ivLostRecord). */
export const IV_LOST = 'iv-lost';

/** What the recovery needs of the decoder: where gaps and undecrypted records are counted, and how to say so. */
export interface RecoveryContext {
  /** Its version, and the gaps and undecrypted records it lists. */
  readonly session: DecodedSession;
  /** The key log line that would open a direction's records. */
  readonly keys: Pick<KeyLogKeys, 'lineFor'>;
  readonly emit: Emit;
  /** Application data shown in full per direction. */
  readonly window: number;
}

/** The sequence numbers a record after `span` lost bytes may have, past the last one seen: at least one record lost. */
function lostRange(span: number): { fewest: number; most: number } {
  const fewest = Math.max(1, Math.floor(span / LARGEST_RECORD));
  const most = Math.max(fewest, Math.min(Math.ceil(span / SMALLEST_PROTECTED_RECORD), fewest + MAX_SEQUENCE_TRIALS - 1));
  return { fewest, most };
}

/**
 * A gap, in stream order: said in the trace, the direction's partial handshake message dropped, and under keys the
 * next record marked to be tried at the next sequence numbers (or, with a ChangeCipherSpec due, under the new keys).
 */
export function gapReached(ctx: RecoveryContext, dir: Direction, bytes: number, cut?: number): void {
  if (dir.protection.state === 'keys' && keystreamRunsOn(dir.protection.protector)) return keystreamGap(ctx, dir, bytes, cut);
  const underKeys = dir.protection.state === 'keys';
  // TLS 1.2 and older: keys agreed, this side's ChangeCipherSpec not seen yet: it may be in the gap.
  const ccsDue = !underKeys && dir.protection.state === 'none' && dir.pending12?.state === 'keys';
  const after = underKeys
    ? ', and the first record after it is tried at the next sequence numbers (its authentication tag decides)'
    : ccsDue
      ? `; the ${dir.side}'s ChangeCipherSpec was due, so the first record after it is also tried under the new keys from sequence number 0 (its authentication tag decides)`
      : '';
  ctx.emit({ kind: 'error', code: 'CAPTURE_GAP', message: `${bytes} bytes from the ${dir.side} are missing from the capture here${gapCutText(bytes, cut)}: what follows is read from the next record boundary found${after}` });
  dir.handshake = NO_BYTES;
  dir.handshakeRecords = [];
  if (dir.lost) ctx.session.gaps.push(dir.lost);
  // TLS 1.0: records already found past an earlier gap without their IV are still between the last one opened and the next.
  if (dir.ivLost) dir.ivLost.span += bytes;
  dir.lost = { direction: dir.side, bytes, recordsLost: null, ...(cut && { cut }) };
  if (!underKeys) {
    ctx.session.gaps.push(dir.lost);
    dir.ccsGap = ccsDue ? dir.lost : null;
    dir.lost = null;
  }
}

/**
 * A record header no record can have (its bytes damaged in the capture, with no TCP gap), and the bytes skipped from
 * it `until` the next record header found, a gap or the stream's end: said in the trace, with where and why. What
 * follows is then read as after a gap: under keys the next record is tried at the sequence numbers the skipped bytes
 * allow (the damaged record and any others among them were lost), and only its authentication tag decides.
 */
export function damageReached(ctx: RecoveryContext, dir: Direction, damage: Damage, skipped: number, until: 'record' | 'gap' | 'end'): void {
  const lost: CaptureGap = { direction: dir.side, bytes: 0, recordsLost: null, damaged: { at: damage.at, skipped } };
  // An earlier loss no record came after (under RC4 that ends decryption here).
  if (dir.lost) settleEarlier(ctx, dir);
  const underKeys = dir.protection.state === 'keys';
  const ccsDue = !underKeys && dir.protection.state === 'none' && dir.pending12?.state === 'keys';
  const what = `${skipped} bytes of the ${dir.side}'s data were skipped from ${damage.at} bytes into its TLS data: a record header was due there, but its bytes (${damage.header}) cannot be one (${damage.why}), so they were damaged in the capture or are not TLS`;
  let after: string;
  if (until === 'end') after = '. No record header was found after them: the rest of this direction is not decoded';
  else if (until === 'gap') after = ', up to a gap in the capture';
  else if (underKeys && keystreamRunsOn((dir.protection as Extract<Protection, { state: 'keys' }>).protector)) after = `. What follows is read from the next record header found; RC4's keystream runs on from one record to the next, so that record is tried at each count of records the skipped bytes could hold (its MAC decides)`;
  else if (underKeys) after = `. What follows is read from the next record header found; the records lost with the damaged bytes are counted by trying that record at the next sequence numbers (its authentication tag decides)`;
  else if (ccsDue) after = `. What follows is read from the next record header found; the ${dir.side}'s ChangeCipherSpec was due, so that record is also tried under the new keys from sequence number 0 (its authentication tag decides)`;
  else after = '. What follows is read from the next record header found';
  dir.handshake = NO_BYTES;
  dir.handshakeRecords = [];
  ctx.emit({ kind: 'error', code: 'RECORD_HEADER_DAMAGED', message: `${what}${after}.` });
  if (dir.ivLost) dir.ivLost.span += skipped;
  if (underKeys && until === 'record') {
    dir.lost = lost;
    return;
  }
  dir.lost = null;
  ctx.session.gaps.push(lost);
  dir.ccsGap = ccsDue && until === 'record' ? lost : null;
}

/**
 * A gap under RC4 keys: each record's keystream starts where the previous record's ended. The first record found
 * after it is tried at each count of records the bytes in between could hold (resumeKeystream); the trace says what
 * the gap cost once that is known, so that where nothing fits it says what it always said (rc4KeystreamLost).
 */
function keystreamGap(ctx: RecoveryContext, dir: Direction, bytes: number, cut?: number): void {
  dir.handshake = NO_BYTES;
  dir.handshakeRecords = [];
  // An earlier loss no record came after: not tried across two (the bytes between are not all known).
  if (dir.lost) {
    settleEarlier(ctx, dir);
    if (dir.protection.state !== 'keys') return gapReached(ctx, dir, bytes, cut);
  }
  dir.lost = { direction: dir.side, bytes, recordsLost: null, ...(cut && { cut }) };
}

/** A loss not settled yet (no record after it opened) when another comes: under RC4 said lost, else listed as it is. */
function settleEarlier(ctx: RecoveryContext, dir: Direction): void {
  const earlier = dir.lost!;
  dir.lost = null;
  if (dir.protection.state === 'keys' && keystreamRunsOn(dir.protection.protector)) rc4KeystreamLost(ctx, dir, earlier, null);
  else ctx.session.gaps.push(earlier);
}

/** The stream ended with a loss not settled (no record after it): listed, and under RC4 said as ever. */
export function lossAtEnd(ctx: RecoveryContext, dir: Direction): void {
  if (dir.lost) settleEarlier(ctx, dir);
}

/**
 * The first record after a gap (or damaged bytes) under RC4: the `span` bytes from the end of the last record opened
 * to its header were whole records; each count of them the sizes allow is tried, and only the record's MAC decides
 * (rc4-protector.ts's resumeAfterLoss). Opened: the count is said, and decryption goes on. Not: the rest of this
 * direction stays encrypted, saying so as ever.
 */
function resumeKeystream(ctx: RecoveryContext, dir: Direction, protector: RecordProtector, raw: CapturedRecord, span: number): OpenedRecord | null {
  const lost = dir.lost!;
  dir.lost = null;
  const resumed = (protector as KeystreamProtector).resumeAfterLoss(raw, span, MAX_KEYSTREAM_TRIALS, MAX_KEYSTREAM_SPAN);
  if (!resumed.opened) {
    rc4KeystreamLost(ctx, dir, lost, resumed.tried);
    return null;
  }
  lost.recordsLost = resumed.lost;
  ctx.session.gaps.push(lost);
  const where = lost.damaged ? `in the ${lost.damaged.skipped} damaged bytes: the record after them` : 'in the gap: the record after it';
  if (!lost.damaged) {
    ctx.emit({
      kind: 'error',
      code: 'CAPTURE_GAP',
      message: `${lost.bytes} bytes from the ${dir.side} are missing from the capture here${gapCutText(lost.bytes, lost.cut)}: what follows is read from the next record boundary found. The session uses ${protector.cipherSuite}, and RC4 is a stream cipher whose keystream runs on from one record to the next, so the record found was tried at each count of records the ${span} bytes before it could hold (the keystream run on by those bytes less a 5-byte header each), and only its MAC decided.`,
    });
  }
  dir.seq += resumed.lost;
  ctx.emit({ kind: 'note', text: `${resumed.lost} ${dir.side} record(s) were lost ${where} opened at sequence number ${dir.seq}, RC4's keystream ${resumed.keystreamSkipped} bytes on (its MAC checked), so decryption goes on from there` });
  return resumed.opened;
}

/**
 * Under RC4 keys, records lost and no count of them made the record after them open (or none came, or too many
 * bytes were lost to try): where the keystream stands is not known, so nothing after them can be opened. Said in
 * plain words, and the rest of this direction shown encrypted. What came before, and the other direction, stay
 * as decoded.
 */
function rc4KeystreamLost(ctx: RecoveryContext, dir: Direction, gap: CaptureGap, tried: { fewest: number; most: number } | null): void {
  const suite = (dir.protection as Extract<Protection, { state: 'keys' }>).protector.cipherSuite;
  const where = gap.damaged ? `the ${gap.damaged.skipped} damaged bytes from the ${dir.side} were skipped here, and the rest` : `${gap.bytes} bytes from the ${dir.side} are missing from the capture here${gapCutText(gap.bytes, gap.cut)}, and the rest`;
  ctx.emit({
    kind: 'error',
    code: gap.damaged ? 'RECORDS_LOST' : 'CAPTURE_GAP',
    message: `${where} of the ${dir.side}'s records cannot be decrypted: the session uses ${suite}, and RC4 is a stream cipher whose keystream runs on from one record to the next, so with records lost no one can tell where it stands for the next record. They are shown encrypted; everything before the ${gap.damaged ? 'damaged bytes' : 'gap'}, and the other side's records, are shown as decrypted.${triedText(tried)}`,
  });
  dir.handshake = NO_BYTES;
  dir.handshakeRecords = [];
  ctx.session.gaps.push(gap);
  dir.protection = { state: 'missing', needs: ctx.keys.lineFor(dir, dir.epoch, false), reason: 'records were lost before them' };
  dir.opaqueSeq = dir.seq;
}

/** What was tried to pick RC4's keystream up again, when anything was. */
function triedText(tried: { fewest: number; most: number } | null): string {
  if (!tried) return '';
  const counts = tried.fewest === tried.most ? `${tried.fewest} record(s)` : `${tried.fewest} to ${tried.most} records`;
  return ` (The record after them was tried with ${counts} lost, the keystream run on past each count's bytes: its MAC checked with none.)`;
}

/**
 * A record while this side's ChangeCipherSpec is due (TLS 1.2 and older: keys agreed, pending) that may come after
 * it: a gap came first, or the record cannot be in clear (application data; a handshake record that does not read
 * as messages). Tried under the pending keys first (openWithoutCcs). `alone`: records pasted on their own.
 */
export function ccsMayBeLost(dir: Direction, bytes: Uint8Array, alone: boolean | undefined): boolean {
  if (dir.protection.state !== 'none' || dir.pending12?.state !== 'keys' || alone) return false;
  if (dir.ccsGap) return true;
  if (encryptedByItsLooks(bytes)) return true;
  return bytes[0] === ContentType.handshake && dir.handshake.length === 0 && !readsAsHandshake(bytes.subarray(RECORD_HEADER_LENGTH));
}

/**
 * The ChangeCipherSpec lost (in a gap, or cut from the capture): the record is tried under the pending keys from
 * sequence number 0, and as many more as the bytes lost allow; only its authentication tag decides. Opened: this
 * side's keys switch as the ChangeCipherSpec would have switched them. Not opened: null, and the record is shown
 * as before (in clear, or encrypted saying the ChangeCipherSpec is missing).
 */
export async function openWithoutCcs(ctx: RecoveryContext, dir: Direction, bytes: Uint8Array, before: Uint8Array | null, dropped: number): Promise<OpenedRecord | null> {
  const gap = dir.ccsGap;
  dir.ccsGap = null;
  const keys = dir.pending12 as Extract<Protection, { state: 'keys' }>;
  const raw = rawRecord(bytes, before);
  // Records under the new keys that the gap may hold besides the ChangeCipherSpec.
  const span = gap ? gap.bytes + dropped - CCS_RECORD_LENGTH : 0;
  const most = span > 0 ? Math.min(Math.ceil(span / SMALLEST_PROTECTED_RECORD), MAX_SEQUENCE_TRIALS - 1) : 0;
  const chained = keys.protector instanceof LegacyCbcProtector ? keys.protector : null;
  for (let seq = 0; seq <= most; seq++) {
    if (chained?.ivLost(raw, BigInt(seq))) break;
    const tried = await attempt(keys.protector, raw, seq);
    if (!tried.ok) continue;
    dir.protection = keys;
    dir.pending12 = null;
    dir.epoch = 'application';
    dir.seq = seq;
    dir.opaqueSeq = 0;
    if (gap) gap.recordsLost = seq === 0 && span === 0 ? 1 : null;
    const lost = seq === 0 ? '' : `, after ${seq} record(s) under those keys lost with it`;
    ctx.emit({ kind: 'note', text: `the ${dir.side}'s ChangeCipherSpec is missing from the capture, but this record opens under the new keys at sequence number ${seq} (its authentication tag checked${lost}): decryption goes on from there` });
    return tried.opened;
  }
  return null;
}

/**
 * TLS 1.0, the first record found after a gap under keys: its IV, the last cipher block of the record before it,
 * was lost with the gap. Shown encrypted (its first block would decrypt wrong, and its MAC could not vouch for the
 * rest); the next record, whose IV is this one's last block, is tried at the sequence numbers past it.
 */
export function ivLostRecord(ctx: RecoveryContext, dir: Direction, bytes: Uint8Array): void {
  const pending = dir.ivLost!;
  const seq = dir.seq + pending.records - 1 + lostRange(pending.span).fewest;
  const protector = (dir.protection as Extract<Protection, { state: 'keys' }>).protector;
  const fields = protectedRecordFields(bytes, protector.tagLength);
  const index = encryptedRecordEvent(ctx.emit, ctx.window, dir, seq, bytes, fields);
  ctx.emit({
    kind: 'note',
    text: `${dir.side} record #${index} is not decrypted: in TLS 1.0 a record's IV is the last ciphertext block of the record before it, which the capture lost, so its first 16 bytes would decrypt wrong and its MAC cannot vouch for the rest. The next record, whose IV is this one's last block, is tried at the sequence numbers after it.`,
  });
  const needs = ctx.keys.lineFor(dir, dir.epoch, false);
  ctx.session.undecrypted.push({ direction: dir.side, epoch: dir.epoch, records: 1, needs, reason: 'records were lost before them' });
}

/**
 * The first record after a gap under keys: the records lost in between are at least the bytes lost over the
 * largest record and at most over the smallest; the sequence numbers they allow are tried (up to
 * MAX_SEQUENCE_TRIALS), and only the authentication tag says which one is right: never a guess.
 */
export async function openAfterGap(ctx: RecoveryContext, dir: Direction, protector: RecordProtector, raw: CapturedRecord, dropped: number): Promise<OpenedRecord | null | typeof IV_LOST> {
  const lost = dir.lost!;
  // TLS 1.0: records found after the gap without their IV (ivLostRecord) lie between, and the span is the gap's.
  const skipped = dir.ivLost?.records ?? 0;
  const span = dir.ivLost?.span ?? lost.bytes + dropped;
  if (keystreamRunsOn(protector)) return resumeKeystream(ctx, dir, protector, raw, lost.bytes + dropped);
  const { fewest, most } = lostRange(span);
  const base = dir.seq + skipped;
  if (protector instanceof LegacyCbcProtector && protector.ivLost(raw, BigInt(base + fewest))) {
    dir.ivLost = { records: skipped + 1, span };
    return IV_LOST;
  }
  dir.lost = null;
  dir.ivLost = null;
  ctx.session.gaps.push(lost);
  for (let n = fewest; n <= most; n += 8) {
    const batch = Array.from({ length: Math.min(8, most - n + 1) }, (_, k) => attempt(protector, raw, base + n + k));
    const results = await Promise.all(batch);
    const k = results.findIndex((r) => r.ok);
    if (k < 0) continue;
    lost.recordsLost = n + k;
    dir.seq = base + n + k;
    const unread = skipped ? ` (after ${skipped} record(s) found but not decrypted, their IV lost)` : '';
    const where = lost.damaged ? `in the ${lost.damaged.skipped} damaged bytes: the record after them` : 'in the gap: the record after it';
    ctx.emit({ kind: 'note', text: `${n + k} ${dir.side} record(s) were lost ${where}${unread} opened at sequence number ${dir.seq} (its authentication tag checked), so decryption goes on from there` });
    return (results[k] as Extract<Attempt, { ok: true }>).opened;
  }
  const needs = ctx.keys.lineFor(dir, dir.epoch, ctx.session.version === '1.3');
  ctx.emit({ kind: 'error', code: 'RECORDS_LOST', message: `after the ${lost.damaged ? 'damaged bytes' : 'gap'}, the ${dir.side}'s next record does not open at sequence numbers ${base + fewest}..${base + most} (${most - fewest + 1} tried: the number of records lost is not known, or the keys changed in the ${lost.damaged ? 'damaged bytes' : 'gap'}). It and the rest of this direction stay encrypted.` });
  dir.protection = { state: 'missing', needs, reason: 'records were lost before them' };
  dir.opaqueSeq = base + fewest;
  return null;
}
