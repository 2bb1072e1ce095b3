// "Both sides": our client and our server in this one worker, joined by an in-memory pair (src/transport/memory.ts).
// No bridge, no network: the page can be any static host. Each side records its own trace; both go to the page in
// one stream, in the order they were recorded, so the page can show each message with its writer's and reader's view.
//
// One worker for both engines (not two joined by a MessageChannel): the engines' transports are promises over
// in-memory pipes, and one worker keeps their interleaving exact and the start-up cost single.
import { TraceRecorder } from '../trace/recorder.ts';
import type { TraceEvent } from '../trace/types.ts';
import { runBothSides } from '../ui/both-sides/run-both.ts';
import type { FromBothSidesWorker, Side, SideOutcome, ToBothSidesWorker } from './both-sides-messages.ts';

interface WorkerScope {
  postMessage(message: FromBothSidesWorker): void;
  onmessage: ((ev: { data: ToBothSidesWorker }) => void) | null;
}
const scope = self as unknown as WorkerScope;
const FRAME_MS = 16;

class Run {
  readonly traces: Record<Side, TraceRecorder> = { client: new TraceRecorder(() => performance.now()), server: new TraceRecorder(() => performance.now()) };
  private queue: { side: Side; event: TraceEvent }[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  retired = false;

  constructor(readonly id: number) {
    for (const side of ['client', 'server'] as const) this.traces[side].subscribe((event) => this.enqueue(side, event));
  }

  post(msg: FromBothSidesWorker extends infer M ? (M extends { id: number } ? Omit<M, 'id'> : never) : never) {
    if (this.retired) return;
    if (msg.type !== 'events') this.flush();
    scope.postMessage({ ...msg, id: this.id } as FromBothSidesWorker);
  }

  flush() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.post({ type: 'events', batch });
  }

  private enqueue(side: Side, event: TraceEvent) {
    this.queue.push({ side, event });
    if (!this.timer) this.timer = setTimeout(() => this.flush(), FRAME_MS);
  }
}

let current: Run | null = null;

scope.onmessage = (ev) => {
  const msg = ev.data;
  if (msg.type === 'run') {
    if (current) current.retired = true;
    const r = (current = new Run(msg.id));
    const report = { handshakeDone: (client: SideOutcome, server: SideOutcome) => r.post({ type: 'handshake-done', client, server }), finished: (detail: string) => r.post({ type: 'finished', detail }) };
    runBothSides(r.traces, msg.request, report).catch((e) => r.post({ type: 'failed', message: (e as Error).message || String(e) }));
  }
};
