// Path building from an unordered pool (RFC 4158 in spirit): depth-first from the leaf towards
// any trust anchor, matching subject to issuer and AKI to SKI, checking each link's signature
// before following it, never repeating a certificate (or a subject+key pair) in one path, and
// stopping after a fixed amount of work so that a hostile pool cannot take long.
import { equalBytes, toHex } from '../util/bytes.ts';
import { DsaParametersInherited } from '../crypto/dsa.ts';
import { verifySignature } from '../crypto/signature.ts';
import { classifySignatureAlgorithm, signatureEncodingProblem } from './algorithms.ts';
import type { DecodedCertificate } from './certificate.ts';
import type { TrustStore } from './trustStore.ts';
import type { WorkingKey } from './working-key.ts';

export interface PathNode {
  cert: DecodedCertificate;
  anchor: boolean;
}

export type LinkVerdict = 'valid' | 'invalid' | 'unchecked';

/** Signature results per (child, issuer) pair, shared by building and checking. */
export class SignatureCache {
  private readonly results = new WeakMap<DecodedCertificate, Map<DecodedCertificate | string, Promise<LinkVerdict>>>();
  count = 0;

  /**
   * 'unchecked' when the algorithm is refused or unusable: the checks report why. `key`: the issuer's working key
   * on a known path (working-key.ts), for a DSA key whose parameters are its issuers'; without it (while the path is
   * being built, its top not known yet) such a key's signatures are 'unchecked', to be checked on the whole path.
   */
  link(child: DecodedCertificate, issuer: DecodedCertificate, key?: WorkingKey): Promise<LinkVerdict> {
    let byIssuer = this.results.get(child);
    if (!byIssuer) this.results.set(child, (byIssuer = new Map()));
    const inherited = key?.parametersFrom !== undefined;
    if (key?.problem) return Promise.resolve('unchecked');
    // The same issuer with parameters from another path is another key: remembered apart.
    const id = inherited ? `${issuer.id} ${toHex(key!.spki)}` : issuer;
    let r = byIssuer.get(id);
    if (!r) byIssuer.set(id, (r = this.compute(child, inherited ? key!.spki : issuer.spki)));
    return r;
  }

  private async compute(child: DecodedCertificate, issuerSpki: Uint8Array): Promise<LinkVerdict> {
    const alg = classifySignatureAlgorithm(child.signatureAlgorithm);
    // A signature value not in DER is refused as it is, not read leniently (the checks say why).
    if (!alg.ok || signatureEncodingProblem(alg.algorithm, child.signature)) return 'unchecked';
    this.count++;
    try {
      return (await verifySignature(issuerSpki, alg.algorithm, child.tbs, child.signature)) ? 'valid' : 'invalid';
    } catch (e) {
      // A DSA key whose parameters are its issuer's: not known until the path is (the checks look them up).
      if (e instanceof DsaParametersInherited) {
        this.count--;
        return 'unchecked';
      }
      // The key cannot make this kind of signature, or cannot be imported.
      return 'invalid';
    }
  }
}

export interface BuildLimits {
  /** OpenSSL verify_depth: intermediates allowed between leaf and anchor (self-issued ones not counted). */
  maxDepth: number;
  /** Links examined before giving up. */
  maxWork: number;
  /** Keep searching after a path is accepted, to show every path (e.g. both sides of a cross-signature). */
  allPaths?: boolean;
}

export interface BuildOutcome {
  /** Set when `accept` took a path. */
  accepted?: PathNode[];
  /** Complete paths (ending at an anchor) that `accept` refused, in the order found. */
  refused: PathNode[][];
  /** The longest chain built when no anchor was reached. */
  longestPartial: PathNode[];
  /** A link whose names matched but whose signature did not verify. */
  badSignature?: { child: DecodedCertificate; issuer: DecodedCertificate };
  depthExceeded: boolean;
  workExhausted: boolean;
  work: number;
  /** Every link examined and what became of each, in order (bounded by maxWork). */
  log: LinkLogEntry[];
  /** Every complete path handed to `accept`, in order, with its answer. */
  complete: { path: PathNode[]; accepted: boolean }[];
  /** Certificates no candidate issuer was found for (not even by name). */
  deadEnds: DecodedCertificate[];
}

export interface LinkLogEntry {
  child: DecodedCertificate;
  candidate: DecodedCertificate;
  anchor: boolean;
  outcome: 'followed' | 'in path already' | 'key identifier differs' | 'too deep' | 'signature invalid' | 'path refused' | 'path accepted';
  /** Position of `child` in the path being built (0 = leaf). */
  depth: number;
  /** For 'path refused' / 'path accepted': the index in `complete`. */
  path?: number;
}

/** How many link attempts the trace's steps list (the whole log is in the search record). */
export const LINK_LOG_LIMIT = 32;

/** Non-self-issued intermediates in a path (the leaf and the anchor do not count). */
export function countIntermediates(path: PathNode[]): number {
  let n = 0;
  for (let i = 1; i < path.length; i++) if (!path[i].anchor && !path[i].cert.selfIssued) n++;
  return n;
}

/**
 * Build paths from `leaf` until `accept` returns true for one that ends at an anchor.
 * `accept` sees every complete path in preference order (anchors before intermediates).
 */
export async function buildPaths(
  leaf: DecodedCertificate,
  pool: DecodedCertificate[],
  store: TrustStore,
  limits: BuildLimits,
  sigs: SignatureCache,
  accept: (path: PathNode[]) => Promise<boolean>,
): Promise<BuildOutcome> {
  const bySubject = new Map<string, DecodedCertificate[]>();
  const seen = new Set<string>();
  for (const c of pool) {
    if (seen.has(c.id) || store.has(c)) continue; // an anchor in the pool is used as the anchor
    seen.add(c.id);
    const list = bySubject.get(c.subject.key) ?? [];
    list.push(c);
    bySubject.set(c.subject.key, list);
  }
  const out: BuildOutcome = { refused: [], longestPartial: [{ cert: leaf, anchor: false }], depthExceeded: false, workExhausted: false, work: 0, log: [], complete: [], deadEnds: [] };
  let depth = 0;
  const note = (child: DecodedCertificate, cand: PathNode, outcome: LinkLogEntry['outcome'], path?: number) => {
    out.log.push({ child, candidate: cand.cert, anchor: cand.anchor, outcome, depth, ...(path !== undefined ? { path } : {}) });
  };
  /** Offer a complete path; true when the search should stop. */
  const offer = async (path: PathNode[]): Promise<boolean> => {
    const ok = await accept(path);
    out.complete.push({ path, accepted: ok });
    if (ok) out.accepted ??= path;
    else out.refused.push(path);
    return ok && !limits.allPaths;
  };

  // A leaf that is itself an anchor is trusted directly.
  if (store.has(leaf)) {
    if (await offer([{ cert: leaf, anchor: true }])) return out;
  }

  const extend = async (path: PathNode[]): Promise<boolean> => {
    const current = path[path.length - 1].cert;
    if (path.length > out.longestPartial.length) out.longestPartial = path.slice();
    const candidates: PathNode[] = [
      ...store.bySubjectKey(current.issuer.key).map((cert) => ({ cert, anchor: true })),
      ...(bySubject.get(current.issuer.key) ?? []).map((cert) => ({ cert, anchor: false })),
    ];
    if (candidates.length === 0 && !out.deadEnds.includes(current)) out.deadEnds.push(current);
    depth = path.length - 1;
    for (const cand of candidates) {
      if (out.work >= limits.maxWork) {
        out.workExhausted = true;
        return false;
      }
      out.work++;
      if (path.some((p) => p.cert.id === cand.cert.id || (p.cert.subject.key === cand.cert.subject.key && equalBytes(p.cert.spki, cand.cert.spki)))) {
        note(current, cand, 'in path already');
        continue;
      }
      const aki = current.authorityKeyId?.keyId;
      const ski = cand.cert.subjectKeyId;
      if (aki && ski && !equalBytes(aki, ski)) {
        note(current, cand, 'key identifier differs');
        continue;
      }
      const next = [...path, cand];
      if (countIntermediates(next) > limits.maxDepth) {
        out.depthExceeded = true;
        note(current, cand, 'too deep');
        continue;
      }
      const verdict = await sigs.link(current, cand.cert);
      if (verdict === 'invalid') {
        out.badSignature ??= { child: current, issuer: cand.cert };
        note(current, cand, 'signature invalid');
        continue;
      }
      if (cand.anchor) {
        const stop = await offer(next);
        note(current, cand, out.complete[out.complete.length - 1].accepted ? 'path accepted' : 'path refused', out.complete.length - 1);
        if (stop) return true;
        continue;
      }
      note(current, cand, 'followed');
      if (await extend(next)) return true;
      depth = path.length - 1; // back at this level after the recursion
      if (out.workExhausted) return false;
    }
    return false;
  };
  await extend([{ cert: leaf, anchor: false }]);
  return out;
}
