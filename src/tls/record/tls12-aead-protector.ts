// TLS 1.2 AEAD record protection (RFC 5246 §6.2.3.3):
//   AES-GCM (RFC 5288): nonce = 4-byte implicit salt from the key block || 8-byte explicit nonce sent in each
//     record (here the sequence number, as most implementations do);
//   ChaCha20-Poly1305 (RFC 7905): nonce = 12-byte IV XOR the padded sequence number, nothing explicit on the wire;
//   additional_data = seq_num(8) || type || version || plaintext length. The content type stays in the clear.
import { tlsFailure } from '../errors.ts';
import type { Epoch } from '../../trace/types.ts';
import { concat } from '../../util/bytes.ts';
import { createAead, type Aead } from '../../crypto/aead.ts';
import type { Tls12Suite } from '../suites12.ts';

import { MAX_CIPHERTEXT_TLS12, MAX_PLAINTEXT } from './content-types.ts';
import type { RawRecord } from './framing.ts';
import type { OpenedRecord, RecordProtector, SealedRecord } from './protector.ts';
import { seqBytes, writeSeq, xorSeq } from './sequence.ts';

const SEQ_LIMIT = (1n << 64n) - 1n;

/** seq_num || type || version || length: what TLS 1.2 authenticates besides the content. */
export function additionalData12(seq: bigint, type: number, length: number): Uint8Array {
  const aad = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, type, 0x03, 0x03, length >> 8, length & 0xff);
  writeSeq(aad, 0, seq);
  return aad;
}

export class Tls12AeadProtector implements RecordProtector {
  readonly maxCiphertextLength = MAX_CIPHERTEXT_TLS12;
  readonly overhead: number;
  readonly tagLength = 16;
  private seq = 0n;
  private readonly explicitLength: number;

  private constructor(
    readonly suite: Tls12Suite,
    private readonly aead: Aead,
    private readonly iv: Uint8Array,
    readonly epoch: Epoch,
  ) {
    this.explicitLength = suite.cipher === 'AES-GCM' ? 8 : 0;
    this.overhead = this.explicitLength + 16;
  }

  static async create(suite: Tls12Suite, key: Uint8Array, iv: Uint8Array, epoch: Epoch = 'application'): Promise<Tls12AeadProtector> {
    if (suite.cipher === 'AES-CBC') throw new Error(`${suite.name} is not an AEAD suite`);
    if (iv.length !== suite.fixedIvLength) throw new Error(`${suite.name} needs a ${suite.fixedIvLength}-byte implicit IV, got ${iv.length}`);
    return new Tls12AeadProtector(suite, await createAead(suite.cipher, key), Uint8Array.from(iv), epoch);
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

  async encrypt(contentType: number, plaintext: Uint8Array): Promise<SealedRecord> {
    if (plaintext.length > MAX_PLAINTEXT) throw new RangeError(`record content of ${plaintext.length} bytes exceeds 2^14`);
    const seq = this.takeSeq();
    const { nonce, explicit } = this.nonce(seq);
    const aad = additionalData12(seq, contentType, plaintext.length);
    const content = Uint8Array.from(plaintext); // ours: the caller may reuse its buffer once this call returns
    const length = explicit.length + content.length + 16;
    const header = Uint8Array.of(contentType, 0x03, 0x03, length >> 8, length & 0xff);
    const bytes = await this.aead.seal(nonce, aad, content, concat(header, explicit)); // header || explicit nonce || ciphertext || tag
    const sealedStart = header.length + explicit.length;
    const tagStart = bytes.length - 16;
    // Ciphertext and tag are views into the record, so the trace slices the record's hex instead of encoding them again.
    return {
      bytes,
      seq,
      details: { cipherSuite: this.suite.name, nonce, iv: this.iv, aad, ciphertext: bytes.subarray(sealedStart, tagStart), tag: bytes.subarray(tagStart), plaintext: content, innerContentType: contentType, paddingLength: 0 },
    };
  }

  async decrypt(record: RawRecord): Promise<OpenedRecord> {
    return this.decryptAt(record, this.takeSeq());
  }

  async decryptAt(record: RawRecord, seq: bigint): Promise<OpenedRecord> {
    const fragment = record.fragment;
    const bad = () => tlsFailure('BAD_RECORD_MAC', `record ${seq} (${this.suite.name}) failed authentication: wrong keys, or the record was altered`);
    if (fragment.length < this.explicitLength + 16) throw bad();
    const explicit = fragment.subarray(0, this.explicitLength);
    const nonce = this.explicitLength ? concat(this.iv, explicit) : this.nonce(seq).nonce;
    const sealed = fragment.subarray(this.explicitLength);
    const aad = additionalData12(seq, record.contentType, sealed.length - 16);
    const opened = await this.aead.open(nonce, aad, sealed);
    if (!opened) throw bad();
    if (opened.length > MAX_PLAINTEXT) throw tlsFailure('RECORD_OVERFLOW', `decrypted record of ${opened.length} bytes exceeds 2^14`);
    const tagStart = sealed.length - 16;
    return {
      contentType: record.contentType,
      fragment: opened,
      seq,
      // Views into the received record (the reader never writes its buffer again): no copies needed.
      details: { cipherSuite: this.suite.name, nonce, iv: this.iv, aad, ciphertext: sealed.subarray(0, tagStart), tag: sealed.subarray(tagStart), plaintext: opened, innerContentType: record.contentType, paddingLength: 0 },
    };
  }

  private nonce(seq: bigint): { nonce: Uint8Array; explicit: Uint8Array } {
    if (this.explicitLength) {
      const explicit = seqBytes(seq);
      return { nonce: concat(this.iv, explicit), explicit };
    }
    return { nonce: xorSeq(this.iv, seq), explicit: new Uint8Array(0) };
  }

  private takeSeq(): bigint {
    if (this.seq >= SEQ_LIMIT) throw tlsFailure('SEQUENCE_OVERFLOW', 'record sequence number exhausted: renegotiate or close');
    return this.seq++;
  }
}
