// The WebCrypto provider's HMAC keeps a key's keyed state (noble-hash.ts hmacOf): its results must stay
// those of a plain HMAC (node:crypto's, as the reference), for every key, hash and message, also when a caller
// rewrites a key's bytes in place or uses one array with two hashes.
import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { webCryptoProvider } from '../../src/crypto/webcrypto-provider.ts';

const reference = (hash: 'SHA-256' | 'SHA-384', key: Uint8Array, data: Uint8Array) => new Uint8Array(createHmac(hash === 'SHA-256' ? 'sha256' : 'sha384', key).update(data).digest());
const hmac = webCryptoProvider.hash.hmac;

describe('HMAC with the keyed state kept per key', () => {
  it('gives the plain HMAC for the same key used many times, both hashes, keys of every size', () => {
    for (const hash of ['SHA-256', 'SHA-384'] as const) {
      for (const keyLength of [0, 1, 32, 48, 64, 129, 200]) {
        const key = new Uint8Array(randomBytes(keyLength));
        for (let i = 0; i < 5; i++) {
          const data = new Uint8Array(randomBytes(i * 37));
          expect(hmac(hash, key, data)).toEqual(reference(hash, key, data));
        }
      }
    }
  });

  it('each result is its own array: a later HMAC under the same key (one working state reused) leaves it as it was', () => {
    const key = new Uint8Array(randomBytes(32));
    const data = [new Uint8Array(randomBytes(70)), new Uint8Array(randomBytes(3)), new Uint8Array(0)];
    const results = data.map((d) => hmac('SHA-256', key, d));
    results.forEach((r, i) => expect(r).toEqual(reference('SHA-256', key, data[i])));
    expect(new Set(results.map((r) => r.buffer)).size).toBe(3);
  });

  it('a key whose bytes are rewritten in place is keyed afresh', () => {
    const key = new Uint8Array(randomBytes(32));
    const data = new Uint8Array(randomBytes(40));
    const before = hmac('SHA-256', key, data);
    key[5] ^= 1;
    const after = hmac('SHA-256', key, data);
    expect(after).toEqual(reference('SHA-256', key, data));
    expect(after).not.toEqual(before);
  });

  it('one key array used with both hashes gives each hash its own result', () => {
    const key = new Uint8Array(randomBytes(48));
    const data = new Uint8Array(randomBytes(10));
    expect(hmac('SHA-384', key, data)).toEqual(reference('SHA-384', key, data));
    expect(hmac('SHA-256', key, data)).toEqual(reference('SHA-256', key, data));
    expect(hmac('SHA-384', key, data)).toEqual(reference('SHA-384', key, data));
  });
});
