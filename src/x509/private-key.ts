// Private keys as people have them on disk: PEM "PRIVATE KEY" (PKCS#8), "EC PRIVATE KEY" (SEC1, RFC 5915) and
// "RSA PRIVATE KEY" (PKCS#1, RFC 8017), alone or in one file with the certificate chain. WebCrypto imports only
// PKCS#8, so SEC1 and PKCS#1 are re-wrapped into a PrivateKeyInfo (RFC 5208) with @peculiar/asn1-*.
import { AsnConvert, AsnParser } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { ECParameters, ECPrivateKey, id_ecPublicKey } from '@peculiar/asn1-ecc';
import { RSAPrivateKey, id_rsaEncryption } from '@peculiar/asn1-rsa';
import { PrivateKey, PrivateKeyInfo } from '@peculiar/asn1-pkcs8';
import { describePublicKey } from '../crypto/signature.ts';
import { ed448PublicKeyFromSpki, ed448PublicKeyOf } from '../crypto/ed448.ts';
import { equalBytes } from '../util/bytes.ts';
import { decodeCertificate } from './certificate.ts';
import { bufferSource, subtle } from '../crypto/webcrypto.ts';
import { pemToDer } from './pem.ts';

export type KeyFormat = 'PKCS#8' | 'SEC1' | 'PKCS#1';

export class PrivateKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PrivateKeyError';
  }
}

export interface LoadedPrivateKey {
  /** The key as PKCS#8 DER, whatever it was on disk. */
  pkcs8: Uint8Array;
  /** How it was written on disk. */
  format: KeyFormat;
  /** The WebCrypto algorithm the key imports as (RSA as RSA-PSS with SHA-256; other hashes re-import the PKCS#8). */
  algorithm: RsaHashedImportParams | EcKeyImportParams | { name: 'Ed25519' } | { name: 'Ed448' };
  /** Short description: "EC P-256", "RSA 2048", "Ed25519", "Ed448". */
  description: string;
  /** Certificates (DER, in file order) found in the same file. */
  chain: Uint8Array[];
}

const LABELS: Record<string, KeyFormat> = { 'PRIVATE KEY': 'PKCS#8', 'EC PRIVATE KEY': 'SEC1', 'RSA PRIVATE KEY': 'PKCS#1' };
const CURVE_NAMES: Record<string, 'P-256' | 'P-384' | 'P-521'> = {
  '1.2.840.10045.3.1.7': 'P-256',
  '1.3.132.0.34': 'P-384',
  '1.3.132.0.35': 'P-521',
};
const ID_ED25519 = '1.3.101.112';
const ID_ED448 = '1.3.101.113';
const ID_RSASSA_PSS = '1.2.840.113549.1.1.10';

/** The one private key of a PEM text (and any certificates beside it). */
export function readPrivateKeyPem(text: string): LoadedPrivateKey {
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(text) || /Proc-Type:\s*4,ENCRYPTED/.test(text)) {
    throw new PrivateKeyError('the private key is encrypted; decrypt it first (openssl pkey -in KEY -out PLAIN.key)');
  }
  const found: { format: KeyFormat; der: Uint8Array }[] = [];
  for (const [label, format] of Object.entries(LABELS)) for (const der of pemToDer(text, [label])) found.push({ format, der });
  if (found.length === 0) throw new PrivateKeyError('no private key found (expected a PEM block "PRIVATE KEY", "EC PRIVATE KEY" or "RSA PRIVATE KEY")');
  if (found.length > 1) throw new PrivateKeyError(`the file holds ${found.length} private keys; give one key per file`);
  const { format, der } = found[0];
  const pkcs8 = format === 'PKCS#8' ? der : format === 'SEC1' ? sec1ToPkcs8(der) : pkcs1ToPkcs8(der);
  return { pkcs8, format, ...describe(pkcs8), chain: pemToDer(text) };
}

function sec1ToPkcs8(der: Uint8Array): Uint8Array {
  const ec = parse(der, ECPrivateKey, 'SEC1 EC private key');
  const curve = ec.parameters?.namedCurve;
  if (!curve) throw new PrivateKeyError('the EC private key does not name its curve (SEC1 parameters missing)');
  const algorithm = new AlgorithmIdentifier({ algorithm: id_ecPublicKey, parameters: AsnConvert.serialize(new ECParameters({ namedCurve: curve })) });
  return wrap(algorithm, der);
}

function pkcs1ToPkcs8(der: Uint8Array): Uint8Array {
  parse(der, RSAPrivateKey, 'PKCS#1 RSA private key'); // checks the structure before wrapping it
  // rsaEncryption takes NULL parameters (RFC 8017 A.1); 05 00 is DER NULL.
  return wrap(new AlgorithmIdentifier({ algorithm: id_rsaEncryption, parameters: Uint8Array.of(0x05, 0x00).buffer }), der);
}

function wrap(algorithm: AlgorithmIdentifier, inner: Uint8Array): Uint8Array {
  const info = new PrivateKeyInfo({ version: 0, privateKeyAlgorithm: algorithm, privateKey: new PrivateKey(inner) });
  return new Uint8Array(AsnConvert.serialize(info));
}

function parse<T>(der: Uint8Array, type: new () => T, what: string): T {
  try {
    return AsnParser.parse(der, type);
  } catch (e) {
    throw new PrivateKeyError(`the ${what} cannot be parsed: ${(e as Error).message}`);
  }
}

function describe(pkcs8: Uint8Array): Pick<LoadedPrivateKey, 'algorithm' | 'description'> {
  const info = parse(pkcs8, PrivateKeyInfo, 'PKCS#8 private key');
  const oid = info.privateKeyAlgorithm.algorithm;
  if (oid === id_rsaEncryption) {
    const modulus = new Uint8Array(parse(new Uint8Array(info.privateKey.buffer), RSAPrivateKey, 'RSA private key').modulus);
    const bits = (modulus.length - (modulus[0] === 0 ? 1 : 0)) * 8;
    return { algorithm: { name: 'RSA-PSS', hash: 'SHA-256' }, description: `RSA ${bits}` };
  }
  if (oid === ID_RSASSA_PSS) throw new PrivateKeyError('RSASSA-PSS-only keys (id-RSASSA-PSS) cannot be imported by WebCrypto; use an rsaEncryption key');
  if (oid === ID_ED25519) return { algorithm: { name: 'Ed25519' }, description: 'Ed25519' };
  if (oid === ID_ED448) return { algorithm: { name: 'Ed448' }, description: 'Ed448' };
  if (oid === id_ecPublicKey) {
    const params = info.privateKeyAlgorithm.parameters;
    const curveOid = params ? AsnParser.parse(params, ECParameters).namedCurve : undefined;
    const curve = curveOid && CURVE_NAMES[curveOid];
    if (!curve) throw new PrivateKeyError(`unsupported EC curve ${curveOid ?? '(none named)'}: P-256, P-384 or P-521`);
    return { algorithm: { name: 'ECDSA', namedCurve: curve }, description: `EC ${curve}` };
  }
  throw new PrivateKeyError(`unsupported private key algorithm ${oid} (RSA, EC P-256/P-384/P-521, Ed25519 or Ed448)`);
}

/** The key as a WebCrypto signing key for its algorithm (non-extractable). */
export async function importPrivateKey(key: LoadedPrivateKey): Promise<CryptoKey> {
  try {
    return await subtle().importKey('pkcs8', bufferSource(key.pkcs8), key.algorithm, false, ['sign']);
  } catch (e) {
    throw new PrivateKeyError(`WebCrypto refused the ${key.description} key: ${(e as Error).message}`);
  }
}

/**
 * Throws unless the key is the private half of the certificate's public key (OpenSSL's
 * SSL_CTX_check_private_key): both halves exported as JWK, their public members compared.
 */
export async function checkKeyMatchesCertificate(key: LoadedPrivateKey, certDer: Uint8Array): Promise<void> {
  const spki = decodeCertificate(certDer).spki;
  const certInfo = describePublicKey(spki);
  if (certInfo.type === 'rsa' && certInfo.pssOnly) throw new PrivateKeyError('the certificate has an RSASSA-PSS-only public key, which WebCrypto cannot use here');
  const keyType = key.algorithm.name === 'RSA-PSS' ? 'rsa' : key.algorithm.name === 'ECDSA' ? 'ec' : key.algorithm.name === 'Ed448' ? 'ed448' : 'ed25519';
  if (certInfo.type !== keyType) throw new PrivateKeyError(`the private key (${key.description}) does not match the certificate's ${certInfo.type} public key`);
  if (keyType === 'ed448') {
    // Chromium's WebCrypto has no Ed448: the public half is derived from the private key (@noble/curves) instead.
    let same: boolean;
    try {
      same = equalBytes(await ed448PublicKeyOf(key.pkcs8), ed448PublicKeyFromSpki(spki));
    } catch (e) {
      throw new PrivateKeyError(`the private key (${key.description}) does not fit the certificate's public key: ${(e as Error).message}`);
    }
    if (!same) throw new PrivateKeyError(`the private key (${key.description}) is not the key of this certificate (its public key differs)`);
    return;
  }
  let privateJwk: JsonWebKey;
  let publicJwk: JsonWebKey;
  try {
    privateJwk = await subtle().exportKey('jwk', await subtle().importKey('pkcs8', bufferSource(key.pkcs8), key.algorithm, true, ['sign']));
    publicJwk = await subtle().exportKey('jwk', await subtle().importKey('spki', bufferSource(spki), key.algorithm, true, ['verify']));
  } catch (e) {
    throw new PrivateKeyError(`the private key (${key.description}) does not fit the certificate's public key: ${(e as Error).message}`);
  }
  const members = keyType === 'rsa' ? ['n', 'e'] : keyType === 'ec' ? ['crv', 'x', 'y'] : ['x'];
  const same = members.every((m) => (privateJwk as Record<string, unknown>)[m] === (publicJwk as Record<string, unknown>)[m]);
  if (!same) throw new PrivateKeyError(`the private key (${key.description}) is not the key of this certificate (its public key differs)`);
}
