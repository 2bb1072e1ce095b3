// Rules on one certificate's own encoding: RFC 5280 with the CA/B Forum profile.
import { equalBytes, toHex } from '../util/bytes.ts';
import type { DecodedCertificate } from './certificate.ts';
import { extensionName } from './certificate.ts';
import { decodeAnySequence, decodeInfoAccess, EXT } from './extensions.ts';
import { fail, pass, type Role, type Step } from './step.ts';

/**
 * Which rules decide. `browser`: RFC 5280 with the web-PKI rules browsers apply (the default).
 * `cabf`: the strict CA/Browser Forum Baseline Requirements on top (CN among the SANs, EKU required
 * in subscriber certificates, no anyExtendedKeyUsage anywhere, serial numbers with 64 random bits).
 * `rfc5280`: plain RFC 5280 where it departs from the web PKI (a CA certificate may be the leaf,
 * nameConstraints must be critical, a trust anchor that is not self-issued needs an AKI).
 */
export type ProfileName = 'browser' | 'cabf' | 'rfc5280';

export const PROFILES: Record<ProfileName, { label: string; summary: string }> = {
  browser: { label: 'Browser (web PKI)', summary: 'RFC 5280 with the web-PKI rules browsers apply; a subject CN outside the SANs is tolerated' },
  cabf: { label: 'Strict CA/Browser Forum', summary: 'Baseline Requirements: CN among the SANs, EKU required in subscriber certificates, no anyExtendedKeyUsage, serial numbers of at least 64 bits' },
  rfc5280: { label: 'Plain RFC 5280', summary: 'a CA certificate may be the leaf (its pathLenConstraint is ignored), nameConstraints must be critical, a non-self-issued anchor needs an authorityKeyIdentifier' },
};

/** The profiles' names on the command line (`verify --profile`, `limbo --profile`) and in the verdict JSON. */
export const PROFILE_OPTION_NAMES: Record<ProfileName, string> = { browser: 'browser', cabf: 'strict', rfc5280: 'rfc5280' };

/** A profile named on the command line: browser, strict (also cabf) or rfc5280; undefined for anything else. */
export function profileFromOption(value: string): ProfileName | undefined {
  if (value === 'cabf') return 'cabf';
  return (Object.keys(PROFILE_OPTION_NAMES) as ProfileName[]).find((p) => PROFILE_OPTION_NAMES[p] === value);
}

/** CA/B BR 7.1: serial numbers carry at least 64 bits from a CSPRNG, so at least 8 significant octets. */
const CABF_MIN_SERIAL_OCTETS = 8;

/** RFC 5280 4.1.2.2: a positive INTEGER of at most 20 octets. */
function serialProblem(serial: Uint8Array): string | undefined {
  if (serial.length === 0) return 'the serial number is empty';
  if (serial[0] & 0x80) return 'the serial number is negative';
  if (serial.every((b) => b === 0)) return 'the serial number is zero';
  if (serial.length > 1 && serial[0] === 0 && !(serial[1] & 0x80)) return 'the serial number is not minimally encoded';
  const significant = serial[0] === 0 ? serial.length - 1 : serial.length;
  if (significant > 20) return `the serial number has ${significant} octets (at most 20)`;
  return undefined;
}

/** Rules on one certificate's own encoding, RFC 5280 with the CA/B Forum profile. */
export function structureStep(c: DecodedCertificate, i: number, role: Role, isCa: boolean, strictAnchor: boolean, profileName: ProfileName = 'browser'): Step {
  const S = 'structure';
  const profile = role !== 'anchor' || strictAnchor;
  if (c.version !== 3) return fail(S, i, 'PROFILE_VIOLATION', `the certificate is version ${c.version}; version 3 is required`, 'X509_V_ERR_EXTENSIONS_REQUIRE_VERSION_3');
  // A trust anchor is trusted as configured: some long-lived roots predate the serial rules.
  const serial = role === 'anchor' ? undefined : serialProblem(c.serial);
  if (serial) return fail(S, i, 'PROFILE_VIOLATION', serial);
  if (profileName === 'cabf' && role !== 'anchor') {
    const significant = c.serial[0] === 0 ? c.serial.length - 1 : c.serial.length;
    if (significant < CABF_MIN_SERIAL_OCTETS) return fail(S, i, 'PROFILE_VIOLATION', `the serial number has ${significant} octets; the CA/B Forum requires at least 64 random bits (BR 7.1)`);
  }
  if (!equalBytes(c.signatureAlgorithm, c.tbsSignatureAlgorithm)) {
    return fail(S, i, 'MALFORMED', 'the signed and unsigned signature algorithm fields differ', 'X509_V_ERR_SIGNATURE_ALGORITHM_MISMATCH');
  }
  if (c.issuer.rdns.length === 0) return fail(S, i, 'PROFILE_VIOLATION', 'the issuer name is empty', 'X509_V_ERR_ISSUER_NAME_EMPTY');
  if (isCa && c.subject.rdns.length === 0) return fail(S, i, 'PROFILE_VIOLATION', 'a CA certificate has an empty subject name', 'X509_V_ERR_SUBJECT_NAME_EMPTY');
  const seen = new Set<string>();
  for (const e of c.extensions) {
    if (seen.has(e.oid)) return fail(S, i, 'MALFORMED', `the extension ${extensionName(e.oid)} appears twice`, 'X509_V_ERR_INVALID_EXTENSION');
    seen.add(e.oid);
  }
  if (c.extensionProblems.length > 0) return fail(S, i, 'MALFORMED', c.extensionProblems[0].message, 'X509_V_ERR_INVALID_EXTENSION');
  const ext = (oid: string) => c.extensions.find((e) => e.oid === oid);
  if (ext(EXT.authorityKeyIdentifier)?.critical) return fail(S, i, 'PROFILE_VIOLATION', 'authorityKeyIdentifier must not be critical', 'X509_V_ERR_AUTHORITY_KEY_IDENTIFIER_CRITICAL');
  if (ext(EXT.subjectKeyIdentifier)?.critical) return fail(S, i, 'PROFILE_VIOLATION', 'subjectKeyIdentifier must not be critical', 'X509_V_ERR_SUBJECT_KEY_IDENTIFIER_CRITICAL');
  const aia = ext(EXT.authorityInfoAccess);
  if (aia) {
    if (aia.critical) return fail(S, i, 'PROFILE_VIOLATION', 'authorityInfoAccess must not be critical');
    try {
      decodeInfoAccess(aia.value);
    } catch (e) {
      return fail(S, i, 'MALFORMED', `authorityInfoAccess: ${(e as Error).message}`, 'X509_V_ERR_INVALID_EXTENSION');
    }
  }
  const pc = ext(EXT.policyConstraints);
  if (pc) {
    if (!pc.critical) return fail(S, i, 'PROFILE_VIOLATION', 'policyConstraints must be critical');
    try {
      decodeAnySequence(pc.value, 'policyConstraints');
    } catch (e) {
      return fail(S, i, 'MALFORMED', `policyConstraints: ${(e as Error).message}`);
    }
  }
  if (profile && isCa && !c.subjectKeyId) return fail(S, i, 'PROFILE_VIOLATION', 'a CA certificate must carry a subjectKeyIdentifier', 'X509_V_ERR_MISSING_SUBJECT_KEY_IDENTIFIER');
  const aki = c.authorityKeyId;
  if (role !== 'anchor') {
    if (!aki?.keyId) return fail(S, i, 'PROFILE_VIOLATION', 'the certificate must carry an authorityKeyIdentifier with a key identifier', 'X509_V_ERR_MISSING_AUTHORITY_KEY_IDENTIFIER');
  } else if (aki && profile) {
    if (!aki.keyId) return fail(S, i, 'PROFILE_VIOLATION', 'a root\'s authorityKeyIdentifier must hold a key identifier');
    if (aki.hasIssuer || aki.hasSerial) return fail(S, i, 'PROFILE_VIOLATION', 'a root\'s authorityKeyIdentifier must not name an issuer or serial');
    if (c.selfIssued && c.subjectKeyId && !equalBytes(aki.keyId, c.subjectKeyId)) {
      return fail(S, i, 'PROFILE_VIOLATION', 'a self-issued root\'s authority and subject key identifiers differ');
    }
  }
  if (profileName === 'rfc5280') {
    if (ext(EXT.nameConstraints) && !ext(EXT.nameConstraints)!.critical) return fail(S, i, 'PROFILE_VIOLATION', 'nameConstraints must be critical (RFC 5280 4.2.1.10)');
    if (role === 'anchor' && !c.selfIssued && !aki) return fail(S, i, 'PROFILE_VIOLATION', 'a trust anchor that is not self-issued must carry an authorityKeyIdentifier (RFC 5280 4.2.1.1)', 'X509_V_ERR_MISSING_AUTHORITY_KEY_IDENTIFIER');
  }
  const san = ext(EXT.subjectAltName);
  if (san && c.subject.rdns.length === 0 && !san.critical) {
    return fail(S, i, 'PROFILE_VIOLATION', 'with an empty subject, subjectAltName must be critical', 'X509_V_ERR_EMPTY_SUBJECT_SAN_NOT_CRITICAL');
  }
  if (role === 'leaf' && san?.critical && c.subject.rdns.length > 0) {
    return fail(S, i, 'PROFILE_VIOLATION', 'subjectAltName must not be critical when the subject is not empty');
  }
  return pass(S, i, `version 3, serial ${serialHex(c.serial)}, ${c.extensions.length} extensions well-formed`);
}

/** Hex pairs joined by ':' (every handshake's structure step shows the serial: a loop, not a regular expression). */
export function serialHex(v: Uint8Array): string {
  const hex = toHex(v);
  let out = hex.slice(0, 2);
  for (let i = 2; i < hex.length; i += 2) out += `:${hex.slice(i, i + 2)}`;
  return out;
}
