// The WebCrypto provider's record keys: an Aead is handed out before its key is imported (each seal/open waits for
// the import, made at once or, for importAtFirstUse, by the first of them), and a key that cannot be imported makes
// open() fail loudly instead of looking like a record that failed to authenticate.
import { describe, expect, it } from 'vitest';
import { webCryptoProvider } from '../../src/crypto/webcrypto-provider.ts';

const nonce = new Uint8Array(12).fill(7);
const aad = Uint8Array.of(23, 3, 3, 0, 21);
const plaintext = new TextEncoder().encode('hello records');

describe('WebCrypto record keys', () => {
  it('seal and open work on an Aead whose key import is still running, imported at once or at first use', async () => {
    const key = crypto.getRandomValues(new Uint8Array(16));
    const [whenIdle, fresh] = await Promise.all([webCryptoProvider.aead('AES-GCM', key, { importAtFirstUse: true }), webCryptoProvider.aead('AES-GCM', key, {})]);
    const sealed = await whenIdle.seal(nonce, aad, plaintext);
    expect(sealed.length).toBe(plaintext.length + 16);
    // Two keys from the same bytes (one imported at first use, one at once) agree.
    expect(await fresh.open(nonce, aad, sealed)).toEqual(plaintext);
    sealed[0] ^= 1;
    expect(await fresh.open(nonce, aad, sealed)).toBeNull();
  });

  it('ChaCha20-Poly1305 keys imported at first use work the same as noble\'s', async () => {
    const key = crypto.getRandomValues(new Uint8Array(32));
    const a = await webCryptoProvider.aead('CHACHA20-POLY1305', key, { importAtFirstUse: true });
    const b = await webCryptoProvider.aead('CHACHA20-POLY1305', key, { chachaImplementation: 'noble' });
    expect(await b.open(nonce, aad, await a.seal(nonce, aad, plaintext))).toEqual(plaintext);
  });

  it('a key WebCrypto refuses is an error at the first seal or open, never a failed tag', async () => {
    // Not a valid AES key length (the engine checks lengths before; this reaches the provider directly).
    const aead = await webCryptoProvider.aead('AES-GCM', new Uint8Array(15), {});
    await expect(aead.open(nonce, aad, new Uint8Array(32))).rejects.toThrow();
    await expect(aead.seal(nonce, aad, plaintext)).rejects.toThrow();
  });
});
