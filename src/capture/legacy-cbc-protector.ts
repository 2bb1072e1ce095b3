// Opening TLS 1.0 and 1.1 records of the AES-CBC suites with HMAC (RFC 2246 §6.2.3.2, RFC 4346 §6.2.3.2), both in
// MAC-then-encrypt and in encrypt-then-MAC (RFC 7366, which covers these versions too). The capture decoder's only:
// TLS Lens never speaks these versions, so nothing here encrypts.
//
// The record MAC is TLS 1.2's with the record's own version in it: HMAC(seq || type || version || length || ...).
// TLS 1.1 puts a fresh IV in front of each record, as TLS 1.2 does. TLS 1.0 has none on the wire: the first record
// under new keys uses the IV the key block gave, and each later one the last ciphertext block of the record before
// it in that direction (its last 16 bytes; with encrypt-then-MAC, the 16 in front of its MAC). That block is in the
// capture, not in a decryption result, so records can still be opened ahead and out of order: the decoder hands each
// record the bytes that came before it (`before`). When those were lost (a hole in the capture just before the
// record), the record cannot be opened: its first block would decrypt wrong, and with MAC-then-encrypt its MAC could
// not be checked. `ivLost` tells the decoder so.
import { AES_BLOCK, createAesCbc, createHmac, type AesCbc, type Mac } from '../crypto/cbc.ts';
import type { Epoch } from '../trace/types.ts';
import { MAX_CIPHERTEXT_TLS12, openCbcSteps, runAtOnce, runAwaiting, type CbcOpenCalls, type CbcRecordForm, type OpenedRecord, type RawRecord, type RecordProtector, type SealedRecord, type Steps, type Tls12Suite } from './engine.ts';

/** A captured record with, for TLS 1.0, the last bytes before it in its direction (null: none in the capture). */
export interface CapturedRecord extends RawRecord {
  before?: Uint8Array | null;
}

/** The versions opened here: TLS 1.0 (implicit IVs) and TLS 1.1 (an IV per record). */
export type LegacyRecordVersion = 0x0301 | 0x0302;

export class LegacyCbcProtector implements RecordProtector {
  readonly maxCiphertextLength = MAX_CIPHERTEXT_TLS12;
  readonly overhead: number;
  readonly tagLength: number;
  readonly epoch: Epoch = 'application';
  private readonly calls: CbcOpenCalls;
  private readonly form: CbcRecordForm;
  private seq = 0n;
  readonly decryptAtSync?: (record: RawRecord, seq: bigint) => OpenedRecord;

  private constructor(
    readonly suite: Tls12Suite,
    readonly version: LegacyRecordVersion,
    cipher: AesCbc,
    mac: Mac,
    readonly encryptThenMac: boolean,
    /** TLS 1.0: the key block's IV, for the first record (sequence number 0); null for TLS 1.1. */
    private readonly initialIv: Uint8Array | null,
  ) {
    this.overhead = AES_BLOCK + mac.length + AES_BLOCK;
    this.tagLength = encryptThenMac ? mac.length : 0;
    this.form = { macLength: mac.length, encryptThenMac, version, cipherSuite: this.cipherSuite };
    this.calls = { decrypt: (iv, data) => cipher.decrypt(iv, data), sign: (...parts) => mac.sign(...parts) };
    const { decryptSync } = cipher;
    const signSync = mac.signSync;
    if (decryptSync && signSync) {
      const calls: CbcOpenCalls = { decrypt: decryptSync, sign: signSync };
      this.decryptAtSync = (record, seq) => runAtOnce(this.openSteps(record, seq, calls));
    }
  }

  /** Keys for one direction; `iv` is the key block's (TLS 1.0), null for TLS 1.1. */
  static async create(suite: Tls12Suite, version: LegacyRecordVersion, macKey: Uint8Array, key: Uint8Array, iv: Uint8Array | null, encryptThenMac: boolean): Promise<LegacyCbcProtector> {
    if (suite.cipher !== 'AES-CBC' || !suite.mac) throw new Error(`${suite.name} is not a CBC suite`);
    if ((version === 0x0301) !== (iv !== null)) throw new Error('TLS 1.0, and only TLS 1.0, takes its first IV from the key block');
    return new LegacyCbcProtector(suite, version, await createAesCbc(key), await createHmac(suite.mac, macKey), encryptThenMac, iv);
  }

  get cipherSuite(): string {
    return `${this.suite.name}${this.encryptThenMac ? ' (encrypt-then-MAC)' : ''}`;
  }

  /** The record cannot be opened at `seq`: its IV is the last cipher block of a record the capture lost. */
  ivLost(record: CapturedRecord, seq: bigint): boolean {
    return this.initialIv !== null && seq > 0n && (record.before?.length ?? 0) < this.ivEnd;
  }

  /** TLS 1.0: how far from the end of the record before this one its last cipher block starts. */
  private get ivEnd(): number {
    return AES_BLOCK + this.tagLength;
  }

  /** TLS 1.0: the IV of the record at `seq`, the key block's for the first, else the last cipher block before it. */
  private implicitIvOf(record: CapturedRecord, seq: bigint): Uint8Array {
    if (seq === 0n) return this.initialIv!;
    const before = record.before!;
    return before.subarray(before.length - this.ivEnd, before.length - this.ivEnd + AES_BLOCK);
  }

  get nextSeq(): bigint {
    return this.seq;
  }

  passesThroughUnprotected(): boolean {
    return false;
  }

  encrypt(): Promise<SealedRecord> {
    return Promise.reject(new Error('TLS 1.0 and 1.1 records are only read from captures, never written'));
  }

  /** The next record by this protector's own count (the capture decoder keeps its own and calls decryptAt). */
  decrypt(record: RawRecord): Promise<OpenedRecord> {
    return this.decryptAt(record, this.seq++);
  }

  decryptAt(record: RawRecord, seq: bigint): Promise<OpenedRecord> {
    return runAwaiting(this.openSteps(record, seq, this.calls));
  }

  private *openSteps(record: CapturedRecord, seq: bigint, calls: CbcOpenCalls): Steps<OpenedRecord> {
    if (this.ivLost(record, seq)) throw new Error(`record ${seq}'s IV (the last ciphertext block of the record before it) is not in the capture`);
    // TLS 1.1: the IV is the fragment's first block. TLS 1.0: the key block's for the first record, else the block before.
    return yield* openCbcSteps(record, seq, calls, this.form, this.initialIv === null ? null : this.implicitIvOf(record, seq));
  }
}
