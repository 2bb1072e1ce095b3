// AEAD round trips, tamper detection and known answers for the three TLS 1.3 ciphers.
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex, utf8 } from '../../src/util/bytes.ts';
import { createAead, webCryptoHasChaCha, type AeadName } from '../../src/crypto/aead.ts';
import { describeEachProvider } from '../crypto/providers.ts';
import { nodeCryptoProvider } from '../../src/crypto/node-provider.ts';

// RFC 8439 §2.8.2: the ChaCha20-Poly1305 AEAD example.
const RFC8439 = {
  key: '808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f',
  nonce: '070000004041424344454647',
  aad: '50515253c0c1c2c3c4c5c6c7',
  plaintext: "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
  ciphertext:
    'd31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116',
  tag: '1ae10b594f09e26a7e902ecbd0600691',
};

const CASES: { name: AeadName; keyLength: number; label: string; chacha?: 'noble' | 'webcrypto' }[] = [
  { name: 'AES-GCM', keyLength: 16, label: 'AES-128-GCM' },
  { name: 'AES-GCM', keyLength: 32, label: 'AES-256-GCM' },
  { name: 'CHACHA20-POLY1305', keyLength: 32, label: 'ChaCha20-Poly1305 (noble)', chacha: 'noble' },
  { name: 'CHACHA20-POLY1305', keyLength: 32, label: 'ChaCha20-Poly1305 (auto-detected)' },
];

describeEachProvider((provider) => {
  // Forcing an implementation is the WebCrypto provider's option; node:crypto has one ChaCha20-Poly1305.
  describe.each(CASES.filter((c) => provider.name === 'webcrypto' || !c.chacha))('$label', ({ name, keyLength, chacha }) => {
    const key = Uint8Array.from({ length: keyLength }, (_, i) => i * 7 + 1);
    const nonce = fromHex('000102030405060708090a0b');
    const aad = fromHex('1703030020');
    const message = utf8.encode('record layer test message, long enough to span blocks');

    it('round-trips, with the tag appended', async () => {
      const aead = await createAead(name, key, { chachaImplementation: chacha });
      expect(aead.implementation === 'node').toBe(provider.name === 'node');
      const sealed = await aead.seal(nonce, aad, message);
      expect(sealed.length).toBe(message.length + 16);
      expect(toHex((await aead.open(nonce, aad, sealed))!)).toBe(toHex(message));
      // With a prefix (a record header): the same bytes, after it.
      expect(toHex(await aead.seal(nonce, aad, message, aad))).toBe(toHex(aad) + toHex(sealed));
      const empty = await aead.seal(nonce, aad, new Uint8Array(0));
      expect(empty.length).toBe(16);
      expect((await aead.open(nonce, aad, empty))?.length).toBe(0);
    });

    it('returns null (never throws) for a flipped bit in ciphertext, tag, AAD or nonce, and for short input', async () => {
      const aead = await createAead(name, key, { chachaImplementation: chacha });
      const sealed = await aead.seal(nonce, aad, message);
      for (const position of [0, message.length - 1, message.length, sealed.length - 1]) {
        const bad = Uint8Array.from(sealed);
        bad[position] ^= 0x01;
        expect(await aead.open(nonce, aad, bad)).toBeNull();
      }
      expect(await aead.open(nonce, fromHex('1703030021'), sealed)).toBeNull();
      expect(await aead.open(fromHex('000102030405060708090a0c'), aad, sealed)).toBeNull();
      expect(await aead.open(nonce, aad, sealed.subarray(0, 15))).toBeNull();
      expect(await aead.open(nonce, aad, new Uint8Array(0))).toBeNull();
    });

    it('rejects a key of the wrong length', async () => {
      await expect(createAead(name, new Uint8Array(keyLength + 1))).rejects.toThrow(/key must be/);
    });
  });
});

describe('ChaCha20-Poly1305 implementations', () => {
  it('@noble/ciphers matches the RFC 8439 §2.8.2 vector directly', () => {
    const out = chacha20poly1305(fromHex(RFC8439.key), fromHex(RFC8439.nonce), fromHex(RFC8439.aad)).encrypt(utf8.encode(RFC8439.plaintext));
    expect(toHex(out)).toBe(RFC8439.ciphertext + RFC8439.tag);
  });

  it('our AEAD wrapper matches RFC 8439 §2.8.2 through every implementation this platform has', async () => {
    const impls: ('noble' | 'webcrypto')[] = ['noble'];
    if (await webCryptoHasChaCha()) impls.push('webcrypto');
    for (const impl of impls) {
      const aead = await createAead('CHACHA20-POLY1305', fromHex(RFC8439.key), { chachaImplementation: impl });
      expect(aead.implementation).toBe(impl);
      const sealed = await aead.seal(fromHex(RFC8439.nonce), fromHex(RFC8439.aad), utf8.encode(RFC8439.plaintext));
      expect(toHex(sealed)).toBe(RFC8439.ciphertext + RFC8439.tag);
      const opened = await aead.open(fromHex(RFC8439.nonce), fromHex(RFC8439.aad), sealed);
      expect(utf8.decode(opened!)).toBe(RFC8439.plaintext);
    }
  });

  it('the node:crypto provider matches RFC 8439 §2.8.2 and refuses a flipped tag bit', async () => {
    const aead = await nodeCryptoProvider.aead('CHACHA20-POLY1305', fromHex(RFC8439.key), {});
    expect(aead.implementation).toBe('node');
    const sealed = await aead.seal(fromHex(RFC8439.nonce), fromHex(RFC8439.aad), utf8.encode(RFC8439.plaintext));
    expect(toHex(sealed)).toBe(RFC8439.ciphertext + RFC8439.tag);
    expect(utf8.decode((await aead.open(fromHex(RFC8439.nonce), fromHex(RFC8439.aad), sealed))!)).toBe(RFC8439.plaintext);
    sealed[sealed.length - 1] ^= 1;
    expect(await aead.open(fromHex(RFC8439.nonce), fromHex(RFC8439.aad), sealed)).toBeNull();
  });

  it('feature detection picks WebCrypto when it works and noble otherwise (Node 20: noble)', async () => {
    const has = await webCryptoHasChaCha();
    const aead = await createAead('CHACHA20-POLY1305', new Uint8Array(32));
    expect(aead.implementation).toBe(has ? 'webcrypto' : 'noble');
    if (process.versions.node.startsWith('20.')) expect(has).toBe(false);
  });
});

describeEachProvider(() => {
  describe('AES-GCM known answer', () => {
    it('AES-256-GCM: GCM specification test case 14 (zero key, zero IV, one zero block)', async () => {
      const aead = await createAead('AES-GCM', new Uint8Array(32));
      const out = await aead.seal(new Uint8Array(12), new Uint8Array(0), new Uint8Array(16));
      expect(toHex(out)).toBe('cea7403d4d606b6e074ec5d3baf39d18' + 'd0d1c8a799996bf0265b98b5d48ab919');
    });
  });
});
