// AEAD ciphers for record protection (AES-GCM, ChaCha20-Poly1305), from the active crypto provider.
import type { AeadName } from '../tls/suites.ts';
import { cryptoProvider, type Aead, type AeadOptions } from './provider.ts';

export type { Aead, AeadName, AeadOptions };
export { webCryptoHasChaCha } from './webcrypto-provider.ts';

const KEY_LENGTHS: Record<AeadName, number[]> = { 'AES-GCM': [16, 32], 'CHACHA20-POLY1305': [32] };

export async function createAead(name: AeadName, key: Uint8Array, options: AeadOptions = {}): Promise<Aead> {
  if (!KEY_LENGTHS[name]?.includes(key.length)) throw new Error(`${name} key must be ${KEY_LENGTHS[name]?.join(' or ')} bytes, got ${key.length}`);
  return cryptoProvider().aead(name, key, options);
}
