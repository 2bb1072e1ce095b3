// The path search as a graph (src/ui/workbench/search-graph.ts) on chains the tests make: both paths of a
// cross-signature, the missing issuer as a "not found" node, and each refusal reason on its link.
import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { validateChain } from '../../src/x509/validate.ts';
import { buildSearchGraph, MAX_NODES, shortName, type SearchGraph } from '../../src/ui/workbench/search-graph.ts';
import { crossSignedChain, DAY, makeCert, NOW, refusedIssuers, SERVER_AUTH, simpleChain, type Identity } from './pki.ts';


async function graphOf(leaf: Identity, pool: Identity[], anchors: Identity[]) {
  const r = await validateChain({ leaf: leaf.der, intermediates: pool.map((c) => c.der), anchors: anchors.map((c) => c.der), time: NOW, name: 'example.com', allPaths: true });
  return { r, g: buildSearchGraph(r.search!) };
}

const title = (g: SearchGraph, id: string) => g.nodes.find((n) => n.id === id)!.title;
const edgeNames = (g: SearchGraph) => g.edges.map((e) => `${title(g, e.from)} -> ${title(g, e.to)}: ${e.status}${e.reason ? ` (${e.reason.kind})` : ''}${e.chosen ? ' *' : ''}`);

describe('the search graph', () => {
  it('a cross-signed intermediate: two paths, each to its own anchor, the chosen one marked', async () => {
    const { rootA, rootB, interA, interB, leaf } = await crossSignedChain();
    const { g } = await graphOf(leaf, [interA, interB], [rootA, rootB]);
    expect(g.nodes.map((n) => [n.title, n.kind, n.layer])).toEqual([
      ['example.com', 'leaf', 0],
      ['Cross Inter', 'pool', 1],
      ['Root A', 'anchor', 2],
      ['Cross Inter', 'pool', 1],
      ['Root B', 'anchor', 2],
    ]);
    expect(edgeNames(g)).toEqual([
      'example.com -> Cross Inter: accepted *',
      'Cross Inter -> Root A: accepted *',
      'example.com -> Cross Inter: accepted',
      'Cross Inter -> Root B: accepted',
    ]);
    expect(g.paths.map((p) => [p.accepted, p.chosen, p.nodes.map((n) => title(g, n))])).toEqual([
      [true, true, ['example.com', 'Cross Inter', 'Root A']],
      [true, false, ['example.com', 'Cross Inter', 'Root B']],
    ]);
    expect(g.paths[1].description).toBe('Path 2, accepted: CN=example.com issued by CN=Cross Inter issued by CN=Root B');
    // Laid out without overlaps: one row per layer, nodes apart.
    for (const a of g.nodes) for (const b of g.nodes) if (a !== b && a.layer === b.layer) expect(Math.abs(a.x - b.x)).toBeGreaterThanOrEqual(190);
    expect(g.width).toBeGreaterThanOrEqual(2 * 190);
  });

  it('the intermediate removed: a "not found" node named after the missing issuer', async () => {
    const { root, leaf } = await simpleChain();
    // An offered certificate nothing names as issuer is drawn apart, in the last row.
    const unrelated = await makeCert({ name: 'Unrelated CA', ca: true });
    const { g } = await graphOf(leaf, [unrelated], [root]);
    const missing = g.nodes.filter((n) => n.kind === 'missing');
    expect(missing.map((n) => [n.subject, n.layer])).toEqual([['CN=Test Intermediate', 1]]);
    expect(g.nodes.filter((n) => n.unused).map((n) => [n.subject, n.kind, n.layer])).toEqual([['CN=Unrelated CA', 'pool', 2]]);
    expect(g.edges).toHaveLength(1);
    expect(g.edges[0]).toMatchObject({ from: 'c0', to: missing[0].id, status: 'missing' });
    expect(g.edges[0].description).toBe('Issuer CN=Test Intermediate as issuer of CN=example.com: not found — nothing in the pool or the trust anchors is named "CN=Test Intermediate".');
    expect(g.paths).toEqual([]);
  });

  it('each refusal on its link: AKI/SKI, signature, validity (on the link into the expired certificate)', async () => {
    const { root, inter, otherKey, noSki, expired, leaf } = await refusedIssuers();
    const { g } = await graphOf(leaf, [otherKey, noSki, expired, inter], [root]);
    const fromLeaf = g.edges.filter((e) => e.from === 'c0');
    expect(fromLeaf.map((e) => [e.status, e.reason?.kind, e.chosen])).toEqual([
      ['refused', 'AKI/SKI', false],
      ['refused', 'signature', false],
      ['refused', 'validity', false],
      ['accepted', undefined, true],
    ]);
    expect(fromLeaf[2].description).toMatch(/^offered CN=Test Intermediate as issuer of CN=example.com: refused \(validity\) — validity on CN=Test Intermediate: .*On path 1\.$/);
    // The expired intermediate's own link to the root completed a path; the reason sits on the link into it.
    const expiredNode = g.nodes.find((n) => n.id === fromLeaf[2].to)!;
    expect(expiredNode.failures[0]).toMatch(/^validity: /);
    expect(g.edges.find((e) => e.from === expiredNode.id)!.status).toBe('open');
    expect(g.paths.map((p) => [p.accepted, p.chosen])).toEqual([
      [false, false],
      [true, true],
    ]);
  });

  it('a refused leaf: the reason on the leaf\'s own link, the leaf marked', async () => {
    const { root, inter, leaf } = await simpleChain('example.com', { notAfter: new Date(NOW.getTime() - DAY), notBefore: new Date(NOW.getTime() - 90 * DAY) });
    const { r, g } = await graphOf(leaf, [inter], [root]);
    expect(r.error?.code).toBe('EXPIRED');
    expect(edgeNames(g)).toEqual(['example.com -> Test Intermediate: refused (validity) *', 'Test Intermediate -> Test Root: open *']);
    expect(g.nodes[0].failures[0]).toMatch(/^validity: expired at /);
    expect(g.paths.map((p) => [p.accepted, p.chosen])).toEqual([[false, true]]);
    expect(g.paths[0].description).toMatch(/^Path 1, refused \(the verdict is about this path\): CN=example.com issued by CN=Test Intermediate issued by CN=Test Root. Refused by validity: expired at /);
  });

  it('name chaining: a certificate with the right key identifier under another name is shown refused', async () => {
    const root = await makeCert({ name: 'Test Root', ca: true });
    const inter = await makeCert({ name: 'Test Intermediate', ca: true, issuer: root });
    const renamed = await makeCert({ name: 'Renamed Intermediate', ca: true, issuer: root, keys: inter.keys });
    const leaf = await makeCert({ name: 'example.com', issuer: inter, san: [{ type: 'dns', value: 'example.com' }], eku: [SERVER_AUTH] });
    const { r, g } = await graphOf(leaf, [renamed], [root]);
    expect(r.error?.code).toBe('UNKNOWN_ISSUER');
    expect(r.search!.nameMismatches.map((m) => r.search!.certificates[m.candidate].subject)).toEqual(['CN=Renamed Intermediate']);
    expect(edgeNames(g)).toEqual(['example.com -> Renamed Intermediate: refused (name chaining)', 'example.com -> Test Intermediate: missing (not found)']);
  });

  it('a very large pool is drawn up to its limit; names are cut to fit', async () => {
    expect(shortName('CN=a.very.long.host.name.example.com,O=Example')).toBe('a.very.long.host.name.exa…');
    expect(shortName('O=No CN here')).toBe('O=No CN here');
    const root = await makeCert({ name: 'Test Root', ca: true });
    const leaf = await makeCert({ name: 'example.com', issuer: root, san: [{ type: 'dns', value: 'example.com' }] });
    // Decoys: same issuer name, other keys, no SKI (each costs a signature check).
    const decoys: Identity[] = [];
    for (let i = 0; i < MAX_NODES + 5; i++) decoys.push(await makeCert({ name: 'Test Root', ca: true, ski: false, serial: `02${i.toString(16).padStart(4, '0')}` }));
    const { r, g } = await graphOf(leaf, decoys, [root]);
    expect(r.ok).toBe(true);
    expect(g.nodes).toHaveLength(MAX_NODES);
    expect(g.omitted).toBe(r.search!.certificates.length - MAX_NODES);
    expect(g.edges.every((e) => g.nodes.some((n) => n.id === e.from) && g.nodes.some((n) => n.id === e.to))).toBe(true);
  });
});
