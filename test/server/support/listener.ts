// A tiny TCP listener on 127.0.0.1 for the server tests (until `tls-lens serve` lands): each connection runs
// acceptTls, then echoes what the client sends, upper-cased, until the client closes. Outcomes are kept for asserts.
import net from 'node:net';
import { afterEach } from 'vitest';
import { acceptTls, type ServerConnection, type ServerOptions } from '../../../src/tls/server.ts';
import { socketTransport } from '../../../src/transport/tcp.ts';
import { utf8 } from '../../../src/util/bytes.ts';

export interface Accepted {
  connection?: ServerConnection;
  error?: { code: string; message: string };
  /** Everything the client sent, as text. */
  received: string;
  done: Promise<void>;
}

export interface TestListener {
  port: number;
  accepted: Accepted[];
  /** Wait until `n` connections have ended (handshake failed, or the client closed). */
  settled(n: number, timeoutMs?: number): Promise<Accepted[]>;
  stop(): Promise<void>;
}

export async function startListener(options: (index: number) => ServerOptions, onConnection?: (c: ServerConnection, a: Accepted) => Promise<void>): Promise<TestListener> {
  const accepted: Accepted[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const a = { received: '' } as Accepted;
    const index = accepted.push(a) - 1;
    a.done = (async () => {
      try {
        a.connection = await acceptTls(socketTransport(socket), options(index));
        if (onConnection) await onConnection(a.connection, a);
        for (;;) {
          const chunk = await a.connection.read();
          if (!chunk) break;
          const text = utf8.decode(chunk);
          a.received += text;
          await a.connection.write(utf8.encode(text.toUpperCase()));
        }
        await a.connection.close({ waitForPeerMs: 0 });
      } catch (e) {
        a.error ??= { code: (e as { code?: string }).code ?? 'UNKNOWN', message: (e as Error).message };
        socket.destroy();
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    accepted,
    async settled(n, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (accepted.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await Promise.race([Promise.all(accepted.slice(0, n).map((a) => a.done)), new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())))]);
      return accepted;
    },
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * startListener for a test file (call it once at the file's top level): each listener it starts is stopped after
 * the test that started it.
 */
export function listenersStoppedAfterEach(): typeof startListener {
  const running: TestListener[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((l) => l.stop()));
  });
  return async (options, onConnection) => {
    const l = await startListener(options, onConnection);
    running.push(l);
    return l;
  };
}
