// Cipher suites a capture of older peers often shows whose ciphers TLS Lens does not implement: RC4 and 3DES.
// Neither WebCrypto nor @noble/ciphers (the well-kept library the engine uses) provides them, and TLS Lens does not
// carry its own: such records stay encrypted, and the capture says which suite it is and why.
import { IANA_SUITE_NAMES } from './engine.ts';

/** An RC4 or 3DES suite: its IANA name and which of the two ciphers; undefined for any other code. */
export function unsupportedCipherSuite(code: number): { name: string; cipher: 'RC4' | '3DES' } | undefined {
  const name = IANA_SUITE_NAMES[code];
  if (!name) return undefined;
  if (name.includes('_RC4_')) return { name, cipher: 'RC4' };
  if (name.includes('_3DES_')) return { name, cipher: '3DES' };
  return undefined;
}
