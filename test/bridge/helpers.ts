// Shared pieces for bridge tests: a real echo server, a bridge server, and a WebSocket client
// that reports how its session ended.
import net from 'node:net';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import type { RunningServer, ServerOptions } from '../../server/app.ts';
import { startServer } from '../../server/app.ts';
import { BRIDGE_SUBPROTOCOL } from '../../server/bridge/index.ts';

export interface EchoServer {
  port: number;
  sockets: Set<net.Socket>;
  /** Every connection ever accepted, in order. */
  all: net.Socket[];
  stop(): Promise<void>;
}

/** A TCP echo server on 127.0.0.1 (respects backpressure via pipe). */
export function startEcho(onConnection?: (s: net.Socket) => void): Promise<EchoServer> {
  const sockets = new Set<net.Socket>();
  const all: net.Socket[] = [];
  const server = net.createServer((s) => {
    sockets.add(s);
    all.push(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    if (onConnection) onConnection(s);
    else s.pipe(s);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as net.AddressInfo).port,
        sockets,
        all,
        stop: () =>
          new Promise<void>((r) => {
            for (const s of sockets) s.destroy();
            server.close(() => r());
          }),
      }),
    ),
  );
}

/** Starts app + bridge without the lab, serving an empty dist dir. */
export function startBridgeServer(bridge: ServerOptions['bridge'] = {}, extra: Partial<ServerOptions> = {}): Promise<RunningServer> {
  return startServer({ port: 0, lab: false, distDir: mkdtempSync(path.join(os.tmpdir(), 'tls-lens-dist-')), bridge, ...extra });
}

export interface OpenOptions {
  origin?: string | null;
  protocol?: string | null;
}

export function connect(server: RunningServer, query: string, o: OpenOptions = {}): WebSocket {
  const origin = o.origin === undefined ? server.url : o.origin;
  const protocol = o.protocol === undefined ? BRIDGE_SUBPROTOCOL : o.protocol;
  return new WebSocket(`${server.url.replace('http', 'ws')}/bridge?${query}`, protocol === null ? [] : [protocol], origin === null ? {} : { origin });
}

export interface Ending {
  opened: boolean;
  code?: number;
  reason?: string;
  httpStatus?: number;
  httpBody?: string;
}

/** Waits for the session to end (close frame or refused upgrade). */
export function ending(ws: WebSocket): Promise<Ending> {
  return new Promise((resolve) => {
    let opened = false;
    ws.on('open', () => (opened = true));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => resolve({ opened, httpStatus: res.statusCode, httpBody: body }));
    });
    ws.on('error', () => {});
    ws.on('close', (code, reason) => resolve({ opened, code, reason: reason.toString() }));
  });
}

/** Poll until `cond` holds: a ready signal for server-side effects that have no event of their own. */
export async function waitUntil(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`still waiting after ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Close and wait for the closing handshake to finish. */
export function closed(ws: WebSocket, code = 1000): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
  const done = new Promise<void>((r) => ws.once('close', () => r()));
  ws.close(code);
  return done;
}

export function opened(ws: WebSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('close', (code, reason) => reject(new Error(`closed ${code} ${reason}`)));
    ws.once('unexpected-response', (_q, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}
