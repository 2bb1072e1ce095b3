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

interface ToSeal {
  contentType: number;
  seq: bigint;
  nonce: Uint8Array;
  aad: Uint8Array;
  content: Uint8Array;
  prefix: Uint8Array;
}

interface ToOpen {
  contentType: number;
  seq: bigint;
  nonce: Uint8Array;
  aad: Uint8Array;
  sealed: Uint8Array;
}

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
    const { sealSync, openSync } = aead;
    if (sealSync && openSync) {
      // No copies of the content either way: sealed now from the caller's buffer, opened into the buffer the reader
      // gets; the trace decrypts the record again when it reads the plaintext (either buffer may change later).
      this.encryptSync = (contentType, plaintext) => {
        const r = this.toSeal(contentType, plaintext, false);
        const sealed = this.sealed(r, sealSync(r.nonce, r.aad, r.content, r.prefix));
        sealed.details.decryptAgain = () => this.decryptAgain(openSync, r.nonce, r.aad, sealed.bytes.subarray(r.prefix.length));
        return sealed;
      };
      this.decryptAtSync = (record, seq) => {
        const r = this.toOpen(record, seq);
        return this.opened(r, openSync(r.nonce, r.aad, r.sealed));
      };
      this.decryptSync = (record) => {
        const r = this.toOpen(record, this.takeSeq());
        const opened = this.opened(r, openSync(r.nonce, r.aad, r.sealed));
        opened.details.decryptAgain = () => this.decryptAgain(openSync, r.nonce, r.aad, r.sealed);
        return opened;
      };
    }
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

  /** A record this protector sealed or opened, decrypted again from its ciphertext || tag. */
  private decryptAgain(openSync: NonNullable<Aead['openSync']>, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array {
    const content = openSync(nonce, aad, sealed);
    if (!content) throw new Error('a record that authenticated before no longer does: its bytes were changed');
    return content;
  }

  async encrypt(contentType: number, plaintext: Uint8Array): Promise<SealedRecord> {
    const r = this.toSeal(contentType, plaintext, true);
    return this.sealed(r, await this.aead.seal(r.nonce, r.aad, r.content, r.prefix));
  }

  readonly encryptSync?: (contentType: number, plaintext: Uint8Array) => SealedRecord;
  readonly decryptSync?: (record: RawRecord) => OpenedRecord;
  readonly decryptAtSync?: (record: RawRecord, seq: bigint) => OpenedRecord;

  /**
   * The content (our copy when `copy`: an asynchronous cipher reads it after the caller may have reused its
   * buffer), its sequence number, nonce, additional data and the record's header || explicit nonce.
   */
  private toSeal(contentType: number, plaintext: Uint8Array, copy: boolean): ToSeal {
    if (plaintext.length > MAX_PLAINTEXT) throw new RangeError(`record content of ${plaintext.length} bytes exceeds 2^14`);
    const seq = this.takeSeq();
    const { nonce, explicit } = this.nonce(seq);
    const aad = additionalData12(seq, contentType, plaintext.length);
    const content = copy ? Uint8Array.from(plaintext) : plaintext;
    const length = explicit.length + content.length + 16;
    const prefix = new Uint8Array(5 + explicit.length);
    prefix.set([contentType, 0x03, 0x03, length >> 8, length & 0xff]);
    prefix.set(explicit, 5);
    return { contentType, seq, nonce, aad, content, prefix };
  }

  /** `bytes`: header || explicit nonce || ciphertext || tag, as sealed. */
  private sealed(r: ToSeal, bytes: Uint8Array): SealedRecord {
    const sealedStart = r.prefix.length;
    const tagStart = bytes.length - 16;
    // Ciphertext and tag are views into the record, so the trace slices the record's hex instead of encoding them again.
    return {
      bytes,
      seq: r.seq,
      details: { cipherSuite: this.suite.name, nonce: r.nonce, iv: this.iv, aad: r.aad, ciphertext: bytes.subarray(sealedStart, tagStart), tag: bytes.subarray(tagStart), plaintext: r.content, innerContentType: r.contentType, paddingLength: 0 },
    };
  }

  async decrypt(record: RawRecord): Promise<OpenedRecord> {
    return this.decryptAt(record, this.takeSeq());
  }

  async decryptAt(record: RawRecord, seq: bigint): Promise<OpenedRecord> {
    const r = this.toOpen(record, seq);
    return this.opened(r, await this.aead.open(r.nonce, r.aad, r.sealed));
  }

  /** Nonce, additional data and sealed part (ciphertext || tag) of a received record; throws if it is too short. */
  private toOpen(record: RawRecord, seq: bigint): ToOpen {
    const fragment = record.fragment;
    if (fragment.length < this.explicitLength + 16) throw this.bad(seq);
    const explicit = fragment.subarray(0, this.explicitLength);
    const nonce = this.explicitLength ? concat(this.iv, explicit) : this.nonce(seq).nonce;
    const sealed = fragment.subarray(this.explicitLength);
    const aad = additionalData12(seq, record.contentType, sealed.length - 16);
    return { contentType: record.contentType, seq, nonce, aad, sealed };
  }

  private opened(r: ToOpen, opened: Uint8Array | null): OpenedRecord {
    if (!opened) throw this.bad(r.seq);
    if (opened.length > MAX_PLAINTEXT) throw tlsFailure('RECORD_OVERFLOW', `decrypted record of ${opened.length} bytes exceeds 2^14`);
    const tagStart = r.sealed.length - 16;
    return {
      contentType: r.contentType,
      fragment: opened,
      seq: r.seq,
      // Views into the received record (the reader never writes its buffer again): no copies needed.
      details: { cipherSuite: this.suite.name, nonce: r.nonce, iv: this.iv, aad: r.aad, ciphertext: r.sealed.subarray(0, tagStart), tag: r.sealed.subarray(tagStart), plaintext: opened, innerContentType: r.contentType, paddingLength: 0 },
    };
  }

  private bad(seq: bigint) {
    return tlsFailure('BAD_RECORD_MAC', `record ${seq} (${this.suite.name}) failed authentication: wrong keys, or the record was altered`);
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
