// Relay integrity under load and backpressure in both directions, against a real TCP server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import type net from 'node:net';
import type WebSocket from 'ws';
import type { RunningServer } from '../../server/app.ts';
import type { EchoServer } from './helpers.ts';
import { connect, opened, startBridgeServer, startEcho, waitUntil } from './helpers.ts';

const SESSIONS = 200;
const BYTES_PER_SESSION = 96 * 1024;

let echo: EchoServer;
let server: RunningServer;
beforeAll(async () => {
  echo = await startEcho();
  server = await startBridgeServer({
    allow: [`localhost:${echo.port}`],
    testOnlyLoopbackPorts: [echo.port],
    limits: { maxSessions: SESSIONS + 10, maxSessionsPerClient: SESSIONS + 10 },
  });
});
afterAll(async () => {
  await server.stop();
  await echo.stop();
});

/** Sends `data` in random chunk sizes (1..8192) and resolves with everything echoed back. */
async function roundTrip(ws: WebSocket, data: Buffer): Promise<Buffer> {
  const parts: Buffer[] = [];
  let got = 0;
  const done = new Promise<void>((resolve) =>
    ws.on('message', (d: Buffer) => {
      parts.push(d);
      got += d.length;
      if (got >= data.length) resolve();
    }),
  );
  for (let i = 0; i < data.length; ) {
    const n = Math.min(data.length - i, 1 + Math.floor(Math.random() * 8192));
    ws.send(data.subarray(i, i + n));
    i += n;
    if (Math.random() < 0.2) await new Promise((r) => setImmediate(r));
  }
  await done;
  return Buffer.concat(parts);
}

describe('relay under load', () => {
  it(`${SESSIONS} concurrent sessions in random chunk sizes: every byte back, in order`, async () => {
    const rssBefore = process.memoryUsage().rss;
    const sockets = await Promise.all(
      Array.from({ length: SESSIONS }, async () => {
        const ws = connect(server, `target=localhost:${echo.port}`);
        await opened(ws);
        return ws;
      }),
    );
    expect(server.bridge.stats().sessionsActive).toBe(SESSIONS);
    const results = await Promise.all(
      sockets.map(async (ws) => {
        const data = randomBytes(BYTES_PER_SESSION);
        const back = await roundTrip(ws, data);
        return back.equals(data);
      }),
    );
    expect(results.filter(Boolean).length).toBe(SESSIONS);
    const rssGrowthMb = (process.memoryUsage().rss - rssBefore) / 1e6;
    // 200 × 96 KiB = 19 MB crossed the bridge twice; memory must not grow with all of it per session.
    expect(rssGrowthMb).toBeLessThan(150);
    await Promise.all(sockets.map((ws) => new Promise((r) => (ws.once('close', r), ws.close(1000)))));
    await waitUntil(() => server.bridge.stats().sessionsActive === 0, 'every session is released');
    const stats = server.bridge.stats();
    expect(stats.sessionsActive).toBe(0);
    expect(stats.bytesUp).toBeGreaterThanOrEqual(SESSIONS * BYTES_PER_SESSION);
    expect(stats.bytesDown).toBeGreaterThanOrEqual(SESSIONS * BYTES_PER_SESSION);
  }, 120_000);
});

describe('backpressure', () => {
  const TOTAL = 64 * 1024 * 1024;

  it('target → client: a client that stops reading stops the bridge reading TCP', async () => {
    let written = 0;
    const hash = createHash('sha256');
    const block = randomBytes(64 * 1024);
    const flood = await startEcho((sock: net.Socket) => {
      const pump = () => {
        while (written < TOTAL) {
          written += block.length;
          hash.update(block);
          if (!sock.write(block)) return void sock.once('drain', pump);
        }
        sock.end();
      };
      pump();
    });
    const s = await startBridgeServer({ allow: [`localhost:${flood.port}`], testOnlyLoopbackPorts: [flood.port] });
    const ws = connect(s, `target=localhost:${flood.port}`);
    const got = createHash('sha256');
    let count = 0;
    ws.on('message', (d: Buffer) => {
      got.update(d);
      count += d.length;
    });
    const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
    ws.once('open', () => ws.pause()); // the client stops reading from its socket
    await opened(ws);
    // Until the buffers between target and client are full and the target is stuck: a whole second without a
    // write (the target, the bridge and the client all run in this process, so a second of polls is a second in
    // which any of them could have moved). A bridge that does not push back never gets there, and fails here.
    let last = written;
    let lastChange = Date.now();
    await waitUntil(
      () => {
        if (written !== last) [last, lastChange] = [written, Date.now()];
        return Date.now() - lastChange >= 1000;
      },
      'the target to be stuck (a second without a write)',
      30_000,
    );
    const writtenWhenStuck = written;
    await new Promise((r) => setTimeout(r, 1000));
    // The target stays stuck: socket buffers plus the bridge's 1 MiB high-water mark, not the whole 64 MiB.
    expect(written - writtenWhenStuck).toBeLessThan(2 * 1024 * 1024);
    expect(written).toBeLessThan(TOTAL / 2);
    expect(count).toBeLessThan(4 * 1024 * 1024);

    ws.resume();
    expect(await closed).toBe(1000); // the target's FIN becomes a normal close
    expect(count).toBe(TOTAL);
    expect(got.digest('hex')).toBe(hash.digest('hex'));
    await s.stop();
    await flood.stop();
  }, 60_000);

  it('client → target: a target that stops reading stops the bridge reading the WebSocket', async () => {
    let target!: net.Socket;
    const sink = await startEcho((sock) => {
      target = sock;
      sock.pause();
    });
    const s = await startBridgeServer({ allow: [`localhost:${sink.port}`], testOnlyLoopbackPorts: [sink.port] });
    const ws = connect(s, `target=localhost:${sink.port}`);
    await opened(ws);
    const sent = createHash('sha256');
    const block = randomBytes(60 * 1024);
    for (let i = 0; i < TOTAL; i += block.length) {
      ws.send(block);
      sent.update(block);
    }
    await new Promise((r) => setTimeout(r, 1500));
    // Most of the data must still wait on the client side, not inside the bridge.
    expect(ws.bufferedAmount).toBeGreaterThan(TOTAL / 2);

    const got = createHash('sha256');
    let count = 0;
    const sentTotal = Math.ceil(TOTAL / block.length) * block.length;
    const all = new Promise<void>((r) =>
      target.on('data', (d: Buffer) => {
        got.update(d);
        count += d.length;
        if (count >= sentTotal) r();
      }),
    );
    target.resume();
    await all;
    expect(got.digest('hex')).toBe(sent.digest('hex'));
    ws.close(1000);
    await s.stop();
    await sink.stop();
  }, 60_000);
});
