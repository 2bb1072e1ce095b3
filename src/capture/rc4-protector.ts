// Opening the records of the RC4-128 suites (TLS_RSA_WITH_RC4_128_SHA / _MD5, TLS_ECDHE_*_WITH_RC4_128_SHA, ...) in
// TLS 1.0 to 1.2 (RFC 2246 §6.2.3.1, unchanged in 4346 and 5246): E(content || HMAC(seq || type || version || length
// || content)), a stream cipher with no IV and no padding. The capture decoder's only: nothing here encrypts.
//
// RC4's keystream is not cut per record: one keystream runs across a direction's records, each taking the bytes
// after the previous one's. So a record can be opened only once every record before it under these keys has been:
// where its keystream starts is the sum of their lengths. The decoder opens a direction's records in order
// (decryptAtSync is always there, so it never decrypts ahead); a record at any other number throws, saying why.
// After records were lost (a gap in the capture, damaged bytes) the keystream is picked up again only where the
// record MAC proves it (resumeAfterLoss); otherwise the rest of the direction stays encrypted (gap-recovery.ts).
import { equalBytes } from '../util/bytes.ts';
import type { Epoch } from '../trace/types.ts';
import { MAX_CIPHERTEXT_TLS12, MAX_PLAINTEXT, RECORD_HEADER_LENGTH, macHeader, tlsFailure, type OpenedRecord, type RawRecord, type RecordProtector, type SealedRecord } from './engine.ts';
import type { LegacyCipherSuite } from './legacy-cipher-suites.ts';
import type { LegacyRecordVersion } from './legacy-cbc-protector.ts';
import type { SyncMac } from './legacy-record-mac.ts';
import { Rc4Keystream } from './rc4-keystream.ts';
import { KEYSTREAM_RUNS_ON } from './keystream-cipher.ts';

const NONE = new Uint8Array(0);

/** Keystream made and thrown away at a time while running it on past lost records. */
const SKIP_STEP = 1 << 20;

/** What resumeAfterLoss found: the record opened and how many were lost, or the counts tried (none: too many bytes lost). */
export type Resumed =
  | { opened: OpenedRecord; lost: number; keystreamSkipped: number }
  | { opened: null; tried: { fewest: number; most: number } | null };

/** Where a record's keystream starts: its sequence number and the keystream offset of its first byte. */
interface Place {
  seq: bigint;
  offset: number;
}

export class Rc4Protector implements RecordProtector {
  readonly maxCiphertextLength = MAX_CIPHERTEXT_TLS12;
  readonly overhead: number;
  /** The MAC is encrypted with the content: nothing in the clear at the record's end. */
  readonly tagLength = 0;
  readonly epoch: Epoch = 'application';
  readonly [KEYSTREAM_RUNS_ON] = true;
  /** The next record to open, at the keystream offset the records opened so far leave. */
  private next: Place = { seq: 0n, offset: 0 };
  /** The last record opened: it may be opened again (a second try for its error, or another record at its number). */
  private last: Place | null = null;
  /** Keystream made and still needed, from offset `windowStart`: the last record's and what follows. */
  private window: Uint8Array = NONE;
  private windowStart = 0;
  private seq = 0n;

  private constructor(
    readonly suite: LegacyCipherSuite,
    readonly version: LegacyRecordVersion,
    private readonly keystream: Rc4Keystream,
    private readonly mac: SyncMac,
  ) {
    this.overhead = mac.length;
  }

  /** Keys for one direction: the RC4 key and the record MAC (legacy-record-mac.ts). */
  static create(suite: LegacyCipherSuite, version: LegacyRecordVersion, mac: SyncMac, key: Uint8Array): Rc4Protector {
    if (suite.cipher !== 'RC4-128') throw new Error(`${suite.name} is not an RC4 suite`);
    return new Rc4Protector(suite, version, Rc4Keystream.create(key), mac);
  }

  get cipherSuite(): string {
    return this.suite.name;
  }

  get nextSeq(): bigint {
    return this.seq;
  }

  passesThroughUnprotected(): boolean {
    return false;
  }

  encrypt(): Promise<SealedRecord> {
    return Promise.reject(new Error('RC4 records are only read from captures, never written'));
  }

  decrypt(record: RawRecord): Promise<OpenedRecord> {
    return this.decryptAt(record, this.seq++);
  }

  decryptAt(record: RawRecord, seq: bigint): Promise<OpenedRecord> {
    try {
      return Promise.resolve(this.decryptAtSync(record, seq));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Opens the record at `seq`: the next one in order, or the last one again. */
  decryptAtSync(record: RawRecord, seq: bigint): OpenedRecord {
    const at = this.placeOf(seq);
    const fragment = record.fragment;
    const macLength = this.mac.length;
    const bad = () => tlsFailure('BAD_RECORD_MAC', `record ${seq} (${this.cipherSuite}) failed its MAC check: wrong keys, the record was altered, or a record before it is missing (RC4's keystream runs on from one record to the next)`);
    if (fragment.length < macLength) throw bad();
    const stream = this.keystreamAt(at.offset, fragment.length);
    const opened = new Uint8Array(fragment.length);
    for (let i = 0; i < opened.length; i++) opened[i] = fragment[i] ^ stream[i];
    const content = opened.subarray(0, opened.length - macLength);
    const aad = macHeader(seq, record.contentType, this.version, content.length);
    if (!equalBytes(this.mac.signSync(aad, content), opened.subarray(content.length))) throw bad();
    if (content.length > MAX_PLAINTEXT) throw tlsFailure('RECORD_OVERFLOW', `decrypted record of ${content.length} bytes exceeds 2^14`);
    this.opened(at, fragment.length);
    return {
      contentType: record.contentType,
      fragment: content,
      seq,
      // No IV (a stream cipher) and no padding; the MAC is inside the ciphertext, as with CBC's MAC-then-encrypt.
      details: { cipherSuite: this.cipherSuite, nonce: NONE, iv: NONE, aad, ciphertext: fragment, tag: NONE, plaintext: content, innerContentType: record.contentType, paddingLength: 0 },
    };
  }

  /**
   * Records were lost (a gap in the capture, bytes skipped as damaged): `span` bytes lay between the end of the last
   * record opened and `record`'s header, and they can only be whole records, each a 5-byte header and a fragment
   * whose bytes used keystream. With n of them lost the keystream ran on by span - 5n bytes and the sequence number
   * by n. Each n the sizes allow (fragments of at least the MAC's length, at most the largest record's) is tried, at
   * most `maxTries` of them, with the keystream made once and sliced, and only the record's MAC decides. Nothing is
   * tried when that means making more than `maxKeystream` bytes of keystream. Opened: decryption goes on from that
   * record. Not: the keystream before the span is gone (the direction's records stay encrypted after this).
   */
  resumeAfterLoss(record: RawRecord, span: number, maxTries: number, maxKeystream: number): Resumed {
    const from = this.next;
    const fragment = record.fragment;
    const macLength = this.mac.length;
    const fewest = Math.max(1, Math.ceil(span / (RECORD_HEADER_LENGTH + this.maxCiphertextLength)));
    const most = Math.min(Math.floor(span / (RECORD_HEADER_LENGTH + macLength)), fewest + maxTries - 1);
    if (most < fewest || fragment.length < macLength) return { opened: null, tried: null };
    // The keystream from the record's place with `most` records lost to its end with `fewest` lost.
    const first = from.offset + span - RECORD_HEADER_LENGTH * most;
    const end = from.offset + span - RECORD_HEADER_LENGTH * fewest + fragment.length;
    if (end - from.offset > maxKeystream) return { opened: null, tried: null };
    this.last = null;
    this.dropKeystreamBefore(first);
    const stream = this.keystreamAt(first, end - first);
    const opened = new Uint8Array(fragment.length);
    const content = opened.subarray(0, fragment.length - macLength);
    for (let n = fewest; n <= most; n++) {
      const offset = from.offset + span - RECORD_HEADER_LENGTH * n;
      const at = offset - first;
      for (let i = 0; i < opened.length; i++) opened[i] = fragment[i] ^ stream[at + i];
      const seq = from.seq + BigInt(n);
      const mac = this.mac.signSync(macHeader(seq, record.contentType, this.version, content.length), content);
      if (!equalBytes(mac, opened.subarray(content.length))) continue;
      this.next = { seq, offset };
      return { opened: this.decryptAtSync(record, seq), lost: n, keystreamSkipped: offset - from.offset };
    }
    return { opened: null, tried: { fewest, most } };
  }

  /** Keystream before `offset` is no longer needed: let it go (made and thrown away, a block at a time, if not made yet). */
  private dropKeystreamBefore(offset: number): void {
    const made = this.windowStart + this.window.length;
    if (offset <= made) {
      this.window = this.window.subarray(offset - this.windowStart);
    } else {
      for (let left = offset - made; left > 0; left -= SKIP_STEP) this.keystream.next(Math.min(left, SKIP_STEP));
      this.window = NONE;
    }
    this.windowStart = offset;
  }

  /** Where the record at `seq` starts in the keystream; throws when that is not known. */
  private placeOf(seq: bigint): Place {
    if (this.next.offset < this.windowStart) throw new Error(`RC4's keystream for record ${seq} is not known: records were lost before it, and no number of them made the record after them open`);
    if (seq === this.next.seq) return this.next;
    if (this.last && seq === this.last.seq) return this.last;
    throw new Error(`RC4's keystream for record ${seq} is not known: one keystream runs across a direction's records, so a record opens only after each one before it (records 0..${this.next.seq - 1n} opened so far)`);
  }

  /** A record opened at `at`: the next one starts where it ends, and keystream before it is no longer needed. */
  private opened(at: Place, length: number): void {
    this.last = at;
    this.next = { seq: at.seq + 1n, offset: at.offset + length };
    this.window = this.window.subarray(at.offset - this.windowStart);
    this.windowStart = at.offset;
  }

  /** `length` keystream bytes from `offset` (never before `windowStart`), made as far as needed. */
  private keystreamAt(offset: number, length: number): Uint8Array {
    const end = offset + length;
    const made = this.windowStart + this.window.length;
    if (end > made) {
      const grown = new Uint8Array(end - this.windowStart);
      grown.set(this.window);
      grown.set(this.keystream.next(end - made), this.window.length);
      this.window = grown;
    }
    return this.window.subarray(offset - this.windowStart, end - this.windowStart);
  }
}
