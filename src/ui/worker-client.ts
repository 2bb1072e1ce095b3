// The page's handle on the engine worker: sends commands, feeds trace events into the store.
// One worker lives as long as the page and serves every connection (a fresh one per Connect cost more than the
// handshake); each Connect has an id, and messages about an earlier connection are dropped.
import { eventsFromWorker, type ConnectRequest, type FromWorker, type RunMode, type ToWorker } from '../worker/messages.ts';
import type { TraceEvent } from '../trace/types.ts';
import { formKeptHidden, setConnectPending, useTrace, type TraceState } from './store.ts';

import { sessionAnchors } from './session.ts';
import { adoptBootWorker, type BootConnection } from './engine-boot.ts';
import type { LabFiles } from './lab.ts';
import type { LabCertState } from './breakpoint-words.ts';

let worker: Worker | null = null;
let lastRequest: ConnectRequest | null = null;
/** Whether the shown connection has the lab's client certificate to send, for the client-certificate breakpoint. */
let labCert: LabCertState = 'missing';
/** The id of the connection the view shows (0: none yet). */
let connectionId = 0;
/** Waiting for the worker's full trace of the shown connection. */
let fullTraceWaiters: ((events: TraceEvent[] | null) => void)[] = [];
/** Event batches not yet in the store (read as they arrive: a batch held undrawn is read while the
 * page waits for the handshake): the page takes them in once per frame, however many the worker sent
 * meanwhile (a busy page draws once, not once per batch). Any other message takes them in first, in order. */
let pendingEvents: TraceEvent[][] = [];
let takeInScheduled = false;
/** When events were last taken in (performance.now()). */
let lastTakeIn = 0;
/** Once the handshake is done, application data may stream: the views then follow it a few times a second, not
 * every frame (each take-in draws the ladder and the newest record again; at every frame that cost the page more
 * than the transfer itself). Statuses and pauses still take everything in at once. */
const STREAMING_TAKE_IN_MS = 100;

function takeInEvents() {
  takeInWith();
}

/** Take in the waiting events, and `also` (status, pause...) in the same store update. */
function takeInWith(also?: Partial<TraceState>) {
  takeInScheduled = false;
  if (pendingEvents.length === 0) {
    if (also) useTrace.setState(also);
    return;
  }
  const events = pendingEvents.length === 1 ? pendingEvents[0] : pendingEvents.flat();
  pendingEvents = [];
  lastTakeIn = performance.now();
  useTrace.getState().append(events, also);
}

function scheduleTakeIn() {
  if (takeInScheduled) return;
  takeInScheduled = true;
  const streaming = useTrace.getState().status === 'connected';
  const wait = streaming ? lastTakeIn + STREAMING_TAKE_IN_MS - performance.now() : 0;
  if (wait > 0) setTimeout(takeInEvents, wait);
  else requestAnimationFrame(takeInEvents);
  // A hidden page gets no frames: take them in anyway.
  setTimeout(takeInEvents, Math.max(wait, 250));
}

function ensureWorker(): Worker {
  if (worker) return worker;
  worker = adoptBootWorker() ?? new Worker(new URL('../worker/engine.worker.ts', import.meta.url), { type: 'module', name: 'tls-lens-engine' });
  worker.onmessage = (e: MessageEvent<FromWorker>) => onMessage(e.data);
  worker.onerror = (e) => {
    // A Connect not drawn yet is drawn first: the failure is its status, and a later draw would clear it.
    drawConnect();
    const s = useTrace.getState();
    s.setError(`The engine stopped unexpectedly: ${e.message || 'worker error'}`);
    s.setStatus('failed');
    // Start the next Connect in a new worker rather than in one that failed.
    worker?.terminate();
    worker = null;
  };
  return worker;
}

function post(msg: ToWorker) {
  ensureWorker().postMessage(msg);
}

/**
 * A Connect the page has not drawn yet (connect's `drawWhenNeeded`). Until the connection has more to show than
 * "connecting" (a pause, an error, the handshake done) or DRAW_CONNECTING_AFTER_MS pass, the page keeps what it shows
 * (only the status line and the Connect button say it is connecting) and its events wait here. A handshake with a near server is done in
 * a few tens of milliseconds: drawing the empty "connecting" views meanwhile (the previous session cleared, the form
 * gone, the page laid out, painted and rastered again) cost more than the handshake on a busy machine, where that
 * work competes with the bridge and the worker for the CPU (bench/browser.ts, docs/app-connect.md).
 */
let undrawn: { target?: string; detail: string; timer: ReturnType<typeof setTimeout>; keepForm: boolean } | null = null;
/** Below the tenth of a second a person takes as instant (the status line itself changes at once). */
const DRAW_CONNECTING_AFTER_MS = 100;

/** Show the new connection: the previous session cleared, the status "connecting" (or `also`'s: a status message's
 * that comes with the draw), the events so far, in one store update (each runs every view's selector). */
function drawConnect(also?: Partial<TraceState>) {
  if (!undrawn) return;
  const { target, detail, timer, keepForm } = undrawn;
  undrawn = null;
  clearTimeout(timer);
  const s = useTrace.getState();
  // The form whose Connect this is stays mounted, hidden (removing it cost most of this render).
  const form = keepForm ? formKeptHidden(s) : { showConnect: false, connectFormKept: false };
  const events = pendingEvents.flat();
  pendingEvents = [];
  if (events.length > 0) lastTakeIn = performance.now();
  s.reset('live', target, { status: 'connecting', statusDetail: detail, ...form, ...also }, events);
}

/** A connection the page ended on purpose once it had what it wanted (the workbench's fetch of a server's chain):
 * the error its abort raises stays in the trace, but the page shows the end as the close it is, not as a failure. */
let stoppedOnPurpose: { id: number; detail: string } | null = null;

/** What a status message sets in the store. */
function statusState(msg: Extract<FromWorker, { type: 'status' }>): Partial<TraceState> {
  if (msg.status === 'failed' && stoppedOnPurpose?.id === msg.id) return { status: 'closed', statusDetail: stoppedOnPurpose.detail, pause: undefined };
  return { status: msg.status, statusDetail: msg.detail, ...(msg.summary ? { summary: msg.summary } : {}), ...(msg.status !== 'paused' ? { pause: undefined } : {}) };
}

function onMessage(msg: FromWorker) {
  if (msg.id !== connectionId) return;
  if (undrawn) {
    if (msg.type === 'events') return void pendingEvents.push(eventsFromWorker(msg.events));
    if (msg.type === 'status' && msg.status === 'connecting' && !msg.events) return void (undrawn.detail = msg.detail ?? undrawn.detail);
    if (msg.type === 'status') {
      // The usual end of a quick handshake ('connected'): drawn with its events and status in one update.
      if (msg.events) pendingEvents.push(eventsFromWorker(msg.events));
      return drawConnect(statusState(msg));
    }
    drawConnect();
  }
  if (msg.type === 'events') {
    pendingEvents.push(eventsFromWorker(msg.events));
    return scheduleTakeIn();
  }
  if (msg.type === 'status') {
    // The events it carries, the status, summary and pause in one store update.
    if (msg.events) pendingEvents.push(eventsFromWorker(msg.events));
    return takeInWith(statusState(msg));
  }
  takeInEvents();
  const s = useTrace.getState();
  switch (msg.type) {
    case 'full-trace': {
      const waiters = fullTraceWaiters;
      fullTraceWaiters = [];
      for (const w of waiters) w(msg.events);
      break;
    }
    case 'paused':
      s.setPause({ breakpoint: msg.breakpoint, detail: msg.detail });
      s.setStatus('paused', msg.detail);
      break;
    case 'resumed':
      s.setPause(undefined);
      s.setStatus('connecting');
      break;
    case 'error':
      if (stoppedOnPurpose?.id !== msg.id) s.setError(msg.message);
      break;
  }
}

export const engine = {
  /** Start the worker ahead of the first Connect (it loads and compiles the engine meanwhile). */
  warmUp() {
    ensureWorker();
  },
  /**
   * Start a connection. `labFiles`: the lab's files still being fetched (anchors to add, the lab client
   * certificate): the worker starts at once and gets them when they are here. `drawWhenNeeded`: leave the page as it
   * is until the connection has more to show than "connecting" or DRAW_CONNECTING_AFTER_MS pass (see `undrawn`);
   * otherwise the store is reset at once (a caller that watches it for this connection needs that).
   */
  connect(
    request: ConnectRequest,
    labFiles?: Promise<LabFiles>,
    options: { drawWhenNeeded?: boolean; started?: BootConnection } = {},
  ) {
    // The worker ends the previous connection and starts this one with nothing carried over.
    lastRequest = request;
    // `started`: the page's boot script sent this connect before the app loaded (engine-boot.ts); shown from here.
    const { started } = options;
    connectionId = started ? started.id : connectionId + 1;
    const id = connectionId;
    labCert = labFiles ? 'loading' : request.labClientCert ? 'loaded' : 'missing';
    if (labFiles) {
      request = { ...request, labFilesPending: true };
      void labFiles.then((files) => {
        if (id !== connectionId) return;
        lastRequest = { ...lastRequest!, anchorsPem: [...files.anchorsPem, ...lastRequest!.anchorsPem], labClientCert: files.labClientCert };
        labCert = files.labClientCert ? 'loaded' : 'missing';
        // A breakpoint shown meanwhile says so.
        const { pause, setPause } = useTrace.getState();
        if (pause) setPause({ ...pause });
        post({ type: 'lab-files', id, ...files });
      });
    }
    // The worker starts first: the page's own work (the store reset and the render it causes) then runs while the
    // bridge opens, not before it.
    if (!started) post({ type: 'connect', id, request });
    pendingEvents = [];
    for (const w of fullTraceWaiters.splice(0)) w(null);
    if (undrawn) clearTimeout(undrawn.timer);
    const target = request.scenario ? `scenario ${request.scenario}` : request.target;
    undrawn = { target, detail: 'opening the bridge', timer: setTimeout(drawConnect, DRAW_CONNECTING_AFTER_MS), keepForm: options.drawWhenNeeded === true };
    if (started) {
      // The connection in flight is drawn at once with every message the boot script kept for it.
      drawConnect();
      ensureWorker();
      for (const m of started.messages) onMessage(m);
      return;
    }
    if (!options.drawWhenNeeded) return drawConnect();
    // The status line's data-status says so at once, without drawing anything: whoever watches it never takes the
    // previous session's status for this one's. Everything else, its words included, keeps the previous session
    // until the draw: setting the store's status here drew the stepper, the send bar, the header's buttons and the
    // inspector again for the previous session's trace, and the status line's words and progress bar cost a frame of
    // their own, while the bridge opened (layout, paint and raster took the machine's cores from the bridge and the
    // server). A connection that takes longer than DRAW_CONNECTING_AFTER_MS says "connecting" then.
    setConnectPending(true);
  },
  /** Connect again with the same request and the session's current trust anchors. */
  reconnect() {
    if (!lastRequest) return;
    const anchors = [...new Set([...lastRequest.anchorsPem, ...sessionAnchors()])];
    engine.connect({ ...lastRequest, anchorsPem: anchors });
  },
  continueRun(mode: RunMode) {
    useTrace.setState({ follow: true });
    post({ type: 'continue', mode });
  },
  abort() {
    post({ type: 'abort' });
  },
  /** End the shown connection because the page has what it wanted from it; `detail` says so on the status line. */
  stopOnPurpose(detail: string) {
    stoppedOnPurpose = { id: connectionId, detail };
    post({ type: 'abort' });
  },
  /** Whether the lab's client certificate is at hand for the shown connection (the client-certificate breakpoint's words). */
  get labClientCert(): LabCertState {
    return labCert;
  },
  clientCert(choice: 'lab' | 'decline') {
    post({ type: 'client-cert', choice });
  },
  send(text: string) {
    post({ type: 'send', text });
  },
  keyUpdate(requestPeer: boolean) {
    post({ type: 'key-update', requestPeer });
  },
  renegotiate() {
    post({ type: 'renegotiate' });
  },
  close() {
    post({ type: 'close' });
  },
  /** The shown connection's whole trace from the worker (the page's copy summarises long transfers); null when
   * that connection was replaced. */
  fullTrace(): Promise<TraceEvent[] | null> {
    // Not yet drawn: the page still shows the previous connection, which the worker has let go.
    if (!worker || connectionId === 0 || undrawn) return Promise.resolve(null);
    return new Promise((resolve) => {
      fullTraceWaiters.push(resolve);
      post({ type: 'full-trace' });
    });
  },
  get running() {
    return worker !== null;
  },
  /** A Connect was pressed and is not drawn yet (at most DRAW_CONNECTING_AFTER_MS): the Connect form refuses another
   * press meanwhile (the page shows nothing of the first one yet; a second would only replace it). */
  get pending() {
    return undrawn !== null;
  },
};
