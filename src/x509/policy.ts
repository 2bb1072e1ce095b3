// Certificate policies along a path, RFC 5280 §6.1: the valid_policy_tree, grown from the trust anchor down
// (6.1.3 d-f), mapped and constrained between certificates (6.1.4 a, b, h-j), closed at the leaf (6.1.5 a, b, g).
// The answer is the set of policies the whole path vouches for, or the reason none is acceptable when an
// explicit policy is required (by a CA's requireExplicitPolicy, or by the relying party).
import { AsnConvert } from '@peculiar/asn1-schema';
import { CertificatePolicies, PolicyMappings } from '@peculiar/asn1-x509';
import type { DecodedCertificate } from './certificate.ts';
import { children, readRoot, valueOf } from './der.ts';
import { EXT } from './extensions.ts';

export const ANY_POLICY = '2.5.29.32.0';

export interface PolicyInputs {
  /** user-initial-policy-set; default {anyPolicy}. */
  initialPolicySet?: string[];
  /** initial-explicit-policy: the path must be valid for at least one policy of the initial set. */
  explicitPolicy?: boolean;
  inhibitPolicyMapping?: boolean;
  inhibitAnyPolicy?: boolean;
}

/** A node of the valid_policy_tree as plain data, for a view to draw. */
export interface PolicyTreeNode {
  /** The valid_policy (an OID, or anyPolicy's). */
  policy: string;
  /** The expected_policy_set (after any mapping). */
  expected: string[];
  /** 0 for the root, i for certificate i counted from the anchor's side (the leaf is n). */
  depth: number;
  children: PolicyTreeNode[];
}

export type PolicyOutcome =
  | { ok: true; policies: string[]; explicit: boolean; detail: string; tree: PolicyTreeNode | null }
  | { ok: false; certificate: number; detail: string; tree: PolicyTreeNode | null };

interface Node {
  validPolicy: string;
  expected: Set<string>;
  depth: number;
  parent?: Node;
  children: Node[];
}

function smallInt(der: Uint8Array, what: string): number {
  const root = readRoot(der);
  if (root.tag !== 0x02) throw new Error(`${what} must be an INTEGER`);
  const v = valueOf(der, root);
  if (v.length === 0 || v.length > 2 || v[0] & 0x80) throw new Error(`${what} is not a small non-negative INTEGER`);
  return v.reduce((n, b) => n * 256 + b, 0);
}

/** policyConstraints: [0] requireExplicitPolicy, [1] inhibitPolicyMapping (IMPLICIT INTEGERs). */
function policyConstraints(value: Uint8Array): { requireExplicit?: number; inhibitMapping?: number } {
  const root = readRoot(value);
  const out: { requireExplicit?: number; inhibitMapping?: number } = {};
  for (const c of children(value, root)) {
    const v = valueOf(value, c);
    const n = v.length === 0 || v.length > 2 || v[0] & 0x80 ? NaN : v.reduce((a, b) => a * 256 + b, 0);
    if (Number.isNaN(n)) throw new Error('policyConstraints holds a value that is not a small non-negative INTEGER');
    if (c.tag === 0x80) out.requireExplicit = n;
    else if (c.tag === 0x81) out.inhibitMapping = n;
  }
  return out;
}

/**
 * Process the policies of `path` (leaf first, trust anchor last; the anchor itself is not processed).
 * Returns the authorities-constrained policy set, or the certificate (index in `path`) where it failed.
 */
export function processPolicies(path: { cert: DecodedCertificate; anchor: boolean }[], inputs: PolicyInputs = {}): PolicyOutcome {
  const certs = path.filter((p) => !p.anchor).map((p) => p.cert).reverse(); // certificate 1 .. n, leaf last
  const n = certs.length;
  const indexInPath = (i: number) => n - i; // certificate i (1-based) sits at path[n - i]
  if (n === 0) return { ok: true, policies: [], explicit: false, detail: 'the certificate is itself a trust anchor: no policy processing', tree: null };
  const initial = inputs.initialPolicySet?.length ? inputs.initialPolicySet : [ANY_POLICY];
  let explicit = inputs.explicitPolicy ? 0 : n + 1;
  let inhibitAny = inputs.inhibitAnyPolicy ? 0 : n + 1;
  let mapping = inputs.inhibitPolicyMapping ? 0 : n + 1;
  let root: Node | null = { validPolicy: ANY_POLICY, expected: new Set([ANY_POLICY]), depth: 0, children: [] };

  const atDepth = (d: number): Node[] => {
    const out: Node[] = [];
    const walk = (x: Node) => (x.depth === d ? out.push(x) : x.children.forEach(walk));
    if (root) walk(root);
    return out;
  };
  const add = (parent: Node, validPolicy: string, expected: Iterable<string>) => {
    parent.children.push({ validPolicy, expected: new Set(expected), depth: parent.depth + 1, parent, children: [] });
  };
  const remove = (x: Node) => {
    if (!x.parent) root = null;
    else x.parent.children = x.parent.children.filter((c) => c !== x);
  };
  /** Drop nodes above `depth` that have no children left, bottom up; an empty tree becomes NULL. */
  const prune = (depth: number) => {
    for (let d = depth - 1; d >= 0 && root; d--) for (const x of atDepth(d)) if (x.children.length === 0) remove(x);
  };

  for (let i = 1; i <= n; i++) {
    const c = certs[i - 1];
    const ext = (oid: string) => c.extensions.find((e) => e.oid === oid);
    const at = indexInPath(i);
    let policies: { id: string }[] | undefined;
    try {
      const cp = ext(EXT.certificatePolicies);
      policies = cp ? AsnConvert.parse(cp.value, CertificatePolicies).map((p) => ({ id: p.policyIdentifier })) : undefined;
    } catch (e) {
      return { ok: false, certificate: at, detail: `certificatePolicies cannot be read: ${(e as Error).message}`, tree: snapshot(root) };
    }
    // 6.1.3 (d), (e)
    if (policies && root) {
      for (const p of policies.filter((p) => p.id !== ANY_POLICY)) {
        const parents = atDepth(i - 1);
        const matching = parents.filter((x) => x.expected.has(p.id));
        if (matching.length) matching.forEach((x) => add(x, p.id, [p.id]));
        else parents.filter((x) => x.validPolicy === ANY_POLICY).forEach((x) => add(x, p.id, [p.id]));
      }
      if (policies.some((p) => p.id === ANY_POLICY) && (inhibitAny > 0 || (i < n && c.selfIssued))) {
        for (const x of atDepth(i - 1)) {
          for (const v of x.expected) if (!x.children.some((ch) => ch.validPolicy === v)) add(x, v, [v]);
        }
      }
      prune(i);
    } else root = null;
    // 6.1.3 (f)
    if (explicit <= 0 && !root) return { ok: false, certificate: at, detail: 'an explicit policy is required here, and no policy is valid for the path so far', tree: snapshot(root) };

    if (i === n) break;
    // 6.1.4 (a), (b)
    const pm = ext(EXT.policyMappings);
    if (pm) {
      let maps: { from: string; to: string }[];
      try {
        maps = AsnConvert.parse(pm.value, PolicyMappings).map((m) => ({ from: m.issuerDomainPolicy, to: m.subjectDomainPolicy }));
      } catch (e) {
        return { ok: false, certificate: at, detail: `policyMappings cannot be read: ${(e as Error).message}`, tree: snapshot(root) };
      }
      if (maps.some((m) => m.from === ANY_POLICY || m.to === ANY_POLICY)) return { ok: false, certificate: at, detail: 'policyMappings maps to or from anyPolicy (RFC 5280 6.1.4 a)', tree: snapshot(root) };
      for (const from of new Set(maps.map((m) => m.from))) {
        const to = maps.filter((m) => m.from === from).map((m) => m.to);
        const nodes = atDepth(i).filter((x) => x.validPolicy === from);
        if (mapping > 0) {
          if (nodes.length) nodes.forEach((x) => (x.expected = new Set(to)));
          else {
            const any = atDepth(i).find((x) => x.validPolicy === ANY_POLICY);
            if (any?.parent) add(any.parent, from, to);
          }
        } else {
          nodes.forEach(remove);
          prune(i);
        }
      }
    }
    // 6.1.4 (h), (i), (j)
    if (!c.selfIssued) {
      if (explicit > 0) explicit--;
      if (mapping > 0) mapping--;
      if (inhibitAny > 0) inhibitAny--;
    }
    try {
      const pc = ext(EXT.policyConstraints);
      if (pc) {
        const v = policyConstraints(pc.value);
        if (v.requireExplicit !== undefined && v.requireExplicit < explicit) explicit = v.requireExplicit;
        if (v.inhibitMapping !== undefined && v.inhibitMapping < mapping) mapping = v.inhibitMapping;
      }
      const ia = ext(EXT.inhibitAnyPolicy);
      if (ia) {
        const skip = smallInt(ia.value, 'inhibitAnyPolicy');
        if (skip < inhibitAny) inhibitAny = skip;
      }
    } catch (e) {
      return { ok: false, certificate: at, detail: (e as Error).message, tree: snapshot(root) };
    }
  }

  // 6.1.5 (a), (b)
  if (explicit > 0) explicit--;
  const leafPc = certs[n - 1]?.extensions.find((e) => e.oid === EXT.policyConstraints);
  if (leafPc) {
    try {
      if (policyConstraints(leafPc.value).requireExplicit === 0) explicit = 0;
    } catch (e) {
      return { ok: false, certificate: 0, detail: (e as Error).message, tree: snapshot(root) };
    }
  }
  // 6.1.5 (g): the valid_policy_node_set (children of anyPolicy nodes) intersected with the user's set.
  const all: Node[] = [];
  const collect = (x: Node) => (all.push(x), x.children.forEach(collect));
  const nodeSet = () => {
    all.length = 0;
    if (root) collect(root);
    return all.filter((x) => x.parent?.validPolicy === ANY_POLICY);
  };
  if (root && !initial.includes(ANY_POLICY)) {
    for (const x of nodeSet()) if (x.validPolicy !== ANY_POLICY && !initial.includes(x.validPolicy)) remove(x);
    const anyLeaf = root ? atDepth(n).find((x) => x.validPolicy === ANY_POLICY) : undefined;
    if (anyLeaf?.parent) {
      const present = new Set(nodeSet().map((x) => x.validPolicy));
      for (const u of initial) if (!present.has(u)) add(anyLeaf.parent, u, [u]);
      remove(anyLeaf);
    }
    prune(n);
  }
  const reaches = (x: Node): boolean => x.depth === n || x.children.some(reaches);
  // Reported: the specific policies of the node set that reach the leaf (anyPolicy only when it is alone).
  const reached = root ? nodeSet().filter(reaches).map((x) => x.validPolicy) : [];
  const valid = reached.some((p) => p !== ANY_POLICY) ? reached.filter((p) => p !== ANY_POLICY) : reached;
  if (valid.length === 0) root = null;
  const explicitNeeded = explicit === 0;
  if (explicitNeeded && (!root || valid.length === 0)) {
    return { ok: false, certificate: -1, detail: `an explicit policy is required and the path is valid for none${initial.includes(ANY_POLICY) ? '' : ` of ${initial.join(', ')}`}`, tree: snapshot(root) };
  }
  const list = [...new Set(valid)];
  return {
    ok: true,
    policies: list,
    explicit: explicitNeeded,
    tree: snapshot(root),
    detail: list.length
      ? `the path is valid for ${list.map((p) => (p === ANY_POLICY ? 'anyPolicy' : p)).join(', ')}${explicitNeeded ? ' (an explicit policy is required)' : ''}`
      : certs.some((c) => c.extensions.some((e) => e.oid === EXT.certificatePolicies))
        ? 'no policy is common to the whole path; none is required'
        : 'no certificate in the path names a policy; none is required',
  };
}

function snapshot(x: Node | null): PolicyTreeNode | null {
  return x && { policy: x.validPolicy, expected: [...x.expected], depth: x.depth, children: x.children.map((c) => snapshot(c)!) };
}
