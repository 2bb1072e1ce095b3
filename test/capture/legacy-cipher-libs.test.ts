// The RC4 and 3DES pieces the capture decoder takes from npm (crypto-js, des.js; src/capture/legacy-cipher-libs.ts),
// against known answers: RC4's keystream against RFC 6229's test vectors, also when taken in pieces that do not
// fall on crypto-js's 4-byte words (records of any length take their share of one running keystream); 3DES-EDE-CBC
// against OpenSSL's (node:crypto), by des.js (the browser's way) and by the node:crypto provider (the CLI's). The
// real captures are in legacy-ciphers.test.ts.
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Rc4Keystream } from '../../src/capture/rc4-keystream.ts';
import { createTripleDesCbc } from '../../src/capture/triple-des-cbc.ts';
import { withNodeCrypto } from './helpers.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('RC4 keystream (crypto-js)', () => {
  // RFC 6229 §2, key 0x0102030405 (40 bits): offsets 0 and 16.
  const KEY = Uint8Array.of(1, 2, 3, 4, 5);
  const FIRST_32 = 'b2396305f03dc027ccc3524a0a1118a8' + '6982944f18fc82d589c403a47a0d0919';

  it("gives RFC 6229's keystream", () => {
    expect(hex(Rc4Keystream.create(KEY).next(32))).toBe(FIRST_32);
  });

  it('runs on across pieces of any length', () => {
    const stream = Rc4Keystream.create(KEY);
    const pieces = [1, 6, 0, 3, 9, 13].map((n) => hex(stream.next(n)));
    expect(pieces.join('')).toBe(FIRST_32);
  });
});

describe('3DES-EDE-CBC', () => {
  const key = crypto.randomBytes(24);
  const iv = crypto.randomBytes(8);
  const plaintext = crypto.randomBytes(8 * 37);
  const cipher = crypto.createCipheriv('des-ede3-cbc', key, iv).setAutoPadding(false);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const decrypted = () => hex(createTripleDesCbc(new Uint8Array(key)).decryptSync!(new Uint8Array(iv), new Uint8Array(ciphertext)));

  it("decrypts what OpenSSL's des-ede3-cbc encrypts: des.js (WebCrypto has no 3DES)", () => {
    expect(decrypted()).toBe(plaintext.toString('hex'));
  });

  it('and the node:crypto provider, where the CLI decodes', async () => {
    expect(await withNodeCrypto(async () => decrypted())).toBe(plaintext.toString('hex'));
  });

  it('takes whole 8-byte blocks only, and a 24-byte key', () => {
    expect(() => createTripleDesCbc(new Uint8Array(24)).decryptSync!(new Uint8Array(8), new Uint8Array(12))).toThrow(/whole 8-byte blocks/);
    expect(() => createTripleDesCbc(new Uint8Array(16))).toThrow(/24 bytes/);
  });
});
