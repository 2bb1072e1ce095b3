// The record layer: reads and writes TLS records over a Transport, protects them with the
// installed RecordProtector, fragments outgoing data, and reports every record to the trace
// (wire bytes, header fields with byte spans, and for protected records the nonce, AAD, tag and
// decrypted content). It knows nothing of which handshake message comes next.
import { tlsFailure } from '../errors.ts';
import type { Emit } from '../../trace/recorder.ts';
import type { Epoch, RecordEvent, Side } from '../../trace/types.ts';
import type { Transport } from '../../transport/types.ts';
import { lazyHex, lazyHexOfPart, lazyJoin } from '../../trace/lazy-hex.ts';
import { keepEventBytes } from '../../trace/event-bytes.ts';
import { concat, toHex } from '../../util/bytes.ts';
import { TlsAlertError } from './alerts.ts';
import { ContentType, MAX_PLAINTEXT, RECORD_HEADER_LENGTH, aContentType, contentTypeName } from './content-types.ts';
import { RecordReader, type RawRecord } from './framing.ts';
import type { OpenedRecord, ProtectionDetails, RecordProtector, SealedRecord } from './protector.ts';
import { LiveRecordEvent, protectionJson, type ProtectedFieldsSource } from './record-event.ts';
import { plaintextRecordFields, protectedRecordFields } from './record-fields.ts';

type NewRecordEvent = Omit<RecordEvent, 'index' | 't' | 'conn'>;

export interface RecordLayerOptions {
  /** Which side we are (default 'client'): our records are this direction, the peer's the other. */
  side?: Side;
  /**
   * Largest plaintext fragment we write (default 2^14). Smaller values test fragmentation or
   * honour the peer's record_size_limit (RFC 8449).
   */
  maxFragmentLength?: number;
  /** Largest plaintext we accept (default 2^14); lower it to enforce our own record_size_limit. */
  maxReadPlaintext?: number;
}

export interface ReceivedRecord {
  /** The real content type (for protected TLS 1.3 records: the inner type). */
  contentType: number;
  /** Plaintext content. */
  fragment: Uint8Array;
  epoch: Epoch;
  /** Index of the record event in the trace. */
  eventIndex: number;
  /** Sequence number within the epoch. */
  seq: number;
  /**
   * Hex of `fragment`, encoded when first asked for and shared with the record event (its
   * protection.plaintext), so tracing the data too costs no second encoding.
   */
  fragmentHex: () => string;
  /**
   * True when the trace never reads `fragment` (it decrypts the record again for its hex, see
   * ProtectionDetails.decryptAgain): the reader may keep and change it without a copy of its own.
   */
  fragmentUntraced?: boolean;
  /**
   * True for a protected record that did not authenticate, handed over under trial decryption
   * (RecordLayer.setTrialDecryption) rather than failing: `fragment` is its ciphertext and tag, unread.
   */
  unopened?: boolean;
}

/** What writeRecordTraced sent: the trace indices of the record events, and the data as (lazy) hex. */
export interface WrittenRecords {
  records: number[];
  /** The data's hex, shared with the record events' plaintext and encoded when first asked for. */
  dataHex: () => string;
}

export interface WriteOptions {
  /** Zero bytes of padding to add to each protected record (ignored for plaintext records). */
  padding?: number;
}

export class RecordLayer {
  /** legacy_record_version for plaintext records we write: 0x0301 for the first ClientHello, 0x0303 after. */
  legacyRecordVersion = 0x0303;
  readonly side: Side;
  private readonly peer: Side;
  private readonly reader: RecordReader;
  private readProtector: RecordProtector | null = null;
  private writeProtector: RecordProtector | null = null;
  private plaintextReadSeq = 0;
  private plaintextWriteSeq = 0;
  private maxFragment: number;
  private writeQueue: Promise<unknown> = Promise.resolve();
  private reading = false;
  private readonly maxReadPlaintext: number;
  /**
   * The next protected records (in order), taken from the buffer and already being decrypted while
   * the caller handles the ones before. A result is used only if the same protector is still
   * installed when its record is read; after a key change they are decrypted again with the new keys.
   */
  private ahead: AheadRecord[] = [];
  /** Trial decryption on: the epoch a record that does not open is traced under, and how many were so far. */
  private trial: { tracedAs: Epoch; count: number } | null = null;

  constructor(
    private readonly transport: Transport,
    private readonly emit: Emit,
    options: RecordLayerOptions = {},
  ) {
    this.side = options.side ?? 'client';
    this.peer = this.side === 'client' ? 'server' : 'client';
    this.reader = new RecordReader(transport, this.peer);
    this.maxFragment = checkedFragmentLength(options.maxFragmentLength ?? MAX_PLAINTEXT);
    this.maxReadPlaintext = checkedFragmentLength(options.maxReadPlaintext ?? MAX_PLAINTEXT);
  }

  get readEpoch(): Epoch {
    return this.readProtector?.epoch ?? 'plaintext';
  }

  get writeEpoch(): Epoch {
    return this.writeProtector?.epoch ?? 'plaintext';
  }

  /** Bytes received but not yet consumed as records (non-zero at a key change means records crossed it). */
  get bufferedBytes(): number {
    let n = this.reader.buffered;
    for (const a of this.ahead) n += a.raw.bytes.length;
    return n;
  }

  /**
   * The next record's content type and plaintext when it is already being decrypted under the keys installed now
   * (it arrived with the one just read), without taking it: nothing is consumed or traced. Null when there is none
   * or it does not decrypt (reading it reports that). For work that may start early; the bytes are not to be changed.
   */
  peekAhead(): Promise<{ contentType: number; fragment: Uint8Array } | null> {
    const next = this.ahead[0];
    if (!next?.opened || next.protector !== this.readProtector) return Promise.resolve(null);
    return next.opened.then(
      (o) => ({ contentType: o.contentType, fragment: o.fragment }),
      () => null,
    );
  }

  /** Ask the transport for the peer's answer now (RecordReader.startReading); reading it stays readRecord's. */
  startReading(): void {
    if (this.ahead.length === 0) this.reader.startReading();
  }

  /** Install the keys for records we receive from now on (null: back to plaintext). Sequence starts at 0. */
  setReadProtector(protector: RecordProtector | null): void {
    this.readProtector = protector;
    this.plaintextReadSeq = 0;
    // Trial decryption is for one set of keys.
    this.trial = null;
  }

  /**
   * Trial decryption under the read keys installed now (RFC 8446 §4.2.10, a server skipping the 0-RTT data it
   * refused): while on, a protected record that does not authenticate is traced, as `tracedAs` (the keys its sender
   * presumably used, which we do not have) numbered from 0, and handed over `unopened` instead of failing with
   * bad_record_mac; it uses no sequence number. Records are opened one at a time meanwhile (none ahead: their numbers
   * depend on which ones open). It starts with the keys, before any record is read under them (as RFC 8446 §4.2.10's
   * does, with the client's handshake keys). Null turns it off; so does the next key change.
   */
  setTrialDecryption(tracedAs: Epoch | null): void {
    const protector = this.readProtector;
    if (tracedAs && !protector?.tryDecrypt) throw new Error('trial decryption needs TLS 1.3 read keys');
    if (tracedAs && protector!.nextSeq !== 0n) throw new Error('trial decryption starts with the keys, before any record is read under them');
    this.trial = tracedAs ? { tracedAs, count: 0 } : null;
  }

  /** Install the keys for records we send from now on (null: back to plaintext). Sequence starts at 0. */
  setWriteProtector(protector: RecordProtector | null): void {
    this.writeProtector = protector;
    this.plaintextWriteSeq = 0;
  }

  /** Change the largest fragment we write, e.g. after the peer's record_size_limit. */
  setMaxFragmentLength(length: number): void {
    this.maxFragment = checkedFragmentLength(length);
  }

  /**
   * The next record, decrypted if keys are installed; null on a clean end of stream.
   * Throws TlsAlertError for anything malformed; a protected record that fails to decrypt is
   * still reported to the trace (as received bytes) before the error is thrown. A transport
   * failure rejects with the transport's own error. One read at a time: a second concurrent call throws.
   */
  async readRecord(): Promise<ReceivedRecord | null> {
    if (this.reading) throw new Error('readRecord called while another readRecord is still pending');
    this.reading = true;
    try {
      return await this.readOne();
    } finally {
      this.reading = false;
    }
  }

  private async readOne(): Promise<ReceivedRecord | null> {
    const protector = this.readProtector;
    const limit = protector ? protector.maxCiphertextLength : this.maxReadPlaintext;
    if (this.ahead.length > 0 && this.ahead[0].protector !== protector) this.redecryptAhead(protector);
    const ahead = this.ahead.shift();
    // A synchronous cipher takes a complete application_data record straight from the buffer (no await).
    const buffered = !ahead && protector?.decryptSync ? this.reader.nextBuffered(ContentType.application_data, limit) : null;
    const raw = ahead ? ahead.raw : (buffered ?? (await this.reader.next(limit)));
    if (!raw) return null;
    if (ahead && raw.fragment.length > limit) {
      // Taken ahead under other keys' limit: the same check reader.next() makes.
      throw tlsFailure('RECORD_OVERFLOW', `${aContentType(raw.contentType)} record of ${raw.fragment.length} bytes exceeds the limit of ${limit} bytes`);
    }

    if (!protector || protector.passesThroughUnprotected(raw.contentType)) {
      if (raw.fragment.length > this.maxReadPlaintext) {
        throw tlsFailure('RECORD_OVERFLOW', `a plaintext record of ${raw.fragment.length} bytes exceeds ${this.maxReadPlaintext}`);
      }
      const seq = this.plaintextReadSeq++;
      const epoch: Epoch = 'plaintext';
      const traced = this.recordEvent(this.peer, epoch, seq, raw.bytes, plaintextRecordFields(raw.bytes));
      const eventIndex = this.emit(traced.event);
      if (raw.fragment.length === 0 && raw.contentType !== ContentType.application_data) {
        throw tlsFailure('EMPTY_RECORD', `the peer sent an empty ${contentTypeName(raw.contentType)} record`);
      }
      const fragmentHex = lazyHexOfPart(raw.fragment, raw.bytes, traced.hex);
      return { contentType: raw.contentType, fragment: Uint8Array.from(raw.fragment), epoch, eventIndex, seq, fragmentHex };
    }

    if (this.trial) return this.tryOpen(raw, protector, this.trial);
    // A synchronous cipher (node:crypto) opens the record here and now; reading ahead is for asynchronous ones.
    if (!ahead?.opened && protector.decryptSync) return this.openNow(raw, protector);
    let opened;
    // The sequence number this record is opened under (for the trace, should it fail).
    const seqOfThis = ahead ? ahead.seq : protector.nextSeq;
    try {
      if (ahead?.opened) opened = await ahead.opened;
      else {
        // This record takes its sequence number first; the ones that arrived with it (a server's whole flight
        // under new keys) start decrypting beside it rather than after it.
        const opening = protector.decrypt(raw);
        opening.catch(() => undefined);
        this.decryptAhead(protector);
        opened = await opening;
      }
    } catch (e) {
      throw this.unopened(raw, protector, seqOfThis, e);
    }
    return this.received(raw, protector, opened);
  }

  /**
   * The next record when it is whole in the buffer and the installed cipher opens records at once (node:crypto):
   * read, checked and traced as readRecord() would; null when that would wait, or keys that open records at once are
   * not installed (readRecord() reads it then). For a reader taking every record one socket read brought without a
   * promise each. Throws as readRecord() rejects.
   */
  readBufferedSync(): ReceivedRecord | null {
    const protector = this.readProtector;
    if (this.trial || this.reading || this.ahead.length > 0 || !protector?.decryptSync || protector.passesThroughUnprotected(ContentType.application_data)) return null;
    const raw = this.reader.nextBuffered(ContentType.application_data, protector.maxCiphertextLength);
    return raw && this.openNow(raw, protector);
  }

  /** A protected record opened by a synchronous cipher. */
  private openNow(raw: RawRecord, protector: RecordProtector): ReceivedRecord {
    const seq = protector.nextSeq;
    let opened: OpenedRecord;
    try {
      opened = protector.decryptSync!(raw);
    } catch (e) {
      throw this.unopened(raw, protector, seq, e);
    }
    return this.received(raw, protector, opened);
  }

  /** A protected record under trial decryption: opened, or traced and handed over unopened (its number unused). */
  private async tryOpen(raw: RawRecord, protector: RecordProtector, trial: { tracedAs: Epoch; count: number }): Promise<ReceivedRecord> {
    let opened: OpenedRecord | null;
    try {
      opened = await protector.tryDecrypt!(raw);
    } catch (e) {
      throw this.unopened(raw, protector, protector.nextSeq, e);
    }
    if (opened) return this.received(raw, protector, opened);
    const seq = trial.count++;
    const traced = this.recordEvent(this.peer, trial.tracedAs, seq, raw.bytes, protectedRecordFields(raw.bytes, protector.tagLength));
    const eventIndex = this.emit(traced.event);
    return { contentType: raw.contentType, fragment: raw.fragment, epoch: trial.tracedAs, eventIndex, seq, fragmentHex: lazyHexOfPart(raw.fragment, raw.bytes, traced.hex), unopened: true };
  }

  /** A protected record that did not open, kept in the trace (the user sees what arrived before the alert): the alert. */
  private unopened(raw: RawRecord, protector: RecordProtector, seq: bigint, e: unknown): TlsAlertError {
    const fields = raw.contentType === ContentType.application_data ? protectedRecordFields(raw.bytes, protector.tagLength) : plaintextRecordFields(raw.bytes);
    this.emitRecord(this.peer, protector.epoch, Number(seq), raw.bytes, fields);
    return asAlert(e);
  }

  /** An opened record, traced and checked, as the reader gets it. */
  private received(raw: RawRecord, protector: RecordProtector, opened: OpenedRecord): ReceivedRecord {
    const seq = Number(opened.seq);
    const traced = this.recordEvent(this.peer, protector.epoch, seq, raw.bytes, protectedFieldsSource(raw.bytes, opened.details.tag.length), opened.details);
    const eventIndex = this.emit(traced.event);
    const fragmentHex = opened.details.plaintext === opened.fragment && traced.plaintextHex ? traced.plaintextHex : lazyHex(opened.fragment);
    if (opened.fragment.length > this.maxReadPlaintext) {
      throw tlsFailure('RECORD_OVERFLOW', `a decrypted record of ${opened.fragment.length} bytes exceeds ${this.maxReadPlaintext}`);
    }
    if (opened.fragment.length === 0 && opened.contentType !== ContentType.application_data) {
      throw tlsFailure('EMPTY_RECORD', `the peer sent an empty ${contentTypeName(opened.contentType)} record`);
    }
    this.decryptAhead(protector);
    const fragmentUntraced = opened.details.decryptAgain !== undefined && opened.details.plaintext === opened.fragment;
    return { contentType: opened.contentType, fragment: opened.fragment, epoch: protector.epoch, eventIndex, seq, fragmentHex, fragmentUntraced };
  }

  /**
   * If the next protected record has fully arrived, start decrypting it now: each decryption is
   * an asynchronous WebCrypto call, and this overlaps it with whatever the caller does with the
   * current record (a server flight, a stream of application data).
   */
  private decryptAhead(protector: RecordProtector): void {
    if (this.trial || protector.decryptSync || protector.passesThroughUnprotected(ContentType.application_data)) return;
    // Several at once: their WebCrypto calls run side by side instead of one after the other.
    while (this.ahead.length < MAX_AHEAD) {
      const raw = this.reader.nextBuffered(ContentType.application_data, protector.maxCiphertextLength);
      if (!raw) return;
      this.ahead.push(startDecrypt(raw, protector));
    }
  }

  /**
   * The keys changed while records were taken ahead (e.g. after a KeyUpdate they were sent under
   * the new keys): decrypt them all again, in order, with the protector now installed; with no
   * keys, or keys these records pass through, they are handled as plaintext when read.
   */
  private redecryptAhead(protector: RecordProtector | null): void {
    // Under trial decryption each waits for its turn: its number depends on whether those before it open.
    const canDecrypt = !this.trial && protector && !protector.passesThroughUnprotected(ContentType.application_data);
    this.ahead = this.ahead.map(({ raw }) => (canDecrypt ? startDecrypt(raw, protector) : { raw, protector, seq: 0n, opened: null }));
  }

  /**
   * Send `data` as one or more records of `contentType` (split at the maximum fragment length),
   * protected with the keys installed at the time of the call. Returns the trace indices of the
   * record events. Calls are queued, so records reach the wire in call order even when callers
   * do not await each other (sequence numbers and wire order must agree).
   */
  writeRecord(contentType: number, data: Uint8Array, options: WriteOptions = {}): Promise<number[]> {
    return this.writeRecordTraced(contentType, data, options).then((written) => written.records);
  }

  /**
   * writeRecord, also returning `data` as hex, taken from the record events (which hold each
   * record's plaintext): a caller that traces the data too need not encode it a second time.
   */
  writeRecordTraced(contentType: number, data: Uint8Array, options: WriteOptions = {}): Promise<WrittenRecords> {
    if (data.length === 0 && contentType !== ContentType.application_data) {
      return Promise.reject(new Error(`refusing to send an empty ${contentTypeName(contentType)} record (RFC 8446 §5.1)`));
    }
    const protector = this.writeProtector;
    const version = this.legacyRecordVersion;
    // Protected records are encrypted below, before this call returns, and each protector copies what it
    // keeps then (RecordProtector.encrypt): only plaintext records need their own copy of the caller's data.
    const copy = protector ? data : Uint8Array.from(data);
    const pieces: Uint8Array[] = [];
    let offset = 0;
    do {
      pieces.push(copy.subarray(offset, Math.min(copy.length, offset + this.maxFragment)));
      offset += this.maxFragment;
    } while (offset < copy.length);
    if (protector?.encryptSync) {
      // A synchronous cipher (node:crypto): every record sealed now; with nothing queued before them, traced and
      // handed to the transport now too, with no await per record.
      let sealed: SealedRecord[];
      try {
        sealed = pieces.map((piece) => protector.encryptSync!(contentType, piece, options.padding ?? 0));
      } catch (e) {
        return Promise.reject(e);
      }
      if (this.queuedWrites === 0) return this.sendSealed(protector, sealed);
      return this.enqueueWrite(() => this.sendSealed(protector, sealed));
    }
    // Encryption starts now, in call order (each record takes its sequence number as it starts), so the
    // asynchronous WebCrypto calls of several queued writes overlap; the trace and the wire still get
    // the records strictly in order, from the queue.
    const sealing = protector ? pieces.map((piece) => protector.encrypt(contentType, piece, options.padding ?? 0)) : null;
    for (const s of sealing ?? []) s.catch(() => undefined); // reported to the caller from the queue
    return this.enqueueWrite(() => this.sendRecords(protector, version, contentType, pieces, sealing));
  }

  private async sendRecords(protector: RecordProtector | null, version: number, contentType: number, pieces: Uint8Array[], sealing: Promise<SealedRecord>[] | null): Promise<WrittenRecords> {
    if (protector && sealing) return this.sendSealed(protector, await Promise.all(sealing).catch(asSealFailure));
    const records: number[] = [];
    const wire: Uint8Array[] = [];
    const dataHex: (() => string)[] = [];
    for (const piece of pieces) {
      const bytes = concat(Uint8Array.of(contentType, version >> 8, version & 0xff, piece.length >> 8, piece.length & 0xff), piece);
      const traced = this.recordEvent(this.side, 'plaintext', this.plaintextWriteSeq++, bytes, plaintextRecordFields(bytes));
      dataHex.push(lazyHexOfPart(bytes.subarray(RECORD_HEADER_LENGTH), bytes, traced.hex));
      wire.push(bytes);
      records.push(this.emit(traced.event));
    }
    await this.transport.write(wire.length === 1 ? wire[0] : concat(...wire));
    return { records, dataHex: lazyJoin(dataHex) };
  }

  /** Trace sealed records and hand them to the transport (at once: the caller keeps the wire order). */
  private sendSealed(protector: RecordProtector, sealed: SealedRecord[]): Promise<WrittenRecords> {
    const records: number[] = [];
    const dataHex: (() => string)[] = [];
    for (const { bytes, seq, details } of sealed) {
      const traced = this.recordEvent(this.side, protector.epoch, Number(seq), bytes, protectedFieldsSource(bytes, details.tag.length), details);
      dataHex.push(traced.plaintextHex!);
      records.push(this.emit(traced.event));
    }
    const written = { records, dataHex: lazyJoin(dataHex) };
    return this.transport.write(sealed.length === 1 ? sealed[0].bytes : concat(...sealed.map((r) => r.bytes))).then(() => written);
  }

  /** Jobs in the write queue not finished yet: with none, a synchronously sealed write goes out at once. */
  private queuedWrites = 0;

  private enqueueWrite<T>(job: () => Promise<T>): Promise<T> {
    this.queuedWrites++;
    const result = this.writeQueue.then(job).finally(() => this.queuedWrites--);
    // The queue continues after a failure; the failure goes to this caller only.
    this.writeQueue = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** Send the middlebox-compatibility change_cipher_spec record (always plaintext, RFC 8446 §5). */
  writeChangeCipherSpec(): Promise<number> {
    return this.enqueueWrite(async () => {
      const bytes = Uint8Array.of(ContentType.change_cipher_spec, 0x03, 0x03, 0x00, 0x01, 0x01);
      const index = this.emitRecord(this.side, 'plaintext', this.plaintextWriteSeq++, bytes, plaintextRecordFields(bytes));
      await this.transport.write(bytes);
      return index;
    });
  }

  async close(): Promise<void> {
    await this.transport.close();
  }

  private emitRecord(direction: Side, epoch: Epoch, seq: number, bytes: Uint8Array, fields: RecordEvent['fields'], details?: ProtectionDetails): number {
    return this.emit(this.recordEvent(direction, epoch, seq, bytes, fields, details).event);
  }

  /**
   * The trace event of one record. Its large parts (the record, ciphertext, plaintext) are hex encoded
   * only when first read; `bytes` and the details' buffers are never written again once here.
   */
  private recordEvent(direction: Side, epoch: Epoch, seq: number, bytes: Uint8Array, fields: RecordEvent['fields'] | ProtectedFieldsSource, details?: ProtectionDetails): TracedRecord {
    const hex = lazyHex(bytes);
    const protection = details && {
      details,
      record: bytes,
      recordHex: hex,
      plaintextHex: details.decryptAgain ? lazyHexOfDecrypted(details.decryptAgain) : lazyHexOfPart(details.plaintext, bytes, hex),
    };
    const event = new LiveRecordEvent(direction, epoch, seq, bytes[0], hex, fields, protection);
    keepEventBytes(event, bytes);
    return { event, hex, plaintextHex: protection?.plaintextHex };
  }
}

/** The hex of a record's plaintext, decrypted again from the record when first read (then kept). */
function lazyHexOfDecrypted(decrypt: () => Uint8Array): () => string {
  let hex: string | undefined;
  return () => (hex ??= toHex(decrypt()));
}

/** A record's trace event, with the lazy hex of the whole record and of its plaintext for reuse. */
interface TracedRecord {
  event: NewRecordEvent;
  hex: () => string;
  plaintextHex?: () => string;
}

/** How many protected records may be decrypting ahead of the reader at once. */
const MAX_AHEAD = 8;

interface AheadRecord {
  raw: RawRecord;
  /** The protector `opened` comes from (the one installed when the record was taken ahead). */
  protector: RecordProtector | null;
  /** The sequence number the record was decrypted under. */
  seq: bigint;
  /** The decryption under way; null when the record is to be read as plaintext. */
  opened: Promise<OpenedRecord> | null;
}

function startDecrypt(raw: RawRecord, protector: RecordProtector): AheadRecord {
  const seq = protector.nextSeq;
  const opened = protector.decrypt(raw);
  opened.catch(() => undefined); // a failure is reported when the record is read
  return { raw, protector, seq, opened };
}

/** A protected record's field tree, to be built when first read (protectedRecordFields from these values). */
function protectedFieldsSource(bytes: Uint8Array, tagLength: number): ProtectedFieldsSource {
  return { version: (bytes[1] << 8) | bytes[2], recordLength: bytes.length, tagLength };
}

function checkedFragmentLength(n: number): number {
  if (!Number.isInteger(n) || n < 64 || n > MAX_PLAINTEXT) throw new RangeError(`maximum fragment length must be 64..16384, got ${n}`);
  return n;
}

/** A record we could not seal (its key failed to import, say) ends the connection as our internal_error. */
function asSealFailure(e: unknown): never {
  if (e instanceof TlsAlertError) throw e;
  throw tlsFailure('INTERNAL_ERROR', `record encryption failed: ${(e as Error)?.message ?? String(e)}`, { cause: e });
}

function asAlert(e: unknown): TlsAlertError {
  if (e instanceof TlsAlertError) return e;
  return tlsFailure('INTERNAL_ERROR', `record decryption failed unexpectedly: ${(e as Error)?.message ?? String(e)}`, { cause: e });
}

export type { RawRecord };
export { protectionJson };
export { RECORD_HEADER_LENGTH };
