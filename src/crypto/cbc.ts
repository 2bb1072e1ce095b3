// AES-CBC without padding, and HMAC with a key imported once, for the TLS 1.2 CBC suites (RFC 5246 §6.2.3.2:
// TLS pads its own way), from the active crypto provider.
import { cryptoProvider, type AesCbc, type Mac, type MacHash } from './provider.ts';

export type { AesCbc, Mac };

export const AES_BLOCK = 16;

export async function createAesCbc(rawKey: Uint8Array): Promise<AesCbc> {
  if (rawKey.length !== 16 && rawKey.length !== 32) throw new Error(`AES-CBC key must be 16 or 32 bytes, got ${rawKey.length}`);
  const cipher = await cryptoProvider().cbc.aesCbc(rawKey);
  const checked: AesCbc = {
    async encrypt(iv, plaintext) {
      checkPlaintext(plaintext);
      return cipher.encrypt(iv, plaintext);
    },
    async decrypt(iv, ciphertext) {
      checkCiphertext(ciphertext);
      return cipher.decrypt(iv, ciphertext);
    },
  };
  const { encryptSync, decryptSync } = cipher;
  if (encryptSync && decryptSync) {
    checked.encryptSync = (iv, plaintext) => (checkPlaintext(plaintext), encryptSync(iv, plaintext));
    checked.decryptSync = (iv, ciphertext) => (checkCiphertext(ciphertext), decryptSync(iv, ciphertext));
  }
  return checked;
}

function checkPlaintext(plaintext: Uint8Array): void {
  if (plaintext.length % AES_BLOCK !== 0) throw new RangeError('AES-CBC input must be whole blocks');
}

function checkCiphertext(ciphertext: Uint8Array): void {
  if (ciphertext.length === 0 || ciphertext.length % AES_BLOCK !== 0) throw new RangeError('AES-CBC ciphertext must be whole blocks');
}

/** HMAC with SHA-1, SHA-256 or SHA-384, the key imported once (a record MAC runs for every record). */
export function createHmac(hash: MacHash, rawKey: Uint8Array): Promise<Mac> {
  return cryptoProvider().cbc.hmac(hash, rawKey);
}
