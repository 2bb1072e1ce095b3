// Certificate signature algorithms: which AlgorithmIdentifiers we accept, which we refuse as weak,
// and the key rules of the web PKI (CA/B Forum BR 6.1.5, 7.1.3).
import { children, decodeOid, readRoot, valueOf } from './der.ts';
import type { HashName, SignatureAlgorithm } from '../crypto/signature.ts';
import { ecdsaDerProblem } from '../crypto/ecdsa-encoding.ts';
import { DsaParametersInherited, ID_DSA, dsaKeyName, dsaSignatureProblem, readDsaPublicKey } from '../crypto/dsa.ts';
import type { DecodedCertificate } from './certificate.ts';
import type { ProfileName } from './profile.ts';
import type { WorkingKey } from './working-key.ts';

export type AlgorithmVerdict =
  | { ok: true; algorithm: SignatureAlgorithm; name: string }
  | { ok: false; weak: boolean; name: string; reason: string };

const HASH_OIDS: Record<string, HashName | 'MD5' | 'SHA-224'> = {
  '1.3.14.3.2.26': 'SHA-1',
  '2.16.840.1.101.3.4.2.1': 'SHA-256',
  '2.16.840.1.101.3.4.2.2': 'SHA-384',
  '2.16.840.1.101.3.4.2.3': 'SHA-512',
  '2.16.840.1.101.3.4.2.4': 'SHA-224',
  '1.2.840.113549.2.5': 'MD5',
};

const RSA_PKCS1: Record<string, string> = {
  '1.2.840.113549.1.1.11': 'SHA-256',
  '1.2.840.113549.1.1.12': 'SHA-384',
  '1.2.840.113549.1.1.13': 'SHA-512',
  '1.2.840.113549.1.1.5': 'SHA-1',
  '1.2.840.113549.1.1.4': 'MD5',
  '1.2.840.113549.1.1.2': 'MD2',
  '1.2.840.113549.1.1.14': 'SHA-224',
};
const ECDSA: Record<string, string> = {
  '1.2.840.10045.4.3.2': 'SHA-256',
  '1.2.840.10045.4.3.3': 'SHA-384',
  '1.2.840.10045.4.3.4': 'SHA-512',
  '1.2.840.10045.4.1': 'SHA-1',
  '1.2.840.10045.4.3.1': 'SHA-224',
};
/** dsa-with-sha1 (RFC 3279 §2.2.2), id-dsa-with-sha224 and -sha256 (RFC 5758 §3.1). */
const DSA: Record<string, 'SHA-1' | 'SHA-224' | 'SHA-256'> = {
  '1.2.840.10040.4.3': 'SHA-1',
  '2.16.840.1.101.3.4.3.1': 'SHA-224',
  '2.16.840.1.101.3.4.3.2': 'SHA-256',
};
const STRONG = new Set(['SHA-256', 'SHA-384', 'SHA-512']);

/**
 * Why the web-PKI profiles refuse DSA (keys and signatures alike): the plain RFC 5280 profile checks it (RFC 3279
 * §2.2.2, §2.3.2), as old devices' certificates need.
 */
export const DSA_NOT_WEB_PKI = 'the web PKI does not accept DSA: the CA/B Forum Baseline Requirements allow RSA and ECDSA keys only (BR 6.1.5); the plain RFC 5280 profile checks DSA';
const RSA_PSS = '1.2.840.113549.1.1.10';
const MGF1 = '1.2.840.113549.1.1.8';
const ED25519 = '1.3.101.112';
const ED448 = '1.3.101.113';

/** Classify a DER AlgorithmIdentifier taken from a certificate's signatureAlgorithm. */
export function classifySignatureAlgorithm(algId: Uint8Array): AlgorithmVerdict {
  let oid: string;
  let params: Uint8Array | undefined;
  try {
    const root = readRoot(algId);
    const parts = children(algId, root);
    if (parts.length < 1 || parts.length > 2 || parts[0].tag !== 0x06) throw new Error('bad AlgorithmIdentifier');
    oid = decodeOid(valueOf(algId, parts[0]));
    params = parts[1] ? algId.subarray(parts[1].start, parts[1].end) : undefined;
  } catch (e) {
    return { ok: false, weak: false, name: 'malformed', reason: `the signature algorithm cannot be read: ${(e as Error).message}` };
  }
  const isNull = params !== undefined && params.length === 2 && params[0] === 5 && params[1] === 0;
  if (RSA_PKCS1[oid]) {
    const hash = RSA_PKCS1[oid];
    const name = `RSA PKCS#1 v1.5 with ${hash}`;
    if (!STRONG.has(hash)) return { ok: false, weak: true, name, reason: `${hash} is too weak for certificate signatures` };
    if (params !== undefined && !isNull) return { ok: false, weak: false, name, reason: 'RSA PKCS#1 v1.5 parameters must be NULL' };
    return { ok: true, name, algorithm: { kind: 'rsa-pkcs1', hash: hash as HashName } };
  }
  if (ECDSA[oid]) {
    const hash = ECDSA[oid];
    const name = `ECDSA with ${hash}`;
    if (!STRONG.has(hash)) return { ok: false, weak: true, name, reason: `${hash} is too weak for certificate signatures` };
    if (params !== undefined) return { ok: false, weak: false, name, reason: 'ECDSA signature algorithms take no parameters' };
    return { ok: true, name, algorithm: { kind: 'ecdsa', hash: hash as HashName, encoding: 'der' } };
  }
  if (DSA[oid]) {
    const hash = DSA[oid];
    const name = `DSA with ${hash}`;
    if (hash === 'SHA-1') return { ok: false, weak: true, name, reason: 'SHA-1 is too weak for certificate signatures' };
    // SHA-224 is accepted with DSA alone: FIPS 186-4 pairs it with the (2048, 224) parameter sizes.
    if (params !== undefined) return { ok: false, weak: false, name, reason: 'DSA signature algorithms take no parameters (RFC 5758 §3.1)' };
    return { ok: true, name, algorithm: { kind: 'dsa', hash } };
  }
  if (oid === ED25519) {
    if (params !== undefined) return { ok: false, weak: false, name: 'Ed25519', reason: 'Ed25519 takes no parameters' };
    return { ok: true, name: 'Ed25519', algorithm: { kind: 'ed25519' } };
  }
  if (oid === ED448) {
    // RFC 8410 §3: no parameters. Verified by node:crypto, or by @noble/curves where WebCrypto has no Ed448.
    if (params !== undefined) return { ok: false, weak: false, name: 'Ed448', reason: 'Ed448 takes no parameters' };
    return { ok: true, name: 'Ed448', algorithm: { kind: 'ed448' } };
  }
  if (oid === RSA_PSS) return classifyPss(params);
  return { ok: false, weak: true, name: oid, reason: `the signature algorithm ${oid} is not accepted` };
}

/** RSASSA-PSS-params: hash, MGF1 with the same hash, salt length equal to the hash length, trailer 1. */
function classifyPss(params: Uint8Array | undefined): AlgorithmVerdict {
  const name = 'RSA-PSS';
  if (!params) return { ok: false, weak: true, name, reason: 'RSA-PSS without parameters means SHA-1' };
  try {
    const root = readRoot(params);
    let hash: string = 'SHA-1';
    let mgfHash: string = 'SHA-1';
    let salt = 20;
    for (const field of children(params, root)) {
      const inner = children(params, field)[0];
      if (field.tagNumber === 0) hash = hashOf(params, inner);
      else if (field.tagNumber === 1) {
        const mgf = children(params, inner);
        if (decodeOid(valueOf(params, mgf[0])) !== MGF1) throw new Error('only MGF1 is supported');
        mgfHash = hashOf(params, mgf[1]);
      } else if (field.tagNumber === 2) {
        const v = valueOf(params, inner);
        salt = 0;
        for (const b of v) salt = salt * 256 + b;
      } else if (field.tagNumber === 3) {
        const v = valueOf(params, inner);
        if (v.length !== 1 || v[0] !== 1) throw new Error('trailerField must be 1');
      }
    }
    const full = `${name} with ${hash}, MGF1 ${mgfHash}, salt ${salt}`;
    if (!STRONG.has(hash)) return { ok: false, weak: true, name: full, reason: `${hash} is too weak for certificate signatures` };
    if (mgfHash !== hash) return { ok: false, weak: false, name: full, reason: 'the MGF1 hash differs from the message hash' };
    const expectedSalt = hash === 'SHA-256' ? 32 : hash === 'SHA-384' ? 48 : 64;
    if (salt !== expectedSalt) return { ok: false, weak: false, name: full, reason: `the salt length must equal the hash length (${expectedSalt})` };
    return { ok: true, name: full, algorithm: { kind: 'rsa-pss', hash: hash as HashName, saltLength: salt } };
  } catch (e) {
    return { ok: false, weak: false, name, reason: `malformed RSA-PSS parameters: ${(e as Error).message}` };
  }
}

function hashOf(bytes: Uint8Array, algIdNode: { start: number; end: number }): string {
  const algId = bytes.subarray(algIdNode.start, algIdNode.end);
  const root = readRoot(algId);
  const parts = children(algId, root);
  const oid = decodeOid(valueOf(algId, parts[0]));
  const h = HASH_OIDS[oid];
  if (!h) throw new Error(`unknown hash ${oid}`);
  return h;
}

/**
 * Why a certificate's signature value is not in its algorithm's DER form, or undefined: an ECDSA-Sig-Value written
 * otherwise (a padded INTEGER, a long-form length) still yields r and s, and so a second certificate with the same
 * signed bytes; OpenSSL, BoringSSL and Go refuse it.
 */
export function signatureEncodingProblem(algorithm: SignatureAlgorithm, signature: Uint8Array): string | undefined {
  // A Dss-Sig-Value (RFC 3279 §2.2.2) has ECDSA-Sig-Value's shape and rules; its r and s are held to q with the key.
  return algorithm.kind === 'ecdsa' || algorithm.kind === 'dsa' ? ecdsaDerProblem(signature) : undefined;
}

export type KeyVerdict = { ok: true; detail: string } | { ok: false; reason: string };

/**
 * The public keys the web PKI accepts: RSA >= 2048 bits in whole bytes, P-256/P-384/P-521 by name, Ed25519, Ed448;
 * under the plain RFC 5280 profile also DSA keys of at least 2048 bits (the bar RSA keys meet). `working`: the key as
 * the path gives it (working-key.ts), for a DSA key whose parameters are its issuers'.
 */
export function checkPublicKey(cert: DecodedCertificate, profile: ProfileName = 'browser', working?: WorkingKey): KeyVerdict {
  const k = cert.key;
  switch (k.type) {
    case 'rsa':
      if (k.bits < 2048) return { ok: false, reason: `an RSA key of ${k.bits} bits is too small (at least 2048)` };
      if (k.bits % 8 !== 0) return { ok: false, reason: `an RSA modulus of ${k.bits} bits is not a whole number of bytes` };
      return { ok: true, detail: `RSA ${k.bits} bits` };
    case 'ec':
      if (!['P-256', 'P-384', 'P-521'].includes(k.curve)) {
        return { ok: false, reason: k.curve ? `the curve ${k.curve} is not accepted` : 'the EC key uses explicit curve parameters, not a named curve' };
      }
      return { ok: true, detail: `EC ${k.curve}` };
    case 'ed25519':
      return { ok: true, detail: 'Ed25519' };
    case 'ed448':
      return { ok: true, detail: 'Ed448' };
    case 'unknown':
      if (k.oid === ID_DSA) return checkDsaKey(cert, profile, working);
      return { ok: false, reason: `the key type ${k.oid} is not accepted` };
    case 'malformed':
      return { ok: false, reason: `the public key cannot be read: ${k.message}` };
  }
}

/**
 * A DSA subject key (RFC 3279 §2.3.2): refused by the web-PKI profiles, read and sized under plain RFC 5280. A key
 * without parameters of its own is sized with those the path gives it (`working`); with no path, or none found on
 * it, it is not checkable, and the reason is said.
 */
function checkDsaKey(cert: DecodedCertificate, profile: ProfileName, working: WorkingKey | undefined): KeyVerdict {
  if (profile !== 'rfc5280') return { ok: false, reason: `a DSA key: ${DSA_NOT_WEB_PKI}` };
  if (working?.problem) return { ok: false, reason: working.problem };
  try {
    const key = readDsaPublicKey(working?.spki ?? cert.spki);
    if (key.bits < 2048) return { ok: false, reason: `a DSA key of ${key.bits} bits is too small (at least 2048)${inheritedFrom(working)}` };
    return { ok: true, detail: `${dsaKeyName(key)}${inheritedFrom(working)}` };
  } catch (e) {
    return { ok: false, reason: e instanceof DsaParametersInherited ? e.message : `the DSA key cannot be used: ${(e as Error).message}` };
  }
}

/** ", its p, q and g inherited from "CN=..."" when the working key's parameters are an issuer's. */
function inheritedFrom(working: WorkingKey | undefined): string {
  return working?.parametersFrom ? `, its p, q and g inherited from "${working.parametersFrom.subject.text}" (RFC 3279 §2.3.2)` : '';
}

/**
 * Why a DSA signature value cannot be this issuer key's (r or s out of range), or undefined; for the trace's words.
 * `issuerKey`: the issuer's SubjectPublicKeyInfo, or its working key on the path.
 */
export function dsaSignatureRangeProblem(issuerKey: Uint8Array | WorkingKey, signature: Uint8Array): string | undefined {
  if (!(issuerKey instanceof Uint8Array) && issuerKey.problem) return issuerKey.problem;
  try {
    return dsaSignatureProblem(signature, readDsaPublicKey(issuerKey instanceof Uint8Array ? issuerKey : issuerKey.spki).q);
  } catch (e) {
    return (e as Error).message;
  }
}
