// A client that completes the handshake and then never reads: the server's writes wait on TCP backpressure
// instead of piling up in memory, and closing the connection ends the waiting write.
import fs from 'node:fs';
import tls from 'node:tls';
import { afterEach, expect, it } from 'vitest';
import type { ServerConnection } from '../../src/tls/server.ts';
import { usePki } from '../support/pki.ts';
import { startListener, type TestListener } from './support/listener.ts';
import { serverCertificates } from './support/server-pki.ts';

const pki = usePki();
let listener: TestListener | null = null;
afterEach(async () => {
  await listener?.stop();
  listener = null;
});

it('a client that never reads: writes stall on backpressure, memory stays bounded, close ends it', async () => {
  let written = 0;
  let writer: Promise<string> = Promise.resolve('not started');
  let server!: ServerConnection;
  const chunk = new Uint8Array(16 * 1024).fill(0x61);
  listener = await startListener(
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
  const before = process.memoryUsage().rss;
  await new Promise((r) => setTimeout(r, 2000));
  // 64 MiB were asked for; the kernel's and the streams' buffers hold only a few MiB of it.
  expect(written).toBeLessThan(16 * 1024 * 1024);
  expect(process.memoryUsage().rss - before).toBeLessThan(48 * 1024 * 1024);
  await server.close({ waitForPeerMs: 0 });
  expect(await writer).not.toBe('all written');
  socket.destroy();
}, 20_000);
