// The default CryptoProvider, and the only one in the browser bundle: WebCrypto for record ciphers, record MACs,
// key exchange and signatures; @noble for what WebCrypto lacks or does slowly:
//  - hashes and HMAC for the key schedule and transcripts (@noble/hashes): each WebCrypto call costs a promise and
//    its scheduling (in Node a thread hop; in a Chromium Worker the work runs on the calling thread, but an HMAC
//    would also need a key import), while a TLS 1.3 handshake chains about twenty HMACs and ten transcript
//    hashes; in JS they take a few µs each, identically in Node and the browser;
//  - ChaCha20-Poly1305 where WebCrypto has none (Node 20), from @noble/ciphers;
//  - the one extra AES block a TLS-padded CBC decryption needs (see aesCbc below);
//  - Ed448, which Chromium's WebCrypto lacks (@noble/curves, loaded at the first Ed448 key: ed448.ts).
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import type { AeadName } from '../tls/suites.ts';
import { concat, toHex } from '../util/bytes.ts';
import { ecdsaDerToRaw, ecdsaRawToDer } from './ecdsa-encoding.ts';
import { ed448Signer, ed448Verify } from './ed448.ts';
import { dsaVerify } from './dsa.ts';
import { ecPkcs8, x25519Pkcs8 } from './private-scalar.ts';
import { pkcs8WithRsaEncryptionAlgorithm, readSpki, withRsaEncryptionAlgorithm } from './spki.ts';
import type { Aead, AeadOptions, AesCbc, CryptoProvider, EcdhGroup, EcdhKeyPair, Mac, MacHash, SigningAlgorithm } from './provider.ts';
import type { PublicKeyInfo, SignatureAlgorithm } from './signature.ts';
import { bufferSource, subtle } from './webcrypto.ts';
import { digestOf, hmacOf, runningHash } from './noble-hash.ts';

const AES_BLOCK = 16;

// ---- AEAD ----
// A record key's import is one more WebCrypto call. The Aead is handed out at once and each seal/open waits for the
// import itself, so installing keys never waits; one first used after a wait (an application key) is imported at
// that first use (importAtFirstUse): in a Chromium Worker the import's work runs on the calling thread, wherever it
// is started.

function importAeadKey(name: AeadName, rawKey: Uint8Array): Promise<CryptoKey> {
  const key = name === 'AES-GCM' ? subtle().importKey('raw', bufferSource(rawKey), { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']) : importChaChaKey(rawKey);
  key.catch(() => undefined); // reported by the seal or open that needs it
  return key;
}

/** The key for an aead(): imported now or, with `atFirstUse`, by the first seal or open (which reports a failure). */
function takeKey(name: AeadName, rawKey: Uint8Array, atFirstUse = false): () => Promise<CryptoKey> {
  if (!atFirstUse) {
    const key = importAeadKey(name, rawKey);
    return () => key;
  }
  const bytes = Uint8Array.from(rawKey);
  let key: Promise<CryptoKey> | undefined;
  return () => (key ??= importAeadKey(name, bytes));
}

async function aead(name: AeadName, rawKey: Uint8Array, options: AeadOptions): Promise<Aead> {
  const atFirstUse = options.importAtFirstUse === true;
  if (name === 'AES-GCM') return webCryptoAead('AES-GCM', { name: 'AES-GCM' }, takeKey(name, rawKey, atFirstUse));
  const impl = options.chachaImplementation ?? ((await webCryptoHasChaCha()) ? 'webcrypto' : 'noble');
  return impl === 'webcrypto' ? webCryptoAead('CHACHA20-POLY1305', CHACHA_ALGORITHM, takeKey(name, rawKey, atFirstUse)) : nobleChaCha(rawKey);
}

function webCryptoAead(name: AeadName, algorithm: { name: string }, keyOf: () => Promise<CryptoKey>): Aead {
  return {
    name,
    implementation: 'webcrypto',
    tagLength: 16,
    async seal(nonce, aad, plaintext, prefix) {
      const params = { ...algorithm, iv: bufferSource(nonce), additionalData: bufferSource(aad), tagLength: 128 };
      return withPrefix(prefix, new Uint8Array(await subtle().encrypt(params, await keyOf(), bufferSource(plaintext))));
    },
    async open(nonce, aad, ciphertextAndTag) {
      if (ciphertextAndTag.length < 16) return null;
      // Outside the try: a key that failed to import is an error, not a record that failed to authenticate.
      const k = await keyOf();
      const params = { ...algorithm, iv: bufferSource(nonce), additionalData: bufferSource(aad), tagLength: 128 };
      try {
        return new Uint8Array(await subtle().decrypt(params, k, bufferSource(ciphertextAndTag)));
      } catch {
        return null; // OperationError: the tag did not verify
      }
    },
  };
}

/** WebCrypto and noble hand back a fresh buffer: a prefix costs one copy here, as it did at the caller before. */
function withPrefix(prefix: Uint8Array | undefined, sealed: Uint8Array): Uint8Array {
  return prefix?.length ? concat(prefix, sealed) : sealed;
}

// WebCrypto's ChaCha20-Poly1305 (Chromium) takes the key in the 'raw-secret' format.
const CHACHA_ALGORITHM = { name: 'ChaCha20-Poly1305' };

async function importChaChaKey(rawKey: Uint8Array): Promise<CryptoKey> {
  return subtle().importKey('raw-secret' as 'raw', bufferSource(rawKey), CHACHA_ALGORITHM, false, ['encrypt', 'decrypt']);
}

function nobleChaCha(rawKey: Uint8Array): Aead {
  const key = Uint8Array.from(rawKey);
  return {
    name: 'CHACHA20-POLY1305',
    implementation: 'noble',
    tagLength: 16,
    async seal(nonce, aad, plaintext, prefix) {
      return withPrefix(prefix, chacha20poly1305(key, nonce, aad).encrypt(plaintext));
    },
    async open(nonce, aad, ciphertextAndTag) {
      if (ciphertextAndTag.length < 16) return null;
      try {
        return chacha20poly1305(key, nonce, aad).decrypt(ciphertextAndTag);
      } catch {
        return null; // "invalid tag"
      }
    },
  };
}

let chachaProbe: Promise<boolean> | undefined;

/** Whether this platform's WebCrypto does ChaCha20-Poly1305 (probed once, by a real encryption). */
export function webCryptoHasChaCha(): Promise<boolean> {
  chachaProbe ??= (async () => {
    try {
      const key = await importChaChaKey(new Uint8Array(32));
      const params = { ...CHACHA_ALGORITHM, iv: new Uint8Array(12), additionalData: new Uint8Array(0), tagLength: 128 };
      const out = await subtle().encrypt(params, key, new Uint8Array(1));
      return out.byteLength === 17;
    } catch {
      return false;
    }
  })();
  return chachaProbe;
}

// ---- CBC and record MACs ----
// WebCrypto's AES-CBC always adds and checks PKCS#7 padding, while TLS pads its own way (RFC 5246 §6.2.3.2):
//  - encrypt: our input is already a whole number of blocks, so WebCrypto appends one block of padding; CBC
//    ciphertext blocks never depend on later ones, so dropping that last block leaves exactly our encryption.
//  - decrypt: we append one block that decrypts to a full PKCS#7 padding block (E_k(0x10*16 XOR last
//    ciphertext block), so WebCrypto's padding check passes and strips it. That single block is encrypted
//    with @noble/ciphers' AES: a few microseconds, where one more WebCrypto call costs tens (per record).

// Loaded at the first CBC key, not with the engine: the module builds its AES tables as it loads (tens of ms
// on a cold start), and most connections never use a CBC suite.
let nobleAes: Promise<typeof import('@noble/ciphers/aes.js')> | undefined;
const loadNobleAes = () => (nobleAes ??= import('@noble/ciphers/aes.js'));

const FULL_PAD = new Uint8Array(AES_BLOCK).fill(AES_BLOCK);

async function aesCbc(rawKey: Uint8Array): Promise<AesCbc> {
  const [key, { ecb }] = await Promise.all([subtle().importKey('raw', bufferSource(rawKey), { name: 'AES-CBC' }, false, ['encrypt', 'decrypt']), loadNobleAes()]);
  const keyBytes = Uint8Array.from(rawKey);
  const raw = async (iv: Uint8Array, data: Uint8Array) => new Uint8Array(await subtle().encrypt({ name: 'AES-CBC', iv: bufferSource(iv) }, key, bufferSource(data)));
  return {
    async encrypt(iv, plaintext) {
      return (await raw(iv, plaintext)).subarray(0, plaintext.length);
    },
    async decrypt(iv, ciphertext) {
      const last = ciphertext.subarray(ciphertext.length - AES_BLOCK);
      const block = new Uint8Array(AES_BLOCK);
      for (let i = 0; i < AES_BLOCK; i++) block[i] = FULL_PAD[i] ^ last[i];
      // A fresh cipher object per call: noble refuses a second encrypt() on one (a guard meant for nonces).
      const padBlock = ecb(keyBytes, { disablePadding: true }).encrypt(block);
      const extended = new Uint8Array(ciphertext.length + AES_BLOCK);
      extended.set(ciphertext);
      extended.set(padBlock, ciphertext.length);
      return new Uint8Array(await subtle().decrypt({ name: 'AES-CBC', iv: bufferSource(iv) }, key, bufferSource(extended)));
    },
  };
}

async function recordHmac(hash: MacHash, rawKey: Uint8Array): Promise<Mac> {
  // WebCrypto refuses an empty HMAC key; HMAC pads keys with zeros, so one zero byte is the same key.
  const key = await subtle().importKey('raw', bufferSource(rawKey.length ? rawKey : new Uint8Array(1)), { name: 'HMAC', hash }, false, ['sign']);
  const length = hash === 'SHA-1' ? 20 : hash === 'SHA-256' ? 32 : 48;
  return { length, sign: async (...parts) => new Uint8Array(await subtle().sign('HMAC', key, bufferSource(parts.length === 1 ? parts[0] : concat(...parts)))) };
}

// ---- key exchange ----

// bits: the shared secret's whole bytes (P-521's x-coordinate is 66 bytes, RFC 8446 §7.4.2), as deriveBits takes them.
const ECDH: Record<EcdhGroup, { algorithm: { name: 'X25519' } | { name: 'ECDH'; namedCurve: 'P-256' | 'P-384' | 'P-521' }; bits: number }> = {
  x25519: { algorithm: { name: 'X25519' }, bits: 256 },
  secp256r1: { algorithm: { name: 'ECDH', namedCurve: 'P-256' }, bits: 256 },
  secp384r1: { algorithm: { name: 'ECDH', namedCurve: 'P-384' }, bits: 384 },
  secp521r1: { algorithm: { name: 'ECDH', namedCurve: 'P-521' }, bits: 528 },
};

async function generateEcdh(group: EcdhGroup): Promise<EcdhKeyPair> {
  const { algorithm } = ECDH[group];
  const pair = (await subtle().generateKey(algorithm, false, ['deriveBits'])) as CryptoKeyPair;
  return ecdhPair(group, pair.privateKey, new Uint8Array(await subtle().exportKey('raw', pair.publicKey)));
}

async function importEcdh(group: EcdhGroup, scalar: Uint8Array): Promise<EcdhKeyPair> {
  const { algorithm } = ECDH[group];
  const pkcs8 = algorithm.name === 'X25519' ? x25519Pkcs8(scalar) : ecPkcs8(algorithm.namedCurve, scalar);
  // Extractable only long enough to read the public half from the JWK export; the pair keeps a non-extractable copy.
  const jwk = await subtle().exportKey('jwk', await subtle().importKey('pkcs8', bufferSource(pkcs8), algorithm, true, ['deriveBits']));
  const publicKey = group === 'x25519' ? base64UrlDecode(jwk.x!) : concat(Uint8Array.of(4), base64UrlDecode(jwk.x!), base64UrlDecode(jwk.y!));
  return ecdhPair(group, await subtle().importKey('pkcs8', bufferSource(pkcs8), algorithm, false, ['deriveBits']), publicKey);
}

function ecdhPair(group: EcdhGroup, privateKey: CryptoKey, publicKey: Uint8Array): EcdhKeyPair {
  const { algorithm, bits } = ECDH[group];
  return {
    publicKey,
    async agree(peerPublic) {
      const peer = await subtle().importKey('raw', bufferSource(peerPublic), algorithm, true, []);
      return new Uint8Array(await subtle().deriveBits({ name: algorithm.name, public: peer } as EcdhKeyDeriveParams, privateKey, bits));
    },
  };
}

function base64UrlDecode(s: string): Uint8Array {
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

// ---- signatures ----

/**
 * Imported verification keys, by algorithm and SPKI bytes. Importing dominates the cost of
 * checking many certificates signed by the same few CAs; a small LRU keeps it to once per key.
 */
const KEY_CACHE_SIZE = 256;
const keyCache = new Map<string, Promise<CryptoKey>>();

function importVerifyKey(spkiDer: Uint8Array, algorithm: RsaHashedImportParams | EcKeyImportParams | Algorithm): Promise<CryptoKey> {
  const id = JSON.stringify(algorithm) + '|' + toHex(spkiDer);
  const hit = keyCache.get(id);
  if (hit) {
    keyCache.delete(id);
    keyCache.set(id, hit);
    return hit;
  }
  const key = subtle().importKey('spki', bufferSource(spkiDer), algorithm, false, ['verify']);
  key.catch(() => keyCache.delete(id));
  keyCache.set(id, key);
  if (keyCache.size > KEY_CACHE_SIZE) keyCache.delete(keyCache.keys().next().value!);
  return key;
}

const RSA_ENCRYPTION = '1.2.840.113549.1.1.1';

/** WebCrypto cannot import id-RSASSA-PSS keys everywhere; the key material is the same RSAPublicKey. */
function asRsaEncryptionSpki(spkiDer: Uint8Array): Uint8Array {
  const spki = readSpki(spkiDer);
  return spki.algorithm === RSA_ENCRYPTION ? spkiDer : withRsaEncryptionAlgorithm(spki);
}

async function verify(spki: Uint8Array, info: PublicKeyInfo, algorithm: SignatureAlgorithm, data: Uint8Array, signature: Uint8Array): Promise<boolean> {
  const sig = bufferSource(signature);
  const message = bufferSource(data);
  switch (algorithm.kind) {
    case 'rsa-pkcs1': {
      const key = await importVerifyKey(asRsaEncryptionSpki(spki), { name: 'RSASSA-PKCS1-v1_5', hash: algorithm.hash });
      return subtle().verify('RSASSA-PKCS1-v1_5', key, sig, message);
    }
    case 'rsa-pss': {
      const key = await importVerifyKey(asRsaEncryptionSpki(spki), { name: 'RSA-PSS', hash: algorithm.hash });
      return subtle().verify({ name: 'RSA-PSS', saltLength: algorithm.saltLength }, key, sig, message);
    }
    case 'ecdsa': {
      const curve = info.type === 'ec' ? info.curve : '';
      const key = await importVerifyKey(spki, { name: 'ECDSA', namedCurve: curve } as EcKeyImportParams);
      let raw: Uint8Array;
      try {
        raw = algorithm.encoding === 'der' ? ecdsaDerToRaw(signature, info.type === 'ec' ? info.bits : 0) : signature;
      } catch {
        return false;
      }
      return subtle().verify({ name: 'ECDSA', hash: algorithm.hash }, key, bufferSource(raw), message);
    }
    case 'ed25519': {
      const key = await importVerifyKey(spki, { name: 'Ed25519' });
      return subtle().verify({ name: 'Ed25519' }, key, sig, message);
    }
    case 'ed448':
      // Not WebCrypto's in Chromium: @noble/curves, loaded at the first Ed448 key (ed448.ts).
      return ed448Verify(spki, data, signature);
    case 'dsa':
      // No DSA in WebCrypto: micro-rsa-dsa-dh, loaded at the first DSA signature (dsa.ts).
      return dsaVerify(spki, algorithm.hash, data, signature);
  }
}

async function signer(privateKey: CryptoKey | Uint8Array, algorithm: SigningAlgorithm): Promise<(data: Uint8Array) => Promise<Uint8Array>> {
  const importAs = async (alg: Algorithm | EcKeyImportParams | RsaHashedImportParams): Promise<CryptoKey> =>
    privateKey instanceof Uint8Array ? subtle().importKey('pkcs8', bufferSource(privateKey), alg, false, ['sign']) : privateKey;
  switch (algorithm.kind) {
    case 'ecdsa': {
      const key = await importAs({ name: 'ECDSA', namedCurve: algorithm.curve } as EcKeyImportParams);
      const params = { name: 'ECDSA', hash: algorithm.hash };
      return async (data) => ecdsaRawToDer(new Uint8Array(await subtle().sign(params, key, bufferSource(data))));
    }
    case 'ed25519': {
      const key = await importAs({ name: 'Ed25519' });
      return async (data) => new Uint8Array(await subtle().sign({ name: 'Ed25519' }, key, bufferSource(data)));
    }
    case 'ed448': {
      // A CryptoKey can be Ed448 only where WebCrypto has it (Node): signed there; PKCS#8 bytes go to @noble/curves.
      if (privateKey instanceof Uint8Array) return ed448Signer(privateKey);
      return async (data) => new Uint8Array(await subtle().sign({ name: 'Ed448' }, privateKey, bufferSource(data)));
    }
    case 'rsa-pss': {
      // A CryptoKey is bound to one hash: a PKCS#8 key is imported for this one; an id-RSASSA-PSS key as rsaEncryption
      // (WebCrypto refuses that OID; the RSAPrivateKey is the same).
      const alg = { name: 'RSA-PSS', hash: algorithm.hash } as RsaHashedImportParams;
      const key = privateKey instanceof Uint8Array ? await subtle().importKey('pkcs8', bufferSource(pkcs8WithRsaEncryptionAlgorithm(privateKey)), alg, false, ['sign']) : privateKey;
      const params = { name: 'RSA-PSS', saltLength: algorithm.saltLength };
      return async (data) => new Uint8Array(await subtle().sign(params, key, bufferSource(data)));
    }
    case 'rsa-pkcs1': {
      const key = await importAs({ name: 'RSASSA-PKCS1-v1_5', hash: algorithm.hash } as RsaHashedImportParams);
      return async (data) => new Uint8Array(await subtle().sign('RSASSA-PKCS1-v1_5', key, bufferSource(data)));
    }
  }
}

export const webCryptoProvider: CryptoProvider = {
  name: 'webcrypto',
  randomFill(out) {
    // getRandomValues fills at most 65536 bytes per call.
    for (let at = 0; at < out.length; at += 65536) globalThis.crypto.getRandomValues(out.subarray(at, Math.min(out.length, at + 65536)) as Uint8Array<ArrayBuffer>);
  },
  hash: {
    digest: digestOf,
    hmac: hmacOf,
    start: runningHash,
  },
  aead,
  cbc: { aesCbc, hmac: recordHmac },
  keyExchange: { generate: generateEcdh, import: importEcdh },
  signature: { verify, signer },
};
