// Hex dump of one object's bytes, 16 per line, with a highlighted [start, end) range.
// Clicking a byte reports its offset so the field tree can select the field that owns it.
import { memo, useCallback } from 'react';
import { VirtualList } from './VirtualList.tsx';
import { byteAt, byteLength } from '../format.ts';
import { useTrace } from '../store.ts';

const PER_LINE = 16;

interface Props {
  hex: string;
  highlight?: [number, number] | null;
  onByte?: (offset: number) => void;
  label: string;
}

export function HexDump({ hex, highlight, onByte, label }: Props) {
  const lineHeight = useTrace((s) => (s.presenter ? 30 : 20));
  const size = byteLength(hex);
  const lines = Math.ceil(size / PER_LINE);
  const [hs, he] = highlight ?? [-1, -1];

  const renderLine = useCallback(
    (line: number) => {
      const start = line * PER_LINE;
      const end = Math.min(size, start + PER_LINE);
      // Only the part of the highlight on this line is passed, so unaffected lines skip re-rendering.
      const from = Math.max(hs, start);
      const to = Math.min(he, end);
      return <HexLine hex={hex} start={start} end={end} from={from < to ? from : -1} to={from < to ? to : -1} />;
    },
    [hex, hs, he, size],
  );

  const onClick = (e: React.MouseEvent) => {
    const t = (e.target as HTMLElement).closest('[data-offset]');
    if (t && onByte) onByte(Number(t.getAttribute('data-offset')));
  };

  return (
    <div className="hexdump" onClick={onClick} data-testid="hexdump" style={{ height: Math.min(16, Math.max(lines, 1)) * lineHeight + 4 }}>
      <VirtualList count={lines} rowHeight={lineHeight} renderRow={renderLine} activeIndex={hs >= 0 ? Math.floor(hs / PER_LINE) : undefined} label={label} role="region" />
    </div>
  );
}

const HexLine = memo(function HexLine({ hex, start, end, from, to }: { hex: string; start: number; end: number; from: number; to: number }) {
  const cells = [];
  let ascii = '';
  for (let i = start; i < end; i++) {
    const b = byteAt(hex, i);
    cells.push(
      <span key={i} data-offset={i} className={i >= from && i < to ? 'byte on' : 'byte'}>
        {b}
      </span>,
    );
    const c = parseInt(b, 16);
    ascii += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.';
  }
  return (
    <div className="hexline">
      <span className="hexoff">{start.toString(16).padStart(4, '0')}</span>
      <span className="hexbytes">{cells}</span>
      <span className="hexascii" aria-hidden="true">{ascii}</span>
    </div>
  );
});
