// Messages between the page and the engine worker. Plain data only; imports neither DOM nor
// WebWorker types so both sides (and their separate tsconfigs) can share it.
import type { BreakpointName, ClientBreakpointName, Hex, TraceEvent } from '../trace/types.ts';
import type { StartTlsProtocol } from '../starttls/protocol.ts';
import { fieldsFromBytes, fieldsOnPage, withoutFields, type FieldsContext } from './message-fields.ts';

export type TlsVersionName = 'TLS1.2' | 'TLS1.3';

/** Application data kept in full per direction (worker/app-data-window.ts); beyond it, summaries. Here so the
 * page can say it without loading the summariser. */
export const APP_DATA_WINDOW = 256 * 1024;

/** Which breakpoints are on (keyed by the trace's breakpoint names). */
export interface BreakpointChoice extends Record<ClientBreakpointName, boolean> {
  /** Pause after every handshake message (step the live handshake). */
  afterEachMessage: boolean;
  /** Pause once the server's chain is checked (Secure Transport's errSSLServerAuthCompleted). */
  serverAuth: boolean;
  /** Pause when the server asks for a client certificate (errSSLClientCertRequested). */
  clientCertRequest: boolean;
}

export interface ConnectRequest {
  /** A lab scenario id, or a host:port the bridge allows. Exactly one is set. */
  scenario?: string;
  target?: string;
  serverName?: string;
  versions?: TlsVersionName[];
  suites?: string[];
  groups?: string[];
  keyShareGroups?: string[];
  alpn?: string[];
  /** false: do not ask for a stapled OCSP response (the ClientHello leaves status_request out). */
  statusRequest?: false;
  /** STARTTLS protocol to speak before the handshake (an id of PROTOCOLS in src/starttls/index.ts), if any. */
  starttls?: StartTlsProtocol;
  /** 'lab': answer a certificate request with the lab's client certificate; 'none': send none; 'ask': pause and ask. */
  clientCert: 'lab' | 'none' | 'ask';
  breakpoints: BreakpointChoice;
  /** Proceed even when the certificate check fails (the failure is still recorded). */
  insecure?: boolean;
  /** Extra trust anchors for this session (PEM or DER hex), e.g. the lab CA and roots the person trusted. */
  anchorsPem: string[];
  /** Absolute ws:// URL of the bridge endpoint, without the query. */
  bridgeUrl: string;
  /** The lab client certificate (PEM chain) and key (PKCS#8 PEM), fetched by the page. */
  labClientCert?: LabClientCert;
  /** The page was still fetching the lab's files: a 'lab-files' message brings more anchors and the lab client
   * certificate. The handshake starts meanwhile and waits for them only where it needs them (the chain check, a
   * certificate request). */
  labFilesPending?: boolean;
  /** Data to send once the handshake completes (e.g. an HTTP request), UTF-8. */
  sendAfterHandshake?: string;
  /** false: do not offer the ticket the worker kept from an earlier Connect to this server (worker/kept-tickets.ts):
   * a full handshake. */
  resume?: false;
  /** Data to send as TLS 1.3 0-RTT early data (RFC 8446 §2.3) when the resumed ticket allows it, else (or when the
   * server refuses it) right after the handshake; UTF-8, typed escapes as for sendAfterHandshake. */
  earlyData?: string;
  /** Keep every byte of application data for saving. Without it, application data beyond the window each way
   * (worker/app-data-window.ts) is kept only as its length and SHA-256, in the worker as on the page. */
  keepAppData?: boolean;
}

export interface LabClientCert {
  certPem: string;
  keyPem: string;
}

export type RunMode = 'step' | 'breakpoint' | 'end';

export type ToWorker =
  /** `id` names the connection: the worker tags everything it sends about it with this id. */
  | { type: 'connect'; id: number; request: ConnectRequest }
  /** For a request with `labFilesPending`: the anchors to add (the lab CA) and the lab client certificate. */
  | { type: 'lab-files'; id: number; anchorsPem: string[]; labClientCert?: LabClientCert }
  | { type: 'continue'; mode: RunMode }
  | { type: 'abort' }
  | { type: 'client-cert'; choice: 'lab' | 'decline' }
  | { type: 'send'; text: string }
  | { type: 'key-update'; requestPeer: boolean }
  | { type: 'renegotiate' }
  | { type: 'close' }
  /** The connection's whole trace, with the application data the page got summarised. */
  | { type: 'full-trace' };

export type WorkerStatus = 'connecting' | 'connected' | 'paused' | 'closed' | 'failed';

/** Trace events on their way to the page: plain data (eventsForPage), posted as they are, the handshake messages'
 * field trees the page makes from their bytes left out (message-fields.ts; eventsFromWorker on the page).
 *
 * Until session 13 they crossed as one JSON string, each event's JSON made in a microtask after the engine's step
 * that recorded it. That was meant to use the handshake's idle moments, but a Chromium Worker has none (its WebCrypto
 * runs on the Worker's own thread): it only added work between the steps. Without it the worker's part from the
 * server's flight to 'connected' fell by 0.45-1.0 ms (paired runs of bench/browser.ts, docs/app-connect.md,
 * session 13). Posted as objects or as one JSON string made at the post, the Connect measured the same (paired
 * 0.99-1.01x): the clone costs the worker less and the page more. Objects it is, with no JSON code in between. */
export type EventsForPage = TraceEvent[] & { readonly forPage: true };

/** Without a context, every tree but our ClientHello's is left to the page where it can make it. */
const NO_CONTEXT: FieldsContext = { offersTls13: false };

export function eventsForPage(events: TraceEvent[], context = NO_CONTEXT): EventsForPage {
  return events.map((e) => plainEvent(e, context)) as EventsForPage;
}

/**
 * The event as plain data: the engine's events carry parts made when first read as accessors (trace/lazy-hex.ts): a
 * record's and application data's hex and a record's protection parts, a handshake message's hex and field tree, a
 * chain's hex and each path entry's DER and fingerprint, a key step's context, inputs and output. A spread reads each
 * accessor once, keeping the keys and their order, so the post's structured clone meets data properties only. A
 * handshake message's tree, where the page makes the same one from its bytes, is left out.
 */
function plainEvent(e: TraceEvent, context: FieldsContext): TraceEvent {
  if (e.kind === 'record') return e.protection ? { ...e, protection: { ...e.protection } } : { ...e };
  if (e.kind === 'handshake') return fieldsOnPage(e, context) ? withoutFields(e) : { ...e };
  if (e.kind === 'app-data') return { ...e };
  if (e.kind === 'cert-result') return { ...e, path: e.path.map((p) => ({ ...p })) };
  if (e.kind === 'key') return { ...e, inputs: e.inputs.map((i) => ({ ...i })) };
  return e;
}

/** The events of one message, as the page keeps them: the trees left to the page made when first read
 * (message-fields.ts). */
export function eventsFromWorker(events: EventsForPage): TraceEvent[] {
  return fieldsFromBytes(events);
}

/** Every message names its connection (the id of its 'connect'): the page drops those of a replaced one. */
export type FromWorker = { id: number } & (
  | { type: 'events'; events: EventsForPage }
  /** `events`: the events recorded before this status (sent with it: one hand-off); `summary`: what the connection
   * agreed, when a handshake just completed. */
  | { type: 'status'; status: WorkerStatus; detail?: string; events?: EventsForPage; summary?: ConnectionSummary }
  | { type: 'paused'; breakpoint: BreakpointName; detail?: string; certificate?: Hex }
  | { type: 'resumed' }
  | { type: 'error'; message: string; code?: string }
  | { type: 'full-trace'; events: TraceEvent[] }
);

/** What was agreed, for the status line (the trace holds the same facts message by message). */
export interface ConnectionSummary {
  version: string;
  cipherSuite: string | null;
  group: string | null;
  alpn: string | null;
  resumed: boolean;
  /** TLS 1.2 only: the server showed RFC 5746 secure renegotiation, so the client may renegotiate. */
  secureRenegotiation?: boolean;
  /** TLS 1.2 only: renegotiations completed on this connection. */
  renegotiations?: number;
  /** Present when the request had earlyData: whether it went as 0-RTT, whether the server took it, the bytes sent as
   * 0-RTT and those sent after the handshake instead, and why it did not go or was lost. */
  earlyData?: { offered: boolean; accepted: boolean; bytes: number; resent: number; reason?: string };
}
