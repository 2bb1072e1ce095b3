// The "Both sides" ladder (each message once, as written and as read) and the two key schedules side by side.
import { useMemo } from 'react';
import type { Side } from '../../worker/both-sides-messages.ts';
import { DataTable } from '../components/DataTable.tsx';
import { ladderPositions, mergeByStamp, pairMessages, pairSecrets, type LadderPair } from './model.ts';
import { useBothSides } from './both-store.ts';
import { isClosureAlert } from '../rows.ts';

/** A closure alert (close_notify, user_canceled): the connection's orderly end, not drawn as an error. */
function closure(p: LadderPair): boolean {
  const m = p.writer ?? p.reader;
  return m?.kind === 'alert' && isClosureAlert(m.name);
}

function short(hex: string | null): string {
  if (hex === null) return '—';
  return hex.length > 24 ? `${hex.slice(0, 12)}…${hex.slice(-8)}` : hex;
}

/** The ladder's rows, and where each side is at each row (for the calls at that step). */
export function useLadder(): { pairs: LadderPair[]; positions: Record<Side, number>[] } {
  const traces = useBothSides((s) => s.traces);
  const stamps = useBothSides((s) => s.stamps);
  const revision = useBothSides((s) => s.revision);
  return useMemo(() => {
    const order = mergeByStamp(stamps);
    const pairs = pairMessages(traces, order);
    return { pairs, positions: ladderPositions(pairs, traces, order) };
  }, [traces, stamps, revision]);
}

export function Ladder({ step, onStep }: { step: number | null; onStep: (i: number) => void }) {
  const { pairs } = useLadder();
  const running = useBothSides((s) => s.status === 'running');
  if (pairs.length === 0) return null;
  const current = step ?? (running ? pairs.length - 1 : 0);
  return (
    <section aria-labelledby="both-ladder-title" className="both-section">
      <h2 id="both-ladder-title">Messages: each once, as written and as read</h2>
      <DataTable className="both-ladder" testId="both-ladder" columns={['Step (both programs’ calls)', 'Client', 'Message', 'Server', 'Same bytes on both sides']}>
        {pairs.map((p, i) => {
          const writer = p.writer ? `wrote it (event ${p.writer.index})` : 'never wrote it: the wire made it';
          const reader = p.reader ? `read it (event ${p.reader.index})` : 'never read it';
          return (
            <tr key={i} className={`both-row from-${p.from} ${p.kind}${closure(p) ? ' closure' : ''}${p.writer ? '' : ' by-wire'}${current === i ? ' current' : ''}`} data-testid="both-row" data-from={p.from} data-name={p.name} data-read={p.reader ? 'yes' : 'no'} data-written={p.writer ? 'yes' : 'no'}>
              <th scope="row">
                <button type="button" aria-pressed={current === i} onClick={() => onStep(i)} data-testid="both-step" title="Show both programs’ API calls at this message">
                  Step {i + 1}
                </button>
              </th>
              <td>{p.from === 'client' ? writer : reader}</td>
              <td className="both-msg">
                {p.from === 'client' ? `${p.name} →` : `← ${p.name}`}
                {p.writer && 'epoch' in p.writer && <span className="muted"> ({p.writer.epoch})</span>}
              </td>
              <td>{p.from === 'server' ? writer : reader}</td>
              <td className={p.same === false ? 'bad' : p.same ? 'ok' : 'muted'}>{p.same === null ? '—' : p.same ? 'yes' : 'no'}</td>
            </tr>
          );
        })}
      </DataTable>
    </section>
  );
}

export function Secrets() {
  const traces = useBothSides((s) => s.traces);
  const revision = useBothSides((s) => s.revision);
  const pairs = useMemo(() => pairSecrets(traces), [traces, revision]);
  if (pairs.length === 0) return null;
  const equal = pairs.filter((p) => p.verdict === 'equal').length;
  const different = pairs.filter((p) => p.verdict === 'different');
  return (
    <section aria-labelledby="both-keys-title" className="both-section">
      <h2 id="both-keys-title">Key schedules side by side</h2>
      <p data-testid="both-keys-summary">
        {equal} of {pairs.length} values equal on both sides
        {different.length > 0 ? `; they diverge first at ${different[0].name}` : ''}.
      </p>
      <DataTable className="both-keys" testId="both-keys" columns={['Value', 'Client', 'Server', 'Verdict']}>
        {pairs.map((p) => (
          <tr key={`${p.name}#${p.occurrence}`} data-testid="both-key" data-name={p.name} data-verdict={p.verdict}>
            <th scope="row">
              {p.name}
              {p.occurrence > 0 ? ` (#${p.occurrence + 1})` : ''}
            </th>
            <td className="mono" title={p.client ?? undefined}>{short(p.client)}</td>
            <td className="mono" title={p.server ?? undefined}>{short(p.server)}</td>
            <td className={p.verdict === 'equal' ? 'ok' : 'bad'}>{p.verdict}</td>
          </tr>
        ))}
      </DataTable>
    </section>
  );
}
