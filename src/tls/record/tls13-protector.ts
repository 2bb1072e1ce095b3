// TLS 1.3 record protection (RFC 8446 §5.2-§5.4):
//   nonce = write_iv XOR (64-bit sequence number, left-padded to the IV length)
//   additional_data = the 5-byte record header (23, 0x0303, length of the encrypted record)
//   TLSInnerPlaintext = content || content type || zero padding
import { tlsFailure } from '../errors.ts';
import type { Epoch } from '../../trace/types.ts';
import { createAead, type Aead, type AeadOptions } from '../../crypto/aead.ts';
import type { Tls13Suite } from '../suites.ts';
import { alertName } from './alerts.ts';
import { ContentType, MAX_CIPHERTEXT_TLS13, MAX_PLAINTEXT, aContentType, contentTypeName, isKnownContentType } from './content-types.ts';
import type { RawRecord } from './framing.ts';
import type { OpenedRecord, RecordProtector, SealedRecord } from './protector.ts';
import { xorSeq } from './sequence.ts';

const SEQ_LIMIT = (1n << 64n) - 1n;

interface ToSeal {
  contentType: number;
  contentLength: number;
  pad: number;
  /** content || type || padding, or only type || padding when the content is sealed from the caller's buffer. */
  inner: Uint8Array;
  seq: bigint;
  nonce: Uint8Array;
  aad: Uint8Array;
}

export class Tls13RecordProtector implements RecordProtector {
  readonly maxCiphertextLength = MAX_CIPHERTEXT_TLS13;
  readonly overhead: number;
  readonly tagLength: number;
  private seq = 0n;

  private constructor(
    readonly suite: Tls13Suite,
    private readonly aead: Aead,
    private readonly iv: Uint8Array,
    readonly epoch: Epoch,
  ) {
    this.overhead = 1 + aead.tagLength;
    this.tagLength = aead.tagLength;
    const { sealSync, openSync } = aead;
    if (sealSync && openSync) {
      this.encryptSync = (contentType, plaintext, padding = 0) => {
        // No copy of the content: it is encrypted now, with the inner type and padding as a trailer; the trace
        // gets the content by decrypting the record again when it reads it (the caller may reuse its buffer).
        const r = this.toSeal(contentType, plaintext, padding, false);
        const bytes = sealSync(r.nonce, r.aad, plaintext, r.aad, r.inner);
        const sealed = this.sealed(r, bytes, plaintext);
        sealed.details.decryptAgain = () => this.decryptAgain(openSync, r.nonce, bytes).subarray(0, r.contentLength);
        return sealed;
      };
      this.decryptSync = (record) => {
        this.checkProtected(record);
        const opened = this.openSync(record, this.takeSeq(), openSync);
        // The trace decrypts again when it reads the plaintext: the reader may keep and change what it was given.
        const { nonce } = opened.details;
        const end = opened.fragment.length;
        opened.details.decryptAgain = () => this.decryptAgain(openSync, nonce, record.bytes).subarray(0, end);
        return opened;
      };
      this.decryptAtSync = (record, seq) => {
        this.checkProtectedAt(record);
        return this.openSync(record, seq, openSync);
      };
    }
  }

  /** A record this protector sealed or opened, decrypted again from its bytes (header || ciphertext || tag). */
  private decryptAgain(openSync: NonNullable<Aead['openSync']>, nonce: Uint8Array, bytes: Uint8Array): Uint8Array {
    const inner = openSync(nonce, bytes.subarray(0, 5), bytes.subarray(5));
    if (!inner) throw new Error('a record that authenticated before no longer does: its bytes were changed');
    return inner;
  }

  /** A protector for one direction and epoch, from the write key and IV of a traffic secret. */
  static async create(suite: Tls13Suite, key: Uint8Array, iv: Uint8Array, epoch: Epoch, options: AeadOptions = {}): Promise<Tls13RecordProtector> {
    if (key.length !== suite.keyLength) throw new Error(`${suite.name} needs a ${suite.keyLength}-byte key, got ${key.length}`);
    if (iv.length !== suite.ivLength) throw new Error(`${suite.name} needs a ${suite.ivLength}-byte IV, got ${iv.length}`);
    return new Tls13RecordProtector(suite, await createAead(suite.aead, key, options), Uint8Array.from(iv), epoch);
  }

  /**
   * A protector straight from a traffic secret: derives [sender]_write_key/iv through the key
   * schedule (so the derivation is in the trace) and installs them. `who` names the keys in the
   * trace, e.g. "server_handshake".
   */
  static async fromTrafficSecret(
    keySchedule: { trafficKeys(secret: Uint8Array, keyLength: number, who?: string, ivLength?: number): Promise<{ key: Uint8Array; iv: Uint8Array }> },
    suite: Tls13Suite,
    secret: Uint8Array,
    epoch: Epoch,
    who = '',
    options: AeadOptions = {},
  ): Promise<Tls13RecordProtector> {
    const { key, iv } = await keySchedule.trafficKeys(secret, suite.keyLength, who, suite.ivLength);
    return Tls13RecordProtector.create(suite, key, iv, epoch, options);
  }

  get cipherSuite(): string {
    return this.suite.name;
  }

  get nextSeq(): bigint {
    return this.seq;
  }

  /** Which implementation does the AEAD work ('webcrypto' or 'noble'). */
  get aeadImplementation(): string {
    return this.aead.implementation;
  }

  passesThroughUnprotected(contentType: number): boolean {
    if (contentType === ContentType.change_cipher_spec) return true;
    // A peer that could not read our ServerHello (or HelloRetryRequest) has no handshake keys, so its
    // alert can only come in the clear: take it as an alert while nothing under these keys has arrived.
    return contentType === ContentType.alert && this.epoch === 'handshake' && this.seq === 0n;
  }

  async encrypt(contentType: number, plaintext: Uint8Array, padding = 0): Promise<SealedRecord> {
    const r = this.toSeal(contentType, plaintext, padding, true);
    return this.sealed(r, await this.aead.seal(r.nonce, r.aad, r.inner, r.aad), r.inner.subarray(0, r.contentLength));
  }

  readonly encryptSync?: (contentType: number, plaintext: Uint8Array, padding?: number) => SealedRecord;
  readonly decryptSync?: (record: RawRecord) => OpenedRecord;
  readonly decryptAtSync?: (record: RawRecord, seq: bigint) => OpenedRecord;

  /**
   * The inner plaintext (content || type || padding, with our copy of the content; without the content when
   * `withContent` is false: type || padding), its sequence number, nonce and header.
   */
  private toSeal(contentType: number, plaintext: Uint8Array, padding: number, withContent: boolean): ToSeal {
    if (plaintext.length > MAX_PLAINTEXT) throw new RangeError(`record content of ${plaintext.length} bytes exceeds 2^14`);
    // The inner plaintext (content + type + padding) may not exceed 2^14 + 1 bytes.
    const pad = Math.max(0, Math.min(padding, MAX_PLAINTEXT - plaintext.length));
    const at = withContent ? plaintext.length : 0;
    const inner = new Uint8Array(at + 1 + pad);
    if (withContent) inner.set(plaintext, 0);
    inner[at] = contentType;
    const seq = this.takeSeq();
    const length = plaintext.length + 1 + pad + this.aead.tagLength;
    const aad = Uint8Array.of(ContentType.application_data, 0x03, 0x03, length >> 8, length & 0xff);
    return { contentType, contentLength: plaintext.length, pad, inner, seq, nonce: this.nonce(seq), aad };
  }

  /** `bytes`: header || ciphertext || tag, as sealed; `content`: what was sealed, without type and padding. */
  private sealed(r: ToSeal, bytes: Uint8Array, content: Uint8Array): SealedRecord {
    const tagStart = bytes.length - this.aead.tagLength;
    // Header, ciphertext and tag are views into the record, so the trace can slice one hex string.
    return {
      bytes,
      seq: r.seq,
      details: {
        cipherSuite: this.suite.name,
        nonce: r.nonce,
        iv: this.iv,
        aad: bytes.subarray(0, 5),
        ciphertext: bytes.subarray(5, tagStart),
        tag: bytes.subarray(tagStart),
        plaintext: content,
        innerContentType: r.contentType,
        paddingLength: r.pad,
      },
    };
  }

  async decrypt(record: RawRecord): Promise<OpenedRecord> {
    this.checkProtected(record);
    return this.open(record, this.takeSeq());
  }

  async tryDecrypt(record: RawRecord): Promise<OpenedRecord | null> {
    this.checkProtected(record);
    const seq = this.seq;
    const nonce = this.nonce(seq);
    const aad = record.bytes.subarray(0, 5);
    const opened = record.fragment.length > this.aead.tagLength ? await this.aead.open(nonce, aad, record.fragment) : null;
    if (!opened) return null;
    this.takeSeq();
    return this.opened(record, seq, nonce, aad, opened);
  }

  async decryptAt(record: RawRecord, seq: bigint): Promise<OpenedRecord> {
    this.checkProtectedAt(record);
    return this.open(record, seq);
  }

  /** A record opened at a chosen sequence number (a capture's) must be an application_data record. */
  private checkProtectedAt(record: RawRecord): void {
    if (record.contentType !== ContentType.application_data) throw tlsFailure('UNEXPECTED_MESSAGE', `${aContentType(record.contentType)} record is not protected`);
  }

  private checkProtected(record: RawRecord): void {
    if (record.contentType !== ContentType.application_data) {
      const f = record.fragment;
      // Name a plaintext alert in the message: it is usually the real reason the peer gave up.
      const what = record.contentType === ContentType.alert && f.length === 2 ? ` (${f[0] === 2 ? 'fatal' : 'warning'} ${alertName(f[1])})` : '';
      throw tlsFailure('UNEXPECTED_MESSAGE', `${aContentType(record.contentType)} record${what} arrived unprotected after encryption started`);
    }
  }

  private async open(record: RawRecord, seq: bigint): Promise<OpenedRecord> {
    const nonce = this.nonce(seq);
    const aad = record.bytes.subarray(0, 5);
    // Too short to hold even the tag and the inner content type: it cannot authenticate.
    const opened = record.fragment.length > this.aead.tagLength ? await this.aead.open(nonce, aad, record.fragment) : null;
    return this.opened(record, seq, nonce, aad, opened);
  }

  private openSync(record: RawRecord, seq: bigint, openSync: NonNullable<Aead['openSync']>): OpenedRecord {
    const nonce = this.nonce(seq);
    const aad = record.bytes.subarray(0, 5);
    const opened = record.fragment.length > this.aead.tagLength ? openSync(nonce, aad, record.fragment) : null;
    return this.opened(record, seq, nonce, aad, opened);
  }

  /** The record from what the AEAD opened (null: it did not authenticate). */
  private opened(record: RawRecord, seq: bigint, nonce: Uint8Array, aad: Uint8Array, opened: Uint8Array | null): OpenedRecord {
    const fragment = record.fragment;
    const tagLength = this.aead.tagLength;
    if (!opened) {
      throw tlsFailure('BAD_RECORD_MAC', `record ${seq} (${this.epoch} keys, ${this.suite.name}) failed authentication: wrong keys, or the record was altered`);
    }
    if (opened.length > MAX_PLAINTEXT + 1) {
      throw tlsFailure('RECORD_OVERFLOW', `decrypted record of ${opened.length} bytes exceeds 2^14 + 1`);
    }
    // The content type is the last non-zero byte; everything after it is padding.
    let end = opened.length - 1;
    while (end >= 0 && opened[end] === 0) end--;
    if (end < 0) {
      throw tlsFailure('UNEXPECTED_MESSAGE', 'a decrypted record holds only padding, no content type');
    }
    const contentType = opened[end];
    if (!isKnownContentType(contentType) || contentType === ContentType.change_cipher_spec) {
      throw tlsFailure('UNEXPECTED_MESSAGE', `a decrypted record has inner content type ${contentTypeName(contentType)}`);
    }
    const plaintext = opened.subarray(0, end); // opened is ours alone (fresh from the AEAD)
    const tagStart = fragment.length - tagLength;
    return {
      contentType,
      fragment: plaintext,
      seq,
      details: {
        cipherSuite: this.suite.name,
        nonce,
        iv: this.iv,
        // Views into the received record (its bytes are never written again, see RecordReader): no copies needed.
        aad,
        ciphertext: fragment.subarray(0, tagStart),
        tag: fragment.subarray(tagStart),
        plaintext,
        innerContentType: contentType,
        paddingLength: opened.length - 1 - end,
      },
    };
  }

  private takeSeq(): bigint {
    // RFC 8446 §5.3: the sequence number must not wrap; a KeyUpdate (or closing) must come first.
    if (this.seq >= SEQ_LIMIT) throw tlsFailure('SEQUENCE_OVERFLOW', 'record sequence number exhausted: the keys must be updated');
    return this.seq++;
  }

  private nonce(seq: bigint): Uint8Array {
    return xorSeq(this.iv, seq);
  }

  /** For tests of the overflow guard only. */
  setSequenceForTest(seq: bigint): void {
    this.seq = seq;
  }
}
