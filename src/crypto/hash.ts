// Hash and HMAC for the key schedule and transcripts (SHA-256, SHA-384), from the active crypto provider.
// Asynchronous signatures for the callers' sake; the providers compute synchronously (see webcrypto-provider.ts).
import type { HashName } from '../tls/suites.ts';
import { cryptoProvider, type RunningHash } from './provider.ts';

export type { HashName };

export function hashLength(hash: HashName): number {
  return hash === 'SHA-256' ? 32 : 48;
}

export async function digest(hash: HashName, data: Uint8Array): Promise<Uint8Array> {
  return cryptoProvider().hash.digest(hash, data);
}

export async function hmac(hash: HashName, key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  return cryptoProvider().hash.hmac(hash, key, data);
}

/** Hash of the empty string; callers get their own copy. Computed once per provider and hash (a handshake asks
 * for it several times: the "derived" steps, binder keys). */
export async function emptyStringHash(hash: HashName): Promise<Uint8Array> {
  const provider = cryptoProvider();
  let known = emptyHashes.get(provider);
  if (!known) emptyHashes.set(provider, (known = new Map()));
  let value = known.get(hash);
  if (!value) known.set(hash, (value = provider.hash.digest(hash, new Uint8Array(0))));
  return Uint8Array.from(value);
}
const emptyHashes = new WeakMap<object, Map<HashName, Uint8Array>>();

/** A running hash from the active provider, or null when it has none (callers then hash the whole input). */
export function startRunningHash(hash: HashName): RunningHash | null {
  return cryptoProvider().hash.start?.(hash) ?? null;
}
