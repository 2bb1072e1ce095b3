// Hash and HMAC for the key schedule and transcripts: SHA-256 and SHA-384 from @noble/hashes.
// Not WebCrypto, on purpose: its calls are asynchronous, and each costs 50-100 µs of scheduling
// for a few dozen bytes of work, while a TLS 1.3 handshake chains about twenty HMACs and ten
// transcript hashes (HKDF-Extract/Expand-Label, Derive-Secret, Finished). Done here in JS they
// take a few µs each, identically in Node and in the browser. Bulk work (record ciphers, record
// MACs, signatures, key exchange) stays on WebCrypto.
import { hmac as nobleHmac } from '@noble/hashes/hmac.js';
import { sha256, sha384 } from '@noble/hashes/sha2.js';
import type { HashName } from '../tls/suites.ts';

export type { HashName };

const HASHES = { 'SHA-256': sha256, 'SHA-384': sha384 } as const;

export function hashLength(hash: HashName): number {
  return hash === 'SHA-256' ? 32 : 48;
}

function hashFunction(hash: HashName) {
  const fn = HASHES[hash];
  if (!fn) throw new Error(`unsupported hash ${String(hash)}`);
  return fn;
}

export async function digest(hash: HashName, data: Uint8Array): Promise<Uint8Array> {
  return hashFunction(hash)(data);
}

export async function hmac(hash: HashName, key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  return nobleHmac(hashFunction(hash), key, data);
}

/** Hash of the empty string; callers get their own copy. */
export async function emptyStringHash(hash: HashName): Promise<Uint8Array> {
  return hashFunction(hash)(new Uint8Array(0));
}
