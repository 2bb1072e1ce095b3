// TLS 1.2 CBC record protection (RFC 5246 §6.2.3.2) with a random explicit IV per record, in its two orders:
//   MAC-then-encrypt (the original): E(content || HMAC(seq || header || content) || padding), checked with the
//     padding and the MAC failing the same way and the MAC computed either way (against padding oracles such
//     as Lucky 13; "constant-time-ish": JavaScript gives no real guarantee);
//   encrypt-then-MAC (RFC 7366): IV || E(content || padding) || HMAC(seq || header' || IV || ciphertext), the MAC
//     checked before anything is decrypted.
// Each direction is written once, as a generator that yields its cipher and MAC calls: run step by step with
// awaits (WebCrypto), or in one synchronous loop where the provider's calls are synchronous (node:crypto), which
// gives the record layer encryptSync/decryptSync as for the AEAD suites.
import type { Epoch } from '../../trace/types.ts';
import { concat } from '../../util/bytes.ts';
import { AES_BLOCK, createAesCbc, createHmac, type AesCbc, type Mac } from '../../crypto/cbc.ts';
import { randomBytes } from '../../crypto/provider.ts';
import type { Tls12Suite } from '../suites12.ts';

import { MAX_CIPHERTEXT_TLS12, MAX_PLAINTEXT } from './content-types.ts';
import type { RawRecord } from './framing.ts';
import type { OpenedRecord, RecordProtector, SealedRecord } from './protector.ts';
import { additionalData12 } from './tls12-aead-protector.ts';
import { openCbcSteps, runAtOnce, runAwaiting, type CbcRecordForm, type Step, type Steps } from './cbc-steps.ts';

interface CbcCalls {
  encrypt(iv: Uint8Array, data: Uint8Array): Step;
  decrypt(iv: Uint8Array, data: Uint8Array): Step;
  sign(...parts: Uint8Array[]): Step;
}

export class Tls12CbcProtector implements RecordProtector {
  readonly maxCiphertextLength = MAX_CIPHERTEXT_TLS12;
  readonly overhead: number;
  /** With encrypt-then-MAC the MAC is the clear tail of the record; with MAC-then-encrypt it is hidden inside. */
  readonly tagLength: number;
  private seq = 0n;
  private readonly calls: CbcCalls;
  private readonly form: CbcRecordForm;

  private constructor(
    readonly suite: Tls12Suite,
    cipher: AesCbc,
    private readonly mac: Mac,
    readonly encryptThenMac: boolean,
    readonly epoch: Epoch,
    private readonly random: (n: number) => Uint8Array,
  ) {
    this.overhead = AES_BLOCK + mac.length + AES_BLOCK;
    this.tagLength = encryptThenMac ? mac.length : 0;
    this.form = { macLength: mac.length, encryptThenMac, version: 0x0303, cipherSuite: this.cipherSuite };
    this.calls = { encrypt: (iv, data) => cipher.encrypt(iv, data), decrypt: (iv, data) => cipher.decrypt(iv, data), sign: (...parts) => mac.sign(...parts) };
    const { encryptSync, decryptSync } = cipher;
    const signSync = mac.signSync;
    if (encryptSync && decryptSync && signSync) {
      const calls: CbcCalls = { encrypt: encryptSync, decrypt: decryptSync, sign: signSync };
      this.encryptSync = (contentType, data) => runAtOnce(this.sealSteps(contentType, data, calls));
      this.decryptAtSync = (record, seq) => runAtOnce(this.openSteps(record, seq, calls));
      this.decryptSync = (record) => this.decryptAtSync!(record, this.seq++);
    }
  }

  readonly encryptSync?: (contentType: number, data: Uint8Array) => SealedRecord;
  readonly decryptSync?: (record: RawRecord) => OpenedRecord;
  readonly decryptAtSync?: (record: RawRecord, seq: bigint) => OpenedRecord;

  static async create(suite: Tls12Suite, macKey: Uint8Array, key: Uint8Array, encryptThenMac: boolean, epoch: Epoch = 'application', random = randomBytes): Promise<Tls12CbcProtector> {
    if (suite.cipher !== 'AES-CBC' || !suite.mac) throw new Error(`${suite.name} is not a CBC suite`);
    return new Tls12CbcProtector(suite, await createAesCbc(key), await createHmac(suite.mac, macKey), encryptThenMac, epoch, random);
  }

  get cipherSuite(): string {
    return `${this.suite.name}${this.encryptThenMac ? ' (encrypt-then-MAC)' : ''}`;
  }
  get nextSeq(): bigint {
    return this.seq;
  }

  passesThroughUnprotected(): boolean {
    return false;
  }

  encrypt(contentType: number, data: Uint8Array): Promise<SealedRecord> {
    return runAwaiting(this.sealSteps(contentType, data, this.calls));
  }

  private *sealSteps(contentType: number, data: Uint8Array, calls: CbcCalls): Steps<SealedRecord> {
    if (data.length > MAX_PLAINTEXT) throw new RangeError(`record content of ${data.length} bytes exceeds 2^14`);
    const seq = this.seq++;
    const iv = this.random(AES_BLOCK);
    const header = (length: number) => Uint8Array.of(contentType, 0x03, 0x03, length >> 8, length & 0xff);
    if (this.encryptThenMac) {
      // Our copy of the content (the caller may reuse its buffer once this call returns) is the front of the padded block run.
      const padded = pad(data);
      const plaintext = padded.bytes.subarray(0, data.length);
      const ciphertext = yield calls.encrypt(iv, padded.bytes);
      const encLength = AES_BLOCK + ciphertext.length;
      const macInput = additionalData12(seq, contentType, encLength);
      const tag = yield calls.sign(macInput, iv, ciphertext);
      const length = encLength + tag.length;
      const bytes = concat(header(length), iv, ciphertext, tag);
      // IV, ciphertext and tag as views into the record: the trace slices the record's hex instead of encoding them again.
      const ivInRecord = bytes.subarray(5, 5 + AES_BLOCK);
      const details = { cipherSuite: this.cipherSuite, nonce: ivInRecord, iv: ivInRecord, aad: macInput, ciphertext: bytes.subarray(5 + AES_BLOCK, 5 + encLength), tag: bytes.subarray(5 + encLength), plaintext, innerContentType: contentType, paddingLength: padded.padLength };
      return { bytes, seq, details };
    }
    const macInput = additionalData12(seq, contentType, data.length);
    // Read `data` before the first step waits: the caller may reuse its buffer once encrypt() returns.
    const macing = calls.sign(macInput, data);
    const padded = pad(data, this.mac.length);
    const plaintext = padded.bytes.subarray(0, data.length);
    padded.bytes.set(yield macing, data.length);
    const ciphertext = yield calls.encrypt(iv, padded.bytes);
    const length = AES_BLOCK + ciphertext.length;
    const bytes = concat(header(length), iv, ciphertext);
    const ivInRecord = bytes.subarray(5, 5 + AES_BLOCK);
    return {
      bytes,
      seq,
      details: { cipherSuite: this.cipherSuite, nonce: ivInRecord, iv: ivInRecord, aad: macInput, ciphertext: bytes.subarray(5 + AES_BLOCK), tag: new Uint8Array(0), plaintext, innerContentType: contentType, paddingLength: padded.padLength },
    };
  }

  decrypt(record: RawRecord): Promise<OpenedRecord> {
    return this.decryptAt(record, this.seq++);
  }

  decryptAt(record: RawRecord, seq: bigint): Promise<OpenedRecord> {
    return runAwaiting(this.openSteps(record, seq, this.calls));
  }

  private *openSteps(record: RawRecord, seq: bigint, calls: CbcCalls): Steps<OpenedRecord> {
    return yield* openCbcSteps(record, seq, calls, this.form);
  }
}

/**
 * `data`, then `room` bytes left for the caller (a MAC), padded to whole blocks with padLength + 1 bytes, each
 * holding padLength: a new buffer.
 */
function pad(data: Uint8Array, room = 0): { bytes: Uint8Array; padLength: number } {
  const length = data.length + room;
  const padLength = AES_BLOCK - 1 - (length % AES_BLOCK);
  const out = new Uint8Array(length + padLength + 1);
  out.set(data);
  out.fill(padLength, length);
  return { bytes: out, padLength };
}
