// Record protection as an interface, so that TLS 1.3 AEAD (tls13-protector.ts), TLS 1.2 AEAD with its explicit
// nonce (tls12-aead-protector.ts) and TLS 1.2 CBC, MAC-then-encrypt (tls12-cbc-protector.ts) plug into one record layer.
// A protector owns its keys and its sequence number: installing a new one starts at seq 0.
import type { Epoch } from '../../trace/types.ts';
import type { RawRecord } from './framing.ts';

/** What a protected record reveals for the trace (RecordEvent.protection, as bytes). */
export interface ProtectionDetails {
  cipherSuite: string;
  nonce: Uint8Array;
  iv: Uint8Array;
  aad: Uint8Array;
  /** The encrypted part of the fragment, without the tag. */
  ciphertext: Uint8Array;
  tag: Uint8Array;
  /** The content, with inner type and padding removed. */
  plaintext: Uint8Array;
  innerContentType: number;
  paddingLength: number;
  /**
   * The content decrypted again from the record's bytes (given by the AEAD protectors' encryptSync and decryptSync,
   * the record layer's synchronous path; not by decryptAtSync, whose caller keeps its own copies). When present,
   * the trace takes the plaintext from here when first read, never from `plaintext`, which may then be memory
   * others write: the caller's data (sealed without a copy), or the buffer handed to the reader.
   */
  decryptAgain?: () => Uint8Array;
}

export interface SealedRecord {
  /** The whole record to send: header + protected fragment. */
  bytes: Uint8Array;
  seq: bigint;
  details: ProtectionDetails;
}

export interface OpenedRecord {
  /** The real content type (TLS 1.3: from the inner plaintext). */
  contentType: number;
  fragment: Uint8Array;
  seq: bigint;
  details: ProtectionDetails;
}

export interface RecordProtector {
  readonly epoch: Epoch;
  readonly cipherSuite: string;
  /** Largest fragment on the wire this protector may produce or accept. */
  readonly maxCiphertextLength: number;
  /** Bytes the protection adds to a fragment at most (for fragmentation and padding limits). */
  readonly overhead: number;
  /** Length of the authentication tag at the end of each protected fragment (for field trees). */
  readonly tagLength: number;
  /** The sequence number the next record will use. */
  readonly nextSeq: bigint;
  /**
   * True for an outer content type that arrives unprotected while this protector is active
   * (TLS 1.3: the middlebox-compatibility change_cipher_spec, RFC 8446 §5).
   */
  passesThroughUnprotected(contentType: number): boolean;
  /**
   * Protect one fragment; `padding` zero bytes are added where the scheme allows it. Reads
   * `plaintext` only before its first await (copying what it keeps), so the caller may reuse the
   * buffer as soon as the call returns.
   */
  encrypt(contentType: number, plaintext: Uint8Array, padding?: number): Promise<SealedRecord>;
  /**
   * Authenticate and decrypt one record. Throws TlsAlertError: bad_record_mac when the record
   * does not authenticate, unexpected_message / record_overflow for a malformed inner plaintext.
   */
  decrypt(record: RawRecord): Promise<OpenedRecord>;
  /**
   * Open a record at a sequence number the caller keeps (a capture reader decrypting several records at once, or
   * trying the numbers after records the capture lost); this protector's own counter is left alone.
   */
  decryptAt(record: RawRecord, seq: bigint): Promise<OpenedRecord>;
  /**
   * TLS 1.3 trial decryption (RFC 8446 §4.2.10): decrypt() for a record that may not be under these keys. Null when it
   * does not authenticate, and then its sequence number stays unused: the next record is tried at the same one.
   * Other failures (an unprotected record, a malformed inner plaintext) throw as decrypt() does.
   */
  tryDecrypt?(record: RawRecord): Promise<OpenedRecord | null>;
  /**
   * encrypt and decrypt without an await, present when the cipher's provider works synchronously (node:crypto,
   * see Aead.sealSync in crypto/provider.ts); absent under WebCrypto. Same results, same errors (thrown).
   * The record layer uses them to handle a batch of records in one loop; the capture decoder uses decryptAtSync.
   */
  encryptSync?(contentType: number, plaintext: Uint8Array, padding?: number): SealedRecord;
  decryptSync?(record: RawRecord): OpenedRecord;
  decryptAtSync?(record: RawRecord, seq: bigint): OpenedRecord;
}
