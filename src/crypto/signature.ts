// Signature verification over WebCrypto for both X.509 and TLS.
// The key always arrives as a SubjectPublicKeyInfo (DER), the way certificates carry it.
import { AsnConvert, AsnParser } from '@peculiar/asn1-schema';
import { SubjectPublicKeyInfo, AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { ECParameters } from '@peculiar/asn1-ecc';

export type HashName = 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';

export type SignatureAlgorithm =
  | { kind: 'rsa-pkcs1'; hash: HashName }
  | { kind: 'rsa-pss'; hash: HashName; saltLength: number }
  | { kind: 'ecdsa'; hash: HashName; encoding: 'der' | 'raw' }
  | { kind: 'ed25519' };

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
  | { type: 'unknown'; oid: string };

const CURVES: Record<string, { name: string; bits: number }> = {
  [OID.p256]: { name: 'P-256', bits: 256 },
  [OID.p384]: { name: 'P-384', bits: 384 },
  [OID.p521]: { name: 'P-521', bits: 521 },
};

/** Describe the key in a SubjectPublicKeyInfo: type, curve, size. Throws on malformed DER. */
export function describePublicKey(spkiDer: Uint8Array): PublicKeyInfo {
  const spki = AsnParser.parse(spkiDer, SubjectPublicKeyInfo);
  const oid = spki.algorithm.algorithm;
  if (oid === OID.rsaEncryption || oid === OID.rsassaPss) {
    return { type: 'rsa', bits: rsaModulusBits(new Uint8Array(spki.subjectPublicKey)), pssOnly: oid === OID.rsassaPss };
  }
  if (oid === OID.ecPublicKey) {
    const params = spki.algorithm.parameters ? AsnParser.parse(spki.algorithm.parameters, ECParameters) : undefined;
    const curveOid = params?.namedCurve ?? '';
    const c = CURVES[curveOid];
    return { type: 'ec', curve: c?.name ?? curveOid, bits: c?.bits ?? 0 };
  }
  if (oid === OID.ed25519) return { type: 'ed25519', bits: 256 };
  return { type: 'unknown', oid };
}

/** Bit length of the modulus of a DER RSAPublicKey (SEQUENCE { INTEGER n, INTEGER e }). */
function rsaModulusBits(rsaPublicKey: Uint8Array): number {
  let p = 0;
  const readLen = (): number => {
    let len = rsaPublicKey[p++];
    if (len & 0x80) {
      const n = len & 0x7f;
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + rsaPublicKey[p++];
    }
    return len;
  };
  if (rsaPublicKey[p++] !== 0x30) throw new Error('RSA public key is not a SEQUENCE');
  readLen();
  if (rsaPublicKey[p++] !== 0x02) throw new Error('RSA modulus is not an INTEGER');
  let len = readLen();
  while (len > 0 && rsaPublicKey[p] === 0) {
    p++;
    len--;
  }
  if (len === 0) return 0;
  return (len - 1) * 8 + (32 - Math.clz32(rsaPublicKey[p]));
}

/** WebCrypto cannot import id-RSASSA-PSS keys everywhere; the key material is the same RSAPublicKey. */
function asRsaEncryptionSpki(spkiDer: Uint8Array): Uint8Array {
  const spki = AsnParser.parse(spkiDer, SubjectPublicKeyInfo);
  if (spki.algorithm.algorithm === OID.rsaEncryption) return spkiDer;
  const plain = new SubjectPublicKeyInfo({
    algorithm: new AlgorithmIdentifier({ algorithm: OID.rsaEncryption, parameters: new Uint8Array([5, 0]).buffer }),
    subjectPublicKey: spki.subjectPublicKey,
  });
  return new Uint8Array(AsnConvert.serialize(plain));
}

/** ECDSA signatures in X.509 and TLS are DER SEQUENCE { r, s }; WebCrypto wants fixed-size r || s. */
export function ecdsaDerToRaw(der: Uint8Array, curveBits: number): Uint8Array {
  const size = Math.ceil(curveBits / 8);
  let p = 0;
  const fail = () => {
    throw new Error('malformed ECDSA signature');
  };
  const readLen = (): number => {
    if (p >= der.length) fail();
    let len = der[p++];
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n < 1 || n > 2) fail();
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + der[p++];
    }
    return len;
  };
  if (der[p++] !== 0x30) fail();
  const seqLen = readLen();
  if (p + seqLen !== der.length) fail();
  const out = new Uint8Array(size * 2);
  for (let k = 0; k < 2; k++) {
    if (der[p++] !== 0x02) fail();
    let len = readLen();
    if (len === 0 || p + len > der.length) fail();
    let start = p;
    p += len;
    while (len > size && der[start] === 0) {
      start++;
      len--;
    }
    if (len > size) fail();
    out.set(der.subarray(start, start + len), k * size + (size - len));
  }
  if (p !== der.length) fail();
  return out;
}

const subtle = () => globalThis.crypto.subtle;

/**
 * Imported verification keys, by algorithm and SPKI bytes. Importing dominates the cost of
 * checking many certificates signed by the same few CAs; a small LRU keeps it to once per key.
 */
const KEY_CACHE_SIZE = 256;
const keyCache = new Map<string, Promise<CryptoKey>>();

function hexOf(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += bytes[i].toString(16).padStart(2, '0');
  return s;
}

/** describePublicKey, remembered per SPKI alongside the imported keys. */
const infoCache = new Map<string, PublicKeyInfo>();

function describeCached(spkiDer: Uint8Array): PublicKeyInfo {
  const id = hexOf(spkiDer);
  let info = infoCache.get(id);
  if (!info) {
    info = describePublicKey(spkiDer);
    infoCache.set(id, info);
    if (infoCache.size > KEY_CACHE_SIZE) infoCache.delete(infoCache.keys().next().value!);
  }
  return info;
}

function importVerifyKey(spkiDer: Uint8Array, algorithm: RsaHashedImportParams | EcKeyImportParams | Algorithm): Promise<CryptoKey> {
  const id = JSON.stringify(algorithm) + '|' + hexOf(spkiDer);
  const hit = keyCache.get(id);
  if (hit) {
    keyCache.delete(id);
    keyCache.set(id, hit);
    return hit;
  }
  const key = subtle().importKey('spki', spkiDer as Uint8Array<ArrayBuffer>, algorithm, false, ['verify']);
  key.catch(() => keyCache.delete(id));
  keyCache.set(id, key);
  if (keyCache.size > KEY_CACHE_SIZE) keyCache.delete(keyCache.keys().next().value!);
  return key;
}

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
  const info = describeCached(spkiDer);
  switch (algorithm.kind) {
    case 'rsa-pkcs1': {
      if (info.type !== 'rsa') throw new Error(`an RSA signature needs an RSA key, not ${info.type}`);
      if (info.pssOnly) throw new Error('an RSA-PSS-only key cannot make PKCS#1 v1.5 signatures');
      const key = await importVerifyKey(asRsaEncryptionSpki(spkiDer), { name: 'RSASSA-PKCS1-v1_5', hash: algorithm.hash });
      return subtle().verify('RSASSA-PKCS1-v1_5', key, signature as Uint8Array<ArrayBuffer>, data as Uint8Array<ArrayBuffer>);
    }
    case 'rsa-pss': {
      if (info.type !== 'rsa') throw new Error(`an RSA-PSS signature needs an RSA key, not ${info.type}`);
      const key = await importVerifyKey(asRsaEncryptionSpki(spkiDer), { name: 'RSA-PSS', hash: algorithm.hash });
      return subtle().verify({ name: 'RSA-PSS', saltLength: algorithm.saltLength }, key, signature as Uint8Array<ArrayBuffer>, data as Uint8Array<ArrayBuffer>);
    }
    case 'ecdsa': {
      if (info.type !== 'ec') throw new Error(`an ECDSA signature needs an EC key, not ${info.type}`);
      if (!['P-256', 'P-384', 'P-521'].includes(info.curve)) throw new Error(`unsupported curve ${info.curve}`);
      const key = await importVerifyKey(spkiDer, { name: 'ECDSA', namedCurve: info.curve } as EcKeyImportParams);
      let raw: Uint8Array;
      try {
        raw = algorithm.encoding === 'der' ? ecdsaDerToRaw(signature, info.bits) : signature;
      } catch {
        return false;
      }
      return subtle().verify({ name: 'ECDSA', hash: algorithm.hash }, key, raw as Uint8Array<ArrayBuffer>, data as Uint8Array<ArrayBuffer>);
    }
    case 'ed25519': {
      if (info.type !== 'ed25519') throw new Error(`an Ed25519 signature needs an Ed25519 key, not ${info.type}`);
      const key = await importVerifyKey(spkiDer, { name: 'Ed25519' });
      return subtle().verify({ name: 'Ed25519' }, key, signature as Uint8Array<ArrayBuffer>, data as Uint8Array<ArrayBuffer>);
    }
  }
}
