// HMAC (noble, in JS) and the transcript's reuse of its last hash must never change a result:
// checked against node:crypto (an independent implementation) and RFC 4231 vectors.
import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { emptyStringHash, hmac } from '../../src/crypto/hash.ts';
import { Transcript } from '../../src/tls/transcript.ts';
import { fromHex, toHex } from '../../src/util/bytes.ts';
import { describeEachProvider } from '../crypto/providers.ts';

const nodeHmac = (hash: string, key: Uint8Array, data: Uint8Array) => createHmac(hash.replace('-', '').toLowerCase(), key).update(data).digest('hex');

describeEachProvider((_provider) => {
  describe('hmac', () => {
    it('matches RFC 4231 test case 2, also when the key is reused', async () => {
      const key = new TextEncoder().encode('Jefe');
      const data = new TextEncoder().encode('what do ya want for nothing?');
      const expected = '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843';
      expect(toHex(await hmac('SHA-256', key, data))).toBe(expected);
      expect(toHex(await hmac('SHA-256', key, data))).toBe(expected);
    });

    it('keeps keys of different hashes and different bytes apart, and survives eviction', async () => {
      const data = fromHex('00112233');
      const keys = Array.from({ length: 70 }, (_, i) => Uint8Array.from({ length: 32 }, (_, j) => (i * 31 + j) & 0xff));
      for (const round of [0, 1]) {
        for (const key of keys) {
          for (const hash of ['SHA-256', 'SHA-384'] as const) {
            expect(toHex(await hmac(hash, key, data)), `round ${round}`).toBe(nodeHmac(hash, key, data));
          }
        }
      }
    });

    it('does not let a caller who changes its key bytes afterwards poison the cache', async () => {
      const key = Uint8Array.from({ length: 32 }, (_, i) => i);
      const data = fromHex('ab');
      const first = toHex(await hmac('SHA-256', key, data));
      key[0] ^= 0xff;
      expect(toHex(await hmac('SHA-256', key, data))).toBe(nodeHmac('SHA-256', key, data));
      expect(toHex(await hmac('SHA-256', key, data))).not.toBe(first);
    });

    it('treats an empty key like HMAC does (a zero-padded block)', async () => {
      expect(toHex(await hmac('SHA-384', new Uint8Array(0), fromHex('01')))).toBe(nodeHmac('SHA-384', new Uint8Array(0), fromHex('01')));
    });

    it('gives the hash of the empty string, a fresh copy each time', async () => {
      const a = await emptyStringHash('SHA-256');
      expect(toHex(a)).toBe(createHash('sha256').digest('hex'));
      a.fill(0);
      expect(toHex(await emptyStringHash('SHA-256'))).toBe(createHash('sha256').digest('hex'));
      expect(toHex(await emptyStringHash('SHA-384'))).toBe(createHash('sha384').digest('hex'));
    });
  });

  describe('Transcript hash reuse', () => {
    it('hashes again only after a message is added, and reports every request to the trace', async () => {
      const events: { covers: string[]; value: string }[] = [];
      const t = new Transcript('SHA-256', (e) => (events.push(e as never), events.length - 1));
      const m1 = fromHex('0100000401020304');
      const m2 = fromHex('02000002aabb');
      t.add(m1, 'ClientHello');
      const h1 = await t.hash();
      h1.fill(0); // the caller's copy: must not change what the transcript hands out next
      const h1again = await t.hash();
      expect(toHex(h1again)).toBe(createHash('sha256').update(m1).digest('hex'));
      t.add(m2, 'ServerHello');
      const h2 = await t.hash();
      expect(toHex(h2)).toBe(createHash('sha256').update(m1).update(m2).digest('hex'));
      expect(events.map((e) => e.covers)).toEqual([['ClientHello'], ['ClientHello'], ['ClientHello', 'ServerHello']]);
      expect(events[1].value).toBe(toHex(h1again));
    });

    it('names only the messages it hashed, even when one is added while the digest runs', async () => {
      const events: { covers: string[]; value: string }[] = [];
      const t = new Transcript('SHA-256', (e) => (events.push(e as never), events.length - 1));
      t.add(fromHex('0100000100'), 'ClientHello');
      const pending = t.hash();
      t.add(fromHex('0200000100'), 'ServerHello');
      const h = await pending;
      expect(toHex(h)).toBe(createHash('sha256').update(fromHex('0100000100')).digest('hex'));
      expect(events[0].covers).toEqual(['ClientHello']);
    });

    it('starts over after a HelloRetryRequest replaces ClientHello1', async () => {
      const t = new Transcript('SHA-256');
      const ch1 = fromHex('0100000100');
      t.add(ch1, 'ClientHello');
      const before = await t.hash();
      const synthetic = await t.replaceWithMessageHash();
      const after = await t.hash();
      expect(toHex(after)).toBe(createHash('sha256').update(synthetic).digest('hex'));
      expect(toHex(after)).not.toBe(toHex(before));
    });
  });
});
