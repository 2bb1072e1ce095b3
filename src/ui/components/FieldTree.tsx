// The decoded fields of one object as a tree of buttons. Hover or focus shows a field's bytes;
// selecting keeps them highlighted and shows the explanation.
import type { FieldNode } from '../../trace/types.ts';

interface Props {
  fields: FieldNode[];
  selected: number[] | null;
  onSelect: (path: number[]) => void;
  onHover: (range: [number, number] | null) => void;
}

export function FieldTree({ fields, selected, onSelect, onHover }: Props) {
  return (
    <ul className="fieldtree" aria-label="Fields" data-testid="fieldtree">
      {fields.map((f, i) => (
        <FieldItem key={i} node={f} path={[i]} selected={selected} onSelect={onSelect} onHover={onHover} />
      ))}
    </ul>
  );
}

function samePath(a: number[] | null, b: number[]): boolean {
  return !!a && a.length === b.length && a.every((x, i) => x === b[i]);
}

function isPrefix(prefix: number[], of: number[] | null): boolean {
  return !!of && prefix.length < of.length && prefix.every((x, i) => x === of[i]);
}

function FieldItem({ node, path, selected, onSelect, onHover }: { node: FieldNode; path: number[] } & Omit<Props, 'fields'>) {
  const isSel = samePath(selected, path);
  const hasKids = !!node.children && node.children.length > 0;
  // Children of the top levels are shown; deeper levels open when on the selected path.
  const open = hasKids && (path.length < 2 || isSel || isPrefix(path, selected));
  return (
    <li>
      <button
        type="button"
        className={isSel ? 'field sel' : 'field'}
        aria-pressed={isSel}
        aria-expanded={hasKids ? open : undefined}
        data-field={node.name}
        onClick={() => onSelect(path)}
        onMouseEnter={() => onHover([node.start, node.end])}
        onMouseLeave={() => onHover(null)}
        onFocus={() => onHover([node.start, node.end])}
        onBlur={() => onHover(null)}
      >
        {/* Which fields hold more: a closed one (a list of suites, the extensions) opens when selected. */}
        <span className="ftoggle" aria-hidden="true">
          {hasKids ? (open ? '▾' : '▸') : ''}
        </span>
        <span className="fname">{node.name}</span>
        {node.value !== undefined && <span className="fvalue">{node.value}</span>}
        <span className="fspan">
          [{node.start}, {node.end})
        </span>
      </button>
      {open && (
        <ul>
          {node.children!.map((c, i) => (
            <FieldItem key={i} node={c} path={[...path, i]} selected={selected} onSelect={onSelect} onHover={onHover} />
          ))}
        </ul>
      )}
    </li>
  );
}

export function fieldAt(fields: FieldNode[], path: number[] | null): FieldNode | undefined {
  if (!path) return undefined;
  let list = fields;
  let node: FieldNode | undefined;
  for (const i of path) {
    node = list[i];
    if (!node) return undefined;
    list = node.children ?? [];
  }
  return node;
}

/** Path of the deepest (narrowest) field containing byte `offset`. */
export function pathForOffset(fields: FieldNode[], offset: number): number[] | null {
  let best: number[] | null = null;
  const walk = (list: FieldNode[], prefix: number[]) => {
    list.forEach((f, i) => {
      if (offset >= f.start && offset < f.end) {
        best = [...prefix, i];
        if (f.children) walk(f.children, [...prefix, i]);
      }
    });
  };
  walk(fields, []);
  return best;
}
