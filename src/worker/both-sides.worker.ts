// "Both sides": one side of the run in this worker — our client in one, our server in another — joined by a
// MessageChannel whose port the page hands over with the run (the bytes each side writes cross it; staged attacks tap
// the writer's side). No bridge, no network: the page can be any static host. This side's trace goes to the page
// with causal stamps, so the page can order both sides' events and show each message with its writer's and
// reader's view; at a breakpoint this side waits for the person's decision.
import { TraceRecorder } from '../trace/recorder.ts';
import type { BreakpointName, TraceEvent } from '../trace/types.ts';
import { LamportClock, type PortLike } from '../ui/both-sides/channel.ts';
import type { SideRun } from '../ui/both-sides/sides.ts';
import type { BothSidesDecision, FromBothSidesWorker, Side, SideOutcome, ToBothSidesWorker } from './both-sides-messages.ts';

interface WorkerScope {
  postMessage(message: FromBothSidesWorker): void;
  onmessage: ((ev: { data: ToBothSidesWorker }) => void) | null;
}
const scope = self as unknown as WorkerScope;
const FRAME_MS = 16;
type Message = FromBothSidesWorker extends infer M ? (M extends { id: number; side: Side } ? Omit<M, 'id' | 'side'> : never) : never;

class Run {
  readonly recorder = new TraceRecorder(() => performance.now());
  readonly clock = new LamportClock();
  private queue: { event: TraceEvent; stamp: number }[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  decide: ((d: BothSidesDecision) => void) | null = null;
  retired = false;

  constructor(
    readonly id: number,
    readonly side: Side,
    private readonly port: MessagePort,
  ) {
    this.recorder.subscribe((event) => this.enqueue(event));
  }

  post(msg: Message) {
    if (this.retired) return;
    if (msg.type !== 'events') this.flush();
    scope.postMessage({ ...msg, id: this.id, side: this.side } as FromBothSidesWorker);
  }

  flush() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.post({ type: 'events', batch });
  }

  private enqueue(event: TraceEvent) {
    this.queue.push({ event, stamp: this.clock.tick() });
    if (!this.timer) this.timer = setTimeout(() => this.flush(), FRAME_MS);
  }

  /** A breakpoint: tell the page, wait for its decision. */
  onBreak = (breakpoint: BreakpointName, detail: string): Promise<BothSidesDecision> => {
    if (this.retired) return Promise.resolve('abort');
    this.post({ type: 'paused', breakpoint, detail });
    return new Promise((resolve) => {
      this.decide = (d) => {
        this.decide = null;
        this.post({ type: 'resumed' });
        resolve(d);
      };
    });
  };

  /** A newer run replaces this one: refuse a pending pause, stop talking to the page, let go of the channel. */
  retire() {
    this.decide?.('abort');
    this.retired = true;
    this.port.close();
  }
}

let current: Run | null = null;

/** Each worker loads only its own side's engine (the client's has no server, no certificate maker), once. */
const sides: Record<Side, () => Promise<(run: SideRun) => Promise<void>>> = {
  client: () => import('../ui/both-sides/client-side.ts').then((m) => m.runClientSide),
  server: () => import('../ui/both-sides/server-side.ts').then((m) => m.runServerSide),
};
const loaded: Partial<Record<Side, Promise<(run: SideRun) => Promise<void>>>> = {};
const runnerFor = (side: Side) => (loaded[side] ??= sides[side]());

scope.onmessage = (ev) => {
  const msg = ev.data;
  if (msg.type === 'prepare') {
    void runnerFor(msg.side);
    return;
  }
  if (msg.type === 'decide') {
    if (current?.id === msg.id) current.decide?.(msg.decision);
    return;
  }
  current?.retire();
  const r = (current = new Run(msg.id, msg.side, msg.port));
  const run: SideRun = {
    port: msg.port as unknown as PortLike,
    clock: r.clock,
    recorder: r.recorder,
    request: msg.request,
    hooks: {
      handshakeDone: (outcome: SideOutcome) => r.post({ type: 'handshake-done', outcome }),
      finished: (detail: string) => r.post({ type: 'finished', detail }),
      onBreak: r.onBreak,
    },
  };
  runnerFor(msg.side)
    .then((runSide) => runSide(run))
    .catch((e: unknown) => r.post({ type: 'failed', message: (e as Error).message || String(e) }));
};
