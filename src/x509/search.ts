// The path builder's whole search as plain data (JSON-serialisable), for views that draw it and for
// `verify --json`: every certificate met, every candidate issuer examined and what became of it,
// every complete path tried with the check that refused it, and where the search ran dry.
import type { BuildOutcome, LinkLogEntry, PathNode } from './pathBuilder.ts';
import type { DecodedCertificate } from './certificate.ts';
import type { Step } from './step.ts';
import type { TrustStore } from './trustStore.ts';
import { equalBytes, toHex } from '../util/bytes.ts';
import { sha256 } from '@noble/hashes/sha2.js';

export interface SearchCertificate {
  subject: string;
  issuer: string;
  sha256: string;
  /** Where it came from: the leaf, the offered pool, or the trust anchors. */
  source: 'leaf' | 'pool' | 'anchor';
}

export interface SearchLink {
  /** Indexes into `certificates`. */
  child: number;
  candidate: number;
  outcome: LinkLogEntry['outcome'];
  /** Position of the child in the path being built (0 = leaf). */
  depth: number;
  /** Index into `paths` for a link that completed a path. */
  path?: number;
}

export interface SearchPath {
  /** Leaf first, anchor last (indexes into `certificates`). */
  certificates: number[];
  accepted: boolean;
  /** The first check that failed on this path. */
  refusedBy?: { check: string; certificate: number; code?: string; detail: string };
}

export interface PathSearch {
  /** Every certificate met, then the offered ones the search never reached. */
  certificates: SearchCertificate[];
  links: SearchLink[];
  paths: SearchPath[];
  /** Index into `paths` of the path the verdict is about, or null when none reached an anchor. */
  chosen: number | null;
  /** Certificates for which no issuer was found by name, in the pool or the anchors. */
  missingIssuers: { certificate: number; issuerName: string; selfSigned: boolean }[];
  /**
   * Refused on name chaining: a certificate whose subject key identifier is the child's authority key
   * identifier but whose subject is not the child's issuer name (RFC 5280 6.1.3 (a)(4)), so the builder
   * never took it as a candidate. Shown because such a near miss is usually a renamed or re-issued CA.
   */
  nameMismatches: { child: number; candidate: number }[];
  work: number;
  workExhausted: boolean;
  depthExceeded: boolean;
}

/** Turn the builder's outcome (and the steps of each path checked) into a search record. */
export function recordSearch(
  leaf: DecodedCertificate,
  outcome: BuildOutcome,
  stepsOf: (path: PathNode[]) => Step[] | undefined,
  chosen: PathNode[] | undefined,
  /** The pool and anchors the builder had, to find the candidates refused on name chaining. */
  offered?: { pool: DecodedCertificate[]; store: TrustStore },
): PathSearch {
  const index = new Map<DecodedCertificate, number>();
  const certificates: SearchCertificate[] = [];
  const idOf = (cert: DecodedCertificate, source: SearchCertificate['source']): number => {
    let k = index.get(cert);
    if (k === undefined) {
      k = certificates.length;
      index.set(cert, k);
      certificates.push({ subject: cert.subject.text, issuer: cert.issuer.text, sha256: toHex(sha256(cert.der)), source });
    }
    return k;
  };
  idOf(leaf, 'leaf');
  const links = outcome.log.map((l) => ({
    child: idOf(l.child, 'pool'),
    candidate: idOf(l.candidate, l.anchor ? 'anchor' : 'pool'),
    outcome: l.outcome,
    depth: l.depth,
    ...(l.path !== undefined ? { path: l.path } : {}),
  }));
  const paths = outcome.complete.map(({ path, accepted }) => {
    const bad = accepted ? undefined : stepsOf(path)?.find((s) => s.ok === false);
    return {
      certificates: path.map((p) => idOf(p.cert, p.anchor ? 'anchor' : p.cert === leaf ? 'leaf' : 'pool')),
      accepted,
      ...(bad ? { refusedBy: { check: bad.check, certificate: bad.certificate, detail: bad.detail, ...(bad.code ? { code: bad.code } : {}) } } : {}),
    };
  });
  const nameMismatches = offered ? findNameMismatches([leaf, ...outcome.log.map((l) => l.child), ...outcome.deadEnds], offered.pool, offered.store) : [];
  const mismatchLinks = nameMismatches.map(({ child, candidate }) => ({ child: idOf(child, 'pool'), candidate: idOf(candidate, offered!.store.has(candidate) ? 'anchor' : 'pool') }));
  // Offered certificates the search never reached (no certificate in it names them as issuer) are listed too.
  if (offered) {
    const met = new Set([...index.keys()].map((c) => c.id));
    for (const c of offered.pool) {
      if (met.has(c.id)) continue;
      met.add(c.id);
      idOf(c, offered.store.has(c) ? 'anchor' : 'pool');
    }
  }
  const chosenIndex = chosen ? outcome.complete.findIndex((c) => c.path === chosen) : -1;
  return {
    certificates,
    links,
    paths,
    chosen: chosenIndex >= 0 ? chosenIndex : null,
    nameMismatches: mismatchLinks,
    missingIssuers: outcome.deadEnds.map((c) => ({ certificate: idOf(c, 'pool'), issuerName: c.issuer.text, selfSigned: c.selfIssued })),
    work: outcome.work,
    workExhausted: outcome.workExhausted,
    depthExceeded: outcome.depthExceeded,
  };
}

/** At most this many name-chaining near misses are recorded (a hostile pool cannot make the record large). */
const NAME_MISMATCH_LIMIT = 64;

/** Certificates whose key identifier points at them as a child's issuer while their subject says otherwise. */
function findNameMismatches(children: DecodedCertificate[], pool: DecodedCertificate[], store: TrustStore): { child: DecodedCertificate; candidate: DecodedCertificate }[] {
  const out: { child: DecodedCertificate; candidate: DecodedCertificate }[] = [];
  const seen = new Set<DecodedCertificate>();
  for (const child of children) {
    const keyId = child.authorityKeyId?.keyId;
    if (seen.has(child) || !keyId) continue;
    seen.add(child);
    for (const candidate of [...store.anchors, ...pool]) {
      if (candidate === child || candidate.subject.key === child.issuer.key || !candidate.subjectKeyId || !equalBytes(candidate.subjectKeyId, keyId)) continue;
      if (out.some((m) => m.child === child && m.candidate.id === candidate.id)) continue;
      out.push({ child, candidate });
      if (out.length >= NAME_MISMATCH_LIMIT) return out;
    }
  }
  return out;
}
