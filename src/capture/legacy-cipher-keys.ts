// One direction's record protection under an RC4 or 3DES suite (legacy-cipher-suites.ts), in TLS 1.0 to 1.2. Loaded
// only when a capture's session uses such a suite (legacy-cipher-loader.ts): this module, the protectors' RC4 and
// 3DES parts and the libraries under them stay out of the capture decoder's first chunk.
import type { RecordProtector } from './engine.ts';
import type { LegacyCipherSuite } from './legacy-cipher-suites.ts';
import { LegacyCbcProtector, type LegacyRecordVersion } from './legacy-cbc-protector.ts';
import { legacyRecordMac } from './legacy-record-mac.ts';
import { Rc4Protector } from './rc4-protector.ts';
import { createTripleDesCbc } from './triple-des-cbc.ts';

/**
 * `iv`: TLS 1.0's first CBC IV from the key block (null otherwise, and for RC4). Encrypt-then-MAC applies to CBC
 * only (RFC 7366 §2), so an RC4 session has none whatever the hellos say.
 */
export function legacyCipherProtector(suite: LegacyCipherSuite, version: LegacyRecordVersion, macKey: Uint8Array, key: Uint8Array, iv: Uint8Array | null, encryptThenMac: boolean): RecordProtector {
  const mac = legacyRecordMac(suite.mac, macKey);
  if (suite.cipher === 'RC4-128') return Rc4Protector.create(suite, version, mac, key);
  return LegacyCbcProtector.withCipher(suite, version, createTripleDesCbc(key), mac, encryptThenMac, iv);
}
