// The transcript's running hash (src/tls/transcript.ts with a provider that has one) gives exactly the hash of the
// messages concatenated, at every length, after a hash named late (a client learns it from the ServerHello), after
// a HelloRetryRequest's message_hash, under both providers' running hashes and a provider without one; and it reports the same events.
import { sha256, sha384 } from '@noble/hashes/sha2.js';
import { afterEach, describe, expect, it } from 'vitest';
import { cryptoProvider, setCryptoProvider, type CryptoProvider } from '../../src/crypto/provider.ts';
import { nodeCryptoProvider } from '../../src/crypto/node-provider.ts';
import { webCryptoProvider } from '../../src/crypto/webcrypto-provider.ts';
import { Transcript } from '../../src/tls/transcript.ts';
import { concat, toHex } from '../../src/util/bytes.ts';

const message = (type: number, size: number) => {
  const m = new Uint8Array(4 + size).map((_, i) => (i * 31 + type) & 0xff);
  m.set([type, size >> 16, (size >> 8) & 0xff, size & 0xff]);
  return m;
};
const messages = [message(1, 300), message(2, 90), message(8, 20), message(11, 3000), message(15, 80), message(20, 32)];

/** The WebCrypto provider without its running hash: the transcript's other path. */
const withoutRunning: CryptoProvider = { ...webCryptoProvider, hash: { digest: webCryptoProvider.hash.digest, hmac: webCryptoProvider.hash.hmac } };

afterEach(() => void setCryptoProvider(webCryptoProvider));

describe('transcript hashes', () => {
  for (const [name, provider] of [['running hash', webCryptoProvider], ['running hash (node:crypto)', nodeCryptoProvider], ['whole input', withoutRunning]] as const) {
    it(`${name}: each prefix hashes to SHA-256 of the messages joined, named late`, async () => {
      setCryptoProvider(provider);
      expect(!!cryptoProvider().hash.start).toBe(name !== 'whole input');
      const events: unknown[] = [];
      const t = new Transcript(null, (e) => events.push(e));
      t.add(messages[0], 'ClientHello');
      t.setHash('SHA-256');
      for (let i = 1; i <= messages.length; i++) {
        if (i > 1) t.add(messages[i - 1], `m${i}`);
        expect(toHex(await t.hash())).toBe(toHex(sha256(concat(...messages.slice(0, i)))));
      }
      // Asking twice gives the same value, and each ask is one transcript event.
      expect(toHex(await t.hash())).toBe(toHex(sha256(concat(...messages))));
      expect(events).toHaveLength(messages.length + 1);
    });

    it(`${name}: after a HelloRetryRequest, message_hash(ClientHello1) then the rest (SHA-384)`, async () => {
      setCryptoProvider(provider);
      const t = new Transcript('SHA-384');
      t.add(messages[0], 'ClientHello');
      await t.hash();
      const synthetic = await t.replaceWithMessageHash();
      expect(toHex(synthetic)).toBe(toHex(concat(Uint8Array.of(254, 0, 0, 48), sha384(messages[0]))));
      t.add(messages[1], 'HelloRetryRequest');
      t.add(messages[2], 'ClientHello');
      expect(toHex(await t.hash())).toBe(toHex(sha384(concat(synthetic, messages[1], messages[2]))));
    });
  }
});
