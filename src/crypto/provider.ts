// Everything the engine needs from cryptography, as one swappable value (the shape of rustls's CryptoProvider):
// randomness, hashes and HMAC, record ciphers, (EC)DH key exchange, signatures. The engine never calls a provider
// directly: it calls the functions of src/crypto (createAead, digest, generateKeyShare, verifySignature, ...),
// which check their inputs, shape errors as TLS alerts and hand the arithmetic to the active provider.
//
// WebCrypto (webcrypto-provider.ts) is the default everywhere and the only provider a browser bundle contains.
// A Node host may install node:crypto once at start-up (node-provider.ts, `setCryptoProvider(nodeCryptoProvider)`),
// before its first connection. HKDF and the TLS 1.2 PRF are built on the provider's HMAC; ML-KEM stays on
// @noble/post-quantum; finite-field DHE on BigInt.
import type { AeadName, HashName } from '../tls/suites.ts';
import type { PublicKeyInfo, SignatureAlgorithm } from './signature.ts';
import { webCryptoProvider } from './webcrypto-provider.ts';

export type { AeadName, HashName };

/** Hashes record MACs use (TLS 1.2 CBC suites); the key schedule uses SHA-256 and SHA-384 only. */
export type MacHash = 'SHA-1' | 'SHA-256' | 'SHA-384';

export interface Aead {
  readonly name: AeadName;
  /** Which code does the work, for traces and tests. */
  readonly implementation: 'webcrypto' | 'noble' | 'node';
  readonly tagLength: 16;
  /**
   * Encrypt; returns ciphertext || tag, after `prefix` when one is given (a record's header: the record is then
   * written once, where a provider can, instead of sealed and copied behind its header).
   */
  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, prefix?: Uint8Array): Promise<Uint8Array>;
  /** Decrypt and authenticate; null when the tag does not verify (never throws for that). */
  open(nonce: Uint8Array, aad: Uint8Array, ciphertextAndTag: Uint8Array): Promise<Uint8Array | null>;
  /**
   * Optional synchronous seal and open, with the same results, for providers whose calls are synchronous anyway
   * (node:crypto has them; WebCrypto does not: its calls are asynchronous only). The record layer then protects
   * or opens a batch of records in one loop, without an await per record; so does the capture decoder.
   * sealSync's `trailer` is encrypted right after `plaintext`, as if joined to it (TLS 1.3's inner content type and
   * padding): the caller need not copy a record's content to append a byte.
   */
  sealSync?(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, prefix?: Uint8Array, trailer?: Uint8Array): Uint8Array;
  openSync?(nonce: Uint8Array, aad: Uint8Array, ciphertextAndTag: Uint8Array): Uint8Array | null;
}

export interface AeadOptions {
  /** WebCrypto provider only: force one ChaCha20-Poly1305 implementation (tests); default: WebCrypto when available. */
  chachaImplementation?: 'webcrypto' | 'noble';
  /**
   * The key's first use comes after a wait (application keys: the peer's next flight, the caller's first write):
   * a provider with a key import to make (WebCrypto) makes it at the first seal or open, not now. A Chromium Worker
   * runs WebCrypto calls on the calling thread, so an import started now would run inside the handshake's last
   * step; and scheduling it for the next idle moment costs more (a task posted from a Worker: 30-50 µs) than the
   * import itself (~10 µs).
   */
  importAtFirstUse?: boolean;
}

/** AES-CBC over whole blocks, no padding added or removed (TLS pads its own way, RFC 5246 §6.2.3.2). */
export interface AesCbc {
  encrypt(iv: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array>;
  decrypt(iv: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array>;
  /** Optional synchronous forms with the same results, as Aead.sealSync (node:crypto has them, WebCrypto not). */
  encryptSync?(iv: Uint8Array, plaintext: Uint8Array): Uint8Array;
  decryptSync?(iv: Uint8Array, ciphertext: Uint8Array): Uint8Array;
}

/** An HMAC with its key fixed (a record MAC runs for every record). */
export interface Mac {
  readonly length: number;
  /** The MAC of the parts joined, in order (a record's MAC input is a header and its content: no join needed where a provider streams). */
  sign(...parts: Uint8Array[]): Promise<Uint8Array>;
  /** Optional synchronous form with the same result, present with AesCbc's (a CBC record needs both). */
  signSync?(...parts: Uint8Array[]): Uint8Array;
}

/** A hash fed piece by piece: digest() is the hash of everything so far, and more may follow. */
export interface RunningHash {
  update(data: Uint8Array): void;
  digest(): Uint8Array;
}

export type EcdhGroup = 'x25519' | 'secp256r1' | 'secp384r1' | 'secp521r1';

/** An ephemeral (EC)DH private key with its public half: X25519 raw 32 bytes, P-curves uncompressed 0x04 || X || Y. */
export interface EcdhKeyPair {
  readonly publicKey: Uint8Array;
  /**
   * The raw shared secret (the x-coordinate for P-curves) with a peer's public value of the right length and form.
   * Throws when the provider refuses the value (off the curve, small order); the caller says why in TLS terms.
   */
  agree(peerPublic: Uint8Array): Promise<Uint8Array>;
}

/** What a private key signs with: ECDSA signatures come out DER-encoded, as TLS carries them. */
export type SigningAlgorithm =
  | { kind: 'ecdsa'; curve: 'P-256' | 'P-384' | 'P-521'; hash: 'SHA-256' | 'SHA-384' | 'SHA-512' }
  | { kind: 'rsa-pss'; hash: 'SHA-256' | 'SHA-384' | 'SHA-512'; saltLength: number }
  | { kind: 'rsa-pkcs1'; hash: 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512' }
  | { kind: 'ed25519' }
  | { kind: 'ed448' };

export interface CryptoProvider {
  /** Shown in benchmarks and tests: 'webcrypto' or 'node'. */
  readonly name: string;
  /** Fill `out` with cryptographically secure random bytes. */
  randomFill(out: Uint8Array): void;
  hash: {
    /** Synchronous on purpose: the key schedule chains a few dozen of these on tiny inputs. */
    digest(hash: HashName, data: Uint8Array): Uint8Array;
    hmac(hash: HashName, key: Uint8Array, data: Uint8Array): Uint8Array;
    /** Optional: a running hash (a transcript grows by a message at a time and is hashed after most of them). */
    start?(hash: HashName): RunningHash;
  };
  /** Record ciphers; the key length is checked by the caller. */
  aead(name: AeadName, key: Uint8Array, options: AeadOptions): Promise<Aead>;
  cbc: {
    aesCbc(key: Uint8Array): Promise<AesCbc>;
    hmac(hash: MacHash, key: Uint8Array): Promise<Mac>;
    /**
     * Optional: 3DES-EDE-CBC decryption under a 24-byte key, synchronous, no padding removed. Only captures of old
     * peers need it (src/capture/triple-des-cbc.ts); where it is absent (WebCrypto has no 3DES) they use des.js.
     */
    tripleDesCbcDecrypt?(key: Uint8Array): (iv: Uint8Array, ciphertext: Uint8Array) => Uint8Array;
  };
  keyExchange: {
    generate(group: EcdhGroup): Promise<EcdhKeyPair>;
    /** A key pair from a known private scalar (replays, RFC 8448): X25519 32 bytes, P-curves the big-endian scalar. */
    import(group: EcdhGroup, scalar: Uint8Array): Promise<EcdhKeyPair>;
  };
  signature: {
    /**
     * Whether `signature` over `data` verifies with the key in `spki` (described by `info`, already checked to fit
     * the algorithm). False for a signature that does not verify or is malformed; throws for an unusable key.
     */
    verify(spki: Uint8Array, info: PublicKeyInfo, algorithm: SignatureAlgorithm, data: Uint8Array, signature: Uint8Array): Promise<boolean>;
    /** A signing function for a private key given as PKCS#8 DER or a WebCrypto key. */
    signer(privateKey: CryptoKey | Uint8Array, algorithm: SigningAlgorithm): Promise<(data: Uint8Array) => Promise<Uint8Array>>;
  };
}

let active: CryptoProvider = webCryptoProvider;

/** The provider every src/crypto function uses now. */
export function cryptoProvider(): CryptoProvider {
  return active;
}

/**
 * Make `provider` the one every later operation uses (rustls's install_default). Call it once at host start-up,
 * before any connection: keys made by one provider are not usable by another. Returns the provider it replaced.
 */
export function setCryptoProvider(provider: CryptoProvider): CryptoProvider {
  const before = active;
  active = provider;
  return before;
}

/** `length` random bytes from the active provider. */
export function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  active.randomFill(out);
  return out;
}
