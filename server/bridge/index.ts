// startBridge: the WebSocket-to-TCP relay on an existing HTTP server.
//
// Refusals before the WebSocket exists (answered as HTTP with a JSON body {error, message}):
//   wrong path → 404, Origin not on the list → 403, subprotocol missing → 400.
// Everything else is answered after the upgrade with a WebSocket close code and a reason
// "machine-code: sentence" (see refusal.ts), because a browser can read those but not a failed
// upgrade's HTTP response. The WebSocket opens only once the TCP connection to the target is up; the client's
// first bytes may come in the upgrade request (?first=, see bridge-protocol.ts) and go to the target at that moment.
import type http from 'node:http';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '../log.ts';
import { silentLogger } from '../log.ts';
import type { Refusal } from './refusal.ts';
import { CLOSE, closeReason, refusal } from './refusal.ts';
import type { LabEndpoints, Target } from './targets.ts';
import { decideTarget } from './targets.ts';
import type { AllowEntry } from './allowlist.ts';
import { parseAllowlist } from './allowlist.ts';
import { BRIDGE_DOWNLOAD_AFTER_PARAM, BRIDGE_FIRST_PARAM, BRIDGE_FIRST_SUBPROTOCOL, BRIDGE_MAX_FIRST_BYTES, BRIDGE_SUBPROTOCOL } from '../../src/transport/bridge-protocol.ts';
import { relay, type RelaySession } from './relay.ts';
import type { BridgeStats } from './stats.ts';
import { bump, newStats } from './stats.ts';

export { BRIDGE_SUBPROTOCOL };

export interface BridgeLimits {
  /** Largest WebSocket message accepted (and sent). */
  maxMessageBytes: number;
  maxSessionsPerClient: number;
  maxSessions: number;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  maxSessionMs: number;
  /** Bytes queued towards the WebSocket before the bridge stops reading from TCP. */
  wsHighWaterBytes: number;
  /** How long the target's bytes wait for a download the client said it would fetch (?downloadAfter=). */
  downloadHoldMs: number;
}

export const DEFAULT_LIMITS: BridgeLimits = {
  maxMessageBytes: 64 * 1024,
  maxSessionsPerClient: 32,
  maxSessions: 256,
  connectTimeoutMs: 10_000,
  idleTimeoutMs: 5 * 60_000,
  maxSessionMs: 30 * 60_000,
  wsHighWaterBytes: 1024 * 1024,
  downloadHoldMs: 10_000,
};

export interface BridgeOptions {
  server: http.Server;
  path?: string;
  lab?: LabEndpoints;
  /** Allowlist entries for non-lab targets ("host:port", "*.example.com:443", "host:443|8443"). */
  allow?: Array<string | AllowEntry>;
  /** Opt-in: any public host on the well-known TLS ports (PUBLIC_TLS_PORTS). */
  allowPublicTlsPorts?: boolean;
  /** Exact Origin header values accepted. Default: none (set it to the app's own origin). */
  origins?: string[];
  /** Accept upgrades without an Origin header (non-browser clients). Default false. */
  allowMissingOrigin?: boolean;
  /** If set, clients must pass ?token=<this>. */
  token?: string;
  limits?: Partial<BridgeLimits>;
  /** Test-only: loopback addresses on these ports pass the address policy. Never set in production. */
  testOnlyLoopbackPorts?: number[];
  /** Test seam for DNS; defaults to getaddrinfo. */
  lookup?: (host: string) => Promise<string[]>;
  log?: Logger;
}

export interface Bridge {
  readonly path: string;
  /**
   * Answer `GET <path>/stream/<id>`, the HTTP download a session offered (true when the request was one of
   * these). Call it from the server's request handler, after its Host check.
   */
  handleRequest(req: http.IncomingMessage, res: http.ServerResponse): boolean;
  stats(): BridgeStats;
  /** Ends every session (close 1001) and stops accepting new ones. */
  close(): Promise<void>;
}

function httpRefuse(socket: Duplex, status: number, statusText: string, error: string, message: string): void {
  const body = JSON.stringify({ error, message });
  socket.end(`HTTP/1.1 ${status} ${statusText}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/** Connects to the first checked address that answers within the timeout. */
function connectTcp(target: Target, timeoutMs: number): Promise<{ socket: net.Socket; address: string } | { refusal: Refusal }> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve) => {
    let lastError = '';
    const tryAt = (i: number) => {
      if (i >= target.addresses.length) {
        resolve({ refusal: refusal('connect-failed', CLOSE.connectFailed, `could not connect to ${target.label} (${lastError}); is the server running?`) });
        return;
      }
      const address = target.addresses[i];
      const socket = net.connect({ host: address, port: target.port, noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        resolve({ refusal: refusal('connect-timeout', CLOSE.connectTimeout, `no answer from ${target.label} within ${timeoutMs} ms`) });
      }, Math.max(1, deadline - Date.now()));
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve({ socket, address });
      });
      socket.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        lastError = err.code ?? err.message;
        tryAt(i + 1);
      });
    };
    tryAt(0);
  });
}

/** Where the bridge holds the target's bytes for the download (BRIDGE_DOWNLOAD_AFTER_PARAM): undefined when the
 * session asked for no download or named no count. */
function downloadAfter(params: URLSearchParams): number | undefined | Refusal {
  if (params.get('downstream') !== 'http') return undefined;
  const text = params.get(BRIDGE_DOWNLOAD_AFTER_PARAM);
  if (text === null) return undefined;
  if (!/^\d{1,10}$/.test(text) || Number(text) > 2 ** 31) return refusal('bad-download-after', CLOSE.badRequest, `?${BRIDGE_DOWNLOAD_AFTER_PARAM}= must be a byte count (0 to 2^31)`);
  return Number(text);
}

/** Base64url of 1 to BRIDGE_MAX_FIRST_BYTES bytes. */
const FIRST_TEXT = new RegExp(`^[A-Za-z0-9_-]{2,${Math.ceil((BRIDGE_MAX_FIRST_BYTES * 4) / 3)}}$`);

/** The first bytes the upgrade request carries (BRIDGE_FIRST_PARAM), checked; null when it carries none. */
function firstBytes(params: URLSearchParams, offered: string[]): Buffer | Refusal | null {
  const text = params.get(BRIDGE_FIRST_PARAM);
  if (text === null) return null;
  // Without the subprotocol the client could not tell that they were sent, and might send them again.
  if (!offered.includes(BRIDGE_FIRST_SUBPROTOCOL)) return refusal('bad-first', CLOSE.badRequest, `?${BRIDGE_FIRST_PARAM}= needs the subprotocol ${BRIDGE_FIRST_SUBPROTOCOL} offered too`);
  if (!FIRST_TEXT.test(text) || text.length % 4 === 1) return refusal('bad-first', CLOSE.badRequest, `?${BRIDGE_FIRST_PARAM}= must be 1 to ${BRIDGE_MAX_FIRST_BYTES} bytes in base64url`);
  return Buffer.from(text, 'base64url');
}

export function startBridge(options: BridgeOptions): Bridge {
  const path = options.path ?? '/bridge';
  const limits: BridgeLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const log = options.log ?? silentLogger;
  const origins = new Set(options.origins ?? []);
  const allow = {
    entries: (options.allow ?? []).flatMap((e) => (typeof e === 'string' ? parseAllowlist([e]) : [e])),
    publicTlsPorts: options.allowPublicTlsPorts ?? false,
  };
  const stats = newStats();
  const perClient = new Map<string, number>();
  const live = new Set<WebSocket>();
  const pendingUpgrades = new Set<Duplex>();
  /** Downloads offered and not yet taken: unguessable id -> its session. */
  const downstreams = new Map<string, RelaySession>();
  const streamPrefix = `${path}/stream/`;
  let closing = false;
  let nextId = 1;
  /** Upgrades whose first bytes go to the target: they get the subprotocol that says so. */
  const firstSent = new WeakSet<http.IncomingMessage>();

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: limits.maxMessageBytes,
    perMessageDeflate: false,
    handleProtocols: (protocols, req) =>
      firstSent.has(req) && protocols.has(BRIDGE_FIRST_SUBPROTOCOL) ? BRIDGE_FIRST_SUBPROTOCOL : protocols.has(BRIDGE_SUBPROTOCOL) ? BRIDGE_SUBPROTOCOL : false,
  });

  const release = (client: string) => {
    const n = (perClient.get(client) ?? 1) - 1;
    if (n <= 0) perClient.delete(client);
    else perClient.set(client, n);
    stats.sessionsActive--;
  };

  const onUpgrade = async (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://bridge.invalid');
    if (url.pathname !== path) return httpRefuse(socket, 404, 'Not Found', 'not-found', `WebSocket endpoint is ${path}`);
    socket.on('error', () => socket.destroy());
    const origin = req.headers.origin;
    if (origin === undefined ? !options.allowMissingOrigin : !origins.has(origin)) {
      stats.sessionsRefused++;
      bump(stats.refusedBy, 'origin-not-allowed');
      log.warn('bridge.refused', { code: 'origin-not-allowed', origin: origin ?? '(none)', client: req.socket.remoteAddress });
      return httpRefuse(socket, 403, 'Forbidden', 'origin-not-allowed', `pages from ${origin ?? 'no origin'} may not use this bridge`);
    }
    // Malformed handshakes are answered here, so ws.handleUpgrade below cannot fail silently.
    const key = req.headers['sec-websocket-key'];
    if (req.method !== 'GET' || (req.headers.upgrade ?? '').toLowerCase() !== 'websocket' || !key || !/^[+/0-9A-Za-z]{22}==$/.test(key) || !['8', '13'].includes(String(req.headers['sec-websocket-version']))) {
      return httpRefuse(socket, 400, 'Bad Request', 'bad-handshake', 'not a valid WebSocket handshake');
    }
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim());
    if (!offered.includes(BRIDGE_SUBPROTOCOL)) {
      return httpRefuse(socket, 400, 'Bad Request', 'subprotocol-required', `request the WebSocket subprotocol ${BRIDGE_SUBPROTOCOL}`);
    }

    const id = nextId++;
    const client = req.socket.remoteAddress ?? 'unknown';
    // The session counts against the caps from now on, also while DNS and TCP connect run.
    stats.sessionsActive++;
    perClient.set(client, (perClient.get(client) ?? 0) + 1);
    pendingUpgrades.add(socket);
    const started = Date.now();
    // The session leaves the caps exactly once: when its client connection is gone.
    let released = false;
    const releaseOnce = () => {
      if (released) return;
      released = true;
      release(client);
    };
    socket.once('close', releaseOnce);

    const refuseAfterUpgrade = (r: Refusal) => {
      stats.sessionsRefused++;
      bump(stats.refusedBy, r.code);
      log.warn('bridge.refused', { session: id, client, code: r.code, close: r.close, reason: r.message, target: url.searchParams.get('target') ?? url.searchParams.get('scenario') ?? '' });
      pendingUpgrades.delete(socket);
      if (socket.destroyed) return releaseOnce();
      wss.handleUpgrade(req, socket, head, (ws) => ws.close(r.close, closeReason(r)));
    };

    const firstChecked = firstBytes(url.searchParams, offered);
    const first = firstChecked instanceof Uint8Array ? firstChecked : null;
    const holdAfter = downloadAfter(url.searchParams);
    let decision: Refusal | Target;
    if (closing) decision = refusal('shutting-down', CLOSE.goingAway, 'the bridge is shutting down');
    else if (options.token !== undefined && url.searchParams.get('token') !== options.token) {
      decision = refusal('token-required', CLOSE.unauthorized, url.searchParams.has('token') ? 'the access token is wrong' : 'this bridge needs ?token=... (see the start-up message)');
    } else if (stats.sessionsActive > limits.maxSessions) {
      decision = refusal('too-many-sessions', CLOSE.tooMany, `the bridge already carries ${limits.maxSessions} sessions; try again later`);
    } else if ((perClient.get(client) ?? 0) > limits.maxSessionsPerClient) {
      decision = refusal('too-many-client-sessions', CLOSE.tooMany, `at most ${limits.maxSessionsPerClient} sessions per client; close some first`);
    } else if (firstChecked && !first) {
      decision = firstChecked as Refusal;
    } else if (typeof holdAfter === 'object') {
      decision = holdAfter;
    } else {
      const d = await Promise.race([
        decideTarget(url.searchParams, { lab: options.lab, allow, testOnlyLoopbackPorts: options.testOnlyLoopbackPorts, lookup: options.lookup }),
        new Promise<null>((r) => setTimeout(() => r(null), limits.connectTimeoutMs).unref()),
      ]);
      decision = d === null ? refusal('connect-timeout', CLOSE.connectTimeout, 'resolving the target took too long') : d.ok ? d.target : d.refusal;
    }
    if ('close' in decision) return refuseAfterUpgrade(decision);
    const target = decision;

    const connected = await connectTcp(target, limits.connectTimeoutMs);
    if ('refusal' in connected) return refuseAfterUpgrade(connected.refusal);
    const tcp = connected.socket;
    pendingUpgrades.delete(socket);
    if (socket.destroyed || closing) {
      tcp.destroy();
      return releaseOnce();
    }

    if (first) {
      firstSent.add(req);
      // To the target before the upgrade is answered: the server starts on the client's first flight while the
      // answer is made and travels (the accept key, the WebSocket made, the answer written: ~0.2 ms here).
      tcp.write(first);
    }
    let upgraded = false;
    wss.handleUpgrade(req, socket, head, async (ws) => {
      upgraded = true;
      live.add(ws);
      stats.sessionsOpened++;
      log.info('bridge.open', { session: id, client, target: target.label, address: connected.address, scenario: target.scenario });
      // Asked for (?downstream=http): offer the target's bytes as an HTTP download, in the one text message the
      // bridge sends. The id is the capability: 128 random bits, taken once, gone with the session.
      let streamId: string | null = null;
      const offer = () => {
        streamId = randomBytes(16).toString('hex');
        downstreams.set(streamId, session);
        ws.send(JSON.stringify({ downstream: streamPrefix + streamId }));
      };
      const wantsDownload = url.searchParams.get('downstream') === 'http';
      const holdAt = typeof holdAfter === 'number' ? holdAfter : undefined;
      const session = relay(
        ws,
        tcp,
        { idleMs: limits.idleTimeoutMs, lifetimeMs: limits.maxSessionMs, wsHighWaterBytes: limits.wsHighWaterBytes, maxMessageBytes: limits.maxMessageBytes, downloadHoldMs: limits.downloadHoldMs },
        // With a count, the offer comes when the count is reached, the only time the client takes it: a handshake
        // is never offered one (the message delayed the server's answer in Chromium's Worker by 0.3-0.9 ms:
        // docs/engine-browser.md).
        { firstWritten: first?.length ?? 0, holdAfter: holdAt, onHold: wantsDownload && holdAt ? offer : undefined },
      );
      // Without a count (a client from before it) or with 0, at once.
      if (wantsDownload && !holdAt) offer();
      const end = await session.ended;
      if (streamId) downstreams.delete(streamId);
      live.delete(ws);
      releaseOnce();
      stats.bytesUp += end.bytesUp;
      stats.bytesDown += end.bytesDown;
      bump(stats.closedBy, String(end.code));
      log.info('bridge.close', { session: id, code: end.code, reason: end.reason, bytesUp: end.bytesUp, bytesDown: end.bytesDown, ms: Date.now() - started });
    });
    // `ws` answers at once, or not at all (a client that already hung up half its connection): the target goes too.
    if (!upgraded) tcp.destroy();
  };

  const listener = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    onUpgrade(req, socket, head).catch((err) => {
      log.warn('bridge.internal-error', { message: String(err?.message ?? err) });
      socket.destroy();
    });
  };
  options.server.on('upgrade', listener);

  const handleRequest = (req: http.IncomingMessage, res: http.ServerResponse): boolean => {
    const p = new URL(req.url ?? '/', 'http://bridge.invalid').pathname;
    if (!p.startsWith(streamPrefix)) return false;
    const streamId = p.slice(streamPrefix.length);
    const session = req.method === 'GET' ? downstreams.get(streamId) : undefined;
    if (session) downstreams.delete(streamId);
    if (!session?.attachDownstream(res)) {
      const body = JSON.stringify({ error: 'no-stream', message: 'no bridge session offers this download (taken, ended, or never offered)' });
      res.writeHead(404, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
      res.end(body);
    }
    return true;
  };

  return {
    path,
    handleRequest,
    stats: () => structuredClone(stats),
    close: async () => {
      closing = true;
      options.server.off('upgrade', listener);
      for (const s of pendingUpgrades) s.destroy();
      const closed = [...live].map((ws) => new Promise<void>((r) => (ws.once('close', () => r()), ws.close(CLOSE.goingAway, 'shutting-down: the bridge is stopping'))));
      const timeout = new Promise<void>((r) => setTimeout(r, 2000).unref());
      await Promise.race([Promise.all(closed), timeout]);
      for (const ws of live) ws.terminate();
      wss.close();
    },
  };
}
