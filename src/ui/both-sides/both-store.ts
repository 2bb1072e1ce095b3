// State of the both-sides mode: the two traces as they arrive with their causal stamps, each side's outcome and end,
// a pause on either side, and the two workers (our client in one, our server in the other) joined for each run by a
// fresh MessageChannel.
import { create } from 'zustand';
import type { BreakpointName, TraceEvent } from '../../trace/types.ts';
import type { BothSidesDecision, BothSidesRequest, FromBothSidesWorker, Side, SideOutcome } from '../../worker/both-sides-messages.ts';
import { combinedDetail } from './model.ts';

export interface SidePause {
  breakpoint: BreakpointName;
  detail: string;
}

export interface BothSidesState {
  open: boolean;
  status: 'idle' | 'running' | 'done' | 'failed';
  detail?: string;
  traces: Record<Side, TraceEvent[]>;
  /** Each event's causal stamp, index by index (model.ts mergeByStamp orders both sides with them). */
  stamps: Record<Side, number[]>;
  revision: number;
  outcomes: Partial<Record<Side, SideOutcome>>;
  /** Set once both sides reported their handshake's end. */
  outcome?: { client: SideOutcome; server: SideOutcome };
  finished: Partial<Record<Side, string>>;
  paused: Partial<Record<Side, SidePause>>;
  /** What the running or last run was asked for. */
  request?: BothSidesRequest;
  setOpen(open: boolean): void;
  /** Start both workers and load their engines ahead of the first run. */
  prepare(): void;
  run(request: BothSidesRequest): void;
  decide(side: Side, decision: BothSidesDecision): void;
}

const workers: Partial<Record<Side, Worker>> = {};
let runId = 0;

function onMessage(msg: FromBothSidesWorker) {
  if (msg.id !== runId) return;
  const s = useBothSides.getState();
  const side = msg.side;
  switch (msg.type) {
    case 'events': {
      for (const { event, stamp } of msg.batch) {
        s.traces[side].push(event);
        s.stamps[side].push(stamp);
      }
      useBothSides.setState({ revision: s.revision + 1 });
      break;
    }
    case 'handshake-done': {
      const outcomes = { ...s.outcomes, [side]: msg.outcome };
      useBothSides.setState({ outcomes, outcome: outcomes.client && outcomes.server ? { client: outcomes.client, server: outcomes.server } : undefined });
      break;
    }
    case 'paused':
      useBothSides.setState({ paused: { ...s.paused, [side]: { breakpoint: msg.breakpoint, detail: msg.detail } } });
      break;
    case 'resumed':
      useBothSides.setState({ paused: { ...s.paused, [side]: undefined } });
      break;
    case 'finished': {
      const finished = { ...s.finished, [side]: msg.detail };
      if (finished.client && finished.server) useBothSides.setState({ finished, status: 'done', detail: combinedDetail(finished.server, finished.client) });
      else useBothSides.setState({ finished });
      break;
    }
    case 'failed':
      useBothSides.setState({ status: 'failed', detail: `the ${side}: ${msg.message}`, paused: {} });
      break;
  }
}

function ensureWorker(side: Side): Worker {
  const existing = workers[side];
  if (existing) return existing;
  const worker = new Worker(new URL('../../worker/both-sides.worker.ts', import.meta.url), { type: 'module', name: `tls-lens-both-sides-${side}` });
  worker.onmessage = (e: MessageEvent<FromBothSidesWorker>) => onMessage(e.data);
  worker.onerror = (e) => {
    useBothSides.setState({ status: 'failed', detail: `The ${side}'s engine stopped unexpectedly: ${e.message || 'worker error'}`, paused: {} });
    worker.terminate();
    delete workers[side];
  };
  workers[side] = worker;
  worker.postMessage({ type: 'prepare', side });
  return worker;
}

export const useBothSides = create<BothSidesState>((set, get) => ({
  open: false,
  status: 'idle',
  traces: { client: [], server: [] },
  stamps: { client: [], server: [] },
  revision: 0,
  outcomes: {},
  finished: {},
  paused: {},
  setOpen(open) {
    set({ open });
  },
  prepare() {
    ensureWorker('server');
    ensureWorker('client');
  },
  run(request) {
    runId++;
    set({ status: 'running', request, detail: 'handshake in progress', traces: { client: [], server: [] }, stamps: { client: [], server: [] }, outcomes: {}, outcome: undefined, finished: {}, paused: {}, revision: get().revision + 1 });
    // A fresh channel for each run: the client's end to one worker, the server's to the other.
    const { port1, port2 } = new MessageChannel();
    ensureWorker('server').postMessage({ type: 'run', id: runId, side: 'server', request, port: port2 }, [port2]);
    ensureWorker('client').postMessage({ type: 'run', id: runId, side: 'client', request, port: port1 }, [port1]);
  },
  decide(side, decision) {
    set({ paused: { ...get().paused, [side]: undefined } });
    workers[side]?.postMessage({ type: 'decide', id: runId, decision });
  },
}));
