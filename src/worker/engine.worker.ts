// The engine's home off the UI thread: opens the bridge, runs the handshake, forwards trace
// events in batches, and waits at breakpoints for the person's decision.
import { TraceRecorder } from '../trace/recorder.ts';
import type { TraceEvent } from '../trace/types.ts';
import { WebSocketTransport } from '../transport/websocket.ts';
import type { FromWorker, RunMode, ToWorker, ConnectRequest } from './messages.ts';
import { runEngine, type BreakDecision, type BreakInfo, type EngineSession } from './engine-adapter.ts';
import { BRIDGE_SUBPROTOCOL } from '../transport/bridge-protocol.ts';

// Typed narrowly so this file compiles under both the DOM and the WebWorker libraries.
interface WorkerScope {
  postMessage(message: FromWorker): void;
  onmessage: ((ev: { data: ToWorker }) => void) | null;
}
const scope = self as unknown as WorkerScope;

let recorder: TraceRecorder | null = null;
let session: EngineSession | null = null;
let transport: WebSocketTransport | null = null;
let mode: RunMode = 'step';
let decide: ((d: BreakDecision) => void) | null = null;
let request: ConnectRequest | null = null;

// Events go out in batches: one message per task, not one per event.
let queue: TraceEvent[] = [];
let flushTimer: ReturnType<typeof setTimeout> | null = null;
function flush() {
  if (flushTimer) clearTimeout(flushTimer);
  flushTimer = null;
  if (queue.length === 0) return;
  const events = queue;
  queue = [];
  scope.postMessage({ type: 'events', events });
}
function enqueue(e: TraceEvent) {
  queue.push(e);
  if (queue.length >= 500) flush();
  else if (!flushTimer) flushTimer = setTimeout(flush, 0);
}

function status(s: 'connecting' | 'connected' | 'paused' | 'closed' | 'failed', detail?: string) {
  flush();
  scope.postMessage({ type: 'status', status: s, detail });
}

/** At a breakpoint: skip it if the run mode says so, otherwise tell the page and wait. */
function onBreak(info: BreakInfo): Promise<BreakDecision> {
  if (info.breakpoint === 'afterEachMessage' && mode !== 'step') return Promise.resolve('continue');
  if (info.breakpoint === 'clientCertRequest' && request?.clientCert === 'lab') return Promise.resolve({ clientCertificate: 'lab' });
  if (info.breakpoint === 'clientCertRequest' && request?.clientCert === 'none') return Promise.resolve('decline');
  flush();
  scope.postMessage({ type: 'paused', breakpoint: info.breakpoint, detail: info.detail });
  return new Promise((resolve) => {
    decide = (d) => {
      decide = null;
      scope.postMessage({ type: 'resumed' });
      resolve(d);
    };
  });
}

function bridgeQuery(req: ConnectRequest): string {
  return req.scenario ? `scenario=${encodeURIComponent(req.scenario)}` : `target=${encodeURIComponent(req.target ?? '')}`;
}

async function connect(req: ConnectRequest) {
  request = req;
  mode = req.breakpoints.afterEachMessage ? 'step' : 'breakpoint';
  recorder = new TraceRecorder(() => performance.now());
  recorder.subscribe(enqueue);
  const where = req.scenario ? `lab scenario ${req.scenario}` : req.target;
  try {
    status('connecting', `opening the bridge to ${where}`);
    transport = await WebSocketTransport.open(`${req.bridgeUrl}${req.bridgeUrl.includes('?') ? '&' : '?'}${bridgeQuery(req)}`, { protocols: BRIDGE_SUBPROTOCOL });
    status('connecting', 'handshake in progress');
    session = await runEngine(req, transport, recorder, onBreak);
    scope.postMessage({ type: 'summary', summary: session.summary });
    // Stepping is for the handshake: post-handshake messages (tickets, KeyUpdate) run without pauses.
    mode = 'end';
    status('connected', 'handshake complete');
    if (req.sendAfterHandshake) await session.write(new TextEncoder().encode(req.sendAfterHandshake.replace(/\\r\\n|\\n/g, '\r\n')));
    void readLoop(session);
  } catch (e) {
    fail(e as Error);
  }
}

/** A renegotiation runs beside the read loop (the engine shares its reader). A refusal — ours for a server
 * without RFC 5746, or the server's warning no_renegotiation — leaves the connection up; anything else ended it. */
async function renegotiate(s: EngineSession) {
  const eventsBefore = recorder?.events.length ?? 0;
  status('connected', 'renegotiating');
  try {
    await s.renegotiate();
    scope.postMessage({ type: 'summary', summary: s.summary });
    status('connected', 'renegotiation complete');
  } catch (e) {
    const refused = recorder?.events.slice(eventsBefore).some((ev) => ev.kind === 'renegotiation' && ev.phase === 'refused') ?? false;
    if (!refused) fail(e as Error);
    else status('connected', plain(`renegotiation refused: ${(e as Error).message}`));
  }
}

/** Keep reading application data so the trace shows what the server sends, until it closes. */
async function readLoop(s: EngineSession) {
  try {
    for (;;) {
      const data = await s.read();
      if (data === null) break;
    }
    status('closed', 'the connection ended');
  } catch (e) {
    fail(e as Error);
  }
}

/** The read loop and a renegotiation may reject with the same error: report it once. */
let reported: unknown = null;

function fail(e: Error) {
  if (e === reported) return;
  reported = e;
  flush();
  const message = e.message || String(e);
  scope.postMessage({ type: 'error', message: plain(message), code: (e as { code?: string }).code });
  status('failed', plain(message));
  void transport?.close().catch(() => {});
}

function plain(message: string): string {
  return message.charAt(0).toUpperCase() + message.slice(1);
}

scope.onmessage = (ev) => {
  const msg = ev.data;
  switch (msg.type) {
    case 'connect':
      void connect(msg.request);
      break;
    case 'continue':
      mode = msg.mode;
      decide?.('continue');
      break;
    case 'abort':
      if (decide) decide('abort');
      else void session?.close().catch(() => {});
      break;
    case 'client-cert':
      decide?.(msg.choice === 'lab' ? { clientCertificate: 'lab' } : 'decline');
      break;
    case 'send':
      session?.write(new TextEncoder().encode(msg.text)).catch((e) => fail(e));
      break;
    case 'key-update':
      session?.keyUpdate(msg.requestPeer).catch((e) => fail(e));
      break;
    case 'renegotiate':
      if (session) void renegotiate(session);
      break;
    case 'close':
      session?.close().then(() => status('closed', 'closed by you'), (e) => fail(e));
      break;
  }
};
