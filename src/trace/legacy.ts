// Traces saved before an event had its own kind said it in a note, and older pauses carry the engine's former
// breakpoint names. Reading such a file turns those notes and names into
// the typed events today's readers expect, so old files show the same ladder.
import type { BreakpointName, TraceEvent } from './types.ts';

/** Before the 'renegotiation' event, the TLS 1.2 engine opened each renegotiation with this note. */
const LEGACY_RENEGOTIATION_STARTED = /^renegotiation #(\d+) (started by the client|requested by the server)/;

/** The engine's own breakpoint names before the trace, the options and the page shared one spelling. */
const LEGACY_BREAKPOINTS: Record<string, BreakpointName> = {
  message: 'afterEachMessage',
  'server-auth': 'serverAuth',
  'client-cert-request': 'clientCertRequest',
};

export function upgradeLegacyEvents(events: TraceEvent[]): TraceEvent[] {
  return events.map((e) => {
    // A malformed entry is left for trace-check to name.
    if (!e || typeof e !== 'object') return e;
    if (e.kind === 'pause') {
      // Own keys only: a file's breakpoint may be "constructor", which every object answers.
      const name = Object.hasOwn(LEGACY_BREAKPOINTS, e.breakpoint) ? LEGACY_BREAKPOINTS[e.breakpoint] : undefined;
      return name ? { ...e, breakpoint: name } : e;
    }
    if (e.kind !== 'note') return e;
    const m = LEGACY_RENEGOTIATION_STARTED.exec(e.text);
    if (!m) return e;
    return { kind: 'renegotiation', index: e.index, t: e.t, conn: e.conn, phase: 'started', number: Number(m[1]), by: m[2].startsWith('started') ? 'client' : 'server' };
  });
}
