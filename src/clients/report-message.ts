// The report channel's contract: what `tls-lens serve --report URL` posts for each client, what the app keeps, and
// what the page's Clients view reads. Shared by the sender (src/cli), the receiver (server/clients) and the page
// (src/ui/clients); it imports only types, so each side can use it.
import type { ClientReport } from '../cli/serve-report.ts';
import type { TraceFile } from '../trace/types.ts';

export type { ClientReport };

/** A report larger than this is refused by the app (413); serve leaves the trace out rather than send one. */
export const MAX_REPORT_BYTES = 1024 * 1024;
/** The app keeps this many clients, newest first; older ones drop off. */
export const MAX_CLIENTS_KEPT = 50;

/** How the reporting server was set up: what the Clients view needs to say why it chose what it chose. */
export interface ReportingServer {
  /** e.g. https://127.0.0.1:5443/ */
  url: string;
  /** When this server started (ISO time): with `url` and the client's number, names one client across reports. */
  startedAt: string;
  versions: string[];
  /** The server's group preference, first = most preferred. */
  groups: string[];
  /** The server's suites, when set with --suites (else its defaults). */
  suites?: string[];
  alpn?: string[];
}

/**
 * Where the client is: 'handshake' once its handshake completed (the connection may stay open a long while, e.g. an
 * interactive s_client), 'closed' when the connection ended (the last report; a failed handshake has only this one).
 */
export type ReportPhase = 'handshake' | 'closed';

/** One client, as serve posts it (JSON body of POST /api/clients); a later report of the same client replaces it. */
export interface ClientReportMessage {
  format: 'tls-lens-client-report';
  version: 1;
  phase: ReportPhase;
  server: ReportingServer;
  report: ClientReport;
  /** The client's whole trace from the server's side; null when it was too large to send (traceOmitted says why). */
  trace: TraceFile | null;
  traceOmitted?: string;
}

/** One client as the app lists it (GET /api/clients, the event stream): the report without its trace. */
export interface ClientEntry {
  /** The app's id for it, unique while the app runs. */
  id: number;
  /** When the app received it (ISO time). */
  receivedAt: string;
  /** True when it came from the listener `npm start` runs; false for a `tls-lens serve --report` started by hand. */
  fromAppListener: boolean;
  phase: ReportPhase;
  server: ReportingServer;
  report: ClientReport;
  hasTrace: boolean;
  traceOmitted?: string;
}

/** The listener `npm start` runs (GET /api/clients/listener), or why there is none. */
export interface ClientsListenerInfo {
  running: boolean;
  /** e.g. https://127.0.0.1:5443/ */
  url?: string;
  host?: string;
  port?: number;
  /** Where the throwaway CA is on disk, for `curl --cacert` (also served at /api/clients/ca.pem). */
  caFile?: string;
  /** Base64 SHA-256 of the leaf's SubjectPublicKeyInfo: Chromium's --ignore-certificate-errors-spki-list value. */
  leafSpkiSha256?: string;
  /** Why it is not running, in plain words. */
  reason?: string;
}
