// A CryptoProvider on node:crypto (OpenSSL), for Node hosts only: the CLI, the benchmarks, tests. Browser code
// never imports this module (the page and Worker bundles are checked for node:crypto by a test). A host installs
// it once at start-up: setCryptoProvider(nodeCryptoProvider).
//
// Synchronous OpenSSL calls where the work is small and per record (AEAD, CBC, HMAC, hashes, key agreement);
// signatures go through the thread pool (the callback forms of sign/verify), so an RSA signature does not hold up
// the event loop of a server with other clients.
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

const NODE_HASH: Record<string, string> = { 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };

function nodeHash(hash: string): string {
  const name = NODE_HASH[hash];
  if (!name) throw new Error(`unsupported hash ${hash}`);
  return name;
}

// ---- AEAD ----

const TAG = 16;

function aeadAlgorithm(name: AeadName, keyLength: number): CipherGCMTypes | 'chacha20-poly1305' {
  if (name === 'CHACHA20-POLY1305') return 'chacha20-poly1305';
  return keyLength === 16 ? 'aes-128-gcm' : 'aes-256-gcm';
}

async function aead(name: AeadName, rawKey: Uint8Array): Promise<Aead> {
  const algorithm = aeadAlgorithm(name, rawKey.length) as CipherGCMTypes; // chacha20-poly1305 takes the same calls
  const key = createSecretKey(rawKey);
  const options = { authTagLength: TAG };
  return {
    name,
    implementation: 'node',
    tagLength: TAG,
    async seal(nonce, aad, plaintext) {
      const cipher = createCipheriv(algorithm, key, nonce, options);
      cipher.setAAD(aad, { plaintextLength: plaintext.length });
      const out = new Uint8Array(plaintext.length + TAG);
      out.set(cipher.update(plaintext));
      cipher.final();
      out.set(cipher.getAuthTag(), plaintext.length);
      return out;
    },
    async open(nonce, aad, ciphertextAndTag) {
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
    },
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
  return {
    async encrypt(iv, plaintext) {
      return run(createCipheriv(algorithm, key, iv), plaintext);
    },
    async decrypt(iv, ciphertext) {
      return run(createDecipheriv(algorithm, key, iv), ciphertext);
    },
  };
}

async function recordHmac(hash: MacHash, rawKey: Uint8Array): Promise<Mac> {
  const algorithm = nodeHash(hash);
  const key = Buffer.from(rawKey); // a copy: the caller's key buffer may be reused
  const length = hash === 'SHA-1' ? 20 : hash === 'SHA-256' ? 32 : 48;
  return { length, sign: async (data) => plain(createHmac(algorithm, key).update(data).digest()) };
}

// ---- key exchange ----

const NODE_CURVE = { secp256r1: 'prime256v1', secp384r1: 'secp384r1' } as const;
// SubjectPublicKeyInfo for X25519 (RFC 8410): SEQUENCE { SEQUENCE { OID 1.3.101.110 }, BIT STRING (32 bytes) }.
const X25519_SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

async function generateEcdh(group: EcdhGroup): Promise<EcdhKeyPair> {
  if (group === 'x25519') {
    const { privateKey } = generateKeyPairSync('x25519');
    return x25519Pair(privateKey);
  }
  const ecdh = createECDH(NODE_CURVE[group]);
  ecdh.generateKeys();
  return ecPair(ecdh);
}

async function importEcdh(group: EcdhGroup, scalar: Uint8Array): Promise<EcdhKeyPair> {
  if (group === 'x25519') return x25519Pair(createPrivateKey({ key: Buffer.from(x25519Pkcs8(scalar)), format: 'der', type: 'pkcs8' }));
  const ecdh = createECDH(NODE_CURVE[group]);
  ecdh.setPrivateKey(scalar);
  return ecPair(ecdh);
}

function x25519Pair(privateKey: KeyObject): EcdhKeyPair {
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return {
    publicKey: plain(spki.subarray(X25519_SPKI_PREFIX.length)),
    async agree(peerPublic) {
      const publicKey = createPublicKey({ key: Buffer.concat([X25519_SPKI_PREFIX, peerPublic]), format: 'der', type: 'spki' });
      return plain(diffieHellman({ privateKey, publicKey })); // OpenSSL refuses small-order points (all-zero result)
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

/** OpenSSL's options for one signature algorithm: hash name (null for Ed25519) and padding or encoding. */
function signatureOptions(algorithm: SignatureAlgorithm | SigningAlgorithm, key: KeyObject) {
  switch (algorithm.kind) {
    case 'rsa-pkcs1':
      return { hash: nodeHash(algorithm.hash), key: { key, padding: constants.RSA_PKCS1_PADDING } };
    case 'rsa-pss':
      return { hash: nodeHash(algorithm.hash), key: { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: algorithm.saltLength } };
    case 'ecdsa':
      return { hash: nodeHash(algorithm.hash), key: { key, dsaEncoding: 'encoding' in algorithm && algorithm.encoding === 'raw' ? ('ieee-p1363' as const) : ('der' as const) } };
    case 'ed25519':
      return { hash: null, key: { key } };
  }
}

async function verify(spki: Uint8Array, _info: PublicKeyInfo, algorithm: SignatureAlgorithm, data: Uint8Array, signature: Uint8Array): Promise<boolean> {
  const { hash, key } = signatureOptions(algorithm, publicKey(spki)); // an unusable key throws here
  return new Promise((resolve) => {
    try {
      // A malformed signature (bad DER, wrong length) is an error to OpenSSL and a failed check to us.
      nodeVerify(hash, data, key, signature, (error, ok) => resolve(!error && ok));
    } catch {
      resolve(false);
    }
  });
}

async function signer(privateKey: CryptoKey | Uint8Array, algorithm: SigningAlgorithm): Promise<(data: Uint8Array) => Promise<Uint8Array>> {
  const key = privateKey instanceof Uint8Array ? createPrivateKey({ key: Buffer.from(privateKey), format: 'der', type: 'pkcs8' }) : KeyObject.from(privateKey);
  const { hash, key: options } = signatureOptions(algorithm, key);
  return (data) =>
    new Promise((resolve, reject) => nodeSign(hash, data, options, (error, signature) => (error ? reject(error) : resolve(plain(signature)))));
}

export const nodeCryptoProvider: CryptoProvider = {
  name: 'node',
  randomFill(out) {
    randomFillSync(out);
  },
  hash: {
    digest: (hash: HashName, data) => plain(createHash(nodeHash(hash)).update(data).digest()),
    hmac: (hash: HashName, key, data) => plain(createHmac(nodeHash(hash), key).update(data).digest()),
  },
  aead,
  cbc: { aesCbc, hmac: recordHmac },
  keyExchange: { generate: generateEcdh, import: importEcdh },
  signature: { verify, signer },
};
