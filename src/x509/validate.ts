// validateChain: the one entry point shared by the TLS verifier, the CLI and the conformance harness.
// It decodes, builds a path, runs every check on it, and reports each check as a step.
import { sha256 } from '@noble/hashes/sha2.js';
import { toHex } from '../util/bytes.ts';
import { defineLazy } from '../trace/lazy-hex.ts';
import { decodeCertificate, MalformedCertificateError, type DecodedCertificate } from './certificate.ts';
import { checkPath, type Step } from './checks.ts';
import { decodeCrl, type DecodedCrl } from './crl.ts';
import { NAME_CONSTRAINT_WORK_LIMIT } from './nameConstraints.ts';
import { failure, type CertificateFailure, type CheckPurpose, type ErrorCode } from './errors.ts';
import type { KeyUsageName } from './extensions.ts';
import { loadPublicSuffixList, parseReferenceIdentity, type ReferenceIdentity } from './hostname.ts';
import { describePathCertificate, ordinal, type PathMember } from './path-words.ts';
import { buildPaths, LINK_LOG_LIMIT, SignatureCache, type LinkLogEntry, type PathNode } from './pathBuilder.ts';
import type { ProfileName } from './profile.ts';
import type { PolicyInputs } from './policy.ts';
import { recordSearch, type PathSearch } from './search.ts';
import { TrustStore } from './trustStore.ts';

export type { Step } from './checks.ts';

/** Default OpenSSL-style verify depth: intermediates allowed between the leaf and the anchor. */
export const DEFAULT_MAX_DEPTH = 8;
/** Links examined before path building gives up. */
export const DEFAULT_MAX_WORK = 1024;

export interface ValidateOptions {
  /** The end-entity certificate, DER. */
  leaf: Uint8Array;
  /** Other certificates offered (any order, may hold decoys), DER. */
  intermediates?: Uint8Array[];
  /** Trust anchors: any certificate here is trusted, self-signed or not. */
  anchors: TrustStore | Uint8Array[];
  time: Date;
  /** DNS name or IP literal to match (server purpose); undefined skips the match. */
  name?: string | ReferenceIdentity;
  purpose?: CheckPurpose;
  /** OpenSSL verify_depth semantics: intermediates between leaf and anchor, self-issued ones not counted. */
  maxDepth?: number;
  maxWork?: number;
  requiredKeyUsage?: KeyUsageName[];
  /** DER CRLs to check revocation against (none: revocation is not checked). */
  crls?: Uint8Array[];
  /** Apply profile rules to the anchor too (default true; false for a vetted platform store). */
  strictAnchors?: boolean;
  /**
   * Strict CA/B profile for the leaf's subject CN: it must repeat one of the SAN entries (BR 7.1.4.3).
   * Default false: a CN naming something else is reported but tolerated, since it is never matched.
   */
  commonNameInSan?: boolean;
  /** Policies the relying party requires (RFC 5280 6.1.1 initial-policy-set with initial-explicit-policy); none = any. */
  requiredPolicies?: string[];
  /** RFC 5280 6.1.1 (e) initial-policy-mapping-inhibit: policy mappings in the path are not followed. */
  inhibitPolicyMapping?: boolean;
  /** RFC 5280 6.1.1 (f) initial-any-policy-inhibit: anyPolicy in a certificate does not stand for every policy. */
  inhibitAnyPolicy?: boolean;
  /** Which rules decide: 'browser' (default), 'cabf' (strict CA/B Forum, implies commonNameInSan) or 'rfc5280'. */
  profile?: ProfileName;
  /** Keep building after a path is accepted, so the search record shows every path (default false). */
  allPaths?: boolean;
  /** Called with each step of the chosen path, in order. */
  onStep?: (step: Step) => void;
}

export interface PathEntry {
  subject: string;
  issuer: string;
  sha256: string;
  der: Uint8Array;
  source: 'peer' | 'anchor';
}

export interface ValidationResult {
  ok: boolean;
  error?: CertificateFailure;
  path: PathEntry[];
  steps: Step[];
  /** Work done: links examined and signatures verified. */
  stats: { work: number; signatures: number; pathsTried: number };
  /** The path builder's whole search (absent when the leaf could not be decoded or the name was unusable). */
  search?: PathSearch;
}

/** The certificate's SHA-256 fingerprint, hex (in JS: a WebCrypto digest costs more in scheduling than in hashing). */
export async function sha256Hex(der: Uint8Array): Promise<string> {
  return fingerprintOf(der);
}

const fingerprintOf = (der: Uint8Array): string => toHex(sha256(der));

/** The path as reported; each certificate's fingerprint is hashed when first read (a handshake may never read it). */
function entries(path: PathNode[]): PathEntry[] {
  return path.map((p) => {
    const der = p.cert.der;
    const entry: PathEntry = { subject: p.cert.subject.text, issuer: p.cert.issuer.text, sha256: '', der, source: p.anchor ? 'anchor' : 'peer' };
    return defineLazy(entry, 'sha256', () => fingerprintOf(der));
  });
}

/** The certificates of a path as `path-words.ts` names them. */
const members = (path: PathNode[]): PathMember[] => path.map((p) => ({ subject: p.cert.subject.text, anchor: p.anchor }));

/** The verdict: the first failed step, saying which certificate of the path it is about (role and subject). */
function firstFailure(steps: Step[], path: PathNode[], purpose: CheckPurpose): CertificateFailure | undefined {
  const bad = steps.find((s) => s.ok === false);
  if (!bad?.code) return undefined;
  const where = bad.certificate >= 0 ? `${describePathCertificate(bad.certificate, members(path))}: ` : '';
  return failure(bad.code, `${where}${bad.detail}`, bad.openssl, purpose);
}

export async function validateChain(options: ValidateOptions): Promise<ValidationResult> {
  const store = options.anchors instanceof TrustStore ? options.anchors : new TrustStore(options.anchors);
  const steps: Step[] = [];
  const stats = { work: 0, signatures: 0, pathsTried: 0 };
  const report = (s: Step) => {
    steps.push(s);
    options.onStep?.(s);
  };
  let search: (() => PathSearch) | undefined;
  const done = async (path: PathNode[], error?: CertificateFailure): Promise<ValidationResult> =>
    withSearch({ ok: !error, error, path: entries(path), steps, stats }, search);
  const stop = (code: ErrorCode, check: string, certificate: number, detail: string, openssl?: string) => {
    report({ check, certificate, ok: false, detail, code, ...(openssl ? { openssl } : {}) });
    return failure(code, detail, openssl, options.purpose);
  };

  let leaf: DecodedCertificate;
  try {
    leaf = decodeCertificate(options.leaf);
  } catch (e) {
    const offset = e instanceof MalformedCertificateError ? e.offset : 0;
    // A DerError's message already ends with "(at byte N)": said once.
    const message = (e as Error).message;
    const where = / \(at byte \d+\)$/.test(message) ? '' : ` (byte ${offset})`;
    return done([], stop('MALFORMED', 'decode', 0, `the leaf certificate cannot be decoded: ${message}${where}`, 'X509_V_ERR_UNSPECIFIED'));
  }
  report({ check: 'decode', certificate: 0, ok: true, detail: `subject "${leaf.subject.text}", issued by "${leaf.issuer.text}"` });

  const pool: DecodedCertificate[] = [];
  (options.intermediates ?? []).forEach((der, k) => {
    try {
      pool.push(decodeCertificate(der));
    } catch (e) {
      report({ check: 'decode', certificate: -1, ok: null, detail: `the ${ordinal(k + 1)} certificate offered after the leaf cannot be decoded and is ignored: ${(e as Error).message}` });
    }
  });

  const crls: DecodedCrl[] = [];
  (options.crls ?? []).forEach((der, k) => {
    try {
      crls.push(decodeCrl(der));
    } catch (e) {
      report({ check: 'decode', certificate: -1, ok: null, detail: `CRL #${k + 1} cannot be decoded and is ignored: ${(e as Error).message}` });
    }
  });

  let name: ReferenceIdentity | undefined;
  if (typeof options.name === 'string') {
    name = parseReferenceIdentity(options.name);
    if (!name) return done([{ cert: leaf, anchor: false }], stop('HOSTNAME_MISMATCH', 'hostname', 0, `"${options.name}" is neither a valid host name nor an IP address`));
  } else name = options.name;

  // Only a wildcard name is checked against the Public Suffix List: load it for those alone.
  if (name?.kind === 'dns' && leaf.subjectAltNames?.some((n) => n.type === 'dns' && n.value.startsWith('*'))) await loadPublicSuffixList();

  const sigs = new SignatureCache();
  const ctx = {
    time: options.time,
    name,
    purpose: options.purpose ?? 'server',
    maxDepth: options.maxDepth ?? DEFAULT_MAX_DEPTH,
    requiredKeyUsage: options.requiredKeyUsage ?? [],
    sigs,
    strictAnchors: options.strictAnchors ?? true,
    commonNameInSan: options.commonNameInSan ?? options.profile === 'cabf',
    profile: options.profile ?? 'browser',
    policy: policyInputs(options),
    crls,
    nameConstraintBudget: { left: 4 * NAME_CONSTRAINT_WORK_LIMIT },
  };
  const tried = new Map<PathNode[], Step[]>();
  const outcome = await buildPaths(leaf, pool, store, { maxDepth: ctx.maxDepth, maxWork: options.maxWork ?? DEFAULT_MAX_WORK, allPaths: options.allPaths }, sigs, async (path) => {
    const pathSteps = await checkPath(path, ctx);
    tried.set(path, pathSteps);
    return pathSteps.every((s) => s.ok !== false);
  });
  // How the issuer of each certificate was looked for (decoys, cycles, alternatives), first links only.
  const listed = outcome.log.slice(0, LINK_LOG_LIMIT);
  // A refused path says why: its first failed check (a learner otherwise sees "path refused" and no reason).
  const refusedBecause = (link: LinkLogEntry): string => {
    if (link.outcome !== 'path refused' || link.path === undefined) return '';
    const refused = outcome.complete[link.path].path;
    const failed = tried.get(refused)?.find((s) => s.ok === false);
    return failed ? ` (${failed.check}${failed.certificate >= 0 ? `, ${describePathCertificate(failed.certificate, members(refused))}` : ''}: ${failed.detail})` : '';
  };
  for (const link of listed) {
    const followed = link.outcome === 'followed' || link.outcome === 'path accepted';
    report({
      check: 'issuerCandidate',
      certificate: -1,
      ok: followed ? true : null,
      detail: `issuer of "${link.child.subject.text}": ${link.anchor ? 'trust anchor' : 'offered'} "${link.candidate.subject.text}" — ${link.outcome}${refusedBecause(link)}`,
    });
  }
  if (outcome.work > listed.length) {
    report({ check: 'issuerCandidate', certificate: -1, ok: null, detail: `${outcome.work - listed.length} more link(s) examined, not listed` });
  }
  stats.work = outcome.work;
  stats.signatures = sigs.count;
  stats.pathsTried = tried.size;

  const chosen = outcome.accepted ?? outcome.refused[0];
  search = () => recordSearch(leaf, outcome, (p) => tried.get(p), chosen, { pool, store });
  if (chosen) {
    const alternatives = tried.size - 1;
    report({
      check: 'pathBuilding',
      certificate: -1,
      ok: true,
      detail: `built a path of ${chosen.length} certificate(s) to a trust anchor${alternatives > 0 ? `; ${alternatives} other path(s) examined` : ''}`,
    });
    const pathSteps = tried.get(chosen)!;
    for (const s of pathSteps) report(s);
    return done(chosen, firstFailure(pathSteps, chosen, ctx.purpose));
  }

  // No path reached an anchor: say why, most specific reason first.
  const partial = outcome.longestPartial;
  const top = partial[partial.length - 1].cert;
  let error: CertificateFailure;
  if (outcome.workExhausted) {
    error = stop('PATH_BUILDING_LIMIT', 'pathBuilding', -1, `examined ${outcome.work} links without reaching a trust anchor`);
  } else if (outcome.depthExceeded) {
    error = stop('CHAIN_TOO_LONG', 'pathBuilding', -1, `every path to a trust anchor has more than ${ctx.maxDepth} intermediates`);
  } else if (outcome.badSignature) {
    error = stop('BAD_SIGNATURE', 'pathBuilding', -1, `"${outcome.badSignature.issuer.subject.text}" has the right name but its key did not sign "${outcome.badSignature.child.subject.text}"`);
  } else if (top.selfIssued && (await sigs.link(top, top)) === 'valid') {
    error =
      partial.length === 1
        ? stop('SELF_SIGNED_LEAF', 'pathBuilding', 0, `"${top.subject.text}" is self-signed and is not a trust anchor`)
        : stop('UNTRUSTED_ROOT', 'pathBuilding', partial.length - 1, `the chain ends at the self-signed "${top.subject.text}", which is not a trust anchor`);
  } else {
    error = stop('UNKNOWN_ISSUER', 'pathBuilding', partial.length - 1, unknownIssuerDetail(top, outcome.log));
  }
  return done(partial, error);
}

/**
 * Why no issuer of `top` was found. Certificates with the issuer's name but another subject key identifier were set
 * aside before their signature was tried, or the only one named so is already in the path (a loop): saying that none
 * is named so would send the user looking for the wrong thing.
 */
function unknownIssuerDetail(top: DecodedCertificate, log: LinkLogEntry[]): string {
  const named = log.filter((l) => l.child === top && l.outcome === 'key identifier differs');
  const looped = log.some((l) => l.child === top && l.outcome === 'in path already');
  if (named.length === 0 && looped) {
    // Certificates that issue each other (a cross-signature loop) with no trust anchor above them.
    return `the chain loops: "${top.subject.text}" is issued by "${top.issuer.text}", which is already in the path, and no trust anchor issues any of them`;
  }
  if (named.length === 0) return `no trust anchor or offered certificate is named "${top.issuer.text}"`;
  const kinds = [...new Set(named.map((l) => (l.anchor ? 'trust anchor' : 'offered certificate')))].join(' or ');
  const all = [...new Set(named.map((l) => toHex(l.candidate.subjectKeyId!)))];
  const skis = all.slice(0, 3).join(', ') + (all.length > 3 ? ` and ${all.length - 3} more` : '');
  const which = named.length === 1 ? `the ${kinds} named "${top.issuer.text}" has` : `the ${named.length} ${kinds}s named "${top.issuer.text}" have`;
  return `${which} subject key identifier${all.length > 1 ? 's' : ''} ${skis}, but "${top.subject.text}" asks for the issuer key ${toHex(top.authorityKeyId!.keyId!)} (its authorityKeyIdentifier); no certificate with that key was found`;
}

/**
 * The search record is for the views that draw it and `verify --json`; a TLS handshake never reads it. It is made
 * when first read (JSON.stringify and structuredClone read it too), from the builder's outcome, which stays as is.
 */
function withSearch(result: Omit<ValidationResult, 'search'>, make: (() => PathSearch) | undefined): ValidationResult {
  if (!make) return result;
  let made: PathSearch | undefined;
  return Object.defineProperty(result, 'search', { get: () => (made ??= make()), enumerable: true, configurable: true });
}

/** The relying party's inputs to RFC 5280 §6.1 (6.1.1 c, e, f and g): by default any policy, none required. */
export function policyInputs(options: Pick<ValidateOptions, 'requiredPolicies' | 'inhibitPolicyMapping' | 'inhibitAnyPolicy'>): PolicyInputs {
  return {
    ...(options.requiredPolicies?.length ? { initialPolicySet: options.requiredPolicies, explicitPolicy: true } : {}),
    ...(options.inhibitPolicyMapping ? { inhibitPolicyMapping: true } : {}),
    ...(options.inhibitAnyPolicy ? { inhibitAnyPolicy: true } : {}),
  };
}

/** Read a limbo-style or CLI name into a reference identity (exported for the CLI). */
export { parseReferenceIdentity };
