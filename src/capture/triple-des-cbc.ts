// 3DES-EDE in CBC mode, decryption only, for the capture's 3DES suites: the crypto provider's where it has 3DES
// (node:crypto: the CLI), else des.js (legacy-cipher-libs.ts, loaded with the first 3DES session; the browser, whose
// WebCrypto has none). No padding is removed here: TLS pads its own way (legacy-cbc-protector.ts checks it).
import { cryptoProvider } from '../crypto/provider.ts';
import { tripleDesCbc } from './legacy-cipher-libs.ts';
import type { CbcDecipher } from './legacy-cbc-protector.ts';

/** The 3DES block: also the length of its IV. */
export const DES_BLOCK = 8;

/** A 24-byte 3DES key (three DES keys, EDE) for CBC decryption: synchronous (plain JavaScript), `decrypt` the same. */
export function createTripleDesCbc(key: Uint8Array): CbcDecipher {
  if (key.length !== 24) throw new Error(`a 3DES-EDE key is 24 bytes, got ${key.length}`);
  const native = cryptoProvider().cbc.tripleDesCbcDecrypt?.(key);
  const decryptSync = (iv: Uint8Array, ciphertext: Uint8Array): Uint8Array => {
    if (ciphertext.length === 0 || ciphertext.length % DES_BLOCK !== 0) throw new RangeError('3DES-CBC ciphertext must be whole 8-byte blocks');
    if (native) return native(iv, ciphertext);
    const cipher = tripleDesCbc.create({ type: 'decrypt', key, iv, padding: false });
    const out = new Uint8Array(ciphertext.length);
    const first = cipher.update(ciphertext);
    out.set(first);
    out.set(cipher.final(), first.length);
    return out;
  };
  return { blockLength: DES_BLOCK, decrypt: decryptSync, decryptSync };
}
