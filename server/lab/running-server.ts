// The shape every lab server has once started, and small helpers for ports.
import { existsSync } from 'node:fs';
import net from 'node:net';

export interface RunningServer {
  port: number;
  stop(): Promise<void>;
}

/** Listens on an ephemeral port and returns a stop() that also drops open connections. */
export function listenTcp(server: net.Server, address: string): Promise<RunningServer> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, address, () => {
      server.off('error', reject);
      const port = (server.address() as net.AddressInfo).port;
      resolve({
        port,
        stop: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

/** A port that was free a moment ago, for servers that must be told their port (openssl, dovecot). */
export function freePort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, address, () => {
      const port = (probe.address() as net.AddressInfo).port;
      probe.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on address:port, or rejects after timeoutMs. */
export async function waitForPort(address: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: address, port });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${address}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const SETPRIV = '/usr/bin/setpriv';
const hasSetpriv = existsSync(SETPRIV);

/**
 * The command line that runs `command` so that it gets SIGTERM if this process dies, even by
 * SIGKILL (util-linux setpriv --pdeathsig): a lab server never outlives the lab.
 */
export function diesWithParent(command: string, args: string[]): [string, string[]] {
  return hasSetpriv ? [SETPRIV, ['--pdeathsig', 'TERM', '--', command, ...args]] : [command, args];
}
