// The engine's home off the UI thread: opens the bridge, runs the handshake, forwards trace
// events in batches, and waits at breakpoints for the person's decision.
//
// One worker serves every connection of the page (starting a worker and compiling the engine costs more than a
// handshake). Each Connect gets a fresh Connection holding all of its state; a new Connect retires the previous
// one (its socket closed, its pause refused), and every message carries its connection's id, so nothing from an
// earlier session reaches the page's view of this one.
import { TraceRecorder } from '../trace/recorder.ts';
import type { TraceEvent } from '../trace/types.ts';
import { FirstFlightTransport } from '../transport/first-flight.ts';
import { APP_DATA_WINDOW, eventsForPage, type ConnectionSummary, type ConnectRequest, type FromWorker, type RunMode, type ToWorker } from './messages.ts';
import type { FieldsContext } from './message-fields.ts';
import { runEngine, type BreakDecision, type BreakInfo, type EngineSession } from './engine-adapter.ts';
import { BRIDGE_SUBPROTOCOL } from '../transport/bridge-protocol.ts';
import { AppDataWindow } from './app-data-window.ts';
import { WORKER_READY } from './ready.ts';
import { useNativeHex } from './native-hex.ts';
import { KeptTickets } from './kept-tickets.ts';
import { typedTextBytes } from './typed-text.ts';

useNativeHex();

// Typed narrowly so this file compiles under both the DOM and the WebWorker libraries.
interface WorkerScope {
  postMessage(message: FromWorker): void;
  onmessage: ((ev: { data: ToWorker }) => void) | null;
}
const scope = self as unknown as WorkerScope;

/** The longest an event waits in the worker before it is sent to the page. */
const FRAME_MS = 16;
/** The same while a handshake runs: its events, and its 'connecting' details, go with the next status, pause or
 * error, or after this long. A handshake with a near server is over before anyone could read one of its steps, and
 * the page draws a Connect only after this long too (worker-client.ts DRAW_CONNECTING_AFTER_MS). Until then the worker
 * posts nothing: on a machine with two cores, each message posted during the handshake (its clone here, its copy on
 * the page) took CPU from the threads opening the WebSocket and relaying the server's flight (docs/app-connect.md,
 * session 18). */
const HANDSHAKE_HOLD_MS = 100;

type Status = 'connecting' | 'connected' | 'paused' | 'closed' | 'failed';
type LabFiles = Extract<ToWorker, { type: 'lab-files' }>;
type Message = FromWorker extends infer M ? (M extends { id: number } ? Omit<M, 'id'> : never) : never;

class Connection {
  /** The trace a saved trace is made from; the page gets it through `window`. Application data beyond the window
   * is kept here only as the page has it (summarised), unless the request asked to keep it for saving. */
  readonly recorder = new TraceRecorder(() => performance.now());
  private readonly window: AppDataWindow;
  session: EngineSession | null = null;
  transport: FirstFlightTransport | null = null;
  mode: RunMode;
  /** Until the first handshake completes (events are then held longer: HANDSHAKE_HOLD_MS). */
  handshaking = true;
  decide: ((d: BreakDecision) => void) | null = null;
  retired = false;
  /** The read loop and a renegotiation may reject with the same error: report it once. */
  private reported: unknown = null;
  // Events go out in batches of up to a frame's worth (each batch is a render on the page), and at once
  // before a status, a pause or an error, so the page never shows a status ahead of its events.
  private queue: TraceEvent[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  /** The latest 'connecting' detail held back in the handshake's first HANDSHAKE_HOLD_MS; goes out with the held
   * events, unless a later status replaces it. */
  private heldDetail: string | undefined;
  private readonly started = performance.now();
  /** What the encoding needs to know of this connection (which trees the page makes: message-fields.ts). */
  private readonly fields: FieldsContext;

  /** The request with its lab files (ConnectRequest.labFilesPending); resolved by arrived(). */
  readonly complete: Promise<ConnectRequest>;
  arrived: (files: LabFiles) => void = () => {};

  constructor(
    readonly id: number,
    readonly request: ConnectRequest,
  ) {
    this.complete = request.labFilesPending
      ? new Promise((resolve) => {
          this.arrived = (files) => resolve({ ...request, anchorsPem: [...files.anchorsPem, ...request.anchorsPem], labClientCert: files.labClientCert, labFilesPending: false });
        })
      : Promise.resolve(request);
    this.mode = request.breakpoints.afterEachMessage ? 'step' : 'breakpoint';
    this.fields = { offersTls13: !request.versions?.length || request.versions.includes('TLS1.3') };
    this.window = new AppDataWindow({ kept: request.keepAppData === true });
    this.recorder.subscribe((e) => this.enqueue(e));
  }

  /** Set while a batch waits for its summaries' digests: later messages queue behind it, so the page gets
   * everything in order. */
  private outbox: Promise<void> | null = null;

  /** Post now, or after what the outbox holds. */
  post(msg: Message) {
    const now = () => {
      if (!this.retired) scope.postMessage({ ...msg, id: this.id } as FromWorker);
    };
    if (this.outbox) this.after(now);
    else now();
  }

  /** Run `task` once the outbox and `waits` are done, as the outbox's new last step. */
  private after(task: () => void, waits: Promise<void>[] = []) {
    const step = Promise.all([this.outbox, ...waits]).then(task);
    this.outbox = step;
    void step.then(() => {
      if (this.outbox === step) this.outbox = null;
    });
  }

  /** The events waiting to go to the page, taken from the queue. */
  private takeQueue(): TraceEvent[] {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    const taken = this.queue;
    this.queue = [];
    return taken;
  }

  flush() {
    const events = this.takeQueue();
    if (events.length > 0) this.postEvents(events);
    const detail = this.heldDetail;
    this.heldDetail = undefined;
    // Not while paused: the page shows the pause (onBreak flushes before it pauses, so nothing is held then).
    if (detail !== undefined && !this.retired && !this.decide) this.post({ type: 'status', status: 'connecting', detail });
  }

  /** Summaries waiting for their digests go once they have them (the events are read when posted). */
  private postEvents(events: TraceEvent[]) {
    if (!this.window.digesting) return this.post({ type: 'events', events: eventsForPage(events, this.fields) });
    this.after(() => {
      if (!this.retired) scope.postMessage({ type: 'events', id: this.id, events: eventsForPage(events, this.fields) });
    }, [this.window.digested()]);
  }

  private enqueue(e: TraceEvent) {
    const summarisedBefore = this.window.summarisedAny;
    const shown = this.window.forPage(e);
    // The full event (and the bytes its hex is made from) is let go: a long transfer costs the worker no more
    // memory than the page.
    if (shown !== e && !this.request.keepAppData) this.recorder.events[e.index] = shown;
    this.queue.push(shown);
    // Said once in the trace itself, right after the first summarised event.
    if (!summarisedBefore && this.window.summarisedAny) this.recorder.emit({ kind: 'note', text: summaryNote(this.request.keepAppData === true) });
    if (this.queue.length >= 500) return this.flush();
    // The server's flight and ours go together with 'connected' (the status takes what is held): one plain copy and
    // one post in all. Posting the server's flight on its own at its Finished, for the page to copy while the engine
    // made ours (session 14), measured 2-3% slower once the bench stopped favouring it (docs/app-connect.md, session 16).
    if (!this.flushTimer) this.flushTimer = setTimeout(() => this.flush(), this.handshaking ? HANDSHAKE_HOLD_MS : FRAME_MS);
  }

  /** A status, with the events before it (and what was agreed, when it changed) in the same message: one hand-off
   * and one render on the page. Events whose summaries wait for their digests go first on their own. While a
   * handshake runs, a 'connecting' status leaves the events held, and in its first HANDSHAKE_HOLD_MS is held too. */
  status(s: Status, detail?: string, summary?: ConnectionSummary) {
    if (this.handshaking && s === 'connecting') {
      const holdLeft = this.started + HANDSHAKE_HOLD_MS - performance.now();
      if (holdLeft <= 0) return this.post({ type: 'status', status: s, detail });
      this.heldDetail = detail ?? '';
      this.flushTimer ??= setTimeout(() => this.flush(), holdLeft);
      return;
    }
    this.heldDetail = undefined; // replaced by this status
    let events = this.takeQueue();
    if (events.length > 0 && this.window.digesting) {
      this.postEvents(events);
      events = [];
    }
    this.post({ type: 'status', status: s, detail, ...(events.length > 0 ? { events: eventsForPage(events, this.fields) } : {}), ...(summary ? { summary } : {}) });
  }

  /** At a breakpoint: skip it if the run mode says so, otherwise tell the page and wait. */
  onBreak = (info: BreakInfo): Promise<BreakDecision> => {
    if (this.retired) return Promise.resolve('abort');
    if (info.breakpoint === 'afterEachMessage' && this.mode !== 'step') return Promise.resolve('continue');
    if (info.breakpoint === 'clientCertRequest' && this.request.clientCert === 'lab') return Promise.resolve({ clientCertificate: 'lab' });
    if (info.breakpoint === 'clientCertRequest' && this.request.clientCert === 'none') return Promise.resolve('decline');
    this.flush();
    this.post({ type: 'paused', breakpoint: info.breakpoint, detail: info.detail });
    return new Promise((resolve) => {
      this.decide = (d) => {
        this.decide = null;
        this.post({ type: 'resumed' });
        resolve(d);
      };
    });
  };

  fail(e: Error) {
    if (e === this.reported) return;
    this.reported = e;
    this.flush();
    const message = e.message || String(e);
    this.post({ type: 'error', message: plain(message), code: (e as { code?: string }).code });
    this.status('failed', plain(message));
    void this.transport?.close().catch(() => {});
  }

  /** The whole trace, after what the outbox holds (every summary in it then has its digest); sent even when
   * retired: the page asks for the one it shows. */
  sendFullTrace() {
    const send = () => scope.postMessage({ type: 'full-trace', id: this.id, events: this.recorder.events });
    if (this.outbox) this.after(send);
    else send();
  }

  /** A newer Connect replaces this one: stop talking to the page, refuse a pending pause, hang up. */
  retire() {
    this.retired = true;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.queue = [];
    this.heldDetail = undefined;
    this.decide?.('abort');
    void this.transport?.close().catch(() => {});
  }
}

let current: Connection | null = null;
/** Tickets from earlier Connects, offered to the next Connect to the same server. */
const keptTickets = new KeptTickets();

function bridgeQuery(req: ConnectRequest): string {
  return req.scenario ? `scenario=${encodeURIComponent(req.scenario)}` : `target=${encodeURIComponent(req.target ?? '')}`;
}

async function connect(c: Connection) {
  const req = c.request;
  const where = req.scenario ? `lab scenario ${req.scenario}` : req.target;
  try {
    // The WebSocket opens once the ClientHello is made, carrying it in the upgrade request (first-flight.ts): the
    // server gets it one WebSocket round trip sooner. A STARTTLS session reads first and opens without it.
    const transport = new FirstFlightTransport(`${req.bridgeUrl}${req.bridgeUrl.includes('?') ? '&' : '?'}${bridgeQuery(req)}`, { protocols: BRIDGE_SUBPROTOCOL });
    c.transport = transport;
    // Said once the socket is made (said before the ClientHello, it held that up by a post), and held with the
    // events in a handshake's first HANDSHAKE_HOLD_MS (Connection.status): the page says "connecting" from the press on.
    void transport.started.then(() => {
      if (!c.retired && !c.decide) c.status('connecting', `opening the bridge to ${where}`);
    });
    void transport.opened.then(
      () => {
        // Paused at a breakpoint (stepping opens the socket while the engine waits): the status stays "paused".
        if (!c.retired && !c.decide) c.status('connecting', 'handshake in progress');
      },
      () => undefined,
    );
    c.session = await runEngine(req, transport, c.recorder, c.onBreak, c.complete, ticketFor(c));
    // Stepping is for the handshake: post-handshake messages (tickets, KeyUpdate) run without pauses.
    c.mode = 'end';
    c.handshaking = false;
    c.status('connected', 'handshake complete', c.session.summary);
    if (req.sendAfterHandshake) await c.session.write(typedTextBytes(req.sendAfterHandshake));
    void readLoop(c, c.session);
  } catch (e) {
    c.fail(e as Error);
  }
}

/** The ticket kept for this Connect's server, unless the request asks for a full handshake; said in the trace. */
function ticketFor(c: Connection) {
  if (c.request.resume === false) return undefined;
  const ticket = keptTickets.take(c.request);
  if (ticket) {
    const early = 'maxEarlyData' in ticket && ticket.maxEarlyData ? `; it allows ${ticket.maxEarlyData} bytes of early data` : '';
    c.recorder.emit({ kind: 'note', text: `offering the ticket kept from the last Connect to this server, received ${Math.round((Date.now() - ticket.receivedAt) / 1000)} s ago, to resume its session${early}` });
  }
  return ticket;
}

/** A renegotiation runs beside the read loop (the engine shares its reader). A refusal — ours for a server
 * without RFC 5746, or the server's warning no_renegotiation — leaves the connection up; anything else ended it. */
async function renegotiate(c: Connection, s: EngineSession) {
  const eventsBefore = c.recorder.events.length;
  c.status('connected', 'renegotiating');
  try {
    await s.renegotiate();
    c.status('connected', 'renegotiation complete', s.summary);
  } catch (e) {
    const refused = c.recorder.events.slice(eventsBefore).some((ev) => ev.kind === 'renegotiation' && ev.phase === 'refused');
    if (!refused) c.fail(e as Error);
    else c.status('connected', plain(`renegotiation refused: ${(e as Error).message}`));
  }
}

/** Keep reading application data so the trace shows what the server sends, until it closes. */
async function readLoop(c: Connection, s: EngineSession) {
  try {
    for (;;) {
      const data = await s.read();
      if (data === null) break;
    }
    c.status('closed', 'the connection ended');
  } catch (e) {
    c.fail(e as Error);
  }
}

/** The trace's word on what the application data beyond the window became. */
function summaryNote(kept: boolean): string {
  const what = `Application data beyond the first ${APP_DATA_WINDOW / 1024} KiB each way is summarised from here on: each record keeps its header, sizes, nonce and tag, each piece of data its length and SHA-256.`;
  return kept ? `${what} Every byte is also kept, as you asked, and goes into a saved trace.` : `${what} The bytes themselves are not kept, so a saved trace has these summaries (tick "Keep all application data for saving" before connecting to keep them).`;
}

function plain(message: string): string {
  return message.charAt(0).toUpperCase() + message.slice(1);
}

scope.onmessage = (ev) => {
  const msg = ev.data;
  if (msg.type === 'connect') {
    // What the connection being replaced received, for a later Connect to its server.
    if (current) keptTickets.keep(current.request, current.session?.ticket);
    current?.retire();
    current = new Connection(msg.id, msg.request);
    void connect(current);
    return;
  }
  const c = current;
  if (!c) return;
  switch (msg.type) {
    case 'lab-files':
      if (msg.id === c.id) c.arrived(msg);
      break;
    case 'continue':
      c.mode = msg.mode;
      c.decide?.('continue');
      break;
    case 'abort':
      if (c.decide) c.decide('abort');
      else void c.session?.close().catch(() => {});
      break;
    case 'client-cert':
      c.decide?.(msg.choice === 'lab' ? { clientCertificate: 'lab' } : 'decline');
      break;
    case 'send':
      c.session?.write(new TextEncoder().encode(msg.text)).catch((e) => c.fail(e));
      break;
    case 'key-update':
      c.session?.keyUpdate(msg.requestPeer).catch((e) => c.fail(e));
      break;
    case 'renegotiate':
      if (c.session) void renegotiate(c, c.session);
      break;
    case 'full-trace':
      c.flush();
      c.sendFullTrace();
      break;
    case 'close':
      c.session?.close().then(
        () => c.status('closed', 'closed by you'),
        (e) => c.fail(e),
      );
      break;
  }
};

// Last, once everything above (and every static import) has run.
(scope as unknown as { postMessage(message: typeof WORKER_READY): void }).postMessage(WORKER_READY);
