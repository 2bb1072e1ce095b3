// AEAD ciphers for record protection: AES-GCM through WebCrypto, ChaCha20-Poly1305 through
// WebCrypto where the platform has it (Chromium) and @noble/ciphers where it does not (Node 20).
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import type { AeadName } from '../tls/suites.ts';
import { bufferSource, subtle } from './webcrypto.ts';

export type { AeadName };

export interface Aead {
  readonly name: AeadName;
  /** Which code does the work, for traces and tests. */
  readonly implementation: 'webcrypto' | 'noble';
  readonly tagLength: 16;
  /** Encrypt; returns ciphertext || tag. */
  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array>;
  /** Decrypt and authenticate; null when the tag does not verify (never throws for that). */
  open(nonce: Uint8Array, aad: Uint8Array, ciphertextAndTag: Uint8Array): Promise<Uint8Array | null>;
}

export interface AeadOptions {
  /** Force one ChaCha20-Poly1305 implementation (tests); default: WebCrypto when available. */
  chachaImplementation?: 'webcrypto' | 'noble';
}

const KEY_LENGTHS: Record<AeadName, number[]> = { 'AES-GCM': [16, 32], 'CHACHA20-POLY1305': [32] };

export async function createAead(name: AeadName, key: Uint8Array, options: AeadOptions = {}): Promise<Aead> {
  if (!KEY_LENGTHS[name]?.includes(key.length)) throw new Error(`${name} key must be ${KEY_LENGTHS[name]?.join(' or ')} bytes, got ${key.length}`);
  if (name === 'AES-GCM') return aesGcm(key);
  const impl = options.chachaImplementation ?? ((await webCryptoHasChaCha()) ? 'webcrypto' : 'noble');
  return impl === 'webcrypto' ? webCryptoChaCha(key) : nobleChaCha(key);
}

async function aesGcm(rawKey: Uint8Array): Promise<Aead> {
  const key = await subtle().importKey('raw', bufferSource(rawKey), { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
  return webCryptoAead('AES-GCM', { name: 'AES-GCM' }, key);
}

function webCryptoAead(name: AeadName, algorithm: { name: string }, key: CryptoKey): Aead {
  return {
    name,
    implementation: 'webcrypto',
    tagLength: 16,
    async seal(nonce, aad, plaintext) {
      const params = { ...algorithm, iv: bufferSource(nonce), additionalData: bufferSource(aad), tagLength: 128 };
      return new Uint8Array(await subtle().encrypt(params, key, bufferSource(plaintext)));
    },
    async open(nonce, aad, ciphertextAndTag) {
      if (ciphertextAndTag.length < 16) return null;
      const params = { ...algorithm, iv: bufferSource(nonce), additionalData: bufferSource(aad), tagLength: 128 };
      try {
        return new Uint8Array(await subtle().decrypt(params, key, bufferSource(ciphertextAndTag)));
      } catch {
        return null; // OperationError: the tag did not verify
      }
    },
  };
}

// WebCrypto's ChaCha20-Poly1305 (Chromium) takes the key in the 'raw-secret' format.
const CHACHA_ALGORITHM = { name: 'ChaCha20-Poly1305' };

async function importChaChaKey(rawKey: Uint8Array): Promise<CryptoKey> {
  return subtle().importKey('raw-secret' as 'raw', bufferSource(rawKey), CHACHA_ALGORITHM, false, ['encrypt', 'decrypt']);
}

async function webCryptoChaCha(rawKey: Uint8Array): Promise<Aead> {
  return webCryptoAead('CHACHA20-POLY1305', CHACHA_ALGORITHM, await importChaChaKey(rawKey));
}

function nobleChaCha(rawKey: Uint8Array): Aead {
  const key = Uint8Array.from(rawKey);
  return {
    name: 'CHACHA20-POLY1305',
    implementation: 'noble',
    tagLength: 16,
    async seal(nonce, aad, plaintext) {
      return chacha20poly1305(key, nonce, aad).encrypt(plaintext);
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
