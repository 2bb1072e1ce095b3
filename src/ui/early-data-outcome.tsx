// What became of the Connect form's early data, under the status line once the handshake is done: sent as 0-RTT and
// accepted, refused (and resent after the handshake), or not sent as 0-RTT at all, each with the engine's reason.
import { useTrace } from './store.ts';
import type { ConnectionSummary } from '../worker/messages.ts';

type EarlyData = NonNullable<ConnectionSummary['earlyData']>;

const bytes = (n: number) => `${n} byte${n === 1 ? '' : 's'}`;

export function earlyDataWords(e: EarlyData): string {
  const why = e.reason ? `: ${e.reason}` : '';
  if (e.offered && e.accepted) {
    const rest = e.resent > 0 ? `; the ${bytes(e.resent)} beyond the ticket's limit went after the handshake` : '';
    return `0-RTT accepted: the server read ${bytes(e.bytes)} of early data before the handshake ended${rest}`;
  }
  if (e.offered) return `0-RTT refused${why}. The ${bytes(e.resent)} were sent again after the handshake, as ordinary application data`;
  return `Early data not sent as 0-RTT${why}. The ${bytes(e.resent)} went after the handshake, as ordinary application data`;
}

/** The line, for a live connection whose request had early data (its summary comes with 'connected'). */
export function EarlyDataOutcome() {
  const early = useTrace((s) => (s.source === 'live' ? s.summary?.earlyData : undefined));
  if (!early) return null;
  return (
    <p className={`early-data-outcome ${early.accepted ? 'ok' : 'lost'}`} data-testid="early-data-outcome" role="status">
      {earlyDataWords(early)}
    </p>
  );
}
