// Hash and HMAC over WebCrypto, for the hashes TLS 1.3 uses.
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
  // WebCrypto refuses zero-length HMAC keys; HMAC pads keys with zeros to the block size,
  // so an empty key and a single zero byte give the same MAC.
  const rawKey = key.length === 0 ? new Uint8Array(1) : key;
  const k = await subtle().importKey('raw', bufferSource(rawKey), { name: 'HMAC', hash }, false, ['sign']);
  return new Uint8Array(await subtle().sign('HMAC', k, bufferSource(data)));
}
