// PKCS#8 wrappings of a bare (EC)DH private scalar, so a provider can import a known key share (RFC 8448 traces,
// classroom replays) through its ordinary PKCS#8 import.
import { concat } from '../util/bytes.ts';
import { derElement } from '../x509/der.ts';

/** DER OIDs (tag, length, value) of the NIST curves key shares use. */
export const CURVE_OIDS = {
  'P-256': Uint8Array.of(0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07), // 1.2.840.10045.3.1.7
  'P-384': Uint8Array.of(0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22), // 1.3.132.0.34
  'P-521': Uint8Array.of(0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23), // 1.3.132.0.35
} as const;

// PKCS#8 PrivateKeyInfo for X25519 (RFC 8410): the fixed prefix is
// SEQUENCE { INTEGER 0, SEQUENCE { OID 1.3.101.110 }, OCTET STRING { OCTET STRING (32) } }.
export function x25519Pkcs8(scalar: Uint8Array): Uint8Array {
  return concat(Uint8Array.of(0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20), scalar);
}

// PKCS#8 PrivateKeyInfo holding an RFC 5915 ECPrivateKey without the optional public key;
// WebCrypto implementations recompute the public point from the scalar.
export function ecPkcs8(curve: keyof typeof CURVE_OIDS, scalar: Uint8Array): Uint8Array {
  const ecPublicKeyOid = Uint8Array.of(0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01);
  const ecPrivateKey = derElement(0x30, concat(Uint8Array.of(0x02, 0x01, 0x01), derElement(0x04, scalar)));
  return derElement(0x30, concat(Uint8Array.of(0x02, 0x01, 0x00), derElement(0x30, concat(ecPublicKeyOid, CURVE_OIDS[curve])), derElement(0x04, ecPrivateKey)));
}
