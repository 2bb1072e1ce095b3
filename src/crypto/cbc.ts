// AES-CBC without padding, and HMAC with a key imported once, over WebCrypto, for the TLS 1.2 CBC suites.
// WebCrypto's AES-CBC always adds and checks PKCS#7 padding, while TLS pads its own way (RFC 5246 §6.2.3.2):
//  - encrypt: our input is already a whole number of blocks, so WebCrypto appends one block of padding; CBC
//    ciphertext blocks never depend on later ones, so dropping that last block leaves exactly our encryption.
//  - decrypt: we append one block that decrypts to a full PKCS#7 padding block (E_k(0x10*16 XOR last
//    ciphertext block), so WebCrypto's padding check passes and strips it. That single block is encrypted
//    with @noble/ciphers' AES: a few microseconds, where one more WebCrypto call costs tens (per record).
import { bufferSource, subtle } from './webcrypto.ts';

// Loaded at the first CBC key, not with the engine: the module builds its AES tables as it loads (tens of ms
// on a cold start), and most connections never use a CBC suite.
let nobleAes: Promise<typeof import('@noble/ciphers/aes.js')> | undefined;
const loadNobleAes = () => (nobleAes ??= import('@noble/ciphers/aes.js'));

export const AES_BLOCK = 16;

export interface AesCbc {
  encrypt(iv: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array>;
  decrypt(iv: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array>;
}

const FULL_PAD = new Uint8Array(AES_BLOCK).fill(AES_BLOCK);

export async function createAesCbc(rawKey: Uint8Array): Promise<AesCbc> {
  if (rawKey.length !== 16 && rawKey.length !== 32) throw new Error(`AES-CBC key must be 16 or 32 bytes, got ${rawKey.length}`);
  const [key, { ecb }] = await Promise.all([subtle().importKey('raw', bufferSource(rawKey), { name: 'AES-CBC' }, false, ['encrypt', 'decrypt']), loadNobleAes()]);
  const keyBytes = Uint8Array.from(rawKey);
  const raw = async (iv: Uint8Array, data: Uint8Array) => new Uint8Array(await subtle().encrypt({ name: 'AES-CBC', iv: bufferSource(iv) }, key, bufferSource(data)));
  return {
    async encrypt(iv, plaintext) {
      if (plaintext.length % AES_BLOCK !== 0) throw new RangeError('AES-CBC input must be whole blocks');
      return (await raw(iv, plaintext)).subarray(0, plaintext.length);
    },
    async decrypt(iv, ciphertext) {
      if (ciphertext.length === 0 || ciphertext.length % AES_BLOCK !== 0) throw new RangeError('AES-CBC ciphertext must be whole blocks');
      const last = ciphertext.subarray(ciphertext.length - AES_BLOCK);
      const block = new Uint8Array(AES_BLOCK);
      for (let i = 0; i < AES_BLOCK; i++) block[i] = FULL_PAD[i] ^ last[i];
      // A fresh cipher object per call: noble refuses a second encrypt() on one (a guard meant for nonces).
      const padBlock = ecb(keyBytes, { disablePadding: true }).encrypt(block);
      const extended = new Uint8Array(ciphertext.length + AES_BLOCK);
      extended.set(ciphertext);
      extended.set(padBlock, ciphertext.length);
      return new Uint8Array(await subtle().decrypt({ name: 'AES-CBC', iv: bufferSource(iv) }, key, bufferSource(extended)));
    },
  };
}

export interface Mac {
  readonly length: number;
  sign(data: Uint8Array): Promise<Uint8Array>;
}

/** HMAC with SHA-1, SHA-256 or SHA-384, the key imported once (a record MAC runs for every record). */
export async function createHmac(hash: 'SHA-1' | 'SHA-256' | 'SHA-384', rawKey: Uint8Array): Promise<Mac> {
  const key = await subtle().importKey('raw', bufferSource(rawKey.length ? rawKey : new Uint8Array(1)), { name: 'HMAC', hash }, false, ['sign']);
  const length = hash === 'SHA-1' ? 20 : hash === 'SHA-256' ? 32 : 48;
  return { length, sign: async (data) => new Uint8Array(await subtle().sign('HMAC', key, bufferSource(data))) };
}
