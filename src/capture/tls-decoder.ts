// Decodes the TLS inside one reassembled TCP stream into trace events, with the engine's own codecs and record
// protectors, so a captured session reads like a live one. Keys come from an NSS key log; without them, what is
// in clear is decoded and each encrypted record is shown as such, naming the key log line that would open it.
// A key that does not open its records is reported, never skipped silently.
//
// This file is the orchestrator: it frames each direction's bytes into records as data arrives, opens them in
// stream order (ahead where that needs an await, at once where the provider opens synchronously) and shows them.
// Its parts: resync.ts (where records begin again after a gap), gap-recovery.ts (what lost records, a lost
// ChangeCipherSpec or a lost TLS 1.0 IV cost), record-events.ts (the records' trace events, summarised beyond the
// window), handshake-reader.ts (the handshake messages and the key changes they bring), key-log-keys.ts (the keys)
// and handshake-proofs.ts (the proofs checked again).
import type { Emit } from '../trace/recorder.ts';
import { lazyHex } from '../trace/lazy-hex.ts';
import type { Epoch, NewTraceEvent, Side } from '../trace/types.ts';
import {
  ContentType,
  RECORD_HEADER_LENGTH,
  alertName,
  plaintextRecordFields,
  protectedRecordFields,
  type CertificateVerifier,
  type OpenedRecord,
  type RawRecord,
} from './engine.ts';
import { encryptedByItsLooks, readsAsHandshake } from './midway.ts';
import { looksLikeRecordHeader } from './record-header.ts';
import { canOpenNow, openNow } from './sync-opener.ts';
import type { KeyLog } from './keylog.ts';
import type { StreamChunk } from './tcp-reassembly.ts';
import { NO_BYTES, NO_HANDSHAKE, UNKNOWN_SUITE, newDirection, type Damage, type Direction, type Protection } from './stream-direction.ts';
import { CapturedHandshake } from './captured-handshake.ts';
import { KeyLogKeys } from './key-log-keys.ts';
import { attempt, lastBytes, rawRecord, type Ahead } from './captured-record.ts';
import { newSession, type DecodedSession } from './decoded-session.ts';
import { detailsIn, encryptedRecordEvent, inWindow, recordEvent, summarisedAppData, summarisedRecord } from './record-events.ts';
import { damagedHeader, resync, type LikelyStarts } from './resync.ts';
import { IV_LOST, ccsMayBeLost, damageReached, gapReached, ivLostRecord, lossAtEnd, openAfterGap, openWithoutCcs, type RecoveryContext } from './gap-recovery.ts';
import { HandshakeReader, partialMessage, switchAfterEarlyData } from './handshake-reader.ts';

export { versionName, type DecodedSession, type LegacyVersion } from './decoded-session.ts';
export { MAX_SEQUENCE_TRIALS } from './gap-recovery.ts';
export { HT12 } from './engine.ts';

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

/** One thing to do, in the order the stream's data came. */
type Queued =
  | { kind: 'record'; dir: Direction; bytes: Uint8Array; time: number; dropped: number; before: Uint8Array | null; ahead?: Ahead }
  | { kind: 'gap'; dir: Direction; gap: number; cut?: number; time: number }
  /** A damaged record header, and the bytes skipped from it up to the next record header, a gap or the end. */
  | { kind: 'damage'; dir: Direction; damage: Damage; skipped: number; until: 'record' | 'gap' | 'end'; time: number };

export class TlsStreamDecoder {
  private dirs: Record<Side, Direction> = { client: newDirection('client'), server: newDirection('server') };
  readonly session: DecodedSession = newSession();
  /** What the current handshake has shown, for its proofs and keys. */
  private readonly hs = new CapturedHandshake();
  private readonly keys: KeyLogKeys;
  /** The handshake messages, as handshake records bring them (handshake-reader.ts). */
  private readonly handshake: HandshakeReader;
  /** What the recovery after a gap uses (gap-recovery.ts). */
  private readonly recovery: RecoveryContext;
  /** Records framed (and perhaps decrypting), gaps and errors, in stream order, not shown yet. */
  private queue: Queued[] = [];
  private queueHead = 0;
  /** The capture time of the last chunk fed. */
  private lastTime = 0;
  /** The stream's capture began after its hellos (beginMidway). */
  private midway = false;
  /** Sides whose next bytes most likely begin a record: a stream's first bytes when begun midway, the bytes after a gap. */
  private readonly starts: LikelyStarts = { firstBytes: new Set<Side>(), afterGap: new Set<Side>() };
  private readonly window: number;
  private readonly ahead: DecryptAhead;

  constructor(private readonly options: TlsDecodeOptions) {
    this.window = options.appDataWindow ?? CAPTURE_APP_DATA_WINDOW;
    this.ahead = options.ahead ?? new DecryptAhead();
    this.keys = new KeyLogKeys(options.keyLog, this.hs, this.session.keyLogLinesUsed, options.emit);
    this.recovery = { session: this.session, keys: this.keys, emit: options.emit, window: this.window };
    this.handshake = new HandshakeReader({ dirs: this.dirs, session: this.session, hs: this.hs, keys: this.keys, emit: options.emit, verifier: options.verifier, time: options.time });
  }

  /**
   * Feed the stream's data in capture order (both directions interleaved). Records are framed at once and
   * decrypted ahead; their events come out in stream order, at the latest by `finish()`.
   */
  feed(chunk: StreamChunk): void | Promise<void> {
    const dir = this.dirs[chunk.direction];
    this.lastTime = chunk.time;
    if ('gap' in chunk) {
      this.starts.firstBytes.delete(dir.side);
      this.starts.afterGap.add(dir.side);
      // Bytes being skipped after a damaged header run into the gap: they are the gap's span too.
      const skipping = dir.damage ? dir.dropped : 0;
      if (dir.damage) this.damageSettled(dir, chunk.time, 'gap', dir.dropped + dir.buffer.length);
      dir.dropped = skipping + dir.buffer.length;
      dir.position += dir.buffer.length + chunk.gap;
      dir.buffer.clear();
      dir.tail = NO_BYTES;
      dir.resync = true;
      this.enqueue({ kind: 'gap', dir, gap: chunk.gap, ...(chunk.cut && { cut: chunk.cut }), time: chunk.time });
    } else {
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
      this.starts.firstBytes.add(dir.side);
    }
  }

  /** The end of the stream: show what is still queued, and say what was left unfinished. */
  async finish(): Promise<DecodedSession> {
    // Records found only now (after a gap, at the very end) are dated as the last data the stream had.
    for (const dir of Object.values(this.dirs)) {
      if (dir.resync) this.frame(dir, this.lastTime, true);
      // A damaged header after which no record header came: the rest of the direction was skipped.
      if (dir.damage) this.damageSettled(dir, this.lastTime, 'end', dir.dropped + dir.buffer.length);
    }
    await this.process(true);
    for (const dir of Object.values(this.dirs)) {
      if (dir.buffer.length > 0) {
        this.emit({ kind: 'error', code: 'TRUNCATED_RECORD', message: `the ${dir.side}'s data ends in the middle of a record (${dir.buffer.length} bytes left over)` });
      }
      // Whole records whose handshake message never finished (the capture stopped between two of its records).
      if (dir.handshake.length > 0) this.emit({ kind: 'error', code: 'TRUNCATED_MESSAGE', message: `the ${dir.side}'s handshake data ends in the middle of ${partialMessage(dir.handshake)}` });
      lossAtEnd(this.recovery, dir);
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
      if (dir.resync) {
        if (!resync(dir, final, this.starts)) return;
        if (dir.damage) this.damageSettled(dir, time, 'record', dir.dropped);
      }
      if (buffer.length < RECORD_HEADER_LENGTH) return;
      const header = buffer.peek(RECORD_HEADER_LENGTH);
      if (!looksLikeRecordHeader(header)) {
        // Bytes damaged in the capture (or not TLS): skipped up to the next record header found, as after a gap.
        // What was skipped is said once it is known (damageSettled), in the queue where the next record is.
        dir.damage = damagedHeader(header.slice(), dir.position);
        dir.resync = true;
        continue;
      }
      const length = (header[3] << 8) | header[4];
      if (buffer.length < RECORD_HEADER_LENGTH + length) return;
      const bytes = buffer.take(RECORD_HEADER_LENGTH + length);
      dir.position += bytes.length;
      const before = dir.tail.length > 0 ? dir.tail : null;
      // Where TLS 1.0's next IV is (or not: in TLS 1.2 and 1.3 the copy is saved).
      dir.tail = this.session.version === null || this.session.version === '1.0' ? lastBytes(dir.tail, bytes) : NO_BYTES;
      const entry: Extract<Queued, { kind: 'record' }> = { kind: 'record', dir, bytes, time, dropped: dir.dropped, before };
      dir.dropped = 0;
      this.decryptAhead(dir, entry);
      this.enqueue(entry);
    }
  }

  /** The bytes skipped after a damaged record header, now counted: queued before what comes next. */
  private damageSettled(dir: Direction, time: number, until: 'record' | 'gap' | 'end', skipped: number): void {
    this.enqueue({ kind: 'damage', dir, damage: dir.damage!, skipped, until, time });
    dir.damage = null;
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
      if (entry.kind === 'gap') gapReached(this.recovery, entry.dir, entry.gap, entry.cut);
      else if (entry.kind === 'damage') damageReached(this.recovery, entry.dir, entry.damage, entry.skipped, entry.until);
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

  // ---------- records (in stream order) ----------

  private isProtected(dir: Direction, contentType: number): boolean {
    if (dir.protection.state === 'none') return false;
    // TLS 1.3 protects every record as application_data; a change_cipher_spec (or a plaintext alert) is in clear.
    // (Early data comes before the ServerHello tells the version.)
    if (this.session.version === '1.3' || dir.epoch === 'early') return contentType === ContentType.application_data;
    return true;
  }

  private record(dir: Direction, bytes: Uint8Array, ahead: Ahead | undefined, dropped: number, before: Uint8Array | null): void | Promise<void> {
    if (ccsMayBeLost(dir, bytes, this.options.alone)) {
      const kept = this.options.transient ? bytes.slice() : bytes;
      return openWithoutCcs(this.recovery, dir, kept, before, dropped).then((opened) => (opened ? this.opened(dir, kept, opened) : this.recordAsSeen(dir, kept, ahead, dropped, before)));
    }
    return this.recordAsSeen(dir, bytes, ahead, dropped, before);
  }

  /** A record shown as the direction's state says: in clear, opened under its keys, or encrypted. */
  private recordAsSeen(dir: Direction, bytes: Uint8Array, ahead: Ahead | undefined, dropped: number, before: Uint8Array | null): void | Promise<void> {
    const contentType = bytes[0];
    if (dir.protection.state === 'none' && !this.options.alone && (encryptedByItsLooks(bytes) || this.encryptedHandshake(dir, bytes))) this.handshakeNotSeen(dir);
    if (!this.isProtected(dir, contentType)) {
      if (contentType === ContentType.application_data && !inWindow(dir, bytes.length - RECORD_HEADER_LENGTH, this.window)) {
        const index = summarisedRecord(this.options.emit, dir.side, 'plaintext', dir.plaintextSeq++, bytes, plaintextRecordFields(bytes), bytes.length - RECORD_HEADER_LENGTH);
        summarisedAppData(this.options.emit, dir.side, bytes.length - RECORD_HEADER_LENGTH, index);
        return;
      }
      // A copy: a view would keep the capture's whole read buffer alive as long as the event.
      const own = bytes.slice();
      const index = recordEvent(this.options.emit, dir.side, 'plaintext', dir.plaintextSeq++, own, plaintextRecordFields(own));
      return this.content(dir, contentType, own.subarray(RECORD_HEADER_LENGTH), index, 'plaintext');
    }
    if (dir.protection.state === 'keys') {
      const now = this.openAtOnce(dir, bytes, ahead, before);
      if (now) return this.opened(dir, bytes, now);
      // The slow way (an await): the reader's bytes are copied first.
      const kept = this.options.transient ? bytes.slice() : bytes;
      return this.open(dir, kept, ahead, dropped, before).then((opened) => (opened === IV_LOST ? ivLostRecord(this.recovery, dir, kept) : opened ? this.opened(dir, kept, opened) : this.unopened(dir, kept)));
    }
    this.unopened(dir, bytes);
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
    if (opened.contentType === ContentType.application_data && !inWindow(dir, opened.fragment.length, this.window)) {
      const index = summarisedRecord(this.options.emit, dir.side, dir.epoch, seq, bytes, protectedRecordFields(bytes, tagLength), opened.fragment.length, opened.details);
      summarisedAppData(this.options.emit, dir.side, opened.fragment.length, index);
      return;
    }
    const own = bytes.slice();
    const details = detailsIn(opened.details, bytes, own);
    const index = recordEvent(this.options.emit, dir.side, dir.epoch, seq, own, protectedRecordFields(own, tagLength), details);
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
    const index = encryptedRecordEvent(this.options.emit, this.window, dir, dir.opaqueSeq++, bytes, fields);
    if (!dir.undecrypted || dir.undecrypted.epoch !== dir.epoch || dir.undecrypted.needs !== missing.needs) {
      if (dir.undecrypted) this.session.undecrypted.push(dir.undecrypted);
      dir.undecrypted = { direction: dir.side, epoch: dir.epoch, records: 0, needs: missing.needs, reason: missing.reason };
      if (missing.reason === 'no key in the key log') {
        this.emit({ kind: 'note', text: `encrypted ${dir.side} records (${dir.epoch} keys) from record #${index} on: the key log line ${missing.needs} would open them` });
      } else if (missing.reason === UNKNOWN_SUITE) {
        this.emit({ kind: 'note', text: `encrypted ${dir.side} records from record #${index} on, not decrypted: their cipher suite ${this.session.cipherSuite} is not one TLS Lens decrypts` });
      } else if (missing.reason === NO_HANDSHAKE) {
        this.emit({ kind: 'note', text: `encrypted ${dir.side} records from record #${index} on, not decrypted: the ${this.options.alone ? 'pasted bytes do' : 'capture does'} not hold the handshake that made their keys${this.hs.clientRandom ? '' : ' (its ClientHello, whose random finds them in a key log)'}` });
      }
    }
    dir.undecrypted.records++;
  }

  /** Open a record under the direction's keys (its decryption may have started ahead); null when it does not open. */
  private async open(dir: Direction, bytes: Uint8Array, ahead: Ahead | undefined, dropped: number, before: Uint8Array | null): Promise<OpenedRecord | null | typeof IV_LOST> {
    const protector = (dir.protection as Extract<Protection, { state: 'keys' }>).protector;
    const raw = rawRecord(bytes, before);
    if (dir.lost) return openAfterGap(this.recovery, dir, protector, raw, dropped);
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
    switchAfterEarlyData(dir, this.session.undecrypted);
    return true;
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
        } else if (this.session.version === null && dir.protection.state === 'none' && (this.options.alone || this.ccsAfterUnseenHello(dir))) {
          // Whatever follows this ChangeCipherSpec is encrypted (TLS 1.2's Finished, or TLS 1.3's records); records
          // pasted alone (a client's second flight) have no hello to tell, and are never read as messages in clear.
          this.handshakeNotSeen(dir);
        }
        return;
      case ContentType.handshake:
        dir.handshake = gatherHandshake(dir, fragment);
        dir.handshakeRecords.push(record);
        return this.handshake.messages(dir, epoch);
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
}

/**
 * The direction's handshake bytes not yet cut into messages, with a record's `fragment` after them. A message that
 * comes in many records (up to 16 MiB, say its length field) is gathered in room that doubles as it fills, so its
 * bytes are copied a few times in all, not once more at every record.
 */
function gatherHandshake(dir: Direction, fragment: Uint8Array): Uint8Array {
  const have = dir.handshake;
  if (have.length === 0) {
    dir.handshakeRoom = NO_BYTES;
    return fragment;
  }
  // `have` always ends where the room was last written to (messages are cut from its front), so what follows is free.
  const room = dir.handshakeRoom;
  const at = have.byteOffset - room.byteOffset;
  const length = have.length + fragment.length;
  if (have.buffer === room.buffer && at >= 0 && at + length <= room.length) {
    room.set(fragment, at + have.length);
    return room.subarray(at, at + length);
  }
  const grown = new Uint8Array(Math.max(2 * length, 1024));
  grown.set(have);
  grown.set(fragment, have.length);
  dir.handshakeRoom = grown;
  return grown.subarray(0, length);
}

/** Decode one stream's chunks (after any plaintext preamble) into trace events. */
export async function decodeTlsChunks(chunks: Iterable<StreamChunk>, options: TlsDecodeOptions): Promise<DecodedSession> {
  const decoder = new TlsStreamDecoder(options);
  for (const chunk of chunks) await decoder.feed(chunk);
  return decoder.finish();
}
