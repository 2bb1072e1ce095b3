// Both sides in one thread, for the tests and the benchmark's reference: the same side runners the two workers run
// (server-side.ts, client-side.ts), joined by a real MessageChannel, each recording into its own trace with its causal stamps.
import type { TraceRecorder } from '../../trace/recorder.ts';
import type { BothSidesDecision, BothSidesRequest, Side, SideOutcome } from '../../worker/both-sides-messages.ts';
import type { BreakpointName } from '../../trace/types.ts';
import { LamportClock, type PortLike } from './channel.ts';
import { combinedDetail } from './model.ts';
import { runClientSide } from './client-side.ts';
import { runServerSide } from './server-side.ts';

export interface BothSidesReport {
  handshakeDone(client: SideOutcome, server: SideOutcome): void;
  finished(detail: string): void;
  /** Breakpoints (request.breakpoints): what the person decides; absent, every pause continues. */
  onBreak?(side: Side, breakpoint: BreakpointName, detail: string): Promise<BothSidesDecision>;
}

/** Runs both sides; `stamps` (if given) receives each side's events' causal stamps, index by index. */
export async function runBothSides(traces: Record<Side, TraceRecorder>, req: BothSidesRequest, report: BothSidesReport, stamps?: Record<Side, number[]>): Promise<void> {
  const { port1, port2 } = new MessageChannel();
  const outcomes: Partial<Record<Side, SideOutcome>> = {};
  const details: Partial<Record<Side, string>> = {};
  const side = (s: Side) => {
    const clock = new LamportClock();
    traces[s].subscribe(() => {
      const stamp = clock.tick();
      stamps?.[s].push(stamp);
    });
    return {
      port: (s === 'client' ? port1 : port2) as unknown as PortLike,
      clock,
      recorder: traces[s],
      request: req,
      hooks: {
        handshakeDone(o: SideOutcome) {
          outcomes[s] = o;
          if (outcomes.client && outcomes.server) report.handshakeDone(outcomes.client, outcomes.server);
        },
        finished(d: string) {
          details[s] = d;
        },
        onBreak: (breakpoint: BreakpointName, detail: string) => report.onBreak?.(s, breakpoint, detail) ?? Promise.resolve<BothSidesDecision>('continue'),
      },
    };
  };
  try {
    await Promise.all([runServerSide(side('server')), runClientSide(side('client'))]);
  } finally {
    port1.close();
    port2.close();
  }
  report.finished(combinedDetail(details.server ?? 'server: no report', details.client ?? 'client: no report'));
}
