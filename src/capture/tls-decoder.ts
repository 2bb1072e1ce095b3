// Decodes the TLS inside one reassembled TCP stream into trace events, with the engine's own codecs and record
// protectors, so a captured session reads like a live one. Keys come from an NSS key log; without them, what is
// in clear is decoded and each encrypted record is shown as such, naming the key log line that would open it.
// A key that does not open its records is reported, never skipped silently. The keys themselves are made in
// key-log-keys.ts and the handshake's proofs checked again in handshake-proofs.ts; this file frames, opens and shows.
import type { Emit } from '../trace/recorder.ts';
import { lazyHex, lazyHexOfPart } from '../trace/lazy-hex.ts';
import type { Epoch, NewTraceEvent, RecordEvent, Side } from '../trace/types.ts';
import { append, toHex } from '../util/bytes.ts';
import {
  ContentType,
  ExtensionType,
  HT12,
  groupName,
  RECORD_HEADER_LENGTH,
  alertName,
  decodeHandshake,
  digest,
  decodeHandshake12,
  findExtension,
  handshakeName12,
  plaintextRecordFields,
  protectedRecordFields,
  protectionJson,
  suite12ByCode,
  IANA_SUITE_NAMES,
  suiteByCode,
  type CertificateVerifier,
  type ClientHello,
  type Extension,
  type OpenedRecord,
  type ProtectionDetails,
  type RawRecord,
  type RecordProtector,
  type ServerHello,
} from './engine.ts';
import { decodeEitherVersion, encryptedByItsLooks, readsAsHandshake } from './midway.ts';
import { LegacyCbcProtector, type CapturedRecord } from './legacy-cbc-protector.ts';
import { unsupportedCipherSuite } from './unsupported-suites.ts';
import { LARGEST_RECORD, looksLikeRecordHeader } from './record-header.ts';
import { canOpenNow, openNow } from './sync-opener.ts';
import type { KeyLog } from './keylog.ts';
import type { StreamChunk } from './tcp-reassembly.ts';
import { LEGACY_CIPHER, LEGACY_VERSION, NO_BYTES, NO_HANDSHAKE, UNKNOWN_SUITE, newDirection, type CaptureGap, type Direction, type Protection, type Undecrypted } from './stream-direction.ts';
import { CapturedHandshake } from './captured-handshake.ts';
import { checkCertificateVerify, checkFinished12, checkFinished13, checkServerKeyExchange, type SignedMessage } from './handshake-proofs.ts';
import { KeyLogKeys } from './key-log-keys.ts';


/** What the decoder learnt, for summaries (CLI --json, stream list). */
export interface DecodedSession {
  /** The version the ServerHello chose; TLS 1.0 and 1.1 are decrypted (AES-CBC suites), SSL 3.0 named and shown only. */
  version: '1.3' | '1.2' | LegacyVersion | null;
  cipherSuite: string | null;
  serverName: string | null;
  alpn: string | null;
  group: string | null;
  helloRetryRequest: boolean;
  resumed: boolean;
  renegotiations: number;
  keyUpdates: number;
  clientRandom: string | null;
  undecrypted: Undecrypted[];
  gaps: CaptureGap[];
  /** Key log lines used, by number. */
  keyLogLinesUsed: number[];
}

export interface TlsDecodeOptions {
  keyLog: KeyLog;
  emit: Emit;
  /** Checks the server's chain (the x509 module's verifier); none: no certificate checks. */
  verifier?: CertificateVerifier;
  /** The capture time of the stream (certificates are checked at that time). */
  time?: Date;
  /** Told the capture time of each piece of data just before the events it makes are emitted. */
  onTime?: (time: number) => void;
  /**
   * Application data shown in full, per direction (default CAPTURE_APP_DATA_WINDOW); beyond it each application
   * data record keeps its header, sizes, nonce and tag, and its data only its length, both marked `summarised`
   * (trace/types.ts), so a long transfer costs memory per record, not per byte.
   */
  appDataWindow?: number;
  /**
   * Decryptions started ahead, shared by the decoders of one capture: too many WebCrypto calls at once cost more
   * than they save (measured: ~16 in flight is the sweet spot in Node 20).
   */
  ahead?: DecryptAhead;
  /**
   * Each chunk's bytes are valid only while `feed` runs (a view into the capture reader's buffer, which is read
   * into again): the decoder copies what it keeps past the call (a record cut by the chunk's end, records waiting
   * behind one that needs an await). Off: chunks are kept as they are.
   */
  transient?: boolean;
  /**
   * Records pasted on their own, not a captured stream: what came before them is unknown, so application data
   * with no keys in place is shown as its bytes. In a stream it is encrypted data whose handshake was not captured.
   */
  alone?: boolean;
}

/** How many records may be decrypting ahead of the one being shown. */
export class DecryptAhead {
  active = 0;
  constructor(readonly max = DECRYPT_AHEAD) {}
}

/** Application data bytes shown in full per direction of a captured stream (as live sessions show 256 KiB). */
export const CAPTURE_APP_DATA_WINDOW = 256 * 1024;

/** Records decrypting ahead of the one being shown, per stream. */
const DECRYPT_AHEAD = 16;
/** After a gap under keys: sequence numbers tried for the first record found (the AEAD tag decides). */
export const MAX_SEQUENCE_TRIALS = 64;
/** The smallest protected record there is: with LARGEST_RECORD, bounds on how many records a gap can hold. */
const SMALLEST_PROTECTED_RECORD = RECORD_HEADER_LENGTH + 1 + 16;
/** A ChangeCipherSpec record's length: a gap of just this many bytes while one was due lost that one record. */
const CCS_RECORD_LENGTH = RECORD_HEADER_LENGTH + 1;
/**
 * Bytes kept from before each record for TLS 1.0's implicit IV, the last cipher block of the record before it: the
 * record's last 16 bytes, or with encrypt-then-MAC the 16 in front of its MAC (of up to 48 bytes).
 */
const TAIL_LENGTH = 16 + 48;

/** The sequence numbers a record after `span` lost bytes may have, past the last one seen: at least one record lost. */
function lostRange(span: number): { fewest: number; most: number } {
  const fewest = Math.max(1, Math.floor(span / LARGEST_RECORD));
  const most = Math.max(fewest, Math.min(Math.ceil(span / SMALLEST_PROTECTED_RECORD), fewest + MAX_SEQUENCE_TRIALS - 1));
  return { fewest, most };
}

export type LegacyVersion = '1.1' | '1.0' | 'SSL 3.0';
const LEGACY_VERSIONS: Record<number, LegacyVersion> = { 0x0302: '1.1', 0x0301: '1.0', 0x0300: 'SSL 3.0' };

type Attempt = { ok: true; opened: OpenedRecord } | { ok: false; error: Error };

/** A TLS 1.0 record after a gap whose IV was lost with it (ivLostRecord). */
const IV_LOST = 'iv-lost';

/** A record's decryption started ahead (WebCrypto); `result` once it settled. */
interface Ahead {
  protector: RecordProtector;
  seq: number;
  attempt: Promise<Attempt>;
  result?: Attempt;
}

/** One thing to do, in the order the stream's data came. */
type Queued =
  | { kind: 'record'; dir: Direction; bytes: Uint8Array; time: number; dropped: number; before: Uint8Array | null; ahead?: Ahead }
  | { kind: 'gap'; dir: Direction; gap: number; time: number }
  | { kind: 'event'; dir: Direction; event: NewTraceEvent; time: number };

/** The handshake message a direction's leftover bytes begin, in words: "a Certificate (512 of 809 bytes)". */
function partialMessage(bytes: Uint8Array): string {
  if (bytes.length < 4) return `a message header (${bytes.length} of its 4 bytes)`;
  const length = (bytes[1] << 16) | (bytes[2] << 8) | bytes[3];
  return `a ${handshakeName12(bytes[0])} message (${bytes.length - 4} of its ${length} bytes)`;
}

function attempt(protector: RecordProtector, raw: RawRecord, seq: number): Promise<Attempt> {
  return protector.decryptAt(raw, BigInt(seq)).then(
    (opened): Attempt => ({ ok: true, opened }),
    (error): Attempt => ({ ok: false, error: error as Error }),
  );
}

/** A record to open; `before`: the bytes before it in its direction, where TLS 1.0's IV is (legacy-cbc-protector.ts). */
function rawRecord(bytes: Uint8Array, before: Uint8Array | null): CapturedRecord {
  return { contentType: bytes[0], version: (bytes[1] << 8) | bytes[2], bytes, fragment: bytes.subarray(RECORD_HEADER_LENGTH), before };
}

/** The last TAIL_LENGTH bytes of `front` followed by `bytes` (a copy: the bytes may be the reader's). */
function lastBytes(front: Uint8Array, bytes: Uint8Array): Uint8Array {
  if (bytes.length >= TAIL_LENGTH) return bytes.slice(bytes.length - TAIL_LENGTH);
  const keep = Math.min(front.length, TAIL_LENGTH - bytes.length);
  const out = new Uint8Array(keep + bytes.length);
  out.set(front.subarray(front.length - keep), 0);
  out.set(bytes, keep);
  return out;
}


/** `part` moved from `from` to the same place in `to`, when it is a view into `from`. */
function rebase(part: Uint8Array, from: Uint8Array, to: Uint8Array): Uint8Array {
  const at = part.byteOffset - from.byteOffset;
  return part.buffer === from.buffer && at >= 0 && at + part.length <= from.length ? to.subarray(at, at + part.length) : part;
}

export class TlsStreamDecoder {
  private dirs: Record<Side, Direction> = { client: newDirection('client'), server: newDirection('server') };
  readonly session: DecodedSession = {
    version: null,
    cipherSuite: null,
    serverName: null,
    alpn: null,
    group: null,
    helloRetryRequest: false,
    resumed: false,
    renegotiations: 0,
    keyUpdates: 0,
    clientRandom: null,
    undecrypted: [],
    gaps: [],
    keyLogLinesUsed: [],
  };
  /** What the current handshake has shown, for its proofs and keys. */
  private readonly hs = new CapturedHandshake();
  private readonly keys: KeyLogKeys;
  private offeredSessionId: string | null = null;
  private handshakesDone = 0;
  /** Sides whose Finished was seen in the current TLS 1.2 handshake, in order. */
  private finishedBy: Side[] = [];
  private verified = false;
  /** Records framed (and perhaps decrypting), gaps and errors, in stream order, not shown yet. */
  private queue: Queued[] = [];
  /** Handshake messages after the handshake (TLS 1.3 tickets, KeyUpdate) are not part of it. */
  private transcriptClosed = false;
  /** The last server message was a HelloRetryRequest. */
  private retried = false;
  private queueHead = 0;
  /** The capture time of the last chunk fed. */
  private lastTime = 0;
  /** The stream's capture began after its hellos (beginMidway). */
  private midway = false;
  /** Sides of such a stream whose first bytes were not looked at yet: a record header there is taken at once. */
  private readonly firstBytes = new Set<Side>();
  /** Sides whose bytes after a gap were not looked at yet: a record there that the data ends exactly is taken at once. */
  private readonly afterGap = new Set<Side>();
  private readonly window: number;
  private readonly ahead: DecryptAhead;

  constructor(private readonly options: TlsDecodeOptions) {
    this.window = options.appDataWindow ?? CAPTURE_APP_DATA_WINDOW;
    this.ahead = options.ahead ?? new DecryptAhead();
    this.keys = new KeyLogKeys(options.keyLog, this.hs, this.session.keyLogLinesUsed, options.emit);
  }

  /**
   * Feed the stream's data in capture order (both directions interleaved). Records are framed at once and
   * decrypted ahead; their events come out in stream order, at the latest by `finish()`.
   */
  feed(chunk: StreamChunk): void | Promise<void> {
    const dir = this.dirs[chunk.direction];
    this.lastTime = chunk.time;
    if ('gap' in chunk) {
      this.firstBytes.delete(dir.side);
      this.afterGap.add(dir.side);
      dir.dropped = dir.buffer.length;
      dir.buffer.clear();
      dir.tail = NO_BYTES;
      dir.resync = !dir.stopped;
      this.enqueue({ kind: 'gap', dir, gap: chunk.gap, time: chunk.time });
    } else if (!dir.stopped) {
      dir.buffer.push(chunk.bytes);
      this.frame(dir, chunk.time, false);
    }
    const pending = this.process(false);
    // A record cut by the chunk's end: its first part copied, with room for the rest (one copy in all).
    if (this.options.transient && dir.buffer.length > 0) dir.buffer.own(this.recordSize(dir));
    return pending;
  }

  /** The size of the record the direction's unframed bytes begin (as far as known). */
  private recordSize(dir: Direction): number {
    const b = dir.buffer;
    if (dir.resync || b.length < RECORD_HEADER_LENGTH) return b.length;
    return Math.max(b.length, RECORD_HEADER_LENGTH + ((b.at(3)! << 8) | b.at(4)!));
  }

  /**
   * The stream's capture does not begin with its hellos: each direction is read from its first record boundary,
   * and handshake records that do not read as messages in clear are taken as encrypted.
   */
  beginMidway(): void {
    this.midway = true;
    for (const dir of Object.values(this.dirs)) {
      dir.resync = true;
      this.firstBytes.add(dir.side);
    }
  }

  /** The end of the stream: show what is still queued, and say what was left unfinished. */
  async finish(): Promise<DecodedSession> {
    // Records found only now (after a gap, at the very end) are dated as the last data the stream had.
    for (const dir of Object.values(this.dirs)) if (dir.resync && !dir.stopped) this.frame(dir, this.lastTime, true);
    await this.process(true);
    for (const dir of Object.values(this.dirs)) {
      if (dir.buffer.length > 0 && !dir.stopped) {
        this.emit({ kind: 'error', code: 'TRUNCATED_RECORD', message: `the ${dir.side}'s data ends in the middle of a record (${dir.buffer.length} bytes left over)` });
      }
      // Whole records whose handshake message never finished (the capture stopped between two of its records).
      if (dir.handshake.length > 0 && !dir.stopped) this.emit({ kind: 'error', code: 'TRUNCATED_MESSAGE', message: `the ${dir.side}'s handshake data ends in the middle of ${partialMessage(dir.handshake)}` });
      if (dir.lost) this.session.gaps.push(dir.lost);
      if (dir.undecrypted) this.session.undecrypted.push(dir.undecrypted);
    }
    this.session.keyLogLinesUsed.sort((a, b) => a - b);
    return this.session;
  }

  private emit(event: NewTraceEvent): number {
    return this.options.emit(event);
  }

  // ---------- framing (as data arrives) ----------

  private enqueue(entry: Queued): void {
    entry.dir.queued++;
    if (entry.kind !== 'record' || !entry.ahead) entry.dir.ahead = null;
    this.queue.push(entry);
  }

  /** Cut the direction's bytes into records and queue them; start decrypting those whose keys are known. */
  private frame(dir: Direction, time: number, final: boolean): void {
    const buffer = dir.buffer;
    for (;;) {
      if (dir.resync && !this.resync(dir, final)) return;
      if (buffer.length < RECORD_HEADER_LENGTH) return;
      const header = buffer.peek(RECORD_HEADER_LENGTH);
      if (!looksLikeRecordHeader(header)) {
        const head = toHex(header);
        this.enqueue({ kind: 'event', dir, time, event: { kind: 'error', code: 'NOT_TLS', message: `the ${dir.side}'s bytes stop looking like TLS records here (header ${head}); the rest of this direction is not decoded` } });
        dir.stopped = true;
        buffer.clear();
        return;
      }
      const length = (header[3] << 8) | header[4];
      if (buffer.length < RECORD_HEADER_LENGTH + length) return;
      const bytes = buffer.take(RECORD_HEADER_LENGTH + length);
      const before = dir.tail.length > 0 ? dir.tail : null;
      // Where TLS 1.0's next IV is (or not: in TLS 1.2 and 1.3 the copy is saved).
      dir.tail = this.session.version === null || this.session.version === '1.0' ? lastBytes(dir.tail, bytes) : NO_BYTES;
      const entry: Extract<Queued, { kind: 'record' }> = { kind: 'record', dir, bytes, time, dropped: dir.dropped, before };
      dir.dropped = 0;
      this.decryptAhead(dir, entry);
      this.enqueue(entry);
    }
  }

  /**
   * After a gap: drop bytes up to the next place that looks like a record header followed by another (one
   * plausible header alone is too easily found inside ciphertext), or by the end of the data at the very end.
   */
  private resync(dir: Direction, final: boolean): boolean {
    const b = dir.buffer;
    const byte = (i: number) => b.at(i) ?? -1;
    const headerAt = (i: number) => {
      const type = byte(i);
      const length = (byte(i + 3) << 8) | byte(i + 4);
      return type >= 20 && type <= 24 && byte(i + 1) === 3 && byte(i + 2) >= 0 && byte(i + 2) <= 4 && byte(i + 4) >= 0 && length <= (1 << 14) + 2048;
    };
    if (this.firstBytes.has(dir.side)) {
      // The capture's first bytes of a direction most often begin a record (a packet's payload does): a header
      // there needs no confirmation, so its record is shown in its place among the other side's, not at the end.
      if (b.length < RECORD_HEADER_LENGTH && !final) return false;
      this.firstBytes.delete(dir.side);
      if (headerAt(0)) {
        dir.resync = false;
        return true;
      }
    }
    if (this.afterGap.has(dir.side)) {
      // After a gap the data picks up at a segment's start, where records most often begin too: a header there
      // whose record the data so far ends exactly is taken without waiting for the next one, so the record is
      // shown in its place (a Finished after a lost ChangeCipherSpec comes before the other side's, which checks it).
      if (b.length < RECORD_HEADER_LENGTH && !final) return false;
      const end = RECORD_HEADER_LENGTH + ((byte(3) << 8) | byte(4));
      if (headerAt(0) && end > b.length && !final) return false;
      this.afterGap.delete(dir.side);
      if (headerAt(0) && end === b.length) {
        dir.resync = false;
        return true;
      }
    }
    for (let at = 0; at + RECORD_HEADER_LENGTH <= b.length; at++) {
      if (!headerAt(at)) continue;
      const next = at + RECORD_HEADER_LENGTH + ((byte(at + 3) << 8) | byte(at + 4));
      if (next + RECORD_HEADER_LENGTH > b.length) {
        if (!final && next <= b.length + LARGEST_RECORD) {
          // Wait for the bytes that confirm it (or not).
          this.drop(dir, at);
          return false;
        }
        if (!final || next !== b.length) continue;
      } else if (!headerAt(next)) continue;
      this.drop(dir, at);
      dir.resync = false;
      return true;
    }
    this.drop(dir, final ? b.length : Math.max(0, b.length - (RECORD_HEADER_LENGTH - 1)));
    return false;
  }

  /**
   * Drop the direction's first `n` unframed bytes (resynchronising), keeping their last ones: when they end the
   * record before the next one found, TLS 1.0's IV for it is there.
   */
  private drop(dir: Direction, n: number): void {
    if (n === 0) return;
    const b = dir.buffer;
    const keep = Math.min(n, TAIL_LENGTH);
    const last = new Uint8Array(keep);
    for (let i = 0; i < keep; i++) last[i] = b.at(n - keep + i)!;
    dir.tail = lastBytes(dir.tail, last);
    dir.dropped += n;
    b.skip(n);
  }

  /** Start decrypting a record now when the keys it will need are already known (checked again when shown). */
  private decryptAhead(dir: Direction, entry: Extract<Queued, { kind: 'record' }>): void {
    const protection = dir.protection;
    // Records that open without an await are opened when shown; the reader's bytes are not kept to decrypt ahead.
    if (this.options.transient || protection.state !== 'keys' || canOpenNow(protection.protector)) return;
    if (dir.lost || !this.isProtected(dir, entry.bytes[0])) return;
    const from = dir.queued === 0 ? { protector: protection.protector, seq: dir.seq } : dir.ahead;
    if (!from || from.protector !== protection.protector || this.ahead.active >= this.ahead.max) return;
    this.ahead.active++;
    const started = attempt(from.protector, rawRecord(entry.bytes, entry.before), from.seq);
    const ahead: Ahead = { protector: from.protector, seq: from.seq, attempt: started };
    void started.then((result) => {
      this.ahead.active--;
      ahead.result = result;
    });
    entry.ahead = ahead;
    dir.ahead = { protector: from.protector, seq: from.seq + 1 };
  }

  /**
   * Show queued entries in order, all but those still decrypting ahead (unless `final`). Done before returning
   * when no entry needs an await (records that open at once, application data, alerts); else a promise, and the
   * entries behind are copied first when their bytes are the reader's.
   */
  private process(final: boolean): void | Promise<void> {
    while (this.queue.length > this.queueHead) {
      const entry = this.queue[this.queueHead];
      // A record still decrypting waits for more data to come (unless too many are waiting behind it).
      if (!final && entry.kind === 'record' && entry.ahead && !entry.ahead.result && this.queue.length - this.queueHead <= this.ahead.max) return;
      this.queue[this.queueHead++] = undefined as unknown as Queued;
      if (this.queueHead > 1024) {
        this.queue = this.queue.slice(this.queueHead);
        this.queueHead = 0;
      }
      entry.dir.queued--;
      this.options.onTime?.(entry.time);
      let pending: void | Promise<void> = undefined;
      if (entry.kind === 'event') this.emit(entry.event);
      else if (entry.kind === 'gap') this.gap(entry.dir, entry.gap);
      else pending = this.record(entry.dir, entry.bytes, entry.ahead, entry.dropped, entry.before);
      if (pending) {
        if (this.options.transient) this.ownQueued();
        return pending.then(() => this.process(final));
      }
    }
  }

  /** Copy the queued records' bytes (they are views into the reader's buffer, and the decoder is about to wait). */
  private ownQueued(): void {
    for (let i = this.queueHead; i < this.queue.length; i++) {
      const entry = this.queue[i];
      if (entry.kind === 'record') entry.bytes = entry.bytes.slice();
    }
  }

  private gap(dir: Direction, bytes: number): void {
    const underKeys = dir.protection.state === 'keys';
    // TLS 1.2 and older: keys agreed, this side's ChangeCipherSpec not seen yet: it may be in the gap.
    const ccsDue = !underKeys && dir.protection.state === 'none' && dir.pending12?.state === 'keys';
    const after = underKeys
      ? ', and the first record after it is tried at the next sequence numbers (its authentication tag decides)'
      : ccsDue
        ? `; the ${dir.side}'s ChangeCipherSpec was due, so the first record after it is also tried under the new keys from sequence number 0 (its authentication tag decides)`
        : '';
    this.emit({ kind: 'error', code: 'CAPTURE_GAP', message: `${bytes} bytes from the ${dir.side} are missing from the capture here: what follows is read from the next record boundary found${after}` });
    dir.handshake = NO_BYTES;
    dir.handshakeRecords = [];
    if (dir.lost) this.session.gaps.push(dir.lost);
    // TLS 1.0: records already found past an earlier gap without their IV are still between the last one opened and the next.
    if (dir.ivLost) dir.ivLost.span += bytes;
    dir.lost = { direction: dir.side, bytes, recordsLost: null };
    if (!underKeys) {
      this.session.gaps.push(dir.lost);
      dir.ccsGap = ccsDue ? dir.lost : null;
      dir.lost = null;
    }
  }

  // ---------- records (in stream order) ----------

  /** TLS 1.2 or older: the ServerHello chose a version before 1.3. */
  private tls12Like(): boolean {
    return this.session.version !== null && this.session.version !== '1.3';
  }

  private isProtected(dir: Direction, contentType: number): boolean {
    if (dir.protection.state === 'none') return false;
    // TLS 1.3 protects every record as application_data; a change_cipher_spec (or a plaintext alert) is in clear.
    // (Early data comes before the ServerHello tells the version.)
    if (this.session.version === '1.3' || dir.epoch === 'early') return contentType === ContentType.application_data;
    return true;
  }

  /** Counts application data against the direction's window: true while it is still shown in full. */
  private inWindow(dir: Direction, length: number): boolean {
    if (dir.shown >= this.window) return false;
    dir.shown += length;
    return true;
  }

  private record(dir: Direction, bytes: Uint8Array, ahead: Ahead | undefined, dropped: number, before: Uint8Array | null): void | Promise<void> {
    if (this.ccsMayBeLost(dir, bytes)) {
      const kept = this.options.transient ? bytes.slice() : bytes;
      return this.openWithoutCcs(dir, kept, before, dropped).then((opened) => (opened ? this.opened(dir, kept, opened) : this.recordAsSeen(dir, kept, ahead, dropped, before)));
    }
    return this.recordAsSeen(dir, bytes, ahead, dropped, before);
  }

  /** A record shown as the direction's state says: in clear, opened under its keys, or encrypted. */
  private recordAsSeen(dir: Direction, bytes: Uint8Array, ahead: Ahead | undefined, dropped: number, before: Uint8Array | null): void | Promise<void> {
    const contentType = bytes[0];
    if (dir.protection.state === 'none' && !this.options.alone && (encryptedByItsLooks(bytes) || this.encryptedHandshake(dir, bytes))) this.handshakeNotSeen(dir);
    if (!this.isProtected(dir, contentType)) {
      if (contentType === ContentType.application_data && !this.inWindow(dir, bytes.length - RECORD_HEADER_LENGTH)) {
        const index = this.summarisedRecord(dir.side, 'plaintext', dir.plaintextSeq++, bytes, plaintextRecordFields(bytes), bytes.length - RECORD_HEADER_LENGTH);
        this.summarisedAppData(dir.side, bytes.length - RECORD_HEADER_LENGTH, index);
        return;
      }
      // A copy: a view would keep the capture's whole read buffer alive as long as the event.
      const own = bytes.slice();
      const index = this.recordEvent(dir.side, 'plaintext', dir.plaintextSeq++, own, plaintextRecordFields(own));
      return this.content(dir, contentType, own.subarray(RECORD_HEADER_LENGTH), index, 'plaintext');
    }
    if (dir.protection.state === 'keys') {
      const now = this.openAtOnce(dir, bytes, ahead, before);
      if (now) return this.opened(dir, bytes, now);
      // The slow way (an await): the reader's bytes are copied first.
      const kept = this.options.transient ? bytes.slice() : bytes;
      return this.open(dir, kept, ahead, dropped, before).then((opened) => (opened === IV_LOST ? this.ivLostRecord(dir, kept) : opened ? this.opened(dir, kept, opened) : this.unopened(dir, kept)));
    }
    this.unopened(dir, bytes);
  }

  /**
   * A record while this side's ChangeCipherSpec is due (TLS 1.2 and older: keys agreed, pending) that may come after
   * it: a gap came first, or the record cannot be in clear (application data; a handshake record that does not read
   * as messages). Tried under the pending keys first (openWithoutCcs).
   */
  private ccsMayBeLost(dir: Direction, bytes: Uint8Array): boolean {
    if (dir.protection.state !== 'none' || dir.pending12?.state !== 'keys' || this.options.alone) return false;
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
  private async openWithoutCcs(dir: Direction, bytes: Uint8Array, before: Uint8Array | null, dropped: number): Promise<OpenedRecord | null> {
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
      this.emit({ kind: 'note', text: `the ${dir.side}'s ChangeCipherSpec is missing from the capture, but this record opens under the new keys at sequence number ${seq} (its authentication tag checked${lost}): decryption goes on from there` });
      return tried.opened;
    }
    return null;
  }

  /**
   * TLS 1.0, the first record found after a gap under keys: its IV, the last cipher block of the record before it,
   * was lost with the gap. Shown encrypted (its first block would decrypt wrong, and its MAC could not vouch for the
   * rest); the next record, whose IV is this one's last block, is tried at the sequence numbers past it.
   */
  private ivLostRecord(dir: Direction, bytes: Uint8Array): void {
    const pending = dir.ivLost!;
    const seq = dir.seq + pending.records - 1 + lostRange(pending.span).fewest;
    const protector = (dir.protection as Extract<Protection, { state: 'keys' }>).protector;
    const fields = protectedRecordFields(bytes, protector.tagLength);
    const index =
      bytes[0] === ContentType.application_data && !this.inWindow(dir, bytes.length - RECORD_HEADER_LENGTH)
        ? this.summarisedRecord(dir.side, dir.epoch, seq, bytes, fields, bytes.length - RECORD_HEADER_LENGTH)
        : this.recordEvent(dir.side, dir.epoch, seq, bytes.slice(), fields);
    this.emit({
      kind: 'note',
      text: `${dir.side} record #${index} is not decrypted: in TLS 1.0 a record's IV is the last ciphertext block of the record before it, which the capture lost, so its first 16 bytes would decrypt wrong and its MAC cannot vouch for the rest. The next record, whose IV is this one's last block, is tried at the sequence numbers after it.`,
    });
    const needs = this.keys.lineFor(dir, dir.epoch, false);
    this.session.undecrypted.push({ direction: dir.side, epoch: dir.epoch, records: 1, needs, reason: 'records were lost before them' });
  }

  /**
   * The record opened without an await, when it can be: its decryption ahead settled, or the provider opens it
   * synchronously (sync-opener.ts). Undefined sends it the slow way (after a gap, early data's candidate keys, a
   * record that does not open: `open` says why).
   */
  private openAtOnce(dir: Direction, bytes: Uint8Array, ahead: Ahead | undefined, before: Uint8Array | null): OpenedRecord | undefined {
    if (dir.lost || dir.alternatives.length > 0) return undefined;
    const protector = (dir.protection as Extract<Protection, { state: 'keys' }>).protector;
    if (ahead && ahead.protector === protector && ahead.seq === dir.seq) return ahead.result?.ok ? ahead.result.opened : undefined;
    return openNow(protector, rawRecord(bytes, before), dir.seq) ?? undefined;
  }

  /** A record that opened: its event (summarised beyond the window) and its content. */
  private opened(dir: Direction, bytes: Uint8Array, opened: OpenedRecord): void | Promise<void> {
    const seq = dir.seq++;
    const tagLength = opened.details.tag.length;
    if (opened.contentType === ContentType.application_data && !this.inWindow(dir, opened.fragment.length)) {
      const index = this.summarisedRecord(dir.side, dir.epoch, seq, bytes, protectedRecordFields(bytes, tagLength), opened.fragment.length, opened.details);
      this.summarisedAppData(dir.side, opened.fragment.length, index);
      return;
    }
    const own = bytes.slice();
    const d = opened.details;
    const details = { ...d, aad: rebase(d.aad, bytes, own), ciphertext: rebase(d.ciphertext, bytes, own), tag: rebase(d.tag, bytes, own), nonce: rebase(d.nonce, bytes, own), iv: rebase(d.iv, bytes, own) };
    const index = this.recordEvent(dir.side, dir.epoch, seq, own, protectedRecordFields(own, tagLength), details);
    return this.content(dir, opened.contentType, opened.fragment, index, dir.epoch);
  }

  /**
   * A direction under keys the capture never showed being agreed (it began after the hellos, or lost or cut
   * them): TLS sends application data only encrypted, and after a ChangeCipherSpec every record is. Its records
   * from here are shown as encrypted, never as plaintext.
   */
  private handshakeNotSeen(dir: Direction): void {
    const needs = this.keys.lineFor(dir, 'application', this.session.version === '1.3');
    dir.epoch = 'application';
    dir.opaqueSeq = 0;
    if (dir.pending12) {
      // TLS 1.2 keys were agreed, but this side's ChangeCipherSpec (and what else was in the gap) is missing: the
      // records' sequence numbers are not known, so they are shown as encrypted, not guessed at.
      const pending = dir.pending12;
      dir.pending12 = null;
      dir.protection = pending.state === 'missing' ? pending : { state: 'missing', needs, reason: 'records were lost before them' };
      this.emit({ kind: 'note', text: `the ${dir.side}'s ChangeCipherSpec is missing from the capture: its records from here on are encrypted, and stay so` });
      return;
    }
    dir.protection = { state: 'missing', needs, reason: NO_HANDSHAKE };
  }

  /** In a stream whose capture began after the hellos, a handshake record that does not read as messages in clear. */
  private encryptedHandshake(dir: Direction, record: Uint8Array): boolean {
    return this.midway && this.session.version === null && record[0] === ContentType.handshake && dir.handshake.length === 0 && !readsAsHandshake(record.subarray(RECORD_HEADER_LENGTH));
  }

  /**
   * A ChangeCipherSpec before any ServerHello was seen, that only a missed hello explains: the server sends one
   * only after its ServerHello (or, TLS 1.3, after a HelloRetryRequest, then its ServerHello in clear); the client
   * sends one after its ClientHello (TLS 1.3 sends it before the ServerHello arrives, in clear, and the ServerHello
   * then sets its keys).
   */
  private ccsAfterUnseenHello(dir: Direction): boolean {
    return dir.side === 'server' ? !this.session.helloRetryRequest : !this.hs.clientHello;
  }

  /** Encrypted and we cannot open it: show it as such, once saying which key log line would. */
  private unopened(dir: Direction, bytes: Uint8Array): void {
    const contentType = bytes[0];
    const missing = dir.protection as Extract<Protection, { state: 'missing' }>;
    const fields = protectedRecordFields(bytes, this.session.version === '1.3' || contentType === ContentType.application_data ? 16 : 0);
    const index =
      contentType === ContentType.application_data && !this.inWindow(dir, bytes.length - RECORD_HEADER_LENGTH)
        ? this.summarisedRecord(dir.side, dir.epoch, dir.opaqueSeq++, bytes, fields, bytes.length - RECORD_HEADER_LENGTH)
        : this.recordEvent(dir.side, dir.epoch, dir.opaqueSeq++, bytes.slice(), fields);
    if (!dir.undecrypted || dir.undecrypted.epoch !== dir.epoch || dir.undecrypted.needs !== missing.needs) {
      if (dir.undecrypted) this.session.undecrypted.push(dir.undecrypted);
      dir.undecrypted = { direction: dir.side, epoch: dir.epoch, records: 0, needs: missing.needs, reason: missing.reason };
      if (missing.reason === 'no key in the key log') {
        this.emit({ kind: 'note', text: `encrypted ${dir.side} records (${dir.epoch} keys) from record #${index} on: the key log line ${missing.needs} would open them` });
      } else if (missing.reason === UNKNOWN_SUITE) {
        this.emit({ kind: 'note', text: `encrypted ${dir.side} records from record #${index} on, not decrypted: their cipher suite ${this.session.cipherSuite} is not one TLS Lens decrypts` });
      } else if (missing.reason === LEGACY_CIPHER) {
        const cipher = unsupportedCipherSuite(this.hs.suiteCode ?? -1)?.cipher ?? 'RC4 or 3DES';
        this.emit({ kind: 'note', text: `encrypted ${dir.side} records from record #${index} on, not decrypted: their cipher suite ${this.session.cipherSuite} uses ${cipher}, which TLS Lens does not decrypt (no well-kept library it uses implements it)` });
      } else if (missing.reason === NO_HANDSHAKE) {
        this.emit({ kind: 'note', text: `encrypted ${dir.side} records from record #${index} on, not decrypted: the capture does not hold the handshake that made their keys${this.hs.clientRandom ? '' : ' (its ClientHello, whose random finds them in a key log)'}` });
      }
    }
    dir.undecrypted.records++;
  }

  /** Open a record under the direction's keys (its decryption may have started ahead); null when it does not open. */
  private async open(dir: Direction, bytes: Uint8Array, ahead: Ahead | undefined, dropped: number, before: Uint8Array | null): Promise<OpenedRecord | null | typeof IV_LOST> {
    const protector = (dir.protection as Extract<Protection, { state: 'keys' }>).protector;
    const raw = rawRecord(bytes, before);
    if (dir.lost) return this.openAfterGap(dir, protector, raw, dropped);
    const result = ahead && ahead.protector === protector && ahead.seq === dir.seq ? await ahead.attempt : await attempt(protector, raw, dir.seq);
    const alternatives = dir.alternatives;
    dir.alternatives = [];
    if (result.ok) return result.opened;
    for (const other of alternatives) {
      const tried = await attempt(other, raw, dir.seq);
      if (!tried.ok) continue;
      dir.protection = { state: 'keys', protector: other };
      return tried.opened;
    }
    if (await this.endOfEarlyKeys(dir, raw)) return this.open(dir, bytes, undefined, 0, before);
    const needs = this.keys.lineFor(dir, dir.epoch, this.session.version === '1.3');
    this.emit({ kind: 'error', code: 'KEY_DOES_NOT_DECRYPT', message: `${dir.side} record ${dir.seq} (${dir.epoch} keys, ${protector.cipherSuite}) does not decrypt with the key log's ${needs}: ${result.error.message}. It and the rest of this direction stay encrypted.` });
    dir.protection = { state: 'missing', needs, reason: 'the key did not decrypt' };
    dir.opaqueSeq = dir.seq;
    return null;
  }

  /**
   * TLS 1.3 with early data: the client's early keys end at its EndOfEarlyData, which the early keys themselves
   * hide (or, when the server refused the early data, where the client's records start opening under its
   * handshake keys). True when the handshake keys open this record and have taken over.
   */
  private async endOfEarlyKeys(dir: Direction, raw: RawRecord): Promise<boolean> {
    const next = dir.after0rtt;
    if (!next || next.protection.state !== 'keys') return false;
    const tried = await attempt(next.protection.protector, raw, 0);
    if (!tried.ok) return false;
    this.emit({ kind: 'note', text: `the client's early data ends here: this record opens under its handshake keys` });
    this.switchAfterEarlyData(dir);
    return true;
  }

  private switchAfterEarlyData(dir: Direction): void {
    if (!dir.after0rtt) return;
    if (dir.undecrypted) this.session.undecrypted.push(dir.undecrypted);
    dir.undecrypted = null;
    dir.protection = dir.after0rtt.protection;
    dir.epoch = dir.after0rtt.epoch;
    dir.after0rtt = null;
    dir.seq = 0;
    dir.opaqueSeq = 0;
  }

  /**
   * The first record after a gap under keys: the records lost in between are at least the bytes lost over the
   * largest record and at most over the smallest; the sequence numbers they allow are tried (up to
   * MAX_SEQUENCE_TRIALS), and only the authentication tag says which one is right: never a guess.
   */
  private async openAfterGap(dir: Direction, protector: RecordProtector, raw: CapturedRecord, dropped: number): Promise<OpenedRecord | null | typeof IV_LOST> {
    const lost = dir.lost!;
    // TLS 1.0: records found after the gap without their IV (ivLostRecord) lie between, and the span is the gap's.
    const skipped = dir.ivLost?.records ?? 0;
    const span = dir.ivLost?.span ?? lost.bytes + dropped;
    const { fewest, most } = lostRange(span);
    const base = dir.seq + skipped;
    if (protector instanceof LegacyCbcProtector && protector.ivLost(raw, BigInt(base + fewest))) {
      dir.ivLost = { records: skipped + 1, span };
      return IV_LOST;
    }
    dir.lost = null;
    dir.ivLost = null;
    this.session.gaps.push(lost);
    for (let n = fewest; n <= most; n += 8) {
      const batch = Array.from({ length: Math.min(8, most - n + 1) }, (_, k) => attempt(protector, raw, base + n + k));
      const results = await Promise.all(batch);
      const k = results.findIndex((r) => r.ok);
      if (k < 0) continue;
      lost.recordsLost = n + k;
      dir.seq = base + n + k;
      const unread = skipped ? ` (after ${skipped} record(s) found but not decrypted, their IV lost)` : '';
      this.emit({ kind: 'note', text: `${n + k} ${dir.side} record(s) were lost in the gap: the record after it${unread} opened at sequence number ${dir.seq} (its authentication tag checked), so decryption goes on from there` });
      return (results[k] as Extract<Attempt, { ok: true }>).opened;
    }
    const needs = this.keys.lineFor(dir, dir.epoch, this.session.version === '1.3');
    this.emit({ kind: 'error', code: 'RECORDS_LOST', message: `after the gap, the ${dir.side}'s next record does not open at sequence numbers ${base + fewest}..${base + most} (${most - fewest + 1} tried: the number of records lost is not known, or the keys changed in the gap). It and the rest of this direction stay encrypted.` });
    dir.protection = { state: 'missing', needs, reason: 'records were lost before them' };
    dir.opaqueSeq = base + fewest;
    return null;
  }

  private recordEvent(direction: Side, epoch: Epoch, seq: number, bytes: Uint8Array, fields: RecordEvent['fields'], details?: ProtectionDetails): number {
    const hex = lazyHex(bytes);
    const event: Omit<RecordEvent, 'index' | 't' | 'conn'> = {
      kind: 'record',
      direction,
      epoch,
      seq,
      contentType: bytes[0],
      get bytes() {
        return hex();
      },
      fields,
    };
    if (details) {
      const ciphertext = lazyHexOfPart(details.ciphertext, bytes, hex);
      const plaintext = lazyHexOfPart(details.plaintext, bytes, hex);
      event.protection = protectionJson(details, ciphertext, plaintext);
    }
    return this.emit(event);
  }

  /** An application data record beyond the window: header (and a TLS 1.2 GCM explicit nonce), sizes, nonce, tag. */
  private summarisedRecord(direction: Side, epoch: Epoch, seq: number, bytes: Uint8Array, fields: RecordEvent['fields'], length: number, details?: ProtectionDetails): number {
    const kept = details && details.iv.length === 4 ? RECORD_HEADER_LENGTH + 8 : RECORD_HEADER_LENGTH;
    const event: Omit<RecordEvent, 'index' | 't' | 'conn'> = { kind: 'record', direction, epoch, seq, contentType: bytes[0], bytes: toHex(bytes.subarray(0, kept)), fields, summarised: { length } };
    if (details) {
      // protectionJson's fields, made at once (one per record beyond the window: no lazy getters to build).
      const d = details;
      event.protection = { cipherSuite: d.cipherSuite, nonce: toHex(d.nonce), iv: toHex(d.iv), aad: toHex(d.aad), ciphertext: '', tag: toHex(d.tag), plaintext: '', innerContentType: d.innerContentType, paddingLength: d.paddingLength };
    }
    return this.emit(event);
  }

  private summarisedAppData(direction: Side, length: number, record: number): void {
    this.emit({ kind: 'app-data', direction, bytes: '', record, summarised: { length } });
  }

  private content(dir: Direction, contentType: number, fragment: Uint8Array, record: number, epoch: Epoch): void | Promise<void> {
    switch (contentType) {
      case ContentType.change_cipher_spec:
        // TLS 1.2: ChangeCipherSpec (in clear, or under the old keys in a renegotiation) switches this side to the
        // keys just negotiated.
        if (this.session.version !== '1.3' && dir.pending12) {
          dir.protection = dir.pending12;
          dir.pending12 = null;
          dir.epoch = 'application';
          dir.seq = 0;
          dir.opaqueSeq = 0;
        } else if (this.session.version === null && dir.protection.state === 'none' && !this.options.alone && this.ccsAfterUnseenHello(dir)) {
          // Whatever follows this ChangeCipherSpec is encrypted (TLS 1.2's Finished, or TLS 1.3's records).
          this.handshakeNotSeen(dir);
        }
        return;
      case ContentType.handshake:
        dir.handshake = append(dir.handshake, fragment);
        dir.handshakeRecords.push(record);
        return this.handshakeMessages(dir, epoch);
      case ContentType.alert:
        for (let i = 0; i + 1 < fragment.length; i += 2) {
          this.emit({ kind: 'alert', direction: dir.side, level: fragment[i] === 2 ? 'fatal' : 'warning', description: fragment[i + 1], name: alertName(fragment[i + 1]), record });
        }
        return;
      case ContentType.application_data: {
        const hex = lazyHex(fragment);
        this.emit({
          kind: 'app-data',
          direction: dir.side,
          get bytes() {
            return hex();
          },
          record,
        });
        return;
      }
      default:
        return;
    }
  }

  // ---------- handshake ----------

  private async handshakeMessages(dir: Direction, epoch: Epoch): Promise<void> {
    while (dir.handshake.length >= 4) {
      const length = (dir.handshake[1] << 16) | (dir.handshake[2] << 8) | dir.handshake[3];
      if (dir.handshake.length < 4 + length) return;
      const bytes = dir.handshake.slice(0, 4 + length);
      dir.handshake = dir.handshake.subarray(4 + length);
      const records = dir.handshakeRecords;
      dir.handshakeRecords = dir.handshake.length > 0 ? [records[records.length - 1]] : [];
      let decoded;
      try {
        decoded = this.tls12Like() ? decodeHandshake12(bytes, this.hs.kx) : this.session.version === '1.3' ? decodeHandshake(bytes) : decodeEitherVersion(bytes);
      } catch (e) {
        const why = this.whyNotDecoded();
        if (why) {
          this.undecodedMessage(dir, epoch, bytes, records, why);
          // Still one of the handshake's messages: the Finished of TLS 1.0 and 1.1 covers it (a HelloRequest never is one).
          if (!this.transcriptClosed && bytes[0] !== HT12.hello_request) this.hs.transcript.push(bytes);
        } else this.emit({ kind: 'error', code: 'DECODE_ERROR', message: `a ${dir.side} handshake message of type ${bytes[0]} (${bytes.length} bytes) does not decode: ${(e as Error).message}` });
        continue;
      }
      this.emit({ kind: 'handshake', direction: dir.side, epoch, msgType: decoded.msgType, name: decoded.name, bytes: toHex(bytes), fields: decoded.fields, records });
      const message = decoded.message as unknown as { type: string } & Record<string, unknown>;
      await this.afterMessage(dir, message);
      if (!this.transcriptClosed && message.type !== 'hello_request') this.hs.transcript.push(bytes);
      if (this.session.version === '1.3' && message.type === 'finished' && dir.side === 'client') this.transcriptClosed = true;
    }
  }

  /** SSL 3.0 to TLS 1.1, when the ServerHello chose one. */
  private legacyVersion(): LegacyVersion | null {
    const v = this.session.version;
    return v === null || v === '1.2' || v === '1.3' ? null : v;
  }

  /**
   * Why a handshake message the codecs do not read is no fault of the capture: an older version's form (its
   * ServerKeyExchange and CertificateVerify have no signature algorithm field), or a TLS 1.2 suite the engine does
   * not know, whose key exchange messages' form it cannot tell. Null: the message itself is malformed.
   */
  private whyNotDecoded(): string | null {
    const legacy = this.legacyVersion();
    if (legacy) return `it is in ${versionName(legacy)}'s form (no signature algorithm field), which TLS Lens does not decode`;
    if (this.session.version === '1.2' && !this.hs.kx) return `its form depends on the key exchange of the cipher suite ${this.session.cipherSuite}, which TLS Lens does not know`;
    return null;
  }

  /** A message shown with its bytes and why it is not decoded, not as an error. */
  private undecodedMessage(dir: Direction, epoch: Epoch, bytes: Uint8Array, records: number[], why: string): void {
    const name = handshakeName12(bytes[0]);
    const fields = [{ name: 'body', start: 4, end: bytes.length, value: `${bytes.length - 4} bytes, not decoded` }];
    this.emit({ kind: 'handshake', direction: dir.side, epoch, msgType: bytes[0], name, bytes: toHex(bytes), fields, records });
    this.emit({ kind: 'note', text: `${name}: ${why}; its bytes are shown as they are, and nothing in it is checked` });
  }

  private async afterMessage(dir: Direction, m: { type: string } & Record<string, unknown>): Promise<void> {
    switch (m.type) {
      case 'client_hello': {
        const ch = m as unknown as ClientHello;
        if (this.handshakesDone > 0 && this.tls12Like()) this.session.renegotiations++;
        this.finishedBy = [];
        // A new handshake starts a new transcript, except the ClientHello that answers a HelloRetryRequest.
        if (!this.retried) this.hs.transcript = [];
        this.retried = false;
        this.transcriptClosed = false;
        const sameRandom = this.hs.clientRandom && toHex(this.hs.clientRandom) === toHex(ch.random);
        if (!sameRandom) this.hs.clientRandom = ch.random;
        this.hs.clientHello = ch;
        this.hs.requestedSchemes = null;
        this.session.clientRandom ??= toHex(ch.random);
        const sni = findExtension(ch.extensions, ExtensionType.server_name)?.hostName;
        if (sni && !this.session.serverName) this.session.serverName = sni;
        this.offeredSessionId = ch.sessionId.length ? toHex(ch.sessionId) : null;
        if (findExtension(ch.extensions, ExtensionType.early_data) !== undefined && dir.side === 'client') await this.keys.early(dir, ch);
        return;
      }
      case 'server_hello':
        return this.serverHello(m as unknown as ServerHello);
      case 'certificate':
      case 'certificate12': {
        const chain = m.type === 'certificate' ? (m.entries as { certData: Uint8Array }[]).map((e) => e.certData) : (m.chain as Uint8Array[]);
        if (chain[0]) this.hs.leaf[dir.side] = chain[0];
        if (dir.side !== 'server' || this.verified || !this.options.verifier) return;
        this.verified = true;
        await this.options.verifier.verify({ chain, serverName: this.session.serverName ?? undefined, purpose: 'server', now: this.options.time ?? new Date(), emit: (e) => void this.emit(e) });
        return;
      }
      case 'encrypted_extensions': {
        const alpn = findExtension(m.extensions as Extension[], ExtensionType.alpn)?.protocols?.[0];
        if (alpn) this.session.alpn = alpn;
        return;
      }
      case 'certificate_request12':
        this.hs.requestedSchemes = m.schemes as number[];
        return;
      case 'certificate_request':
        this.hs.requestedSchemes = findExtension(m.extensions as Extension[], ExtensionType.signature_algorithms)?.schemes ?? [];
        return;
      case 'certificate_verify':
      case 'certificate_verify12':
        return checkCertificateVerify(this.hs, this.options.emit, dir.side, m as unknown as SignedMessage);
      case 'finished':
        await checkFinished13(this.hs, this.options.emit, dir.side, m.verifyData as Uint8Array);
        return this.finished13(dir);
      case 'finished12':
        await checkFinished12(this.hs, this.options.emit, dir.side, m.verifyData as Uint8Array);
        // An abbreviated (resumed) handshake: the server's Finished comes first.
        if (this.finishedBy.length === 0 && dir.side === 'server' && this.handshakesDone === 0) this.session.resumed = true;
        this.finishedBy.push(dir.side);
        if (this.finishedBy.length === 2) this.handshakesDone++;
        return;
      case 'server_key_exchange':
        if (m.group !== undefined && !this.session.group) this.session.group = groupName(m.group as number);
        return checkServerKeyExchange(this.hs, this.options.emit, m as unknown as { params: Uint8Array; scheme: number; signature: Uint8Array });
      case 'key_update':
        return this.keyUpdate(dir);
      case 'end_of_early_data':
        this.switchAfterEarlyData(dir);
        return;
      default:
        return;
    }
  }

  // ---------- the hellos, Finished and KeyUpdate: where each direction's keys change ----------

  private async serverHello(sh: ServerHello): Promise<void> {
    if (sh.isHelloRetryRequest) {
      this.session.helloRetryRequest = true;
      this.retried = true;
      // RFC 8446 §4.4.1: the first ClientHello is replaced in the transcript by message_hash (254) || length || Hash(CH1).
      const suite = suiteByCode(sh.cipherSuite);
      if (suite && this.hs.transcript.length === 1) {
        const h = await digest(suite.hash, this.hs.transcript[0]);
        this.hs.transcript = [Uint8Array.of(254, 0, 0, h.length, ...h)];
      }
      this.emit({ kind: 'note', text: 'HelloRetryRequest: the server asks for a new ClientHello (another key share group)' });
      return;
    }
    const selected = findExtension(sh.extensions, ExtensionType.supported_versions)?.selectedVersion;
    this.hs.serverRandom = sh.random;
    // Without the ClientHello (the capture began later, or lost or cut it) the version, suite and what is
    // encrypted from here on are still known: the keys say why they are missing (key-log-keys.ts).
    const random = this.hs.clientRandom;
    if (selected === 0x0304) {
      this.session.version = '1.3';
      const suite = suiteByCode(sh.cipherSuite) ?? null;
      this.hs.suite13 = suite;
      this.session.cipherSuite = suiteNameOf(sh.cipherSuite, suite);
      const share = findExtension(sh.extensions, ExtensionType.key_share)?.share;
      if (share) this.session.group = groupName(share.group);
      this.session.resumed = findExtension(sh.extensions, ExtensionType.pre_shared_key) !== undefined;
      this.dirs.server.epoch = 'handshake';
      this.dirs.server.protection = await this.keys.traffic13(this.dirs.server, 'handshake', 'SERVER_HANDSHAKE_TRAFFIC_SECRET');
      this.dirs.server.seq = 0;
      const client = this.dirs.client;
      const clientKeys = await this.keys.traffic13(client, 'handshake', 'CLIENT_HANDSHAKE_TRAFFIC_SECRET');
      if (client.epoch === 'early') {
        // Early data goes on under the early keys until the client's EndOfEarlyData.
        client.after0rtt = { protection: clientKeys, epoch: 'handshake' };
        return;
      }
      client.epoch = 'handshake';
      client.protection = clientKeys;
      client.seq = 0;
      return;
    }
    if (LEGACY_VERSIONS[sh.legacyVersion]) return this.legacyServerHello(sh, LEGACY_VERSIONS[sh.legacyVersion]);
    // TLS 1.2 (suites the engine lacks are shown, not decrypted).
    this.session.version = '1.2';
    const suite = this.serverHello12(sh);
    const pending = await this.keys.both12(suite, random, sh.random);
    this.dirs.client.pending12 = pending.client;
    this.dirs.server.pending12 = pending.server;
  }

  /**
   * What a TLS 1.2 (or older) ServerHello says besides the keys: the suite, encrypt-then-MAC (RFC 7366: both hellos
   * name it) and whether the session is resumed.
   */
  private serverHello12(sh: ServerHello) {
    const suite = suite12ByCode(sh.cipherSuite) ?? null;
    this.hs.kx = suite?.kx;
    this.hs.suiteCode = sh.cipherSuite;
    this.session.cipherSuite = suiteNameOf(sh.cipherSuite, suite);
    const clientEtm = this.hs.clientHello ? findExtension(this.hs.clientHello.extensions, ExtensionType.encrypt_then_mac) !== undefined : false;
    this.hs.etm = clientEtm && findExtension(sh.extensions, ExtensionType.encrypt_then_mac) !== undefined;
    const echoed = sh.sessionIdEcho.length ? toHex(sh.sessionIdEcho) : null;
    // Resumed: the server echoes the offered session id (or, with a ticket, goes straight to ChangeCipherSpec; seen later).
    if (this.handshakesDone === 0 && echoed !== null && echoed === this.offeredSessionId) this.session.resumed = true;
    return suite;
  }

  /**
   * SSL 3.0 to TLS 1.1: named, and their messages shown as far as TLS 1.2's codecs read them. TLS 1.0 and 1.1's
   * records after ChangeCipherSpec are opened with their own PRF, key block and CBC record form (AES-CBC suites:
   * legacy-cbc-protector.ts); SSL 3.0's stay encrypted, saying why (its MAC and key derivation are its own: keys made
   * as TLS's would fail and read as a wrong key log).
   */
  private async legacyServerHello(sh: ServerHello, version: LegacyVersion): Promise<void> {
    this.session.version = version;
    const suite = this.serverHello12(sh);
    if (version !== 'SSL 3.0') {
      const pending = await this.keys.bothLegacy(suite, version === '1.0' ? 0x0301 : 0x0302, this.hs.clientRandom, sh.random);
      this.dirs.client.pending12 = pending.client;
      this.dirs.server.pending12 = pending.server;
      if (suite && suite.cipher !== 'AES-CBC') this.emit({ kind: 'note', text: `the server chose ${suite.name} in ${versionName(version)}, a suite only TLS 1.2 defines: its records are not decrypted` });
      return;
    }
    const random = this.hs.clientRandom ? toHex(this.hs.clientRandom) : '(client random unknown)';
    const missing: Protection = { state: 'missing', needs: `CLIENT_RANDOM ${random}`, reason: LEGACY_VERSION };
    this.dirs.client.pending12 = missing;
    this.dirs.server.pending12 = missing;
    this.emit({ kind: 'note', text: `the server chose ${versionName(version)}: its handshake is shown, but its encrypted records are not decrypted (TLS Lens decrypts TLS 1.0 to 1.3)` });
  }

  private async finished13(dir: Direction): Promise<void> {
    if (this.session.version !== '1.3') return;
    // Each side's Finished is the last message under its handshake keys.
    const label = `${dir.side.toUpperCase()}_TRAFFIC_SECRET_0`;
    dir.epoch = 'application';
    dir.generation = 0;
    if (dir.protection.state === 'missing' && dir.protection.reason === 'the key did not decrypt') return;
    dir.protection = await this.keys.traffic13(dir, 'application', label);
    dir.seq = 0;
    if (dir.side === 'client') this.handshakesDone++;
  }

  private async keyUpdate(dir: Direction): Promise<void> {
    this.session.keyUpdates++;
    dir.generation++;
    await this.keys.afterKeyUpdate(dir);
  }
}

/** "TLS 1.0", "SSL 3.0", ... */
export function versionName(version: NonNullable<DecodedSession['version']>): string {
  return version.startsWith('SSL') ? version : `TLS ${version}`;
}

/** Decode one stream's chunks (after any plaintext preamble) into trace events. */
export async function decodeTlsChunks(chunks: Iterable<StreamChunk>, options: TlsDecodeOptions): Promise<DecodedSession> {
  const decoder = new TlsStreamDecoder(options);
  for (const chunk of chunks) await decoder.feed(chunk);
  return decoder.finish();
}

export { HT12 };

/** The chosen suite as the session shows it: the engine's name, else its IANA name (a suite TLS Lens does not run), else its code. */
function suiteNameOf(code: number, suite: { name: string } | null | undefined): string {
  return suite?.name ?? IANA_SUITE_NAMES[code] ?? `0x${code.toString(16).padStart(4, '0')}`;
}
