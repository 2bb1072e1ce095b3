// The TLS 1.0 and 1.1 pseudo-random function (RFC 2246 §5, unchanged in RFC 4346 §5): the secret cut in two halves
// (sharing their middle byte when its length is odd), PRF = P_MD5(S1, label || seed) XOR P_SHA-1(S2, label || seed);
// and MD5(messages) || SHA-1(messages), the hash their Finished is made of (RFC 2246 §7.4.9). MD5 and SHA-1 come
// from @noble/hashes: WebCrypto has no MD5, and these run a few times per handshake only (a capture's key block and
// Finished checks), so no provider is involved.
import { hmac } from '@noble/hashes/hmac.js';
import { md5, sha1 } from '@noble/hashes/legacy.js';
import { concat, utf8 } from '../util/bytes.ts';

type LegacyHash = typeof md5;

/** P_hash(secret, seed) = HMAC(secret, A(1) || seed) || HMAC(secret, A(2) || seed) || ..., A(0) = seed, cut to `length`. */
function pHash(hash: LegacyHash, secret: Uint8Array, seed: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let a = seed;
  for (let filled = 0; filled < length; filled += hash.outputLen) {
    a = hmac(hash, secret, a);
    const block = hmac(hash, secret, concat(a, seed));
    out.set(block.subarray(0, Math.min(block.length, length - filled)), filled);
  }
  return out;
}

/** PRF(secret, label, seed) of TLS 1.0 and 1.1; the label is ASCII without a terminating zero. */
export function prf10(secret: Uint8Array, label: string, seed: Uint8Array, length: number): Uint8Array {
  const half = Math.ceil(secret.length / 2);
  const labelSeed = concat(utf8.encode(label), seed);
  const out = pHash(md5, secret.subarray(0, half), labelSeed, length);
  const other = pHash(sha1, secret.subarray(secret.length - half), labelSeed, length);
  for (let i = 0; i < length; i++) out[i] ^= other[i];
  return out;
}

/** MD5(data) || SHA-1(data): 36 bytes, the handshake hash of TLS 1.0 and 1.1's Finished. */
export function md5Sha1(data: Uint8Array): Uint8Array {
  return concat(md5(data), sha1(data));
}
