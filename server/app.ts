// startServer: one HTTP server on loopback carrying the web app (dist/), the lab API and the bridge.
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import type { Logger } from './log.ts';
import { silentLogger } from './log.ts';
import type { Lab, LabOptions } from './lab/index.ts';
import { startLab } from './lab/index.ts';
import type { Bridge, BridgeOptions } from './bridge/index.ts';
import { BRIDGE_SUBPROTOCOL, DEFAULT_LIMITS, startBridge } from './bridge/index.ts';
import { CLOSE } from './bridge/refusal.ts';
import { serveStatic } from './static-files.ts';
import { ClientFeed } from './clients/feed.ts';
import { clientsApi } from './clients/routes.ts';
import { startClientsListener, type ClientsListener, type ClientsListenerOptions } from './clients/listener.ts';
import type { ClientsListenerInfo } from '../src/clients/report-message.ts';

export const DEFAULT_PORT = 5174;

export interface ServerOptions {
  /** TCP port; 0 picks a free one. Default 5174. */
  port?: number;
  /** Bind address. Default 127.0.0.1 (the lab and bridge are meant for this machine only). */
  host?: string;
  /** The built app. Default: dist/ in the current directory. */
  distDir?: string;
  /** Lab options, or false to run without the lab. */
  lab?: LabOptions | false;
  /** Bridge options; `origins` are added to the server's own origins. */
  bridge?: Omit<BridgeOptions, 'server' | 'lab' | 'log'>;
  /** The serve listener for the Clients view; none when absent (a hand-started `tls-lens serve --report` still reports). */
  clients?: ClientsListenerOptions;
  log?: Logger;
}

export interface RunningServer {
  url: string;
  port: number;
  lab?: Lab;
  bridge: Bridge;
  /** The Clients view's serve listener, or why it is not running. */
  clientsListener: ClientsListenerInfo;
  /** Where `tls-lens serve --report` posts. */
  reportUrl: string;
  stop(): Promise<void>;
}

function sendJson(res: http.ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value, null, 2);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' }).end(body);
}

function sendPem(res: http.ServerResponse, pem: string, filename: string): void {
  res
    .writeHead(200, {
      'Content-Type': 'application/x-pem-file',
      'Content-Disposition': `attachment; filename="${filename}"`,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    })
    .end(pem);
}

function isLoopback(address: string | undefined): boolean {
  return !!address && (address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.'));
}

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? silentLogger;
  const distDir = options.distDir ?? path.resolve('dist');
  const lab = options.lab === false ? undefined : await startLab(options.lab ?? {});
  let bridge: Bridge | undefined;
  const allowedHosts = new Set<string>();
  const token = options.bridge?.token;
  let listener: ClientsListener | undefined;
  const noListener: ClientsListenerInfo = { running: false, reason: options.clients ? 'starting' : 'not started (npm start -- --no-serve, or a server started without one)' };
  const clients = clientsApi({ feed: new ClientFeed(), listener: () => listener?.info() ?? noListener, isLoopback }, sendJson);

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    // Answer only requests addressed to us by name: a hostile page that rebinds its own name to
    // 127.0.0.1 must not be able to read the lab's client key.
    if (!allowedHosts.has((req.headers.host ?? '').toLowerCase())) return sendJson(res, 421, { error: 'wrong-host', message: 'this server answers only at its own address' });
    const url = new URL(req.url ?? '/', 'http://x');
    const p = url.pathname;
    if (await clients.handle(req, res, p)) return;
    if (bridge?.handleRequest(req, res)) return;
    if (p.startsWith('/api/')) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: 'method-not-allowed', message: 'the API is read-only' });
      if (p === '/api/lab') return sendJson(res, 200, lab?.scenarios ?? []);
      if (lab && (p === '/api/lab/ca.pem' || p === '/api/lab/root.pem')) return sendPem(res, lab.pki.root.cert, 'tls-lens-lab-root.pem');
      if (lab && (p === '/api/lab/client-cert' || p === '/api/lab/client-cert.pem')) return sendPem(res, lab.pki.client.cert + lab.pki.intermediate.cert, 'tls-lens-lab-client.pem');
      if (lab && (p === '/api/lab/client-key' || p === '/api/lab/client-key.pem')) return sendPem(res, lab.pki.client.key, 'tls-lens-lab-client.key.pem');
      if (p === '/api/bridge') {
        return sendJson(res, 200, {
          path: bridge?.path,
          subprotocol: BRIDGE_SUBPROTOCOL,
          tokenRequired: token !== undefined,
          maxMessageBytes: options.bridge?.limits?.maxMessageBytes ?? DEFAULT_LIMITS.maxMessageBytes,
          closeCodes: CLOSE,
        });
      }
      if (p === '/api/bridge/stats') {
        const given = url.searchParams.get('token') ?? (req.headers.authorization ?? '').replace(/^Bearer /, '');
        if (!isLoopback(req.socket.remoteAddress) || (token !== undefined && given !== token)) {
          return sendJson(res, 403, { error: 'stats-private', message: 'bridge counters are visible only from this machine (and with the token when one is set)' });
        }
        return sendJson(res, 200, bridge?.stats());
      }
      return sendJson(res, 404, { error: 'not-found', message: `no API at ${p}` });
    }
    await serveStatic(req, res, distDir);
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      log.warn('http.error', { path: req.url, message: String(err?.message ?? err) });
      if (!res.headersSent) sendJson(res, 500, { error: 'internal', message: 'internal error' });
      else res.destroy();
    });
  });
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? DEFAULT_PORT, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await lab?.stop();
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') throw new Error(`port ${options.port ?? DEFAULT_PORT} on ${host} is already in use; choose another with --port or TLS_LENS_PORT`);
    throw err;
  }
  const port = (server.address() as net.AddressInfo).port;
  const ownOrigins = [`http://127.0.0.1:${port}`, `http://localhost:${port}`, `http://[::1]:${port}`];
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') ownOrigins.push(`http://${host.includes(':') ? `[${host}]` : host}:${port}`);
  const origins = [...ownOrigins, ...(options.bridge?.origins ?? [])];
  for (const o of origins) {
    try {
      allowedHosts.add(new URL(o).host.toLowerCase());
    } catch {
      /* an origin that is not a URL cannot name a host */
    }
  }

  bridge = startBridge({
    ...options.bridge,
    origins,
    server,
    log,
    lab: lab && {
      host: lab.scenarios[0]?.host ?? 'lab.tls-lens.test',
      address: lab.scenarios[0]?.address ?? '127.0.0.1',
      byId: lab.byId,
      byPort: lab.byPort,
    },
  });

  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const reportUrl = `${url}/api/clients`;
  if (options.clients) listener = await startClientsListener(options.clients, reportUrl);
  let stopped: Promise<void> | undefined;
  return {
    url,
    port,
    lab,
    bridge,
    clientsListener: listener?.info() ?? noListener,
    reportUrl,
    stop: () =>
      (stopped ??= (async () => {
        await listener?.stop();
        clients.close();
        await bridge!.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          for (const s of sockets) s.destroy();
        });
        await lab?.stop();
      })()),
  };
}
