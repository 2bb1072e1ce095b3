// Hash and HMAC over WebCrypto, for the hashes TLS 1.3 uses.
import { toHex } from '../../util/bytes.ts';
import type { HashName } from '../suites.ts';
import { bufferSource, subtle } from './webcrypto.ts';

export type { HashName };

export function hashLength(hash: HashName): number {
  return hash === 'SHA-256' ? 32 : 48;
}

export async function digest(hash: HashName, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().digest(hash, bufferSource(data)));
}

export async function hmac(hash: HashName, key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const k = await hmacKey(hash, key);
  return new Uint8Array(await subtle().sign('HMAC', k, bufferSource(data)));
}

// Imported HMAC keys, most recently used last. The key schedule uses each secret several times
// (a handshake secret for both traffic secrets and "derived", a traffic secret for key, iv and
// finished key), and every WebCrypto import is one more asynchronous round trip; caching cuts a
// full handshake from ~28 imports to ~12. Small and bounded: only recent secrets stay.
const HMAC_KEY_CACHE_SIZE = 32;
const hmacKeys = new Map<string, Promise<CryptoKey>>();

/** The WebCrypto HMAC key for `key` (imported once while it stays among the recent ones). */
export function hmacKey(hash: HashName, key: Uint8Array): Promise<CryptoKey> {
  const id = `${hash}:${toHex(key)}`;
  const cached = hmacKeys.get(id);
  if (cached) {
    hmacKeys.delete(id);
    hmacKeys.set(id, cached);
    return cached;
  }
  // WebCrypto refuses zero-length HMAC keys; HMAC pads keys with zeros to the block size,
  // so an empty key and a single zero byte give the same MAC.
  const rawKey = key.length === 0 ? new Uint8Array(1) : key;
  const imported = subtle().importKey('raw', bufferSource(rawKey), { name: 'HMAC', hash }, false, ['sign']);
  hmacKeys.set(id, imported);
  imported.catch(() => hmacKeys.delete(id));
  if (hmacKeys.size > HMAC_KEY_CACHE_SIZE) hmacKeys.delete(hmacKeys.keys().next().value!);
  return imported;
}

const emptyHashes = new Map<HashName, Promise<Uint8Array>>();

/** Hash of the empty string (computed once per hash); callers get their own copy. */
export async function emptyStringHash(hash: HashName): Promise<Uint8Array> {
  let h = emptyHashes.get(hash);
  if (!h) {
    h = digest(hash, new Uint8Array(0));
    emptyHashes.set(hash, h);
    h.catch(() => emptyHashes.delete(hash));
  }
  return Uint8Array.from(await h);
}
