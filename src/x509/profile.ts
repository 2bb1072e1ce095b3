// Rules on one certificate's own encoding: RFC 5280 with the CA/B Forum profile.
import { equalBytes } from '../util/bytes.ts';
import type { DecodedCertificate } from './certificate.ts';
import { extensionName } from './certificate.ts';
import { decodeAnySequence, decodeInfoAccess, EXT } from './extensions.ts';
import { fail, pass, type Role, type Step } from './step.ts';


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
export function structureStep(c: DecodedCertificate, i: number, role: Role, isCa: boolean, strictAnchor: boolean): Step {
  const S = 'structure';
  const profile = role !== 'anchor' || strictAnchor;
  if (c.version !== 3) return fail(S, i, 'PROFILE_VIOLATION', `the certificate is version ${c.version}; version 3 is required`, 'X509_V_ERR_EXTENSIONS_REQUIRE_VERSION_3');
  // A trust anchor is trusted as configured: some long-lived roots predate the serial rules.
  const serial = role === 'anchor' ? undefined : serialProblem(c.serial);
  if (serial) return fail(S, i, 'PROFILE_VIOLATION', serial);
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
  const san = ext(EXT.subjectAltName);
  if (san && c.subject.rdns.length === 0 && !san.critical) {
    return fail(S, i, 'PROFILE_VIOLATION', 'with an empty subject, subjectAltName must be critical', 'X509_V_ERR_EMPTY_SUBJECT_SAN_NOT_CRITICAL');
  }
  if (role === 'leaf' && san?.critical && c.subject.rdns.length > 0) {
    return fail(S, i, 'PROFILE_VIOLATION', 'subjectAltName must not be critical when the subject is not empty');
  }
  return pass(S, i, `version 3, serial ${serialHex(c.serial)}, ${c.extensions.length} extensions well-formed`);
}

function serialHex(v: Uint8Array): string {
  return Array.from(v, (b) => b.toString(16).padStart(2, '0')).join(':');
}
