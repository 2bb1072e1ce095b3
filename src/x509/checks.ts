// The checks run on one complete path (leaf first, anchor last). Each check yields a step:
// passed, failed (with a project code) or not applicable. The first failure decides the verdict.
import { DSA_NOT_WEB_PKI, checkPublicKey, classifySignatureAlgorithm, dsaSignatureRangeProblem, signatureEncodingProblem } from './algorithms.ts';
import type { DecodedCertificate } from './certificate.ts';
import { checkRevocation, type DecodedCrl } from './crl.ts';
import { EKU, ekuName, ekuNames, EXT, type KeyUsageName } from './extensions.ts';
import type { ReferenceIdentity } from './hostname.ts';
import { leafIdentitySteps } from './identity.ts';
import { checkNameConstraints, validateConstraints } from './nameConstraints.ts';
import { countIntermediates, type PathNode, type SignatureCache } from './pathBuilder.ts';
import { describePathCertificate } from './path-words.ts';
import { structureStep, type ProfileName } from './profile.ts';
import { processPolicies, type PolicyInputs } from './policy.ts';
import { fail, na, pass, spanFor, type Role, type Step } from './step.ts';
import { workingKeys } from './working-key.ts';

export type { Step } from './step.ts';

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
  /** Strict CA/B profile: the leaf's CN must be one of its SAN entries (BR 7.1.4.3). */
  commonNameInSan: boolean;
  /** The relying party's policy inputs (RFC 5280 6.1.1 c, e-g); none = any policy, none required. */
  policy?: PolicyInputs;
  /** Which rules decide (see ProfileName); 'browser' unless asked. */
  profile: ProfileName;
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

/**
 * Key usages consistent with each TLS purpose (RFC 5280 4.2.1.12, as OpenSSL's sslserver / sslclient purposes
 * check them): a leaf whose keyUsage has none of them cannot sign, decrypt or agree on a TLS key exchange.
 */
const TLS_KEY_USAGES: Record<'server' | 'client', KeyUsageName[]> = {
  server: ['digitalSignature', 'keyEncipherment', 'keyAgreement'],
  client: ['digitalSignature', 'keyAgreement'],
};

const twoDigits = (n: number) => (n < 10 ? `0${n}` : String(n));

/** ISO 8601 in UTC, without ".000" for whole seconds: written out by hand, as toISOString's first call is slow. */
export function fmt(d: Date): string {
  const y = d.getUTCFullYear();
  if (!(y >= 1000 && y <= 9999)) return d.toISOString().replace('.000Z', 'Z'); // (also throws for an invalid date, as before)
  const ms = d.getUTCMilliseconds();
  const fraction = ms === 0 ? '' : `.${String(ms).padStart(3, '0')}`;
  return `${y}-${twoDigits(d.getUTCMonth() + 1)}-${twoDigits(d.getUTCDate())}T${twoDigits(d.getUTCHours())}:${twoDigits(d.getUTCMinutes())}:${twoDigits(d.getUTCSeconds())}${fraction}Z`;
}

export async function checkPath(path: PathNode[], ctx: CheckContext): Promise<Step[]> {
  const steps: Step[] = [];
  const n = path.length - 1;
  const t = Math.floor(ctx.time.getTime() / 1000) * 1000; // certificate times have whole seconds
  const intermediates = countIntermediates(path);
  // Each key as the path gives it: a DSA key's parameters may be its issuers' (RFC 5280 §6.1.4 (d)-(f)).
  const keys = workingKeys(path);
  steps.push(
    intermediates > ctx.maxDepth
      ? fail('depth', -1, 'CHAIN_TOO_LONG', `${intermediates} intermediates, at most ${ctx.maxDepth} allowed`)
      : pass('depth', -1, `${path.length} certificates, ${intermediates} counted intermediates (limit ${ctx.maxDepth}, self-issued ones not counted)`),
  );
  for (let i = 0; i <= n; i++) {
    const { cert: c, anchor } = path[i];
    const role: Role = i === 0 && !anchor ? 'leaf' : anchor ? 'anchor' : 'intermediate';
    const isCa = i > 0;
    steps.push(structureStep(c, i, role, isCa, ctx.strictAnchors, ctx.profile));

    const key = checkPublicKey(c, ctx.profile, keys[i]);
    steps.push(key.ok ? pass('publicKey', i, key.detail) : fail('publicKey', i, 'WEAK_ALGORITHM', key.reason, i === 0 ? 'X509_V_ERR_EE_KEY_TOO_SMALL' : 'X509_V_ERR_CA_KEY_TOO_SMALL'));

    if (anchor) {
      steps.push(na('signature', i, 'a trust anchor is trusted as configured; its own signature is not checked'));
    } else {
      const issuer = path[i + 1].cert;
      const alg = classifySignatureAlgorithm(c.signatureAlgorithm);
      if (!alg.ok) {
        // Refused before any signature is checked: the algorithm or its parameters, not the signature, are the reason
        // (an RSA-PSS signature with another salt length verifies; saying it does not would mislead).
        const code = alg.name === 'malformed' ? 'MALFORMED' : 'WEAK_ALGORITHM';
        steps.push(fail('signature', i, code, `${alg.name}: ${alg.reason}`, alg.weak ? 'X509_V_ERR_CA_MD_TOO_WEAK' : 'X509_V_ERR_UNSUPPORTED_SIGNATURE_ALGORITHM'));
      } else if (alg.algorithm.kind === 'dsa' && ctx.profile !== 'rfc5280') {
        // The web-PKI profiles refuse DSA by rule, before any check: saying it does not verify would mislead.
        steps.push(fail('signature', i, 'WEAK_ALGORITHM', `${alg.name}: ${DSA_NOT_WEB_PKI}`, 'X509_V_ERR_UNSUPPORTED_SIGNATURE_ALGORITHM'));
      } else {
        const encoding = signatureEncodingProblem(alg.algorithm, c.signature);
        const issuerKey = keys[i + 1];
        const verdict = encoding ? undefined : await ctx.sigs.link(c, issuer, issuerKey);
        // A DSA signature that did not verify: say so in words when r or s is out of range, or the issuer's key cannot check it.
        const dsaWhy = verdict !== 'valid' && !encoding && alg.algorithm.kind === 'dsa' ? dsaSignatureRangeProblem(issuerKey, c.signature) : undefined;
        const inherited = issuerKey.parametersFrom ? ` (its p, q and g inherited from "${issuerKey.parametersFrom.subject.text}")` : '';
        steps.push(
          encoding
            ? fail('signature', i, 'BAD_SIGNATURE', `the ${alg.name} signature value is not DER: ${encoding}`, 'X509_V_ERR_CERT_SIGNATURE_FAILURE')
            : verdict === 'valid'
              ? pass('signature', i, `${alg.name} signature verified with the key of "${issuer.subject.text}"${inherited}`)
              : verdict === 'unchecked' && alg.algorithm.kind === 'dsa' && issuerKey.problem
                ? fail('signature', i, 'BAD_SIGNATURE', `the ${alg.name} signature cannot be checked with the key of "${issuer.subject.text}": ${issuerKey.problem}`, 'X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY')
                : fail('signature', i, 'BAD_SIGNATURE', `the ${alg.name} signature does not verify with the key of "${issuer.subject.text}"${inherited}${dsaWhy ? `: ${dsaWhy}` : ''}`),
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
    } else if (bc?.ca && !anchor && ctx.profile === 'rfc5280') {
      steps.push(pass('basicConstraints', i, `cA=TRUE in the leaf position: allowed by RFC 5280 (plain RFC 5280 profile)${bc.pathLen !== undefined ? '; its pathLenConstraint does not apply to itself' : ''}`));
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
    } else if (ku?.has('keyCertSign') && !anchor && !(bc?.ca && ctx.profile === 'rfc5280')) {
      steps.push(fail('keyUsage', i, 'KEY_USAGE', 'keyCertSign on a certificate that is not a CA', 'X509_V_ERR_KU_KEY_CERT_SIGN_INVALID_FOR_NON_CA'));
    } else {
      const missing = ku ? ctx.requiredKeyUsage.filter((u) => !ku.has(u)) : [];
      // (Plain RFC 5280 lets a CA certificate be the leaf with a CA's key usages: that profile is left as it was.)
      const caLeaf = bc?.ca && ctx.profile === 'rfc5280';
      const usable = role === 'leaf' && ku && !caLeaf && ctx.purpose !== 'any' ? TLS_KEY_USAGES[ctx.purpose] : undefined;
      if (missing.length) steps.push(fail('keyUsage', i, 'KEY_USAGE', `keyUsage lacks ${missing.join(', ')}`, 'X509_V_ERR_INVALID_PURPOSE'));
      else if (ku && usable && !usable.some((u) => ku.has(u))) {
        steps.push(fail('keyUsage', i, 'KEY_USAGE', `keyUsage (${[...ku].join(', ')}) allows none of ${usable.join(', ')}, one of which a TLS ${ctx.purpose} key needs (RFC 5280 4.2.1.12)`, 'X509_V_ERR_INVALID_PURPOSE'));
      } else steps.push(pass('keyUsage', i, ku ? `keyUsage: ${[...ku].join(', ')}` : 'no keyUsage extension'));
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
            if (!v.ok) bad = fail('nameConstraints', i, 'NAME_CONSTRAINTS', `${v.reason} (a name of ${describePathCertificate(k, path.map((p) => ({ subject: p.cert.subject.text, anchor: p.anchor })))}, constrained by this CA)`, v.reason.includes('excluded') ? 'X509_V_ERR_EXCLUDED_VIOLATION' : 'X509_V_ERR_PERMITTED_VIOLATION');
          }
          steps.push(bad ?? pass('nameConstraints', i, `the names of the ${i} certificate(s) below are inside its constraints`));
        }
      }
    }
  }
  steps.push(policyStep(path, ctx));
  steps.push(...leafIdentitySteps(path[0].cert, ctx));
  for (const st of steps) {
    if (st.certificate < 0 || st.span) continue;
    const sp = spanFor(st.check, path[st.certificate].cert);
    if (sp) st.span = sp;
  }
  return steps;
}

function ekuStep(c: DecodedCertificate, i: number, role: Role, ctx: CheckContext): Step {
  const S = 'extendedKeyUsage';
  const eku = c.extKeyUsage;
  const ext = c.extensions.find((e) => e.oid === EXT.extKeyUsage);
  if (!eku) {
    if (ctx.profile === 'cabf' && role === 'leaf' && ctx.purpose !== 'any') return fail(S, i, 'EXTENDED_KEY_USAGE', 'a subscriber certificate must carry extendedKeyUsage (CA/B Forum 7.1.2.7.6)', 'X509_V_ERR_INVALID_PURPOSE');
    return na(S, i, 'no extendedKeyUsage extension: no restriction');
  }
  if (role === 'anchor' && i > 0) return fail(S, i, 'PROFILE_VIOLATION', 'a root certificate must not carry extendedKeyUsage (CA/B Forum 7.1.2.1)');
  if (ctx.purpose === 'any') return pass(S, i, `extendedKeyUsage: ${ekuNames(eku)}`);
  const want = PURPOSE_OID[ctx.purpose];
  const wanted = ekuName(want);
  // Whose certificate it is: the peer being checked, named as the verdict names it.
  const peer = ctx.purpose === 'client' ? "a TLS client's certificate" : "a TLS server's certificate";
  if (role === 'leaf') {
    if (ext?.critical) return fail(S, i, 'PROFILE_VIOLATION', 'a subscriber certificate\'s extendedKeyUsage must not be critical');
    if (eku.includes(EKU.any)) return fail(S, i, 'EXTENDED_KEY_USAGE', 'anyExtendedKeyUsage is not allowed in a subscriber certificate');
    return eku.includes(want)
      ? pass(S, i, `includes ${wanted}`)
      : fail(S, i, 'EXTENDED_KEY_USAGE', `extendedKeyUsage (${ekuNames(eku)}) lacks ${wanted} (${want}), which ${peer} needs`);
  }
  if (ctx.profile === 'cabf' && eku.includes(EKU.any)) return fail(S, i, 'EXTENDED_KEY_USAGE', 'anyExtendedKeyUsage is not allowed in a TLS CA certificate (CA/B Forum 7.1.2.10.6)');
  return eku.includes(want) || eku.includes(EKU.any)
    ? pass(S, i, `the CA may issue for ${wanted}`)
    : fail(S, i, 'EXTENDED_KEY_USAGE', `the CA's extendedKeyUsage (${ekuNames(eku)}) lacks ${wanted} (${want}), so it may not issue ${peer}`);
}


/** RFC 5280 §6.1 policy processing over the whole path, as one step. */
function policyStep(path: PathNode[], ctx: CheckContext): Step {
  const S = 'policies';
  const r = processPolicies(path, ctx.policy);
  if (!r.ok) return fail(S, r.certificate, 'POLICY', r.detail, r.detail.includes('policyMappings') ? 'X509_V_ERR_INVALID_POLICY_EXTENSION' : undefined);
  if (r.policies.length === 0 && !r.explicit) return na(S, -1, r.detail);
  return pass(S, -1, r.detail);
}
