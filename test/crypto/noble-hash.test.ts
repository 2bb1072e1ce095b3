// The WebCrypto provider's hashes share working objects and scratch arrays per hash (src/crypto/noble-hash.ts):
// every result must stay node:crypto's, whatever ran before it, and no result may change when later calls reuse
// the scratch.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { digestOf, hmacOf, runningHash } from '../../src/crypto/noble-hash.ts';

type Hash = 'SHA-256' | 'SHA-384';
const nodeName = (hash: Hash) => (hash === 'SHA-256' ? 'sha256' : 'sha384');
const refDigest = (hash: Hash, data: Uint8Array) => new Uint8Array(createHash(nodeName(hash)).update(data).digest());
const refHmac = (hash: Hash, key: Uint8Array, data: Uint8Array) => new Uint8Array(createHmac(nodeName(hash), key).update(data).digest());
const bytes = (n: number) => new Uint8Array(randomBytes(n));

describe('SHA-2 and HMAC on shared working objects', () => {
  it('digests inputs of every length around the block sizes', () => {
    for (const hash of ['SHA-256', 'SHA-384'] as const) {
      for (const n of [0, 1, 55, 56, 63, 64, 65, 111, 112, 127, 128, 129, 1000]) {
        const data = bytes(n);
        expect(digestOf(hash, data)).toEqual(refDigest(hash, data));
      }
    }
  });

  it('a running hash gives the hash so far at each digest and keeps going, with other hashes and HMACs in between', () => {
    for (const hash of ['SHA-256', 'SHA-384'] as const) {
      const a = runningHash(hash);
      const b = runningHash(hash);
      const fed: Uint8Array[] = [];
      for (const n of [5, 64, 200, 0, 31, 128, 7]) {
        const part = bytes(n);
        fed.push(part);
        a.update(part);
        b.update(part);
        const key = bytes(32);
        const other = bytes(40);
        const mac = hmacOf(hash, key, other); // runs on the same working objects between the two digests
        expect(a.digest()).toEqual(refDigest(hash, Buffer.concat(fed)));
        expect(mac).toEqual(refHmac(hash, key, other));
        expect(digestOf(hash, other)).toEqual(refDigest(hash, other));
        expect(b.digest()).toEqual(a.digest());
      }
    }
  });

  it('results are arrays of their own, not views of the scratch: later calls leave them as they were', () => {
    const data = bytes(20);
    const first = digestOf('SHA-256', data);
    const key = bytes(32);
    const mac = hmacOf('SHA-256', key, data);
    for (let i = 0; i < 5; i++) {
      digestOf('SHA-256', bytes(90));
      hmacOf('SHA-256', bytes(32), bytes(9));
    }
    expect(first).toEqual(refDigest('SHA-256', data));
    expect(mac).toEqual(refHmac('SHA-256', key, data));
    expect(first.buffer).not.toBe(mac.buffer);
    expect(first.length).toBe(32);
  });

  it('HMAC keyed by keys shorter than, equal to and longer than a block, many keys alive at once', () => {
    for (const hash of ['SHA-256', 'SHA-384'] as const) {
      const keys = [0, 1, 32, 48, 64, 127, 128, 129, 300].map(bytes);
      const data = [bytes(0), bytes(60), bytes(200)];
      for (let round = 0; round < 3; round++) {
        for (const key of keys) for (const d of data) expect(hmacOf(hash, key, d)).toEqual(refHmac(hash, key, d));
      }
    }
  });
});
