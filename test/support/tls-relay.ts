// One real session between openssl s_client and s_server, relayed through a socket here that keeps each direction's
// bytes in the order they came: TLS records as the peers wrote them, without a packet capture.
import { spawn } from 'node:child_process';
import net from 'node:net';
import type { StreamChunk } from '../../src/capture/tcp-reassembly.ts';
import { spawnSServer } from '../tls/helpers.ts';

export interface RelayedSession {
  /** Each piece as read from its side, in order (time: its index). */
  chunks: Extract<StreamChunk, { bytes: Uint8Array }>[];
  /** What s_client printed. */
  clientOutput: string;
}

/** Each direction's bytes joined. */
export function sideBytes(session: RelayedSession, side: 'client' | 'server'): Buffer {
  return Buffer.concat(session.chunks.filter((c) => c.direction === side).map((c) => c.bytes));
}

/**
 * Run s_server with `serverArgs` (one connection) and s_client with `clientArgs` through the relay: wait for the
 * handshake ("Verify return code"), then quit s_client ("Q") and collect what went each way.
 */
export async function relayedSession(serverArgs: string[], clientArgs: string[]): Promise<RelayedSession> {
  const server = await spawnSServer([...serverArgs, '-naccept', '1']);
  const chunks: RelayedSession['chunks'] = [];
  const relay = net.createServer((down) => {
    const up = net.connect(server.port, '127.0.0.1');
    down.on('data', (d) => {
      chunks.push({ direction: 'client', time: chunks.length, bytes: new Uint8Array(d) });
      up.write(d);
    });
    up.on('data', (d) => {
      chunks.push({ direction: 'server', time: chunks.length, bytes: new Uint8Array(d) });
      down.write(d);
    });
    down.on('close', () => up.end());
    up.on('close', () => down.end());
    down.on('error', () => {});
    up.on('error', () => {});
  });
  try {
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', () => r()));
    const port = (relay.address() as net.AddressInfo).port;
    const client = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', ...clientArgs], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    client.stdout.on('data', (d) => (out += d.toString()));
    client.stderr.on('data', (d) => (out += d.toString()));
    const exited = new Promise((r) => client.once('exit', r));
    const deadline = Date.now() + 20_000;
    while (!/Verify return code/.test(out) && client.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    client.stdin.end('Q\n');
    const timer = setTimeout(() => client.kill('SIGTERM'), 15_000);
    await exited;
    clearTimeout(timer);
    // The last bytes relayed (a close_notify) before the relay closes.
    await new Promise((r) => setTimeout(r, 100));
    return { chunks, clientOutput: out };
  } finally {
    relay.close();
    await server.stop();
  }
}
