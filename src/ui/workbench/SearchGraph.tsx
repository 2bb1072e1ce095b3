// The path builder's search drawn as a graph (SVG): certificates as nodes, each candidate issuer as a link
// coloured and labelled by what became of it, the accepted path highlighted, a dashed "not found" node where an
// issuer is nowhere. Every node and link is reachable with Tab and says everything in words (its accessible
// name, and the line under the drawing on hover or focus); Enter on a certificate opens its details.
import { useMemo, useState, type KeyboardEvent } from 'react';
import type { PathSearch } from '../../x509/search.ts';
import './search-graph.css';
import { buildSearchGraph, describeNode, NODE_HEIGHT, NODE_KIND_WORDS, NODE_WIDTH, type GraphEdge, type GraphNode } from './search-graph.ts';

const HINT = 'Point at or focus a certificate or a link to read what the search did there; Enter on a certificate shows its details.';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function edgeLabel(e: GraphEdge): string {
  if (e.status === 'accepted') return e.chosen ? '✓ verdict path' : '✓ accepted';
  if (e.status === 'missing') return 'not found';
  if (e.status === 'refused') return `✗ ${e.reason!.kind}`;
  return 'followed';
}

interface Geometry {
  d: string;
  /** Where the label sits. */
  lx: number;
  ly: number;
}

/** Downward links are straight; a link to the same or an earlier layer (a cycle, a near miss) bends out to the right. */
function geometry(from: GraphNode, to: GraphNode, outOffset: number, inOffset: number): Geometry {
  if (to.layer > from.layer) {
    const x1 = from.x + NODE_WIDTH / 2 + outOffset;
    const y1 = from.y + NODE_HEIGHT;
    const x2 = to.x + NODE_WIDTH / 2 + inOffset;
    const y2 = to.y - 4;
    return { d: `M${x1},${y1} L${x2},${y2}`, lx: (x1 + x2) / 2, ly: (y1 + y2) / 2 };
  }
  const x1 = from.x + NODE_WIDTH;
  const y1 = from.y + NODE_HEIGHT / 2 + outOffset / 3;
  const x2 = to.x + NODE_WIDTH + 4;
  const y2 = to.y + NODE_HEIGHT / 2 + inOffset / 3;
  const cx = Math.max(x1, x2) + 60;
  const cy = (y1 + y2) / 2;
  return { d: `M${x1},${y1} Q${cx},${cy} ${x2},${y2}`, lx: (x1 + 2 * cx + x2) / 4, ly: (y1 + 2 * cy + y2) / 4 };
}

function activate(run: () => void) {
  return (ev: KeyboardEvent) => {
    if (ev.key === 'Enter' || ev.key === ' ') {
      ev.preventDefault();
      run();
    }
  };
}

export function SearchGraph({ search, onSelect }: { search: PathSearch; onSelect: (sha256: string) => void }) {
  const graph = useMemo(() => buildSearchGraph(search), [search]);
  const [info, setInfo] = useState<string | null>(null);
  const [pinned, setPinned] = useState<string | null>(null);
  const [path, setPath] = useState<number | null>(null);
  const byId = useMemo(() => new Map(graph.nodes.map((n) => [n.id, n])), [graph]);
  const highlighted = path === null ? undefined : graph.paths.find((p) => p.index === path);

  // Links leaving (and entering) one node are spread apart so they do not draw over each other.
  const shapes = useMemo(() => {
    const spread = (key: 'from' | 'to') => {
      const groups = new Map<string, GraphEdge[]>();
      for (const e of graph.edges) groups.set(e[key], [...(groups.get(e[key]) ?? []), e]);
      const offset = new Map<string, number>();
      for (const list of groups.values()) list.forEach((e, i) => offset.set(e.id, (i - (list.length - 1) / 2) * Math.min(24, (NODE_WIDTH - 30) / Math.max(1, list.length))));
      return offset;
    };
    const out = spread('from');
    const into = spread('to');
    return new Map(graph.edges.map((e) => [e.id, geometry(byId.get(e.from)!, byId.get(e.to)!, out.get(e.id)!, into.get(e.id)!)]));
  }, [graph, byId]);

  const show = (text: string) => setInfo(text);
  const hide = () => setInfo(null);
  const inPath = (id: string) => !!highlighted && (highlighted.nodes.includes(id) || highlighted.edges.includes(id));
  const outgoing = (n: GraphNode) => graph.edges.filter((e) => e.from === n.id);

  const nodeView = (n: GraphNode) => {
    const words = describeNode(n);
    const open = () => (n.sha256 ? onSelect(n.sha256) : setPinned(words));
    return (
      <g
        key={n.id}
        className={`sg-node ${n.kind}${n.unused ? ' unused' : ''}${n.chosen ? ' chosen' : ''}${n.failures.length ? ' failing' : ''}${inPath(n.id) ? ' hl' : ''}`}
        data-testid="graph-node"
        data-kind={n.kind}
        data-chosen={String(n.chosen)}
        transform={`translate(${n.x},${n.y})`}
        tabIndex={0}
        role="button"
        aria-label={`${words}.${n.sha256 ? ' Enter shows its details.' : ''}`}
        onMouseEnter={() => show(words)}
        onMouseLeave={hide}
        onFocus={() => show(words)}
        onBlur={hide}
        onClick={open}
        onKeyDown={activate(open)}
      >
        <rect width={NODE_WIDTH} height={NODE_HEIGHT} rx={6} />
        <text x={10} y={19} className="sg-title">
          {n.failures.length ? '✗ ' : ''}
          {n.title}
        </text>
        <text x={10} y={36} className="sg-kind">
          {n.kind === 'missing' ? `issuer ${NODE_KIND_WORDS.missing}` : NODE_KIND_WORDS[n.kind]}
          {n.unused ? ' · never a candidate' : ''}
          {n.chosen ? ' · verdict path' : ''}
        </text>
      </g>
    );
  };

  const labelView = (e: GraphEdge) => {
    const g = shapes.get(e.id)!;
    const label = edgeLabel(e);
    const w = 14 + label.length * 6.6;
    const pin = () => setPinned(e.description);
    return (
      <g
        key={`label-${e.id}`}
        className={`sg-label ${e.status}${e.chosen ? ' chosen' : ''}${inPath(e.id) ? ' hl' : ''}`}
        data-testid="graph-edge"
        data-status={e.status}
        data-chosen={String(e.chosen)}
        data-reason={e.reason?.kind ?? ''}
        data-to-kind={byId.get(e.to)!.kind}
        transform={`translate(${g.lx - w / 2},${g.ly - 10})`}
        tabIndex={0}
        role="button"
        aria-label={e.description}
        onMouseEnter={() => show(e.description)}
        onMouseLeave={hide}
        onFocus={() => show(e.description)}
        onBlur={hide}
        onClick={pin}
        onKeyDown={activate(pin)}
      >
        <rect width={w} height={20} rx={10} />
        <text x={w / 2} y={14} textAnchor="middle">
          {label}
        </text>
      </g>
    );
  };

  return (
    <figure className="search-graph" data-testid="search-graph">
      <figcaption id="sg-caption">
        The search as a graph: {plural(graph.nodes.filter((n) => n.kind !== 'missing').length, 'certificate')}, {plural(graph.edges.length, 'candidate link')}
        {graph.omitted ? ` (${graph.omitted} more certificates are listed below, not drawn)` : ''}.
      </figcaption>
      {graph.paths.length > 0 && (
        <div className="sg-paths" role="group" aria-label="Paths that reached a trust anchor">
          {graph.paths.map((p) => (
            <button
              key={p.index}
              type="button"
              data-testid="graph-path"
              data-accepted={String(p.accepted)}
              data-chosen={String(p.chosen)}
              aria-pressed={path === p.index}
              aria-label={`${p.description}. Press to highlight it in the graph.`}
              className={p.accepted ? 'ok' : 'bad'}
              onClick={() => setPath(path === p.index ? null : p.index)}
              onFocus={() => show(p.description)}
              onBlur={hide}
              onMouseEnter={() => show(p.description)}
              onMouseLeave={hide}
            >
              {p.accepted ? '✓' : '✗'} Path {p.index + 1}
              {p.chosen ? ' (verdict)' : ''}
            </button>
          ))}
        </div>
      )}
      <svg
        viewBox={`0 0 ${graph.width + 80} ${graph.height}`}
        width={graph.width + 80}
        height={graph.height}
        role="group"
        aria-labelledby="sg-caption"
        className={highlighted ? 'has-hl' : ''}
        style={{ maxWidth: '100%', height: 'auto' }}
      >
        <defs>
          {(['accepted', 'refused', 'open', 'missing', 'chosen'] as const).map((k) => (
            <marker key={k} id={`sg-arrow-${k}`} className={`sg-arrow ${k}`} viewBox="0 0 10 10" refX={9} refY={5} markerUnits="userSpaceOnUse" markerWidth={11} markerHeight={11} orient="auto">
              <path d="M0,0 L10,5 L0,10 z" />
            </marker>
          ))}
        </defs>
        <g aria-hidden="true">
          {graph.edges.map((e) => (
            <g key={e.id} className={`sg-edge ${e.status}${e.chosen ? ' chosen' : ''}${inPath(e.id) ? ' hl' : ''}`} onMouseEnter={() => show(e.description)} onMouseLeave={hide}>
              <path className="sg-hit" d={shapes.get(e.id)!.d} />
              <path className="sg-line" d={shapes.get(e.id)!.d} markerEnd={`url(#sg-arrow-${e.chosen && e.status === 'accepted' ? 'chosen' : e.status})`} />
            </g>
          ))}
        </g>
        {graph.nodes.map((n) => [nodeView(n), ...outgoing(n).map(labelView)])}
      </svg>
      <p className="sg-info" data-testid="graph-info">
        {info ?? pinned ?? HINT}
      </p>
      <p className="sg-legend muted">
        Links: <span className="ok">green ✓ accepted</span> (thick: the path the verdict is about), <span className="bad">red dashed ✗ refused</span> with the reason (signature, name chaining, AKI/SKI,
        validity, constraints, cycle), grey: followed without reaching an anchor, dotted: issuer not found.
      </p>
    </figure>
  );
}
