// The valid_policy_tree of RFC 5280 §6.1 for the verdict's path: one level per certificate (anchor side first),
// each node its valid policy and the expected policies after any mapping, then what the path is valid for.
import type { PathEntry } from '../../x509/validate.ts';
import { ANY_POLICY, type PolicyOutcome, type PolicyTreeNode } from '../../x509/policy.ts';
import { POLICY_NAMES } from '../../x509/details.ts';

const policyWords = (oid: string) => (oid === ANY_POLICY ? 'anyPolicy' : POLICY_NAMES[oid] ? `${oid} (${POLICY_NAMES[oid]})` : oid);

export function PolicyTree({ outcome, path }: { outcome: PolicyOutcome; path: PathEntry[] }) {
  // Depth i is certificate i counted from the anchor's side; the leaf is the deepest.
  const certs = path.filter((p) => p.source !== 'anchor');
  const certAt = (depth: number) => (depth === 0 ? 'below the trust anchor' : certs[certs.length - depth]?.subject ?? `certificate ${depth}`);
  const node = (x: PolicyTreeNode, key: string) => (
    <li key={key} data-depth={x.depth}>
      <span className="policy-node">{policyWords(x.policy)}</span>
      <span className="muted">
        {' '}
        — {x.depth === 0 ? 'the root of the tree' : `from ${certAt(x.depth)}`}
        {x.expected.length && !(x.expected.length === 1 && x.expected[0] === x.policy) ? `; expects ${x.expected.map(policyWords).join(', ')} below (mapped)` : ''}
      </span>
      {x.children.length > 0 && <ul>{x.children.map((c, i) => node(c, `${key}.${i}`))}</ul>}
    </li>
  );
  return (
    <section className="policy-tree" aria-label="Certificate policies" data-testid="policy-tree">
      <h2>Certificate policies (RFC 5280 §6.1)</h2>
      <p className={outcome.ok ? '' : 'bad'}>
        {outcome.ok ? '' : 'Refused: '}
        {outcome.detail}.
      </p>
      {outcome.tree ? (
        <ul className="policy-tree-nodes">{node(outcome.tree, 't')}</ul>
      ) : (
        <p className="muted">The valid_policy_tree ended empty (NULL): the path is valid for no particular policy, which is fine unless one is required.</p>
      )}
    </section>
  );
}
