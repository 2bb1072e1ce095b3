// What both sides of a both-sides run share: the run's parts (its end of the channel, clock, trace, request, hooks),
// the control message the server sends first, the versions some attacks need, breakpoints asked through the hooks,
// and how a side words its outcome. Each side's run is its own module (server-side.ts, client-side.ts), so each
// worker loads only its own engine.
import type { TlsConnection } from '../../tls/client.ts';
import type { ServerConnection } from '../../tls/server.ts';
import type { TraceRecorder } from '../../trace/recorder.ts';
import type { BreakpointName } from '../../trace/types.ts';
import type { BothSidesDecision, BothSidesRequest, EarlyDataOutcome, SideOutcome } from '../../worker/both-sides-messages.ts';
import type { LamportClock, PortLike } from './channel.ts';
import type { Leaf } from './pki.ts';

export const TIMEOUT_MS = 15_000;
/** With breakpoints on, one side may wait for a person while the other waits for its bytes. */
export const PAUSABLE_TIMEOUT_MS = 30 * 60_000;

/** What the server tells the client before the handshake: whom to trust and which name to ask for, or that it
 * could not start. */
export type Setup = { k: 'setup'; anchor: Uint8Array; serverName: string; client: Leaf } | { k: 'abort'; code: string; message: string };

export interface SideHooks {
  handshakeDone(outcome: SideOutcome): void;
  finished(detail: string): void;
  /** A breakpoint of this side was reached (its `pause` event is in the trace): what does the person decide? */
  onBreak(breakpoint: BreakpointName, detail: string): Promise<BothSidesDecision>;
}

export interface SideRun {
  port: PortLike;
  clock: LamportClock;
  recorder: TraceRecorder;
  request: BothSidesRequest;
  hooks: SideHooks;
}

/** The versions both sides use: some attacks need one. */
export function effectiveVersions(req: BothSidesRequest): BothSidesRequest['versions'] {
  if (req.attack === 'downgrade') return ['TLS1.3', 'TLS1.2'];
  if (req.attack === 'tampered-finished' || req.attack === 'hrr-loop') return ['TLS1.3'];
  return req.versions;
}

/** The versions our client offers: its own, unless an attack needs some. */
export function clientVersions(req: BothSidesRequest): BothSidesRequest['versions'] {
  return req.attack && ['downgrade', 'tampered-finished', 'hrr-loop'].includes(req.attack) ? effectiveVersions(req) : req.client?.versions ?? req.versions;
}

export function hasBreakpoints(req: BothSidesRequest): boolean {
  const b = req.breakpoints;
  return !!b && [...Object.values(b.client), ...Object.values(b.server)].some(Boolean);
}

export function failure(e: unknown): { code: string; message: string } {
  const err = e as Error & { code?: string };
  return { code: err?.code ?? 'ERROR', message: err?.message || String(e) };
}

export function describe(e: unknown): string {
  const f = failure(e);
  return f.code === 'ERROR' ? f.message : `${f.code}: ${f.message}`;
}

export function outcome(conn: TlsConnection | ServerConnection): SideOutcome {
  return { ok: true, version: conn.summary.version ?? 'unknown', cipherSuite: conn.summary.cipherSuite, group: conn.summary.group, resumed: conn.summary.resumed, ...earlyDataOf(conn) };
}

/** The client's and the server's summaries of 0-RTT in one shape (the server names its reason `refusedBecause`). */
function earlyDataOf(conn: TlsConnection | ServerConnection): { earlyData?: EarlyDataOutcome } {
  const e = conn.summary.earlyData;
  if (!e) return {};
  const reason = 'refusedBecause' in e ? e.refusedBecause : 'reason' in e ? e.reason : undefined;
  return { earlyData: { offered: e.offered, accepted: e.accepted, bytes: e.bytes, ...('resent' in e ? { resent: e.resent } : {}), ...(reason ? { reason } : {}) } };
}

/** Asks the person at each breakpoint of one side, until they choose to run past the afterEachMessage ones. */
export function breakGate(run: SideRun) {
  let stepping = true;
  return async (breakpoint: BreakpointName, eventIndex: number): Promise<BothSidesDecision> => {
    if (breakpoint === 'afterEachMessage' && !stepping) return 'continue';
    const event = run.recorder.events[eventIndex] as { detail?: string } | undefined;
    const decision = await run.hooks.onBreak(breakpoint, event?.detail ?? '');
    if (decision !== 'run-to-end') return decision;
    stepping = false;
    return 'continue';
  };
}

