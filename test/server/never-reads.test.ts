// A client that completes the handshake and then never reads: the server's writes wait on TCP backpressure
// instead of piling up in memory, and closing the connection ends the waiting write.
import fs from 'node:fs';
import tls from 'node:tls';
import { expect, it } from 'vitest';
import type { ServerConnection } from '../../src/tls/server.ts';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import { usePki } from '../support/pki.ts';
import { listenersStoppedAfterEach } from './support/listener.ts';
import { serverCertificates } from './support/server-pki.ts';

const pki = usePki();
const startListener = listenersStoppedAfterEach();

/** Polls `cond` (a busy machine is only slower); fails with `what` after a generous deadline. */
async function until(cond: () => boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`still waiting after ${ms} ms for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

it('a client that never reads: writes stall on backpressure, memory stays bounded, close ends it', async () => {
  let written = 0;
  let writer: Promise<string> = Promise.resolve('not started');
  let server!: ServerConnection;
  const chunk = new Uint8Array(16 * 1024).fill(0x61);
  const listener = await startListener(
    () => ({ certificates: [serverCertificates(pki).p256], timeoutMs: 10_000, numTickets: 0 }),
    async (c) => {
      server = c;
      writer = (async () => {
        try {
          for (let i = 0; i < 4096; i++) {
            await c.write(chunk);
            written += chunk.length;
          }
          return 'all written';
        } catch (e) {
          return (e as { code?: string }).code ?? 'error';
        }
      })();
    },
  );
  const socket = tls.connect({ host: '127.0.0.1', port: listener.port, servername: 'localhost', ca: fs.readFileSync(pki.rootPem) });
  await new Promise((r) => socket.once('secureConnect', r));
  socket.pause();
  // The client's secureConnect can come before the server has read its Finished: wait for the server's writer.
  await until(() => server !== undefined && written > 0, 'the server to start writing');
  const before = process.memoryUsage().rss;
  await new Promise((r) => setTimeout(r, 2000));
  // 64 MiB were asked for; the kernel's and the streams' buffers hold only a few MiB of it.
  expect(written).toBeLessThan(16 * 1024 * 1024);
  expect(process.memoryUsage().rss - before).toBeLessThan(48 * 1024 * 1024);
  await server.close({ waitForPeerMs: 0 });
  expect(await writer).not.toBe('all written');
  socket.destroy();
}, 20_000);

it('a client that never reads is ended after writeTimeoutMs, with the reason in the trace; other clients are served meanwhile', async () => {
  const traces: TraceRecorder[] = [];
  let writer: Promise<{ code: string; ms: number }> = Promise.resolve({ code: 'not started', ms: 0 });
  const chunk = new Uint8Array(16 * 1024).fill(0x62);
  const listener = await startListener(
    (index) => {
      traces[index] = new TraceRecorder(() => 0);
      return { certificates: [serverCertificates(pki).p256], timeoutMs: 10_000, numTickets: 0, writeTimeoutMs: 1500, recorder: traces[index].emit };
    },
    async (c, a) => {
      if (a !== listener.accepted[0]) return;
      const started = Date.now();
      writer = (async () => {
        try {
          for (;;) await c.write(chunk);
        } catch (e) {
          return { code: (e as { code?: string }).code ?? 'error', ms: Date.now() - started };
        }
      })();
      await writer;
      throw new Error('stalled client ended');
    },
  );
  const stalled = tls.connect({ host: '127.0.0.1', port: listener.port, servername: 'localhost', ca: fs.readFileSync(pki.rootPem) });
  stalled.on('error', () => undefined);
  await new Promise((r) => stalled.once('secureConnect', r));
  stalled.pause();
  // While the first client's write waits, a second client is served.
  const other = tls.connect({ host: '127.0.0.1', port: listener.port, servername: 'localhost', ca: fs.readFileSync(pki.rootPem) });
  other.on('error', () => undefined);
  await new Promise((r) => other.once('secureConnect', r));
  other.write('still served');
  const answer = await new Promise<string>((r) => other.once('data', (d) => r(d.toString())));
  expect(answer).toBe('STILL SERVED');
  const ended = await writer;
  expect(ended.code).toBe('TIMEOUT');
  // Ended after the limit, not long after it (the handshake and the first writes come before the wait).
  expect(ended.ms).toBeGreaterThanOrEqual(1500);
  expect(ended.ms).toBeLessThan(6000);
  const error = traces[0].events.find((e) => e.kind === 'error') as { code: string; message: string } | undefined;
  expect(error?.code).toBe('TIMEOUT');
  expect(error?.message).toMatch(/has not read .* for 1500 ms/);
  await until(() => traces[0].events.some((e) => e.kind === 'connection' && e.phase === 'closed'), "the stalled connection's closed event");
  other.end();
  stalled.destroy();
}, 20_000);
