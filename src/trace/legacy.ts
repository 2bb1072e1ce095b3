// Traces saved before an event had its own kind said it in a note. Reading such a file turns those notes into
// the typed events today's readers expect, so old files show the same ladder.
import type { TraceEvent } from './types.ts';

/** Before the 'renegotiation' event, the TLS 1.2 engine opened each renegotiation with this note. */
const LEGACY_RENEGOTIATION_STARTED = /^renegotiation #(\d+) (started by the client|requested by the server)/;

export function upgradeLegacyEvents(events: TraceEvent[]): TraceEvent[] {
  return events.map((e) => {
    if (e.kind !== 'note') return e;
    const m = LEGACY_RENEGOTIATION_STARTED.exec(e.text);
    if (!m) return e;
    return { kind: 'renegotiation', index: e.index, t: e.t, conn: e.conn, phase: 'started', number: Number(m[1]), by: m[2].startsWith('started') ? 'client' : 'server' };
  });
}
