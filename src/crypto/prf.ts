// The TLS 1.2 pseudo-random function (RFC 5246 §5): P_hash built from HMAC, PRF = P_hash(secret, label || seed).
import { concat, utf8 } from '../util/bytes.ts';
import { hashLength, hmac, type HashName } from './hash.ts';

/**
 * P_hash(secret, seed) = HMAC(secret, A(1) || seed) || HMAC(secret, A(2) || seed) || ...
 * with A(0) = seed and A(i) = HMAC(secret, A(i-1)), cut to `length` bytes.
 */
async function pHash(hash: HashName, secret: Uint8Array, seed: Uint8Array, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  // Only the A(i) chain is sequential; each output block needs just its A(i), so blocks are
  // computed while the chain goes on (n + 1 waits for n blocks instead of 2n).
  const blocks: Promise<void>[] = [];
  let a = seed;
  for (let filled = 0; filled < length; filled += hashLength(hash)) {
    a = await hmac(hash, secret, a);
    const at = filled;
    const block = hmac(hash, secret, concat(a, seed)).then((b) => out.set(b.subarray(0, Math.min(b.length, length - at)), at));
    block.catch(() => undefined); // not unhandled while the chain is still running; Promise.all reports it
    blocks.push(block);
  }
  await Promise.all(blocks);
  return out;
}

/** PRF(secret, label, seed) = P_<hash>(secret, label || seed); the label is ASCII without a terminating zero. */
export async function prf(hash: HashName, secret: Uint8Array, label: string, seed: Uint8Array, length: number): Promise<Uint8Array> {
  return pHash(hash, secret, concat(utf8.encode(label), seed), length);
}
