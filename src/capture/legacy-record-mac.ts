// The record MAC of the capture's RC4 and 3DES suites: HMAC-SHA1, or HMAC-MD5 (TLS_RSA_WITH_RC4_128_MD5), which
// WebCrypto does not have. @noble/hashes (already the TLS 1.0 PRF's: crypto/prf10.ts) does both, synchronously, in
// the browser and in Node alike; the AES suites keep the crypto provider's HMAC.
import { hmac } from '@noble/hashes/hmac.js';
import { md5, sha1 } from '@noble/hashes/legacy.js';
import type { Mac } from '../crypto/provider.ts';
import type { LegacyMac } from './legacy-cipher-suites.ts';

/** An HMAC with its key fixed, `signSync` always there (the protectors open records without an await). */
export interface SyncMac extends Mac {
  signSync(...parts: Uint8Array[]): Uint8Array;
}

export function legacyRecordMac(hash: LegacyMac, key: Uint8Array): SyncMac {
  const fn = hash === 'SHA-1' ? sha1 : md5;
  const keyed = hmac.create(fn, key);
  const signSync = (...parts: Uint8Array[]): Uint8Array => {
    const h = keyed.clone();
    for (const part of parts) h.update(part);
    return h.digest();
  };
  return { length: fn.outputLen, sign: async (...parts) => signSync(...parts), signSync };
}
