// Opening CBC records only the capture decoder reads: TLS 1.0 and 1.1's AES-CBC suites with HMAC (RFC 2246 §6.2.3.2,
// RFC 4346 §6.2.3.2), both in MAC-then-encrypt and in encrypt-then-MAC (RFC 7366, which covers these versions too),
// and the 3DES-EDE-CBC suites in TLS 1.0 to 1.2 (legacy-cipher-suites.ts; des.js, triple-des-cbc.ts). TLS Lens never
// speaks these, so nothing here encrypts. (TLS 1.2's AES-CBC records are the engine's Tls12CbcProtector's.)
//
// The record MAC is TLS 1.2's with the record's own version in it: HMAC(seq || type || version || length || ...).
// TLS 1.1 and 1.2 put a fresh IV in front of each record. TLS 1.0 has none on the wire: the first record under new
// keys uses the IV the key block gave, and each later one the last ciphertext block of the record before it in that
// direction (its last block: 16 bytes for AES, 8 for 3DES; with encrypt-then-MAC, the block in front of its MAC).
// That block is in the capture, not in a decryption result, so records can still be opened ahead and out of order:
// the decoder hands each record the bytes that came before it (`before`). When those were lost (a hole in the
// capture just before the record), the record cannot be opened: its first block would decrypt wrong, and with
// MAC-then-encrypt its MAC could not be checked. `ivLost` tells the decoder so.
import { AES_BLOCK, createAesCbc, createHmac, type Mac } from '../crypto/cbc.ts';
import type { Epoch } from '../trace/types.ts';
import { MAX_CIPHERTEXT_TLS12, openCbcSteps, runAtOnce, runAwaiting, type CbcOpenCalls, type CbcRecordForm, type OpenedRecord, type RawRecord, type RecordProtector, type SealedRecord, type Step, type Steps, type Tls12Suite } from './engine.ts';

/** A captured record with, for TLS 1.0, the last bytes before it in its direction (null: none in the capture). */
export interface CapturedRecord extends RawRecord {
  before?: Uint8Array | null;
}

/** The versions opened here: TLS 1.0 (implicit IVs), TLS 1.1 (an IV per record), and TLS 1.2 for 3DES only. */
export type LegacyRecordVersion = 0x0301 | 0x0302 | 0x0303;

/** The block cipher in CBC mode, decrypting: AES from the crypto provider, 3DES from des.js (triple-des-cbc.ts). */
export interface CbcDecipher {
  readonly blockLength: number;
  decrypt(iv: Uint8Array, ciphertext: Uint8Array): Step;
  decryptSync?(iv: Uint8Array, ciphertext: Uint8Array): Uint8Array;
}

export class LegacyCbcProtector implements RecordProtector {
  readonly maxCiphertextLength = MAX_CIPHERTEXT_TLS12;
  readonly overhead: number;
  readonly tagLength: number;
  readonly epoch: Epoch = 'application';
  private readonly calls: CbcOpenCalls;
  private readonly form: CbcRecordForm;
  private seq = 0n;
  readonly decryptAtSync?: (record: RawRecord, seq: bigint) => OpenedRecord;
  /** The cipher's block: 16 bytes (AES) or 8 (3DES). */
  private readonly block: number;

  private constructor(
    readonly suite: { name: string },
    readonly version: LegacyRecordVersion,
    cipher: CbcDecipher,
    mac: Mac,
    readonly encryptThenMac: boolean,
    /** TLS 1.0: the key block's IV, for the first record (sequence number 0); null for TLS 1.1 and 1.2. */
    private readonly initialIv: Uint8Array | null,
  ) {
    this.block = cipher.blockLength;
    this.overhead = this.block + mac.length + this.block;
    this.tagLength = encryptThenMac ? mac.length : 0;
    this.form = { macLength: mac.length, encryptThenMac, version, cipherSuite: this.cipherSuite, blockLength: this.block };
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
    if (version === 0x0303) throw new Error("TLS 1.2's AES-CBC records are the engine's (Tls12CbcProtector)");
    checkIv(version, iv);
    return new LegacyCbcProtector(suite, version, { ...(await createAesCbc(key)), blockLength: AES_BLOCK }, await createHmac(suite.mac, macKey), encryptThenMac, iv);
  }

  /** Another block cipher's keys for one direction (3DES: legacy-cipher-keys.ts), TLS 1.0 to 1.2; `iv` as for `create`. */
  static withCipher(suite: { name: string }, version: LegacyRecordVersion, cipher: CbcDecipher, mac: Mac, encryptThenMac: boolean, iv: Uint8Array | null): LegacyCbcProtector {
    checkIv(version, iv);
    return new LegacyCbcProtector(suite, version, cipher, mac, encryptThenMac, iv);
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
    return this.block + this.tagLength;
  }

  /** TLS 1.0: the IV of the record at `seq`, the key block's for the first, else the last cipher block before it. */
  private implicitIvOf(record: CapturedRecord, seq: bigint): Uint8Array {
    if (seq === 0n) return this.initialIv!;
    const before = record.before!;
    return before.subarray(before.length - this.ivEnd, before.length - this.ivEnd + this.block);
  }

  get nextSeq(): bigint {
    return this.seq;
  }

  passesThroughUnprotected(): boolean {
    return false;
  }

  encrypt(): Promise<SealedRecord> {
    return Promise.reject(new Error('these records are only read from captures, never written'));
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
    // TLS 1.1 and 1.2: the IV is the fragment's first block. TLS 1.0: the key block's for the first record, else the block before.
    return yield* openCbcSteps(record, seq, calls, this.form, this.initialIv === null ? null : this.implicitIvOf(record, seq));
  }
}

function checkIv(version: LegacyRecordVersion, iv: Uint8Array | null): void {
  if ((version === 0x0301) !== (iv !== null)) throw new Error('TLS 1.0, and only TLS 1.0, takes its first IV from the key block');
}
