// Signature verification for both X.509 and TLS: the key's type checked against the algorithm here, the
// arithmetic by the active crypto provider. The key always arrives as a SubjectPublicKeyInfo (DER), the way
// certificates carry it.
import { cryptoProvider } from './provider.ts';
import { parameterOid, readRsaPublicKey, readSpki } from './spki.ts';
import { ID_DSA, readDsaPublicKey, type DsaHash } from './dsa.ts';
import { toHex } from '../util/bytes.ts';

export { ecdsaDerToRaw, ecdsaRawToDer } from './ecdsa-encoding.ts';

export type HashName = 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';

export type SignatureAlgorithm =
  | { kind: 'rsa-pkcs1'; hash: HashName }
  | { kind: 'rsa-pss'; hash: HashName; saltLength: number }
  | { kind: 'ecdsa'; hash: HashName; encoding: 'der' | 'raw' }
  | { kind: 'ed25519' }
  | { kind: 'ed448' }
  // Old peers' DSA (dsa.ts): captures of DHE_DSS suites, DSA certificates under the plain RFC 5280 profile.
  | { kind: 'dsa'; hash: DsaHash };

export const OID = {
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsassaPss: '1.2.840.113549.1.1.10',
  ecPublicKey: '1.2.840.10045.2.1',
  ed25519: '1.3.101.112',
  ed448: '1.3.101.113',
  p256: '1.2.840.10045.3.1.7',
  p384: '1.3.132.0.34',
  p521: '1.3.132.0.35',
} as const;

export type PublicKeyInfo =
  | { type: 'rsa'; bits: number; pssOnly: boolean }
  | { type: 'ec'; curve: 'P-256' | 'P-384' | 'P-521' | string; bits: number }
  | { type: 'ed25519'; bits: 256 }
  | { type: 'ed448'; bits: 456 }
  | { type: 'unknown'; oid: string };

const CURVES: Record<string, { name: string; bits: number }> = {
  [OID.p256]: { name: 'P-256', bits: 256 },
  [OID.p384]: { name: 'P-384', bits: 384 },
  [OID.p521]: { name: 'P-521', bits: 521 },
};

/**
 * Describe the key in a SubjectPublicKeyInfo: type, curve, size. Throws on malformed DER. Remembered per SPKI
 * (a handful of CA keys verify most certificates, and a server's own key every handshake with it): the result
 * is shared, never to be changed.
 */
export function describePublicKey(spkiDer: Uint8Array): PublicKeyInfo {
  const id = toHex(spkiDer);
  let info = infoCache.get(id);
  if (!info) {
    info = Object.freeze(parsePublicKeyInfo(spkiDer));
    infoCache.set(id, info);
    if (infoCache.size > KEY_CACHE_SIZE) infoCache.delete(infoCache.keys().next().value!);
  }
  return info;
}

function parsePublicKeyInfo(spkiDer: Uint8Array): PublicKeyInfo {
  const spki = readSpki(spkiDer);
  const oid = spki.algorithm;
  if (oid === OID.rsaEncryption || oid === OID.rsassaPss) {
    return { type: 'rsa', bits: bitLength(readRsaPublicKey(spki.publicKey).n), pssOnly: oid === OID.rsassaPss };
  }
  if (oid === OID.ecPublicKey) {
    const curveOid = parameterOid(spki.parameters) ?? '';
    const c = CURVES[curveOid];
    return { type: 'ec', curve: c?.name ?? curveOid, bits: c?.bits ?? 0 };
  }
  if (oid === OID.ed25519) return { type: 'ed25519', bits: 256 };
  if (oid === OID.ed448) return { type: 'ed448', bits: 456 };
  return { type: 'unknown', oid };
}

/** Modulus and public exponent (big-endian, as encoded) of an rsaEncryption SubjectPublicKeyInfo; throws for other keys. */
export function rsaPublicNumbers(spkiDer: Uint8Array): { n: Uint8Array; e: Uint8Array } {
  const spki = readSpki(spkiDer);
  if (spki.algorithm !== OID.rsaEncryption) throw new Error(`the key is not an rsaEncryption key (${spki.algorithm})`);
  const { n, e } = readRsaPublicKey(spki.publicKey);
  return { n: Uint8Array.from(n), e: Uint8Array.from(e) };
}

/** Bit length of a big-endian unsigned integer's content bytes (leading zero bytes ignored). */
function bitLength(integer: Uint8Array): number {
  let p = 0;
  while (p < integer.length && integer[p] === 0) p++;
  if (p === integer.length) return 0;
  return (integer.length - p - 1) * 8 + (32 - Math.clz32(integer[p]));
}

const KEY_CACHE_SIZE = 256;

/** describePublicKey's results by SPKI (hex). */
const infoCache = new Map<string, PublicKeyInfo>();

/**
 * Verify `signature` over `data` with the key in `spkiDer`.
 * Resolves false for a signature that does not verify; throws for keys or encodings that cannot be used.
 */
export async function verifySignature(
  spkiDer: Uint8Array,
  algorithm: SignatureAlgorithm,
  data: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  const info = describePublicKey(spkiDer);
  switch (algorithm.kind) {
    case 'rsa-pkcs1':
      if (info.type !== 'rsa') throw new Error(`an RSA signature needs an RSA key, not ${info.type}`);
      if (info.pssOnly) throw new Error('an RSA-PSS-only key cannot make PKCS#1 v1.5 signatures');
      break;
    case 'rsa-pss':
      if (info.type !== 'rsa') throw new Error(`an RSA-PSS signature needs an RSA key, not ${info.type}`);
      break;
    case 'ecdsa':
      if (info.type !== 'ec') throw new Error(`an ECDSA signature needs an EC key, not ${info.type}`);
      if (!['P-256', 'P-384', 'P-521'].includes(info.curve)) throw new Error(`unsupported curve ${info.curve}`);
      break;
    case 'ed25519':
      if (info.type !== 'ed25519') throw new Error(`an Ed25519 signature needs an Ed25519 key, not ${info.type}`);
      break;
    case 'ed448':
      if (info.type !== 'ed448') throw new Error(`an Ed448 signature needs an Ed448 key, not ${info.type}`);
      break;
    case 'dsa':
      if (info.type !== 'unknown' || info.oid !== ID_DSA) throw new Error(`a DSA signature needs a DSA key, not ${info.type}`);
      readDsaPublicKey(spkiDer); // a key neither provider can use is refused here, in its own words
      break;
  }
  try {
    return await cryptoProvider().signature.verify(spkiDer, info, algorithm, data, signature);
  } catch {
    // Only a key the provider cannot import throws (a bad signature is false): its own words ("Invalid keyData",
    // OpenSSL's "error:03000072:...") differ by provider and tell a person nothing.
    throw new Error(`the ${keyName(info)} public key cannot be used: its bytes do not make a valid key`);
  }
}

/** "P-256 EC", "2048-bit RSA", "Ed25519": the key as a person names it. */
function keyName(info: PublicKeyInfo): string {
  if (info.type === 'rsa') return `${info.bits}-bit RSA`;
  if (info.type === 'ec') return `${info.curve} EC`;
  if (info.type === 'unknown') return info.oid === ID_DSA ? 'DSA' : info.oid;
  return info.type === 'ed25519' ? 'Ed25519' : 'Ed448';
}
