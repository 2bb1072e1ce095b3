// The one place the worker touches the engine: builds the engine's options from a
// ConnectRequest, runs the STARTTLS preamble if asked, and performs the handshake.
import type { Transport } from '../transport/types.ts';
import type { TraceRecorder } from '../trace/recorder.ts';
import { connectTls, type BreakDecision as EngineDecision, type BreakpointName, type ClientCertificate, type TlsClientOptions, type TlsSession } from '../tls/client.ts';
import type { GroupName } from '../tls/suites.ts';
import { pemToDer } from '../x509/pem.ts';
import { fromHex } from '../util/bytes.ts';
import type { CertificateVerifier } from '../tls/verifier.ts';
import type { ConnectRequest, ConnectionSummary } from './messages.ts';
import { typedTextBytes } from './typed-text.ts';

export type BreakDecision = 'continue' | 'abort' | 'decline' | { clientCertificate: 'lab' };

/** A breakpoint reached, as the page is told of it (the engine's names, the trace's). */
export interface BreakInfo {
  breakpoint: BreakpointName;
  detail?: string;
}

export interface EngineSession {
  write(data: Uint8Array): Promise<void>;
  read(): Promise<Uint8Array | null>;
  keyUpdate(requestPeer: boolean): Promise<void>;
  /** TLS 1.2: a new handshake on this connection; works while read() is pending. */
  renegotiate(): Promise<void>;
  close(): Promise<void>;
  readonly summary: ConnectionSummary;
  /** The newest ticket (or TLS 1.2 session) the server gave, for a later Connect to resume. */
  readonly ticket: TlsSession | undefined;
}

/** The base64 body of the first PEM block of this type, as bytes. */
function pemBlock(text: string, type: string): Uint8Array {
  const m = new RegExp(`-----BEGIN ${type}-----([\\s\\S]*?)-----END ${type}-----`).exec(text);
  if (!m) throw new Error(`no "${type}" block in the lab's key file`);
  const bin = atob(m[1].replace(/\s+/g, ''));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

function anchorsFrom(list: string[]): Uint8Array[] {
  // Each entry is a PEM text (one or more certificates) or the hex of one DER certificate.
  return list.flatMap((a) => (a.includes('-----BEGIN') ? pemToDer(a) : [fromHex(a)]));
}

// Code the ClientHello does not need comes in its own chunks, so less compiles before it leaves: the certificate
// decoders and the verifier (loaded once the ClientHello is out, compiled while the server's first flight is awaited) and
// STARTTLS (only when asked). A chunk that fails to load fails the connection with a plain message.
let verifierModule: Promise<typeof import('../x509/verifier.ts')> | undefined;
let startTlsModule: Promise<typeof import('../starttls/index.ts')> | undefined;

function lazily<T>(load: () => Promise<T>, what: string, forget: () => void): Promise<T> {
  return load().catch((e: unknown) => {
    forget(); // the next connect tries again
    throw new Error(`${what} could not be loaded (${(e as Error).message || String(e)}); reload the page to try again`);
  });
}

const loadVerifier = () => (verifierModule ??= lazily(() => import('../x509/verifier.ts'), 'the certificate checker', () => (verifierModule = undefined)));
const loadStartTls = () => (startTlsModule ??= lazily(() => import('../starttls/index.ts'), 'the STARTTLS code', () => (startTlsModule = undefined)));

/** Verifiers by anchor list, kept across connections: each decodes its trust stores once. */
const verifiers = new Map<string, Promise<CertificateVerifier>>();
const KEPT_VERIFIERS = 8;

/** The public roots (decoded only if a chain needs them) plus the lab CA and any root trusted for this session. */
function verifierFor(anchorsPem: string[]): Promise<CertificateVerifier> {
  const key = JSON.stringify(anchorsPem);
  let v = verifiers.get(key);
  if (!v) {
    v = loadVerifier().then(({ createVerifier }) => createVerifier({ extraAnchors: anchorsFrom(anchorsPem) }));
    v.catch(() => verifiers.delete(key));
    if (verifiers.size >= KEPT_VERIFIERS) verifiers.delete(verifiers.keys().next().value!);
    verifiers.set(key, v);
  }
  return v;
}

function labClientCertificate(req: ConnectRequest): ClientCertificate {
  if (!req.labClientCert) throw new Error('the lab client certificate could not be loaded from the server');
  return { chain: pemToDer(req.labClientCert.certPem), privateKey: pemBlock(req.labClientCert.keyPem, 'PRIVATE KEY') };
}

/** The lab client certificate when the page has it (waiting for the lab files if they are on their way). */
async function labClientCertificateIfAny(req: ConnectRequest, complete: Promise<ConnectRequest>): Promise<ClientCertificate | undefined> {
  const full = req.labFilesPending ? await complete : req;
  return full.labClientCert ? labClientCertificate(full) : undefined;
}

function serverNameFor(req: ConnectRequest): string | undefined {
  if (req.serverName) return req.serverName;
  if (!req.target) return undefined;
  const host = req.target.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return host;
}

/** The verifier for a request: waits, when a chain is checked, for the verifier's code and for the request's lab
 * files if they are on their way. */
function verifierOf(req: ConnectRequest, complete: Promise<ConnectRequest>): CertificateVerifier {
  const verifier = async () => verifierFor((await complete).anchorsPem);
  return {
    verify: async (request) => (await verifier()).verify(request),
    checkStapledOcsp: async (request) => (await verifier()).checkStapledOcsp!(request),
  };
}

/** `transport`, calling `then` once, right after its first read has begun (a bridge transport opens its socket then). */
function onFirstRead(transport: Transport, then: () => void): Transport {
  let first = true;
  return {
    write: (data) => transport.write(data),
    // The engine flushes its last flight before the handshake resolves (a bridge transport holds writes until then):
    // without this the app's Finished waited for the read loop, after 'connected' had gone to the page.
    flush: () => transport.flush?.(),
    read: () => {
      const next = transport.read();
      if (first) {
        first = false;
        then();
      }
      return next;
    },
    close: () => transport.close(),
  };
}

/**
 * Run the handshake for `req`. `complete` is the same request with its lab files (ConnectRequest.labFilesPending):
 * awaited only where they are used. `ticket`: one kept from an earlier connection to this server, to resume with.
 */
export async function runEngine(req: ConnectRequest, transport: Transport | Promise<Transport>, recorder: TraceRecorder, onBreak: (info: BreakInfo) => Promise<BreakDecision>, complete: Promise<ConnectRequest> = Promise.resolve(req), ticket?: TlsSession): Promise<EngineSession> {
  const emit = recorder.emit;
  const serverName = serverNameFor(req);
  let tlsTransport: Transport | Promise<Transport> = transport;
  let alpn = req.alpn && req.alpn.length > 0 ? req.alpn : undefined;
  if (req.starttls) {
    const { isStartTlsProtocol, runStartTls } = await loadStartTls();
    if (!isStartTlsProtocol(req.starttls)) throw new Error(`STARTTLS for "${req.starttls}" is not supported`);
    const pre = await runStartTls(req.starttls, await transport, emit, { hostname: serverName });
    tlsTransport = pre.transport;
    if (pre.alpn) alpn = pre.alpn;
  }
  const options: TlsClientOptions = {
    serverName,
    alpn,
    statusRequest: req.statusRequest,
    groups: req.groups && req.groups.length > 0 ? (req.groups as GroupName[]) : undefined,
    keyShareGroups: req.keyShareGroups && req.keyShareGroups.length > 0 ? (req.keyShareGroups as GroupName[]) : undefined,
    versions: req.versions && req.versions.length > 0 ? req.versions : undefined,
    // TLS 1.3 and TLS 1.2 suite names together; the engine sorts them by version.
    suites: req.suites && req.suites.length > 0 ? req.suites : undefined,
    verifier: verifierOf(req, complete),
    insecure: req.insecure,
    session: ticket,
    earlyData: req.earlyData ? typedTextBytes(req.earlyData) : undefined,
    timeoutMs: 30_000,
    // The worker's read loop never looks into the data it reads: no copy of each record for it.
    readCopies: false,
    clientCertificate: req.clientCert === 'lab' ? await labClientCertificateIfAny(req, complete) : undefined,
    breakpoints: {
      afterEachMessage: req.breakpoints.afterEachMessage,
      serverAuth: req.breakpoints.serverAuth,
      // Asking the page is how both 'ask' and the run modes get their say.
      clientCertRequest: req.clientCert === 'ask',
    },
    onBreak: async (info): Promise<EngineDecision> => {
      const d = await onBreak({ breakpoint: info.breakpoint });
      if (typeof d === 'object') return { clientCertificate: labClientCertificate(await complete) };
      return d;
    },
  };
  // The checker's chunk loads when the engine first waits for the server (its ClientHello is out: the bridge's
  // WebSocket opens then), so it compiles while the server's flight is awaited, not before the ClientHello leaves; a
  // failed load is reported when a chain is checked.
  const loadCheckerOnFirstRead = (t: Transport) => onFirstRead(t, () => void loadVerifier().catch(() => undefined));
  tlsTransport = tlsTransport instanceof Promise ? tlsTransport.then(loadCheckerOnFirstRead) : loadCheckerOnFirstRead(tlsTransport);
  const conn = await connectTls(tlsTransport, options, emit);
  return {
    write: (data) => conn.write(data),
    read: () => conn.read(),
    keyUpdate: (requestPeer) => conn.keyUpdate(requestPeer),
    renegotiate: () => conn.renegotiate(),
    close: () => conn.close(),
    get ticket() {
      return conn.session;
    },
    // A getter: a renegotiation changes the suite and the count.
    get summary(): ConnectionSummary {
      return {
        version: conn.summary.version,
        cipherSuite: conn.summary.cipherSuite,
        group: conn.summary.group,
        alpn: conn.summary.alpn,
        resumed: conn.summary.resumed,
        ...(conn.summary.tls12 ? { secureRenegotiation: conn.summary.tls12.secureRenegotiation, renegotiations: conn.summary.tls12.renegotiations } : {}),
        ...(conn.summary.earlyData ? { earlyData: { ...conn.summary.earlyData } } : {}),
      };
    },
  };
}
