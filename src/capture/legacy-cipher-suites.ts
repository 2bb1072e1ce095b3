// The RC4-128 and 3DES-EDE-CBC cipher suites a capture of older peers shows (Windows CE / Windows Mobile era devices,
// embedded systems): TLS Lens never negotiates them, so they are not in the engine's table (src/tls/suites12.ts);
// the capture decoder decrypts them (rc4-protector.ts, legacy-cbc-protector.ts). Read from the IANA names, so every
// key exchange is covered: the cipher and MAC are all the record layer needs, and the key log gives the master secret.
// The export suites (RC4_40, RC4_56) derive their keys their own way and are left out.
import { IANA_SUITE_NAMES, type KeyExchange12 } from './engine.ts';

export type LegacyCipher = 'RC4-128' | '3DES-EDE-CBC';
export type LegacyMac = 'SHA-1' | 'MD5';

export interface LegacyCipherSuite {
  code: number;
  name: string;
  cipher: LegacyCipher;
  mac: LegacyMac;
  macLength: number;
  /** RC4-128: 16 bytes; 3DES: three 8-byte DES keys. */
  keyLength: number;
  /** The cipher block: 8 for 3DES (also TLS 1.0's key block IV), 0 for RC4 (a stream cipher: no IV, no padding). */
  blockLength: number;
  /** No key-block IV in TLS 1.2 (3DES carries its IV in each record, RC4 has none): what MasterStage12.keyBlock cuts. */
  fixedIvLength: 0;
  /** The key exchange, when it is one whose messages the engine's codecs read; else they are shown as bytes. */
  kx: KeyExchange12 | undefined;
}

const SUITE_NAME = /^TLS_(.+)_WITH_(RC4_128|3DES_EDE_CBC)_(SHA|MD5)$/;
// DHE_DSS's ServerKeyExchange is DHE_RSA's in form (RFC 5246 §7.4.3); its DSA signature is checked in legacy-signatures.ts.
const KEY_EXCHANGES: Record<string, KeyExchange12> = { RSA: 'RSA', DHE_RSA: 'DHE', DHE_DSS: 'DHE', ECDHE_RSA: 'ECDHE', ECDHE_ECDSA: 'ECDHE' };

/** The RC4-128 or 3DES-EDE-CBC suite with this code; undefined for any other. */
export function legacyCipherSuite(code: number): LegacyCipherSuite | undefined {
  const name = IANA_SUITE_NAMES[code];
  const parts = name ? SUITE_NAME.exec(name) : null;
  if (!parts) return undefined;
  const rc4 = parts[2] === 'RC4_128';
  const mac: LegacyMac = parts[3] === 'SHA' ? 'SHA-1' : 'MD5';
  return {
    code,
    name: name!,
    cipher: rc4 ? 'RC4-128' : '3DES-EDE-CBC',
    mac,
    macLength: mac === 'SHA-1' ? 20 : 16,
    keyLength: rc4 ? 16 : 24,
    blockLength: rc4 ? 0 : 8,
    fixedIvLength: 0,
    kx: KEY_EXCHANGES[parts[1]],
  };
}
