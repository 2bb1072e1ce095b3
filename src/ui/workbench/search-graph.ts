// The path builder's search as a graph to draw (no React): certificates as nodes in layers (the leaf on top,
// each issuer one layer further), one edge per child → candidate issuer with what became of it and why, the
// paths that reached an anchor, and a dashed "not found" node where an issuer is nowhere.
import type { PathSearch, SearchLink } from '../../x509/search.ts';
import { pathRole } from '../../x509/path-words.ts';

export type NodeKind = 'leaf' | 'pool' | 'anchor' | 'missing';
/** accepted: on a path that verified; refused: set aside, with a reason; open: followed, but no path through it reached an anchor. */
export type EdgeStatus = 'accepted' | 'refused' | 'open' | 'missing';
/** The refusal reasons a person tells apart; checks that are none of these keep their own name. */
export type ReasonKind = 'signature' | 'name chaining' | 'AKI/SKI' | 'validity' | 'constraints' | 'cycle' | string;

export interface GraphNode {
  id: string;
  /** Index into `search.certificates`; -1 for a missing issuer. */
  certificate: number;
  kind: NodeKind;
  subject: string;
  /** A short line to draw (the CN, or the whole name cut short). */
  title: string;
  sha256?: string;
  layer: number;
  x: number;
  y: number;
  /** On the path the verdict is about. */
  chosen: boolean;
  /** Checks that failed on this certificate, in the paths refused because of it. */
  failures: string[];
  /** Offered, but no certificate in the search names it as issuer: drawn apart, in the last row. */
  unused: boolean;
}

export interface GraphEdge {
  id: string;
  from: string;
  to: string;
  status: EdgeStatus;
  /** On the path the verdict is about. */
  chosen: boolean;
  /** Why it was refused (status refused): the kind, and the words. */
  reason?: { kind: ReasonKind; text: string };
  /** Indexes into `paths` of the complete paths that use this edge. */
  paths: number[];
  /** Everything said about this link, for hover, focus and screen readers. */
  description: string;
}

export interface GraphPath {
  index: number;
  accepted: boolean;
  chosen: boolean;
  /** Node ids, leaf first. */
  nodes: string[];
  edges: string[];
  description: string;
}

export interface SearchGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  paths: GraphPath[];
  width: number;
  height: number;
  /** Certificates met but not drawn (a very large pool); they stay in the lists. */
  omitted: number;
}

export const NODE_WIDTH = 190;
export const NODE_HEIGHT = 46;
const GAP_X = 28;
const GAP_Y = 70;
const MARGIN = 12;
/** More nodes than this make an unreadable drawing: the rest stays in the text lists. */
export const MAX_NODES = 40;

const CHECK_KINDS: Record<string, ReasonKind> = {
  signature: 'signature',
  validity: 'validity',
  basicConstraints: 'constraints',
  pathLength: 'constraints',
  nameConstraints: 'constraints',
  policies: 'constraints',
  keyUsage: 'constraints',
  extendedKeyUsage: 'constraints',
  depth: 'constraints',
};

const LINK_REASONS: Partial<Record<SearchLink['outcome'], { kind: ReasonKind; text: string }>> = {
  'signature invalid': { kind: 'signature', text: 'the names chain but its key did not make the signature' },
  'key identifier differs': { kind: 'AKI/SKI', text: "its subject key identifier differs from the child's authority key identifier" },
  'too deep': { kind: 'constraints', text: 'the path would have more intermediates than the maximum depth allows' },
  'in path already': { kind: 'cycle', text: 'it is already in this path (a cycle)' },
};

/** The CN if there is one, else the whole name; cut to fit a node. */
export function shortName(subject: string): string {
  const cn = /(?:^|,\s*)CN=((?:\\.|[^,])*)/.exec(subject)?.[1];
  const text = (cn ?? subject) || '(empty subject)';
  return text.length > 26 ? `${text.slice(0, 25)}…` : text;
}

const SOURCE_WORDS: Record<NodeKind, string> = { leaf: 'leaf', pool: 'offered', anchor: 'trust anchor', missing: 'not found' };

export function buildSearchGraph(search: PathSearch): SearchGraph {
  const certId = (k: number) => `c${k}`;
  const nodes = new Map<string, GraphNode>();
  const order: string[] = [];
  const addCert = (k: number) => {
    const id = certId(k);
    if (nodes.has(id)) return;
    const c = search.certificates[k];
    nodes.set(id, { id, certificate: k, kind: c.source, subject: c.subject, title: shortName(c.subject), sha256: c.sha256, layer: 0, x: 0, y: 0, chosen: false, failures: [], unused: false });
    order.push(id);
  };
  search.certificates.forEach((_, k) => addCert(k));

  const edges = new Map<string, GraphEdge>();
  const edge = (from: string, to: string): GraphEdge => {
    const id = `${from}-${to}`;
    let e = edges.get(id);
    if (!e) edges.set(id, (e = { id, from, to, status: 'open', chosen: false, paths: [], description: '' }));
    return e;
  };
  const refuse = (e: GraphEdge, reason: { kind: ReasonKind; text: string }) => {
    if (e.status === 'accepted') return;
    e.status = 'refused';
    e.reason ??= reason;
  };

  // Every link examined: followed links stay open until a path says more.
  for (const l of search.links) {
    const e = edge(certId(l.child), certId(l.candidate));
    const why = LINK_REASONS[l.outcome];
    if (why) refuse(e, why);
  }
  for (const m of search.nameMismatches ?? []) {
    refuse(edge(certId(m.child), certId(m.candidate)), {
      kind: 'name chaining',
      text: `its key identifier matches, but its subject is not the issuer name "${search.certificates[m.child].issuer}"`,
    });
  }

  // Complete paths: accepted ones mark their edges; a refused one marks the link into the certificate that failed
  // (the leaf's own link when the leaf failed, the link that completed the path when the whole path failed).
  const paths: GraphPath[] = search.paths.map((p, index) => {
    const pathNodes = p.certificates.map(certId);
    const pathEdges = pathNodes.slice(1).map((to, i) => edge(pathNodes[i], to));
    const chosen = search.chosen === index;
    for (const e of pathEdges) {
      e.paths.push(index);
      if (chosen) e.chosen = true;
      if (p.accepted) {
        e.status = 'accepted';
        e.reason = undefined;
      }
    }
    if (chosen) for (const n of pathNodes) nodes.get(n)!.chosen = true;
    const why = p.refusedBy;
    if (!p.accepted && why) {
      const kind = CHECK_KINDS[why.check] ?? why.check;
      const text = `${why.check}${why.certificate >= 0 ? ` on ${search.certificates[p.certificates[why.certificate]]?.subject ?? pathRole(why.certificate)}` : ''}: ${why.detail}`;
      const at = why.certificate >= 1 ? pathEdges[why.certificate - 1] : why.certificate === 0 ? pathEdges[0] : pathEdges[pathEdges.length - 1];
      if (at) refuse(at, { kind, text });
      if (why.certificate >= 0 && p.certificates[why.certificate] !== undefined) {
        const failing = nodes.get(pathNodes[why.certificate])!;
        const words = `${why.check}: ${why.detail}`;
        if (!failing.failures.includes(words)) failing.failures.push(words);
      }
    }
    const names = p.certificates.map((k) => search.certificates[k].subject || '(empty subject)');
    return {
      index,
      accepted: p.accepted,
      chosen,
      nodes: pathNodes,
      edges: pathEdges.map((e) => e.id),
      description: `Path ${index + 1}, ${p.accepted ? 'accepted' : 'refused'}${chosen ? ' (the verdict is about this path)' : ''}: ${names.join(' issued by ')}${why && !p.accepted ? `. Refused by ${why.check}: ${why.detail}` : ''}`,
    };
  });

  // Where the search ran dry: a dashed "not found" node for each issuer that is nowhere.
  for (const m of search.missingIssuers) {
    if (m.selfSigned) continue;
    const id = `missing${m.certificate}`;
    nodes.set(id, { id, certificate: -1, kind: 'missing', subject: m.issuerName, title: shortName(m.issuerName), layer: 0, x: 0, y: 0, chosen: false, failures: [], unused: false });
    order.push(id);
    const e = edge(certId(m.certificate), id);
    e.status = 'missing';
    e.reason = { kind: 'not found', text: `nothing in the pool or the trust anchors is named "${m.issuerName}"` };
  }

  for (const e of edges.values()) e.description = describeEdge(e, nodes);

  // Layers: the shortest number of links from the leaf (certificates met only through a near miss or a cycle
  // sit one layer below the certificate that pointed at them).
  const layer = new Map<string, number>([[certId(0), 0]]);
  for (let changed = true, rounds = 0; changed && rounds < order.length + 1; rounds++) {
    changed = false;
    for (const e of edges.values()) {
      const from = layer.get(e.from);
      if (from === undefined) continue;
      const to = layer.get(e.to);
      if (to === undefined || to > from + 1) {
        layer.set(e.to, from + 1);
        changed = true;
      }
    }
  }
  // Certificates nothing led to sit in a row of their own below the rest.
  const lastLayer = Math.max(0, ...layer.values());
  for (const id of order) {
    if (layer.has(id)) continue;
    nodes.get(id)!.unused = true;
    layer.set(id, lastLayer + 1);
  }
  const drawn = order.slice(0, MAX_NODES);
  const omitted = order.length - drawn.length;
  const keep = new Set(drawn);

  const layers: string[][] = [];
  for (const id of drawn) (layers[layer.get(id)!] ??= []).push(id);
  const placed = layers.filter((l) => l && l.length);
  const widest = Math.max(1, ...placed.map((l) => l.length));
  const width = MARGIN * 2 + widest * NODE_WIDTH + (widest - 1) * GAP_X;
  // Each layer ordered by where its issuers' children sit (fewer crossings), then centred.
  placed.forEach((ids, depth) => {
    if (depth > 0) {
      const centre = (id: string) => {
        const xs = [...edges.values()].filter((e) => e.to === id && keep.has(e.from) && layer.get(e.from)! < layer.get(id)!).map((e) => nodes.get(e.from)!.x);
        return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
      };
      const at = new Map(ids.map((id) => [id, centre(id)]));
      ids.sort((a, b) => at.get(a)! - at.get(b)!);
    }
    const rowWidth = ids.length * NODE_WIDTH + (ids.length - 1) * GAP_X;
    ids.forEach((id, i) => {
      const n = nodes.get(id)!;
      n.layer = depth;
      n.x = (width - rowWidth) / 2 + i * (NODE_WIDTH + GAP_X);
      n.y = MARGIN + depth * (NODE_HEIGHT + GAP_Y);
    });
  });
  const height = MARGIN * 2 + placed.length * NODE_HEIGHT + Math.max(0, placed.length - 1) * GAP_Y;
  return {
    nodes: drawn.map((id) => nodes.get(id)!),
    edges: [...edges.values()].filter((e) => keep.has(e.from) && keep.has(e.to)),
    paths: paths.filter((p) => p.nodes.every((n) => keep.has(n))),
    width,
    height,
    omitted,
  };
}

function describeEdge(e: GraphEdge, nodes: Map<string, GraphNode>): string {
  const child = nodes.get(e.from)!;
  const issuer = nodes.get(e.to)!;
  const who = `${issuer.kind === 'missing' ? 'Issuer' : SOURCE_WORDS[issuer.kind]} ${issuer.subject || '(empty subject)'} as issuer of ${child.subject || '(empty subject)'}`;
  const onPaths = e.paths.length ? ` On path${e.paths.length > 1 ? 's' : ''} ${e.paths.map((p) => p + 1).join(', ')}.` : '';
  switch (e.status) {
    case 'accepted':
      return `${who}: accepted${e.chosen ? ', on the path the verdict is about' : ''}.${onPaths}`;
    case 'missing':
      return `${who}: not found — ${e.reason!.text}.`;
    case 'refused':
      return `${who}: refused (${e.reason!.kind}) — ${e.reason!.text}.${onPaths}`;
    default:
      return e.paths.length
        ? `${who}: followed; every path through it was refused (the reason is on the link where it failed).${onPaths}`
        : `${who}: followed, but no path through it reached a trust anchor.`;
  }
}

export function describeNode(n: GraphNode): string {
  const head = n.kind === 'missing' ? `Not found: no certificate named ${n.subject}` : `${SOURCE_WORDS[n.kind]} ${n.subject || '(empty subject)'}`;
  if (n.unused) return `${head}: never a candidate, since no certificate in the search names ${n.subject || 'it'} as its issuer`;
  const chosen = n.chosen ? ', on the path the verdict is about' : '';
  const failures = n.failures.length ? `. Failed: ${n.failures.join('; ')}` : '';
  return `${head}${chosen}${failures}`;
}

export const NODE_KIND_WORDS = SOURCE_WORDS;
