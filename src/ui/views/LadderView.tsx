// The ladder: client on the left, server on the right, one arrow per message coloured by epoch,
// the STARTTLS plaintext lane, breakpoints and errors as markers, the current step highlighted.
import { memo, useCallback } from 'react';
import { useTrace } from '../store.ts';
import { VirtualList } from '../components/VirtualList.tsx';
import type { Row } from '../rows.ts';

export const LADDER_ROW_HEIGHT = 30;

export const LadderView = memo(function LadderView() {
  useTrace((s) => s.revision);
  const cursor = useTrace((s) => s.cursor);
  const rows = useTrace.getState().rows;
  const setCursor = useTrace((s) => s.setCursor);
  const presenter = useTrace((s) => s.presenter);
  // Following the newest row of a live trace (the view stays where a person scrolled it).
  const follow = useTrace((s) => s.follow && s.source === 'live');

  const renderRow = useCallback((i: number) => <LadderRow row={rows[i]} index={i} selected={i === cursor} onPick={setCursor} />, [rows, cursor, setCursor]);

  return (
    <section className="ladder" aria-label="Message ladder">
      <div className="ladder-head" aria-hidden="true">
        <span>Client</span>
        <span />
        <span>Server</span>
      </div>
      {rows.length === 0 ? (
        <p className="empty">The ladder fills in as messages cross the wire.</p>
      ) : (
        <VirtualList count={rows.length} rowHeight={presenter ? 48 : LADDER_ROW_HEIGHT} renderRow={renderRow} activeIndex={cursor} follow={follow} label="Messages, one per step" testId="ladder-list" />
      )}
      <div className="legend" aria-label="Epoch colours">
        <span className="ep-plaintext">plaintext</span> <span className="ep-early">early data keys</span> <span className="ep-handshake">handshake keys</span> <span className="ep-application">application keys</span> <span className="ep-preamble">STARTTLS plaintext lane</span>
      </div>
    </section>
  );
});

/** What a row draws of itself: a new session's rows are new objects, but most are drawn
 * as the previous session's were (the same handshake) and need no render. */
function sameDrawing(a: Props, b: Props): boolean {
  const r = a.row;
  const s = b.row;
  const rowSame = r === s || (r.kind === s.kind && r.label === s.label && r.epoch === s.epoch && r.side === s.side && r.ok === s.ok && r.flight === s.flight && r.flightStart === s.flightStart && r.notAdvertised === s.notAdvertised);
  return rowSame && a.index === b.index && a.selected === b.selected && a.onPick === b.onPick;
}

type Props = { row: Row; index: number; selected: boolean; onPick: (i: number) => void };

// Memoised: moving the cursor re-renders two rows, not the whole window.
const LadderRow = memo(function LadderRow({ row, index, selected, onPick }: Props) {
  // Every client flight is labelled, the first too (the "Connecting" marker before it has its number: comparing with
  // the row before left the ClientHello without "RTT 1" while the later flights had theirs).
  const newFlight = !!row.flightStart;
  const cls = ['lrow', `k-${row.kind}`, row.kind === 'preamble' ? 'ep-preamble' : `ep-${row.epoch}`, selected ? 'current' : '', row.ok === true ? 'passed' : '', row.side ? `from-${row.side}` : 'marker', row.notAdvertised ? 'not-advertised' : '', row.closure ? 'closure' : ''].join(' ');
  const title = row.side ? `${index + 1}. ${row.label}, ${row.side} to ${row.side === 'client' ? 'server' : 'client'}, ${row.kind === 'preamble' ? 'STARTTLS plaintext' : row.epoch + ' epoch'}` : `${index + 1}. ${row.label}`;
  return (
    <button type="button" className={cls} title={row.label} aria-current={selected ? 'step' : undefined} aria-label={title} onClick={() => onPick(index)} data-row={index} data-kind={row.kind}>
      <span className="rtt">{newFlight ? `RTT ${row.flight}` : ''}</span>
      {row.side ? (
        <span className="arrow">
          <span className="arrow-label">{row.label}</span>
          <span className="arrow-line" aria-hidden="true" />
        </span>
      ) : (
        <span className="marker-label">{row.label}</span>
      )}
    </button>
  );
}, sameDrawing);
