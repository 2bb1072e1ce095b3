// The TLS 1.2 pseudo-random function (RFC 5246 §5): P_hash built from HMAC, PRF = P_hash(secret, label || seed).
import { concat, utf8 } from '../util/bytes.ts';
import { hashLength, type HashName } from './hash.ts';
import { cryptoProvider } from './provider.ts';

/**
 * P_hash(secret, seed) = HMAC(secret, A(1) || seed) || HMAC(secret, A(2) || seed) || ...
 * with A(0) = seed and A(i) = HMAC(secret, A(i-1)), cut to `length` bytes. Synchronous: every provider's HMAC is
 * (crypto/provider.ts), and a handshake runs this four times or more.
 */
function pHash(hash: HashName, secret: Uint8Array, seed: Uint8Array, length: number): Uint8Array {
  const hmac = cryptoProvider().hash.hmac;
  const out = new Uint8Array(length);
  let a = seed;
  for (let filled = 0; filled < length; filled += hashLength(hash)) {
    a = hmac(hash, secret, a);
    const block = hmac(hash, secret, concat(a, seed));
    out.set(block.subarray(0, Math.min(block.length, length - filled)), filled);
  }
  return out;
}

/** PRF(secret, label, seed) = P_<hash>(secret, label || seed); the label is ASCII without a terminating zero. */
export async function prf(hash: HashName, secret: Uint8Array, label: string, seed: Uint8Array, length: number): Promise<Uint8Array> {
  return pHash(hash, secret, concat(utf8.encode(label), seed), length);
}
