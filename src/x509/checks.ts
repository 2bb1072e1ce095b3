// The checks run on one complete path (leaf first, anchor last). Each check yields a step:
// passed, failed (with a project code) or not applicable. The first failure decides the verdict.
import { checkPublicKey, classifySignatureAlgorithm } from './algorithms.ts';
import { checkRevocation, type DecodedCrl } from './crl.ts';
import type { DecodedCertificate, Span } from './certificate.ts';
import { extensionName } from './certificate.ts';
import ipaddr from 'ipaddr.js';
import { attributes, OID_CN } from './names.ts';
import { decodeAnySequence, decodeInfoAccess, EKU, EXT, generalNameText, type GeneralName, type KeyUsageName } from './extensions.ts';
import type { ErrorCode } from './errors.ts';
import { matchServerName, type ReferenceIdentity } from './hostname.ts';
import { checkNameConstraints, validateConstraints } from './nameConstraints.ts';
import { countIntermediates, type PathNode, type SignatureCache } from './pathBuilder.ts';

export interface Step {
  check: string;
  /** Position in the path (0 = leaf), or -1 for the path as a whole. */
  certificate: number;
  ok: boolean | null;
  detail: string;
  code?: ErrorCode;
  /** A closer OpenSSL name for this particular failure. */
  openssl?: string;
  /** The bytes of that certificate the check looked at: [start, end) in its DER. */
  span?: Span;
}

const EXTENSION_OF_CHECK: Record<string, string> = {
  basicConstraints: EXT.basicConstraints,
  pathLength: EXT.basicConstraints,
  keyUsage: EXT.keyUsage,
  extendedKeyUsage: EXT.extKeyUsage,
  nameConstraints: EXT.nameConstraints,
  hostname: EXT.subjectAltName,
};

/** Which part of the certificate a check reads. */
function spanFor(check: string, c: DecodedCertificate): Span | undefined {
  const oid = EXTENSION_OF_CHECK[check];
  if (oid) {
    const e = c.extensions.find((x) => x.oid === oid);
    return e ? { start: e.offset, end: e.end } : undefined;
  }
  switch (check) {
    case 'structure':
      return c.spans.tbs;
    case 'publicKey':
      return c.spans.spki;
    case 'signature':
      return c.spans.signatureValue;
    case 'validity':
      return c.spans.validity;
    case 'criticalExtensions':
      return c.spans.extensions;
    case 'commonName':
      return c.spans.subject;
  }
  return undefined;
}

export interface CheckContext {
  time: Date;
  name?: ReferenceIdentity;
  purpose: 'server' | 'client' | 'any';
  maxDepth: number;
  requiredKeyUsage: KeyUsageName[];
  sigs: SignatureCache;
  /**
   * Apply the RFC 5280 / CA/B profile rules (SKI present, AKI form, critical basicConstraints)
   * to the trust anchor too. Off for a vetted platform store, whose older roots predate them.
   */
  strictAnchors: boolean;
  /** CRLs supplied by the caller; empty = revocation is not checked. */
  crls: DecodedCrl[];
  /** Name-constraint comparisons left for the whole validation (shared by every path tried). */
  nameConstraintBudget: { left: number };
}

/** Extensions whose meaning we process (or may safely ignore) when marked critical. */
const UNDERSTOOD = new Set<string>([
  EXT.basicConstraints,
  EXT.keyUsage,
  EXT.extKeyUsage,
  EXT.subjectAltName,
  EXT.nameConstraints,
  EXT.authorityKeyIdentifier,
  EXT.subjectKeyIdentifier,
  EXT.certificatePolicies,
  EXT.policyConstraints,
  EXT.policyMappings,
  EXT.inhibitAnyPolicy,
]);

const PURPOSE_OID = { server: EKU.serverAuth, client: EKU.clientAuth } as const;

function pass(check: string, certificate: number, detail: string): Step {
  return { check, certificate, ok: true, detail };
}
function fail(check: string, certificate: number, code: ErrorCode, detail: string, openssl?: string): Step {
  return { check, certificate, ok: false, detail, code, ...(openssl ? { openssl } : {}) };
}
function na(check: string, certificate: number, detail: string): Step {
  return { check, certificate, ok: null, detail };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function fmt(d: Date): string {
  return d.toISOString().replace('.000Z', 'Z');
}

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
function structureStep(c: DecodedCertificate, i: number, role: 'leaf' | 'intermediate' | 'anchor', isCa: boolean, strictAnchor: boolean): Step {
  const S = 'structure';
  const profile = role !== 'anchor' || strictAnchor;
  if (c.version !== 3) return fail(S, i, 'PROFILE_VIOLATION', `the certificate is version ${c.version}; version 3 is required`, 'X509_V_ERR_EXTENSIONS_REQUIRE_VERSION_3');
  // A trust anchor is trusted as configured: some long-lived roots predate the serial rules.
  const serial = role === 'anchor' ? undefined : serialProblem(c.serial);
  if (serial) return fail(S, i, 'PROFILE_VIOLATION', serial);
  if (!sameBytes(c.signatureAlgorithm, c.tbsSignatureAlgorithm)) {
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
    if (c.selfIssued && c.subjectKeyId && !sameBytes(aki.keyId, c.subjectKeyId)) {
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

export async function checkPath(path: PathNode[], ctx: CheckContext): Promise<Step[]> {
  const steps: Step[] = [];
  const n = path.length - 1;
  const t = Math.floor(ctx.time.getTime() / 1000) * 1000; // certificate times have whole seconds
  const intermediates = countIntermediates(path);
  steps.push(
    intermediates > ctx.maxDepth
      ? fail('depth', -1, 'CHAIN_TOO_LONG', `${intermediates} intermediates, at most ${ctx.maxDepth} allowed`)
      : pass('depth', -1, `${path.length} certificates, ${intermediates} counted intermediates (limit ${ctx.maxDepth}, self-issued ones not counted)`),
  );
  for (let i = 0; i <= n; i++) {
    const { cert: c, anchor } = path[i];
    const role = i === 0 && !anchor ? 'leaf' : anchor ? 'anchor' : 'intermediate';
    const isCa = i > 0;
    steps.push(structureStep(c, i, role, isCa, ctx.strictAnchors));

    const key = checkPublicKey(c);
    steps.push(key.ok ? pass('publicKey', i, key.detail) : fail('publicKey', i, 'WEAK_ALGORITHM', key.reason, i === 0 ? 'X509_V_ERR_EE_KEY_TOO_SMALL' : 'X509_V_ERR_CA_KEY_TOO_SMALL'));

    if (anchor) {
      steps.push(na('signature', i, 'a trust anchor is trusted as configured; its own signature is not checked'));
    } else {
      const issuer = path[i + 1].cert;
      const alg = classifySignatureAlgorithm(c.signatureAlgorithm);
      if (!alg.ok) {
        steps.push(fail('signature', i, alg.weak ? 'WEAK_ALGORITHM' : 'BAD_SIGNATURE', `${alg.name}: ${alg.reason}`, alg.weak ? 'X509_V_ERR_CA_MD_TOO_WEAK' : 'X509_V_ERR_UNSUPPORTED_SIGNATURE_ALGORITHM'));
      } else {
        const verdict = await ctx.sigs.link(c, issuer);
        steps.push(
          verdict === 'valid'
            ? pass('signature', i, `${alg.name} signature verified with the key of "${issuer.subject.text}"`)
            : fail('signature', i, 'BAD_SIGNATURE', `the ${alg.name} signature does not verify with the key of "${issuer.subject.text}"`),
        );
      }
    }

    if (t < c.notBefore.getTime()) steps.push(fail('validity', i, 'NOT_YET_VALID', `valid from ${fmt(c.notBefore)}, checked at ${fmt(ctx.time)}`));
    else if (t > c.notAfter.getTime()) steps.push(fail('validity', i, 'EXPIRED', `expired at ${fmt(c.notAfter)}, checked at ${fmt(ctx.time)}`));
    else steps.push(pass('validity', i, `valid ${fmt(c.notBefore)} to ${fmt(c.notAfter)}`));

    const unknown = c.extensions.find((e) => e.critical && !UNDERSTOOD.has(e.oid));
    steps.push(unknown ? fail('criticalExtensions', i, 'UNKNOWN_CRITICAL_EXTENSION', `the critical extension ${unknown.oid} is not understood`) : pass('criticalExtensions', i, 'every critical extension is understood'));

    const bc = c.basicConstraints;
    const bcExt = c.extensions.find((e) => e.oid === EXT.basicConstraints);
    if (isCa) {
      if (!bc || !bc.ca) steps.push(fail('basicConstraints', i, 'NOT_A_CA', bc ? 'basicConstraints says cA=FALSE' : 'no basicConstraints extension; a CA needs cA=TRUE'));
      else if (!bcExt?.critical && (!anchor || ctx.strictAnchors)) steps.push(fail('basicConstraints', i, 'PROFILE_VIOLATION', 'a CA\'s basicConstraints must be critical', 'X509_V_ERR_CA_BCONS_NOT_CRITICAL'));
      else steps.push(pass('basicConstraints', i, `cA=TRUE${bc.pathLen !== undefined ? `, pathLenConstraint=${bc.pathLen}` : ''}`));
      if (bc?.pathLen !== undefined) {
        const below = countIntermediates(path.slice(0, i).concat([{ cert: c, anchor: true }]));
        steps.push(
          below > bc.pathLen
            ? fail('pathLength', i, 'PATH_LENGTH_EXCEEDED', `${below} CA certificates below it, pathLenConstraint allows ${bc.pathLen}`)
            : pass('pathLength', i, `${below} CA certificates below it, pathLenConstraint=${bc.pathLen}`),
        );
      }
    } else if (bc?.ca && !anchor) {
      // (A leaf that is itself a trust anchor was trusted as it is, CA or not.)
      steps.push(fail('basicConstraints', i, 'PROFILE_VIOLATION', 'a CA certificate (cA=TRUE) cannot be used as the end-entity certificate', 'X509_V_ERR_INVALID_PURPOSE'));
    } else if (bc?.pathLen !== undefined) {
      steps.push(fail('basicConstraints', i, 'PROFILE_VIOLATION', 'pathLenConstraint on a certificate that is not a CA', 'X509_V_ERR_PATHLEN_INVALID_FOR_NON_CA'));
    } else {
      steps.push(pass('basicConstraints', i, bc ? (bc.ca ? 'cA=TRUE, accepted because this exact certificate is a trust anchor' : 'cA=FALSE') : 'no basicConstraints: an end-entity certificate'));
    }

    const ku = c.keyUsage;
    if (isCa) {
      if (ku && !ku.has('keyCertSign')) steps.push(fail('keyUsage', i, 'KEY_USAGE', `keyUsage (${[...ku].join(', ')}) lacks keyCertSign`, 'X509_V_ERR_KEYUSAGE_NO_CERTSIGN'));
      else steps.push(pass('keyUsage', i, ku ? `keyUsage includes keyCertSign` : 'no keyUsage extension'));
    } else if (ku?.has('keyCertSign') && !anchor) {
      steps.push(fail('keyUsage', i, 'KEY_USAGE', 'keyCertSign on a certificate that is not a CA', 'X509_V_ERR_KU_KEY_CERT_SIGN_INVALID_FOR_NON_CA'));
    } else {
      const missing = ku ? ctx.requiredKeyUsage.filter((u) => !ku.has(u)) : [];
      steps.push(
        missing.length
          ? fail('keyUsage', i, 'KEY_USAGE', `keyUsage lacks ${missing.join(', ')}`, 'X509_V_ERR_INVALID_PURPOSE')
          : pass('keyUsage', i, ku ? `keyUsage: ${[...ku].join(', ')}` : 'no keyUsage extension'),
      );
    }

    steps.push(ekuStep(c, i, role, ctx));

    if (!anchor && ctx.crls.length > 0) {
      const v = await checkRevocation(c, path[i + 1].cert, ctx.crls, ctx.time);
      if (v.status === 'revoked') steps.push(fail('revocation', i, 'REVOKED', v.detail));
      else if (v.status === 'invalid-crl') steps.push(fail('revocation', i, 'CRL_INVALID', v.detail, v.openssl));
      else if (v.status === 'good') steps.push(pass('revocation', i, v.detail));
      else steps.push(na('revocation', i, v.detail));
    }

    const nc = c.nameConstraints;
    if (nc) {
      if (!isCa) {
        steps.push(fail('nameConstraints', i, 'PROFILE_VIOLATION', 'nameConstraints on a certificate that is not a CA'));
      } else {
        const valid = validateConstraints(nc);
        if (!valid.ok) steps.push(fail('nameConstraints', i, 'MALFORMED', valid.reason, 'X509_V_ERR_UNSUPPORTED_NAME_SYNTAX'));
        else {
          let bad: Step | undefined;
          for (let k = 0; k < i && !bad; k++) {
            if (k > 0 && path[k].cert.selfIssued) continue; // RFC 5280 6.1.3 (b): self-issued CAs are exempt
            const v = checkNameConstraints(path[k].cert, nc, ctx.nameConstraintBudget);
            if (!v.ok) bad = fail('nameConstraints', i, 'NAME_CONSTRAINTS', `${v.reason} (a name of certificate ${k}, constrained by this CA)`, v.reason.includes('excluded') ? 'X509_V_ERR_EXCLUDED_VIOLATION' : 'X509_V_ERR_PERMITTED_VIOLATION');
          }
          steps.push(bad ?? pass('nameConstraints', i, `the names of the ${i} certificate(s) below are inside its constraints`));
        }
      }
    }
  }
  steps.push(...leafIdentitySteps(path[0].cert, ctx));
  for (const st of steps) {
    if (st.certificate < 0 || st.span) continue;
    const sp = spanFor(st.check, path[st.certificate].cert);
    if (sp) st.span = sp;
  }
  return steps;
}

function ekuStep(c: DecodedCertificate, i: number, role: 'leaf' | 'intermediate' | 'anchor', ctx: CheckContext): Step {
  const S = 'extendedKeyUsage';
  const eku = c.extKeyUsage;
  const ext = c.extensions.find((e) => e.oid === EXT.extKeyUsage);
  if (!eku) return na(S, i, 'no extendedKeyUsage extension: no restriction');
  if (role === 'anchor' && i > 0) return fail(S, i, 'PROFILE_VIOLATION', 'a root certificate must not carry extendedKeyUsage (CA/B Forum 7.1.2.1)');
  if (ctx.purpose === 'any') return pass(S, i, `extendedKeyUsage: ${eku.join(', ')}`);
  const want = PURPOSE_OID[ctx.purpose];
  if (role === 'leaf') {
    if (ext?.critical) return fail(S, i, 'PROFILE_VIOLATION', 'a subscriber certificate\'s extendedKeyUsage must not be critical');
    if (eku.includes(EKU.any)) return fail(S, i, 'EXTENDED_KEY_USAGE', 'anyExtendedKeyUsage is not allowed in a subscriber certificate');
    return eku.includes(want) ? pass(S, i, `includes ${ctx.purpose}Auth`) : fail(S, i, 'EXTENDED_KEY_USAGE', `extendedKeyUsage (${eku.join(', ')}) lacks ${ctx.purpose}Auth`);
  }
  return eku.includes(want) || eku.includes(EKU.any)
    ? pass(S, i, `the CA may issue for ${ctx.purpose}Auth`)
    : fail(S, i, 'EXTENDED_KEY_USAGE', `the CA's extendedKeyUsage (${eku.join(', ')}) lacks ${ctx.purpose}Auth`);
}

/**
 * CA/B BR 7.1.4.3: a CN repeats a SAN entry in its canonical form. We reject CNs that are
 * mangled forms of an address or name (non-canonical IP text, U-labels, a SAN entry with other
 * letter case). A CN that simply names something else is tolerated: the BetterTLS suite expects
 * it to be ignored, and the CN is never used for matching anyway.
 */
function commonNameProblem(cn: string, sans: GeneralName[]): string | undefined {
  if (/[^\x20-\x7e]/.test(cn)) return `the subject CN "${cn}" is not ASCII; domain names must use A-labels`;
  if (ipaddr.isValid(cn)) {
    const addr = ipaddr.parse(cn);
    const canonical = addr.kind() === 'ipv6' ? (addr as ipaddr.IPv6).toRFC5952String() : addr.toString();
    if (canonical !== cn) return `the subject CN "${cn}" is an IP address not written in its canonical form (${canonical})`;
  }
  const lower = cn.toLowerCase();
  const twin = sans.find((s) => s.type === 'dns' && s.value.toLowerCase() === lower && s.value !== cn);
  if (twin) return `the subject CN "${cn}" differs from the subjectAltName entry "${(twin as { value: string }).value}" in letter case`;
  return undefined;
}

function leafIdentitySteps(leaf: DecodedCertificate, ctx: CheckContext): Step[] {
  const steps: Step[] = [];
  const sans = leaf.subjectAltNames ?? [];
  if (ctx.purpose === 'server') {
    const odd = attributes(leaf.subject, OID_CN)
      .map((cn) => commonNameProblem(cn.text, sans))
      .find((p) => p);
    if (odd) steps.push(fail('commonName', 0, 'PROFILE_VIOLATION', odd));
    else if (attributes(leaf.subject, OID_CN).length) steps.push(pass('commonName', 0, 'the subject CN is in a valid form (it is never used for matching)'));
  }
  if (ctx.purpose !== 'server') {
    steps.push(na('hostname', 0, 'client certificates are not matched against a name'));
    return steps;
  }
  if (!ctx.name) {
    steps.push(na('hostname', 0, 'no name to check was given'));
    return steps;
  }
  if (sans.length === 0) {
    steps.push(fail('hostname', 0, 'HOSTNAME_MISMATCH', 'the certificate has no subjectAltName; the subject CN is never used'));
    return steps;
  }
  const hit = matchServerName(sans, ctx.name);
  const want = ctx.name.kind === 'dns' ? ctx.name.value : ctx.name.text;
  steps.push(
    hit
      ? pass('hostname', 0, `${want} matches ${generalNameText(hit)}`)
      : fail('hostname', 0, 'HOSTNAME_MISMATCH', `${want} matches none of ${sans.map(generalNameText).join(', ')}`),
  );
  return steps;
}


