// A CryptoProvider on node:crypto (OpenSSL), for Node hosts only: the CLI, the benchmarks, tests. Browser code
// never imports this module (the page and Worker bundles are checked for node:crypto by a test). A host installs
// it once at start-up: setCryptoProvider(nodeCryptoProvider).
//
// Synchronous OpenSSL calls wherever the work is small: AEAD, CBC, HMAC, hashes, key agreement, verification and
// EC/Ed25519 signing (handing an ECDSA P-256 signature to the thread pool costs the event loop more, measured, than
// making it). RSA signatures, a millisecond or more each, go through the thread pool (the callback form of sign),
// so one does not hold up a server's other clients.
import {
  KeyObject,
  constants,
  createCipheriv,
  createDecipheriv,
  createECDH,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  diffieHellman,
  generateKeyPairSync,
  randomFillSync,
  sign as nodeSign,
  verify as nodeVerify,
  type CipherGCMTypes,
} from 'node:crypto';
import type { AeadName, HashName } from '../tls/suites.ts';
import { x25519Pkcs8 } from './private-scalar.ts';
import type { Aead, AesCbc, CryptoProvider, EcdhGroup, EcdhKeyPair, Mac, MacHash, SigningAlgorithm } from './provider.ts';
import type { PublicKeyInfo, SignatureAlgorithm } from './signature.ts';

/** A plain Uint8Array over a Buffer's bytes (no copy): a Buffer's slice() shares memory, callers expect a copy. */
function plain(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

const NODE_HASH: Record<string, string> = { 'SHA-1': 'sha1', 'SHA-224': 'sha224', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };

function nodeHash(hash: string): string {
  const name = NODE_HASH[hash];
  if (!name) throw new Error(`unsupported hash ${hash}`);
  return name;
}

// ---- AEAD ----

const TAG = 16;

// Sealed records are carved from shared slabs rather than given an ArrayBuffer each: an ArrayBuffer per 16 KiB
// record costs V8 more in allocation and external-memory garbage collection than sealing it does (measured here:
// ~4 µs of a ~19 µs seal). A slab lives while any record carved from it does, which the trace keeps anyway; small
// records (handshake messages, alerts) get their own buffer, so a long-lived trace of a few small records holds no slab.
const SLAB_SIZE = 128 * 1024;
const SLAB_MIN_RECORD = 4096;
let slab = new ArrayBuffer(0);
let slabUsed = 0;

/** `n` bytes no one else uses, not zeroed (every byte is written by the caller). */
function recordBuffer(n: number): Uint8Array {
  if (n < SLAB_MIN_RECORD || n > SLAB_SIZE) return plain(Buffer.allocUnsafeSlow(n));
  if (slabUsed + n > slab.byteLength) {
    slab = Buffer.allocUnsafeSlow(SLAB_SIZE).buffer as ArrayBuffer;
    slabUsed = 0;
  }
  const out = new Uint8Array(slab, slabUsed, n);
  slabUsed += n;
  return out;
}

function aeadAlgorithm(name: AeadName, keyLength: number): CipherGCMTypes | 'chacha20-poly1305' {
  if (name === 'CHACHA20-POLY1305') return 'chacha20-poly1305';
  return keyLength === 16 ? 'aes-128-gcm' : 'aes-256-gcm';
}

async function aead(name: AeadName, rawKey: Uint8Array): Promise<Aead> {
  const algorithm = aeadAlgorithm(name, rawKey.length) as CipherGCMTypes; // chacha20-poly1305 takes the same calls
  const key = createSecretKey(rawKey);
  const options = { authTagLength: TAG };
  const sealSync = (nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, prefix?: Uint8Array, trailer?: Uint8Array): Uint8Array => {
    const cipher = createCipheriv(algorithm, key, nonce, options);
    const length = plaintext.length + (trailer?.length ?? 0);
    cipher.setAAD(aad, { plaintextLength: length });
    const at = prefix?.length ?? 0;
    const out = recordBuffer(at + length + TAG); // every byte is written below
    if (prefix) out.set(prefix);
    out.set(cipher.update(plaintext), at);
    if (trailer) out.set(cipher.update(trailer), at + plaintext.length); // a stream cipher: one byte in, one out
    cipher.final();
    out.set(cipher.getAuthTag(), at + length);
    return out;
  };
  const openSync = (nonce: Uint8Array, aad: Uint8Array, ciphertextAndTag: Uint8Array): Uint8Array | null => {
    if (ciphertextAndTag.length < TAG) return null;
    const length = ciphertextAndTag.length - TAG;
    const decipher = createDecipheriv(algorithm, key, nonce, options);
    decipher.setAuthTag(ciphertextAndTag.subarray(length));
    decipher.setAAD(aad, { plaintextLength: length });
    const plaintext = decipher.update(ciphertextAndTag.subarray(0, length));
    try {
      decipher.final(); // throws when the tag does not verify; the plaintext is returned only after it
    } catch {
      return null;
    }
    return plain(plaintext);
  };
  return {
    name,
    implementation: 'node',
    tagLength: TAG,
    seal: async (nonce, aad, plaintext, prefix) => sealSync(nonce, aad, plaintext, prefix),
    open: async (nonce, aad, ciphertextAndTag) => openSync(nonce, aad, ciphertextAndTag),
    sealSync,
    openSync,
  };
}

// ---- CBC and record MACs ----

async function aesCbc(rawKey: Uint8Array): Promise<AesCbc> {
  const algorithm = rawKey.length === 16 ? 'aes-128-cbc' : 'aes-256-cbc';
  const key = createSecretKey(rawKey);
  const run = (cipher: ReturnType<typeof createCipheriv>, data: Uint8Array) => {
    cipher.setAutoPadding(false); // TLS pads its own way (RFC 5246 §6.2.3.2)
    const head = cipher.update(data);
    const tail = cipher.final();
    return plain(tail.length ? Buffer.concat([head, tail]) : head);
  };
  const encryptSync = (iv: Uint8Array, plaintext: Uint8Array) => run(createCipheriv(algorithm, key, iv), plaintext);
  const decryptSync = (iv: Uint8Array, ciphertext: Uint8Array) => run(createDecipheriv(algorithm, key, iv), ciphertext);
  return {
    encrypt: async (iv, plaintext) => encryptSync(iv, plaintext),
    decrypt: async (iv, ciphertext) => decryptSync(iv, ciphertext),
    encryptSync,
    decryptSync,
  };
}

/** 3DES-EDE-CBC for a capture's 3DES suites: OpenSSL's, far faster than a JavaScript one (des.js, in the browser). */
function tripleDesCbcDecrypt(rawKey: Uint8Array): (iv: Uint8Array, ciphertext: Uint8Array) => Uint8Array {
  const key = createSecretKey(rawKey);
  return (iv, ciphertext) => {
    const decipher = createDecipheriv('des-ede3-cbc', key, iv).setAutoPadding(false);
    const head = decipher.update(ciphertext);
    const tail = decipher.final();
    return plain(tail.length ? Buffer.concat([head, tail]) : head);
  };
}

async function recordHmac(hash: MacHash, rawKey: Uint8Array): Promise<Mac> {
  const algorithm = nodeHash(hash);
  const key = Buffer.from(rawKey); // a copy: the caller's key buffer may be reused
  const length = hash === 'SHA-1' ? 20 : hash === 'SHA-256' ? 32 : 48;
  const signSync = (...parts: Uint8Array[]) => {
    const mac = createHmac(algorithm, key);
    for (const part of parts) mac.update(part);
    return plain(mac.digest());
  };
  return { length, sign: async (...parts) => signSync(...parts), signSync };
}

// ---- key exchange ----

const NODE_CURVE = { secp256r1: 'prime256v1', secp384r1: 'secp384r1', secp521r1: 'secp521r1' } as const;

async function generateEcdh(group: EcdhGroup): Promise<EcdhKeyPair> {
  if (group === 'x25519') {
    // The public key comes encoded by the generation itself. Exporting it afterwards (`publicKey.export({ format:
    // 'jwk' })`) can hang the process in Node 20: the export holds the key's lock while it allocates, a collection
    // it triggers may destroy the generation's finished job, and that job's destructor waits on the same lock
    // (seen in about one run in three of 100,000 generations; test/crypto/node-x25519-hang.test.ts).
    const { privateKey, publicKey } = generateX25519();
    return x25519Pair(privateKey, Buffer.from(publicKey.x!, 'base64url'));
  }
  const ecdh = createECDH(NODE_CURVE[group]);
  ecdh.generateKeys();
  return ecPair(ecdh);
}

async function importEcdh(group: EcdhGroup, scalar: Uint8Array): Promise<EcdhKeyPair> {
  if (group === 'x25519') {
    const privateKey = createPrivateKey({ key: Buffer.from(x25519Pkcs8(scalar)), format: 'der', type: 'pkcs8' });
    // No generation job is left here for a collection to destroy, which the hang above needs.
    return x25519Pair(privateKey, Buffer.from(createPublicKey(privateKey).export({ format: 'jwk' }).x!, 'base64url'));
  }
  const ecdh = createECDH(NODE_CURVE[group]);
  ecdh.setPrivateKey(scalar);
  return ecPair(ecdh);
}

/** Node supports a JWK `publicKeyEncoding` for generated keys; @types/node's overloads only name PEM and DER. */
const generateX25519WithJwk = generateKeyPairSync as unknown as (
  type: 'x25519',
  options: { publicKeyEncoding: { format: 'jwk' } },
) => { privateKey: KeyObject; publicKey: JsonWebKey };
const generateX25519 = () => generateX25519WithJwk('x25519', { publicKeyEncoding: { format: 'jwk' } });

// X25519 public keys travel as JWK, not SPKI DER: OpenSSL 3 decodes and encodes DER keys through its generic
// decoder machinery, several times slower than the JWK path for a 32-byte key (measured: ~8x here).
function x25519Pair(privateKey: KeyObject, publicKey: Buffer): EcdhKeyPair {
  return {
    publicKey: plain(publicKey),
    async agree(peerPublic) {
      const x = Buffer.from(peerPublic.buffer, peerPublic.byteOffset, peerPublic.byteLength).toString('base64url');
      const peer = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x }, format: 'jwk' });
      return plain(diffieHellman({ privateKey, publicKey: peer })); // OpenSSL refuses small-order points (all-zero result)
    },
  };
}

function ecPair(ecdh: ReturnType<typeof createECDH>): EcdhKeyPair {
  return {
    publicKey: plain(ecdh.getPublicKey()), // uncompressed 0x04 || X || Y
    async agree(peerPublic) {
      return plain(ecdh.computeSecret(peerPublic)); // throws for a point not on the curve
    },
  };
}

// ---- signatures ----

const KEY_CACHE_SIZE = 256;
/** Parsed public keys by SPKI bytes: a handful of CA keys verify most certificates. */
const publicKeys = new Map<string, KeyObject>();

function publicKey(spki: Uint8Array): KeyObject {
  const id = Buffer.from(spki.buffer, spki.byteOffset, spki.byteLength).toString('base64');
  let key = publicKeys.get(id);
  if (!key) {
    key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
    publicKeys.set(id, key);
    if (publicKeys.size > KEY_CACHE_SIZE) publicKeys.delete(publicKeys.keys().next().value!);
  }
  return key;
}

/** OpenSSL's options for one signature algorithm: hash name (null for EdDSA) and padding or encoding. */
function signatureOptions(algorithm: SignatureAlgorithm | SigningAlgorithm, key: KeyObject) {
  switch (algorithm.kind) {
    case 'rsa-pkcs1':
      return { hash: nodeHash(algorithm.hash), key: { key, padding: constants.RSA_PKCS1_PADDING } };
    case 'rsa-pss':
      return { hash: nodeHash(algorithm.hash), key: { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: algorithm.saltLength } };
    case 'ecdsa':
      return { hash: nodeHash(algorithm.hash), key: { key, dsaEncoding: 'encoding' in algorithm && algorithm.encoding === 'raw' ? ('ieee-p1363' as const) : ('der' as const) } };
    case 'ed25519':
    case 'ed448': // OpenSSL does Ed448 itself: no need for the JS implementation the WebCrypto provider loads
      return { hash: null, key: { key } };
    case 'dsa': // OpenSSL's DSA: strict DER, 0 < r, s < q, as dsa.ts checks for the WebCrypto provider
      return { hash: nodeHash(algorithm.hash), key: { key, dsaEncoding: 'der' as const } };
  }
}

async function verify(spki: Uint8Array, _info: PublicKeyInfo, algorithm: SignatureAlgorithm, data: Uint8Array, signature: Uint8Array): Promise<boolean> {
  const { hash, key } = signatureOptions(algorithm, publicKey(spki)); // an unusable key throws here
  try {
    return nodeVerify(hash, data, key, signature);
  } catch {
    return false; // a malformed signature (bad DER, wrong length) is an error to OpenSSL and a failed check to us
  }
}

async function signer(privateKey: CryptoKey | Uint8Array, algorithm: SigningAlgorithm): Promise<(data: Uint8Array) => Promise<Uint8Array>> {
  const key = privateKey instanceof Uint8Array ? createPrivateKey({ key: Buffer.from(privateKey), format: 'der', type: 'pkcs8' }) : KeyObject.from(privateKey);
  const { hash, key: options } = signatureOptions(algorithm, key);
  if (algorithm.kind === 'rsa-pss' || algorithm.kind === 'rsa-pkcs1') {
    return (data) => new Promise((resolve, reject) => nodeSign(hash, data, options, (error, signature) => (error ? reject(error) : resolve(plain(signature)))));
  }
  return async (data) => plain(nodeSign(hash, data, options));
}

// ---- randomness ----

// OpenSSL's generator, as node:crypto calls it, costs tens of microseconds per call whatever the size (measured here:
// 22 µs of wall time for 32 bytes in a loop, 43 µs median after a pause; a TLS 1.2 handshake's one call took 0.13 ms
// on a loaded machine). Small requests are served from a pool filled in one call, each byte handed out once and
// wiped from the pool as it goes (Node's own randomUUID keeps such a pool).
const POOL_SIZE = 4096;
const POOLED_MAX = 256;
const pool = new Uint8Array(POOL_SIZE);
let poolUsed = POOL_SIZE;

function randomFill(out: Uint8Array): void {
  if (out.length > POOLED_MAX) {
    randomFillSync(out);
    return;
  }
  if (poolUsed + out.length > POOL_SIZE) {
    randomFillSync(pool);
    poolUsed = 0;
  }
  const end = poolUsed + out.length;
  out.set(pool.subarray(poolUsed, end));
  pool.fill(0, poolUsed, end);
  poolUsed = end;
}

export const nodeCryptoProvider: CryptoProvider = {
  name: 'node',
  randomFill,
  hash: {
    digest: (hash: HashName, data) => plain(createHash(nodeHash(hash)).update(data).digest()),
    hmac: (hash: HashName, key, data) => plain(createHmac(nodeHash(hash), key).update(data).digest()),
    start(hash: HashName) {
      const state = createHash(nodeHash(hash));
      // copy(): a transcript is hashed at several points and keeps growing after each.
      return { update: (data) => void state.update(data), digest: () => plain(state.copy().digest()) };
    },
  },
  aead,
  cbc: { aesCbc, hmac: recordHmac, tripleDesCbcDecrypt },
  keyExchange: { generate: generateEcdh, import: importEcdh },
  signature: { verify, signer },
};
