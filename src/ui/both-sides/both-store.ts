// State of the both-sides mode: the two traces as they arrive, their arrival order, the outcome of each side, and
// the worker that runs both engines.
import { create } from 'zustand';
import type { TraceEvent } from '../../trace/types.ts';
import type { BothSidesRequest, FromBothSidesWorker, Side, SideOutcome } from '../../worker/both-sides-messages.ts';
import type { Arrival } from './model.ts';

export interface BothSidesState {
  open: boolean;
  status: 'idle' | 'running' | 'done' | 'failed';
  detail?: string;
  traces: Record<Side, TraceEvent[]>;
  order: Arrival[];
  revision: number;
  outcome?: { client: SideOutcome; server: SideOutcome };
  /** What the running or last run was asked for. */
  request?: BothSidesRequest;
  setOpen(open: boolean): void;
  run(request: BothSidesRequest): void;
}

let worker: Worker | null = null;
let runId = 0;

function onMessage(msg: FromBothSidesWorker) {
  if (msg.id !== runId) return;
  const s = useBothSides.getState();
  switch (msg.type) {
    case 'events': {
      for (const { side, event } of msg.batch) {
        s.order.push({ side, index: s.traces[side].length });
        s.traces[side].push(event);
      }
      useBothSides.setState({ revision: s.revision + 1 });
      break;
    }
    case 'handshake-done':
      useBothSides.setState({ outcome: { client: msg.client, server: msg.server } });
      break;
    case 'finished':
      useBothSides.setState({ status: 'done', detail: msg.detail });
      break;
    case 'failed':
      useBothSides.setState({ status: 'failed', detail: msg.message });
      break;
  }
}

function ensureWorker(): Worker {
  if (worker) return worker;
  worker = new Worker(new URL('../../worker/both-sides.worker.ts', import.meta.url), { type: 'module', name: 'tls-lens-both-sides' });
  worker.onmessage = (e: MessageEvent<FromBothSidesWorker>) => onMessage(e.data);
  worker.onerror = (e) => {
    useBothSides.setState({ status: 'failed', detail: `The engines stopped unexpectedly: ${e.message || 'worker error'}` });
    worker?.terminate();
    worker = null;
  };
  return worker;
}

export const useBothSides = create<BothSidesState>((set, get) => ({
  open: false,
  status: 'idle',
  traces: { client: [], server: [] },
  order: [],
  revision: 0,
  setOpen(open) {
    set({ open });
  },
  run(request) {
    runId++;
    set({ status: 'running', request, detail: 'handshake in progress', traces: { client: [], server: [] }, order: [], outcome: undefined, revision: get().revision + 1 });
    ensureWorker().postMessage({ type: 'run', id: runId, request });
  },
}));
