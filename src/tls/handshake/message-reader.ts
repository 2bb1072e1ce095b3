// Turns records into handshake messages: reassembles messages split over records, splits records that carry
// several, drops the middlebox-compatibility ChangeCipherSpec, passes over the alerts that end nothing
// (user_canceled, TLS 1.2 warnings) and turns the others into errors. Emits one
// 'handshake' event per message, with the indices of the records that carried it.
import type { Emit } from '../../trace/recorder.ts';
import type { Epoch, FieldNode, Side } from '../../trace/types.ts';
import { defineLazy, lazyHex } from '../../trace/lazy-hex.ts';
import { toHex } from '../../util/bytes.ts';
import { TlsError, decodeError, fail, receivedAlertCode, tlsFailure } from '../errors.ts';
import { ContentType } from '../messages/constants.ts';
import type { DecodedMessage } from '../messages/handshake.ts';
import { handshakeName12 } from '../messages/tls12.ts';
import { AlertDescription, alertName } from '../record/alerts.ts';
import type { ReceivedRecord, RecordChannel } from './channel.ts';
import type { AnyHandshakeMessage, HandshakeDecoder } from './decoder.ts';

/** The largest handshake message accepted: certificate chains can be big, but not unbounded. */
const MAX_HANDSHAKE_MESSAGE = 1 << 17;
/** Alerts passed over in a row before the peer is cut off (OpenSSL's MAX_WARN_ALERT_COUNT: "too many warn alerts"). */
const MAX_IGNORED_ALERTS_IN_A_ROW = 5;

export interface ReceivedMessage extends DecodedMessage<AnyHandshakeMessage> {
  eventIndex: number;
  epoch: Epoch;
  records: number[];
}

/**
 * Looks at each record before it is read, for a server skipping the 0-RTT data it refused (server/early-data13.ts):
 * 'skip' drops it unread, 'keep' reads it, 'done' reads it and ends the skipping. May throw to end the connection.
 */
export interface RecordSkipper {
  consider(record: ReceivedRecord): 'skip' | 'keep' | 'done';
}

/** What a non-handshake record means to whoever is reading. */
export type OtherRecord = { kind: 'app-data'; data: Uint8Array; record: ReceivedRecord } | { kind: 'close-notify'; record: ReceivedRecord };

/** Received handshake bytes not yet consumed. Chunks are joined only when a whole message is taken, so a
 * message sent in many tiny records costs linear time, not quadratic. */
class ByteQueue {
  private chunks: Uint8Array[] = [];
  length = 0;

  push(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** Copy of the first `n` bytes (n <= length), without consuming them. */
  peek(n: number): Uint8Array {
    return this.copy(n, false);
  }

  /** Remove and return the first `n` bytes (n <= length). */
  take(n: number): Uint8Array {
    return this.copy(n, true);
  }

  private copy(n: number, consume: boolean): Uint8Array {
    const out = new Uint8Array(n);
    let filled = 0;
    let i = 0;
    while (filled < n) {
      const c = this.chunks[i];
      const k = Math.min(c.length, n - filled);
      out.set(c.subarray(0, k), filled);
      filled += k;
      if (consume) {
        if (k === c.length) this.chunks.shift();
        else this.chunks[0] = c.subarray(k);
      } else i++;
    }
    if (consume) this.length -= n;
    return out;
  }
}

/** A copy of the whole handshake message at the start of `bytes`, or null when it is cut short. */
function wholeMessage(bytes: Uint8Array): Uint8Array | null {
  if (bytes.length < 4) return null;
  const end = 4 + ((bytes[1] << 16) | (bytes[2] << 8) | bytes[3]);
  return end <= bytes.length ? bytes.slice(0, end) : null;
}

export class MessageReader {
  private buffer = new ByteQueue();
  private bufferRecords: number[] = [];
  private bufferEpoch: Epoch = 'plaintext';
  /** ChangeCipherSpec is dropped only between the first ClientHello and the server's Finished (RFC 8446 §5). */
  ccsAllowed = true;
  private ccsSeen = 0;
  /** TLS 1.2: ChangeCipherSpec is a real protocol step; when set, every CCS record goes here instead. */
  onChangeCipherSpec: ((record: ReceivedRecord) => Promise<void>) | null = null;
  /** A server that refused 0-RTT skips the client's early data here (RFC 8446 §4.2.10); null once that is over. */
  skipper: RecordSkipper | null = null;
  /**
   * A server that accepted 0-RTT: application data under the client's early keys, before EndOfEarlyData, goes here
   * (server/early-data13.ts) instead of being an error in the handshake.
   */
  onEarlyData: ((data: Uint8Array, record: ReceivedRecord) => void) | null = null;
  /** TLS 1.2: warning alerts that do not end the connection (set by the TLS 1.2 handshake). */
  toleratedWarning: ((description: number) => boolean) | null = null;
  /**
   * The message type the reader's owner reads next, and its state's name (the server's states set it). A message of
   * another type that does not decode is unexpected_message, not the decoder's complaint: the wrong message is the
   * fault, whatever its body holds (RFC 8446 §6.2; OpenSSL checks the type before the body). One that decodes is
   * traced and left to the state, which refuses it the same way.
   */
  expected: { msgType: number; state: string } | null = null;
  /** Alerts passed over since the last handshake or application data record. */
  private ignoredInARow = 0;
  /** The peer sent user_canceled: a close_notify or an end of stream during a handshake then means it canceled. */
  private peerCanceled = false;

  constructor(
    private readonly channel: RecordChannel,
    private readonly emit: Emit,
    /** How a complete message is decoded (told by the TLS 1.2 handshake when that version is chosen). */
    readonly decoder: HandshakeDecoder,
    /** Who sends what this reader reads (the server, for a client). */
    private readonly peer: Side = 'server',
    /** False: application data is handed out in the engine's own buffers (TlsClientOptions.readCopies). */
    private readonly copyAppData = true,
  ) {}

  /** How many compatibility ChangeCipherSpec records were dropped so far (a TLS 1.2 server may send none). */
  get droppedChangeCipherSpecs(): number {
    return this.ccsSeen;
  }

  /** True when part of a handshake message is waiting for its remaining bytes. */
  get hasPartialMessage(): boolean {
    return this.buffer.length > 0;
  }

  /** Keys are about to change: a message may not straddle the change (RFC 8446 §5.1). */
  assertAtMessageBoundary(where: string): void {
    if (this.buffer.length > 0) throw fail.unexpected(`a handshake message was split across a key change (${where})`);
  }

  /**
   * A copy of the next handshake message's bytes when it is already at hand whole (left in the current record, or
   * alone at the start of the next record, which is decrypting), without taking it or tracing it; null otherwise.
   * For work that may start early, e.g. the CertificateVerify's signature check beside the chain's. The message is
   * still read, decoded, traced and checked by nextHandshake() as usual.
   */
  async peekNextHandshake(): Promise<Uint8Array | null> {
    if (this.buffer.length > 0) return wholeMessage(this.buffer.peek(this.buffer.length));
    const next = await this.channel.peekAhead?.();
    return next?.contentType === ContentType.handshake ? wholeMessage(next.fragment) : null;
  }

  /** The next complete handshake message. Application data here is an error (during the handshake). */
  async nextHandshake(): Promise<ReceivedMessage> {
    for (;;) {
      const m = this.takeBuffered();
      if (m) return m;
      const other = await this.readOne();
      if (other?.kind === 'app-data' && other.record.epoch === 'early' && this.onEarlyData) {
        this.onEarlyData(other.data, other.record);
        continue;
      }
      if (other?.kind === 'app-data') throw fail.unexpected('application data arrived before the handshake finished');
      if (other?.kind === 'close-notify') throw this.endedInHandshake('close_notify', `the ${this.peer} closed the connection (close_notify) during the handshake`);
    }
  }

  /**
   * The error for a peer that ended the connection in the middle of a handshake (`how`: close_notify or the end of
   * the stream): USER_CANCELED when it said user_canceled first (the alert itself ends nothing), else CLOSED.
   */
  endedInHandshake(how: 'close_notify' | 'end of stream', message: string): TlsError {
    return this.canceled(how) ?? new TlsError('CLOSED', message, how === 'close_notify' ? { receivedAlert: 'close_notify' } : undefined);
  }

  /** USER_CANCELED when the peer sent user_canceled before ending the connection (`how`), else null. */
  canceled(how: 'close_notify' | 'end of stream'): TlsError | null {
    if (!this.peerCanceled) return null;
    return new TlsError('USER_CANCELED', `the ${this.peer} canceled (user_canceled, then ${how})`, { receivedAlert: 'user_canceled' });
  }

  /** After the handshake: the next handshake message, application data, or close_notify. Null: stream ended. */
  async nextAny(): Promise<ReceivedMessage | OtherRecord | null> {
    for (;;) {
      const m = this.takeBuffered();
      if (m) return m;
      const other = await this.readOne(true);
      if (other === undefined) continue;
      return other;
    }
  }

  /**
   * nextAny() without waiting: what is whole at hand already (a handshake message left in the buffer, or records
   * whole in the record layer's buffer that the installed cipher opens at once, RecordChannel.readBuffered);
   * undefined when more would mean waiting. Throws as nextAny() rejects. For a reader taking all that one socket
   * read brought, without a promise per record.
   */
  nextBufferedSync(): ReceivedMessage | OtherRecord | undefined {
    if (!this.channel.readBuffered || this.skipper) return undefined;
    for (;;) {
      const m = this.takeBuffered();
      if (m) return m;
      const record = this.channel.readBuffered();
      if (!record) return undefined;
      // Records taken from the buffer are application_data on the wire: a ChangeCipherSpec for onChangeCipherSpec
      // (TLS 1.2, where the wire type is the real one) never comes this way.
      const other = this.classify(record);
      if (other) return other;
    }
  }

  /**
   * Read one record. Handshake bytes go to the buffer (undefined is returned); other content is
   * returned. Null at end of stream (only when `eofOk`; otherwise the handshake was cut short).
   */
  private async readOne(eofOk = false): Promise<OtherRecord | null | undefined> {
    const record = await this.channel.read();
    if (!record) {
      if (eofOk && this.buffer.length === 0) return null;
      if (eofOk) throw new TlsError('TRUNCATED', 'the connection ended in the middle of a handshake message');
      throw this.endedInHandshake('end of stream', `the ${this.peer} closed the connection in the middle of the handshake`);
    }
    if (this.skipper) {
      const verdict = this.skipper.consider(record);
      if (verdict === 'skip') return undefined;
      if (verdict === 'done') this.skipper = null;
    }
    // Only trial decryption hands over a record that did not open, and only to a skipper.
    if (record.unopened) throw tlsFailure('BAD_RECORD_MAC', `a record from the ${this.peer} failed authentication: wrong keys, or the record was altered`);
    if (record.contentType === ContentType.change_cipher_spec && this.onChangeCipherSpec) {
      await this.onChangeCipherSpec(record);
      return undefined;
    }
    return this.classify(record);
  }

  /** A record read: handshake bytes go to the buffer (undefined is returned); other content is returned. */
  private classify(record: ReceivedRecord): OtherRecord | undefined {
    switch (record.contentType) {
      case ContentType.handshake:
        if (record.fragment.length === 0) throw fail.unexpected('a handshake record must not be empty');
        this.ignoredInARow = 0;
        if (this.buffer.length === 0) this.bufferEpoch = record.epoch;
        this.buffer.push(record.fragment);
        this.bufferRecords.push(record.eventIndex);
        return undefined;
      case ContentType.change_cipher_spec:
        // RFC 8446 §5.1: a handshake message split over records has no other record between its pieces (OpenSSL:
        // "bad change cipher spec"); a compatibility CCS comes between messages, never inside one.
        if (this.buffer.length > 0) throw fail.unexpected('a ChangeCipherSpec record arrived in the middle of a handshake message (RFC 8446 §5.1)');
        if (this.ccsAllowed && record.epoch === 'plaintext' && record.fragment.length === 1 && record.fragment[0] === 1) {
          // A peer sends one (after its first hello, or a HelloRetryRequest); a stream of them is not compatibility.
          if (++this.ccsSeen > 2) throw fail.unexpected('too many ChangeCipherSpec records during the handshake');
          this.emit({ kind: 'note', text: 'ChangeCipherSpec received and ignored (middlebox compatibility, RFC 8446 §5)' });
          return undefined;
        }
        throw fail.unexpected('a ChangeCipherSpec record arrived where TLS 1.3 does not allow one');
      case ContentType.alert:
        return this.onAlert(record);
      case ContentType.application_data:
        if (this.buffer.length > 0) throw fail.unexpected('application data arrived in the middle of a handshake message');
        this.ignoredInARow = 0;
        // The reader of the data gets memory of its own: the trace encodes the record's bytes lazily, so those must
        // not change. A copy, unless the trace takes its plaintext by decrypting the record again, or the caller
        // promised never to write to what it reads.
        return { kind: 'app-data', data: record.fragmentUntraced || !this.copyAppData ? record.fragment : record.fragment.slice(), record };
      default:
        throw fail.unexpected(`a record of unexpected content type ${record.contentType}`);
    }
  }

  private onAlert(record: ReceivedRecord): OtherRecord | undefined {
    const f = record.fragment;
    if (f.length !== 2) throw decodeError(`an alert record must be 2 bytes, got ${f.length}`);
    const [level, description] = f;
    const name = alertName(description);
    this.emit({ kind: 'alert', direction: this.peer, level: level === 1 ? 'warning' : 'fatal', description, name, record: record.eventIndex });
    if (description === AlertDescription.close_notify) return { kind: 'close-notify', record };
    // user_canceled is a closure alert, not an error (RFC 8446 §6.1): it ends nothing by itself, in the handshake or
    // after it; the close_notify that should follow does. TLS 1.3 ignores the level (§6); a TLS 1.2 fatal one is
    // fatal (RFC 5246 §7.2). OpenSSL 3.0 does the same (tried against s_client).
    if (description === AlertDescription.user_canceled && (level === 1 || !this.decoder.isTls12)) {
      this.passOver(name);
      this.peerCanceled = true;
      this.emit({ kind: 'note', text: `user_canceled received (${level === 1 ? 'warning' : 'fatal level, ignored as TLS 1.3 does'}): the ${this.peer} says it is giving up for a reason that is not a protocol failure. Not an error alert: the connection goes on (as OpenSSL's does) until the close_notify that should follow (RFC 8446 §6.1)` });
      return undefined;
    }
    // TLS 1.2 lets a receiver carry on after some warnings (e.g. unrecognized_name); TLS 1.3 never does.
    if (level === 1 && this.toleratedWarning?.(description)) {
      this.passOver(name);
      this.emit({ kind: 'note', text: `warning alert ${name} ignored: in TLS 1.2 a warning does not end the connection` });
      return undefined;
    }
    if (description === AlertDescription.user_canceled) {
      throw new TlsError('USER_CANCELED', `the ${this.peer} canceled the connection (fatal user_canceled)`, { receivedAlert: name });
    }
    // In TLS 1.3 every alert but close_notify and user_canceled ends the connection, whatever its level.
    throw new TlsError(receivedAlertCode(description), `the ${this.peer} sent a ${level === 1 ? 'warning' : 'fatal'} alert: ${name} (${description})`, { receivedAlert: name });
  }

  /** An alert that ends nothing still costs a record's work: a peer sending only those is cut off, as OpenSSL does. */
  private passOver(name: string): void {
    if (++this.ignoredInARow >= MAX_IGNORED_ALERTS_IN_A_ROW) throw fail.unexpected(`${MAX_IGNORED_ALERTS_IN_A_ROW} alerts in a row that end nothing (the last: ${name}): too many warning alerts (OpenSSL: too many warn alerts)`);
  }

  private takeBuffered(): ReceivedMessage | null {
    if (this.buffer.length < 4) return null;
    const head = this.buffer.peek(4);
    const length = (head[1] << 16) | (head[2] << 8) | head[3];
    if (length > MAX_HANDSHAKE_MESSAGE) throw decodeError(`a handshake message claims ${length} bytes, more than the ${MAX_HANDSHAKE_MESSAGE} this endpoint accepts`);
    if (this.buffer.length < 4 + length) return null;
    const bytes = this.buffer.take(4 + length);
    const records = this.bufferRecords;
    const epoch = this.bufferEpoch;
    // The record that completed this message may carry the start of the next one.
    this.bufferRecords = this.buffer.length > 0 ? [records[records.length - 1]] : [];
    let decoded: DecodedMessage<AnyHandshakeMessage>;
    try {
      decoded = this.decoder.decode(bytes, true);
    } catch (e) {
      this.emit({ kind: 'note', text: `undecodable handshake message (type ${bytes[0]}, ${bytes.length} bytes): ${toHex(bytes.subarray(0, 64))}${bytes.length > 64 ? '…' : ''}` });
      const expected = this.expected;
      if (expected && bytes[0] !== expected.msgType) {
        throw fail.unexpected(`${expected.state}: expected ${handshakeName12(expected.msgType)}, got ${handshakeName12(bytes[0])} (type ${bytes[0]}), malformed too (${(e as Error).message})`);
      }
      throw e;
    }
    // The message's hex and field tree are made when first read (the bytes are this reader's own copy).
    const event = { kind: 'handshake' as const, direction: this.peer, epoch, msgType: decoded.msgType, name: decoded.name, bytes: '', fields: [] as FieldNode[], records: [...new Set(records)] };
    defineLazy(event, 'bytes', lazyHex(bytes));
    const eventIndex = this.emit(defineLazy(event, 'fields', () => decoded.fields));
    return { msgType: decoded.msgType, name: decoded.name, bytes, message: decoded.message, eventIndex, epoch, records, get fields() { return decoded.fields; } };
  }
}
