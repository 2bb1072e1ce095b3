// The bridge's HTTP download (server/bridge/relay.ts attachDownstream, src/transport/websocket.ts): through the real
// bridge from real TCP servers, every byte arrives once and in order whether it came as WebSocket messages, through
// the download, or partly each way; the end of the target's stream and its reset keep their meaning; the download's
// id is taken once; the client letting go of it ends the session; a client whose fetch fails tells the bridge,
// which holds the bytes for the download, to send them on as messages; and a reader that stops reading stops the
// target's sender (nothing piles up in the bridge or the transport).
import crypto from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/app.ts';
import { BRIDGE_DOWNLOAD_DECLINED, BRIDGE_SUBPROTOCOL } from '../../src/transport/bridge-protocol.ts';
import { BridgeClosedError, DOWNLOAD_AFTER_BYTES, WebSocketTransport, type WebSocketLike, type WebSocketTransportOptions } from '../../src/transport/websocket.ts';
import { concat } from '../../src/util/bytes.ts';
import { startBridgeServer, startEcho, waitUntil, type EchoServer } from '../bridge/helpers.ts';

/** What the target sends, named by the client's first byte: random bytes, then FIN (or RST for `reset`). */
const payloads = new Map<number, { bytes: Buffer; reset?: boolean; paced?: boolean }>();
/** Paced: 256 KiB every 5 ms, so that the download (fetched after the first 64 KiB) joins mid-transfer. */
const PIECE = 256 * 1024;
let source: EchoServer;
let bridge: RunningServer;
/** How many bytes the target has handed to its socket so far, per connection (the backpressure test). */
const handed: number[] = [];

beforeAll(async () => {
  source = await startEcho((socket) => {
    socket.once('data', (d) => {
      // The first byte the client sends names the payload (a port-independent switch for one shared server).
      const p = payloads.get(d[0])!;
      if (p.paced) return pace(socket, p.bytes, p.reset);
      if (p.bytes.length > 32 * PIECE) return pump(socket, p.bytes, handed.push(0) - 1);
      if (p.reset) socket.write(p.bytes, () => setTimeout(() => socket.resetAndDestroy(), 200));
      else socket.end(p.bytes);
    });
  });
  bridge = await startBridgeServer({ allow: [`127.0.0.1:${source.port}`], testOnlyLoopbackPorts: [source.port] });
});
afterAll(async () => {
  await bridge?.stop();
  await source?.stop();
});

function pace(socket: net.Socket, bytes: Buffer, reset?: boolean, at = 0): void {
  if (socket.destroyed) return;
  if (at >= bytes.length) return void (reset ? setTimeout(() => socket.resetAndDestroy(), 200) : socket.end());
  socket.write(bytes.subarray(at, at + PIECE));
  setTimeout(() => pace(socket, bytes, reset, at + PIECE), 5);
}

/** Write as a careful sender does: a piece at a time, waiting for 'drain' whenever the socket says it is full. */
function pump(socket: net.Socket, bytes: Buffer, slot: number): void {
  while (handed[slot] < bytes.length) {
    const piece = bytes.subarray(handed[slot], handed[slot] + 64 * 1024);
    handed[slot] += piece.length;
    if (!socket.write(piece)) return void socket.once('drain', () => pump(socket, bytes, slot));
  }
  socket.end();
}

function payload(id: number, size: number, reset = false, paced = true): Buffer {
  const bytes = crypto.randomBytes(size);
  payloads.set(id, { bytes, reset, paced });
  return bytes;
}

const url = () => `${bridge.url.replace('http', 'ws')}/bridge?target=${encodeURIComponent(`127.0.0.1:${source.port}`)}`;

/** Open the transport with a real `ws` client; count the downloads it fetches (optionally held back a while). */
async function open(options: WebSocketTransportOptions & { holdDownloadMs?: number } = {}) {
  const fetches: string[] = [];
  const fetcher: typeof fetch = async (input, init) => {
    fetches.push(String(input));
    if (options.holdDownloadMs) await new Promise((r) => setTimeout(r, options.holdDownloadMs));
    return fetch(input, init);
  };
  // Text messages the transport sends the bridge (only ever BRIDGE_DOWNLOAD_DECLINED).
  const texts: string[] = [];
  const factory = (u: string, p?: string | string[]) => {
    const ws = new WebSocket(u, p, { origin: bridge.url });
    const send = ws.send.bind(ws);
    ws.send = ((data: unknown, ...rest: unknown[]) => (typeof data === 'string' && texts.push(data), (send as (...a: unknown[]) => void)(data, ...rest))) as typeof ws.send;
    return ws as unknown as WebSocketLike;
  };
  const transport = await WebSocketTransport.open(url(), { protocols: BRIDGE_SUBPROTOCOL, factory, fetch: fetcher, ...options });
  return { transport, fetches, texts };
}

async function readAll(t: WebSocketTransport): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for (let d = await t.read(); d; d = await t.read()) parts.push(d);
  return concat(...parts);
}

describe('the bridge download', () => {
  it('a long transfer moves to the download, every byte in order, then ends cleanly', async () => {
    const sent = payload(1, 6 * 1024 * 1024 + 123);
    const { transport, fetches } = await open();
    await transport.write(Uint8Array.of(1));
    const got = await readAll(transport);
    expect(got.length).toBe(sent.length);
    expect(Buffer.from(got).equals(sent)).toBe(true);
    expect(fetches).toHaveLength(1);
    expect(fetches[0]).toMatch(/\/bridge\/stream\/[0-9a-f]{32}$/);
    expect(transport.receivedVia).toBe('download');
  });

  it('a download that answers late joins the messages sent meanwhile, in order', async () => {
    const sent = payload(2, 10 * 1024 * 1024);
    const { transport } = await open({ holdDownloadMs: 100 });
    await transport.write(Uint8Array.of(2));
    const got = await readAll(transport);
    expect(Buffer.from(got).equals(sent)).toBe(true);
    expect(transport.receivedVia).toBe('download');
  });

  it('a download fetched at once carries everything', async () => {
    const sent = payload(3, 2 * 1024 * 1024);
    const { transport, fetches } = await open({ downloadAfterBytes: 0 });
    await waitUntil(() => fetches.length === 1, 'the download fetched before any byte');
    await transport.write(Uint8Array.of(3));
    expect(Buffer.from(await readAll(transport)).equals(sent)).toBe(true);
  });

  it('a short answer (a handshake, a small page) stays on the WebSocket: no download is fetched', async () => {
    const sent = payload(4, DOWNLOAD_AFTER_BYTES - 1);
    const { transport, fetches } = await open();
    await transport.write(Uint8Array.of(4));
    expect(Buffer.from(await readAll(transport)).equals(sent)).toBe(true);
    expect(fetches).toEqual([]);
    expect(transport.receivedVia).toBe('websocket');
  });

  it("downstream 'websocket' never asks for a download", async () => {
    const sent = payload(5, 1024 * 1024);
    const { transport, fetches } = await open({ downstream: 'websocket' });
    await transport.write(Uint8Array.of(5));
    expect(Buffer.from(await readAll(transport)).equals(sent)).toBe(true);
    expect(fetches).toEqual([]);
  });

  it('a download that fails leaves the bytes on the WebSocket', async () => {
    const sent = payload(6, 2 * 1024 * 1024);
    const failing: typeof fetch = async () => {
      throw new TypeError('network error');
    };
    const { transport, texts } = await open({ fetch: failing });
    await transport.write(Uint8Array.of(6));
    expect(Buffer.from(await readAll(transport)).equals(sent)).toBe(true);
    expect(transport.receivedVia).toBe('websocket');
    // The bridge, which held the bytes for the download, was told at once that none is coming.
    expect(texts).toEqual([BRIDGE_DOWNLOAD_DECLINED]);
  });

  it('a 200 answer that is not the bridge download (no bytes-before header: a dev server page) is not taken', async () => {
    const sent = payload(12, 2 * 1024 * 1024);
    const page: typeof fetch = async () => new Response('<!doctype html><title>app</title>', { status: 200, headers: { 'content-type': 'text/html' } });
    const { transport, texts } = await open({ fetch: page });
    await transport.write(Uint8Array.of(12));
    expect(Buffer.from(await readAll(transport)).equals(sent)).toBe(true);
    expect(transport.receivedVia).toBe('websocket');
    expect(texts).toEqual([BRIDGE_DOWNLOAD_DECLINED]);
  });

  it("the target's reset still reads as a reset (4504) once the download carries the bytes", async () => {
    const sent = payload(7, 3 * 1024 * 1024, true);
    const { transport } = await open();
    await transport.write(Uint8Array.of(7));
    const parts: Uint8Array[] = [];
    const error = await (async () => {
      try {
        for (let d = await transport.read(); d; d = await transport.read()) parts.push(d);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(BridgeClosedError);
    expect((error as BridgeClosedError).code).toBe(4504);
    // Everything that arrived before the reset was delivered, in order.
    const got = concat(...parts);
    expect(Buffer.from(got).equals(sent.subarray(0, got.length))).toBe(true);
    expect(got.length).toBe(sent.length);
    expect(transport.receivedVia).toBe('download');
  });

  it('the download id is taken once; unknown ids and other methods get 404', async () => {
    payload(8, 1024);
    let offer = '';
    const ws = new WebSocket(`${url()}&downstream=http`, BRIDGE_SUBPROTOCOL, { origin: bridge.url });
    await new Promise<void>((resolve) => ws.once('message', (d, isBinary) => (isBinary ? undefined : ((offer = JSON.parse(String(d)).downstream), resolve()))));
    expect(offer).toMatch(/^\/bridge\/stream\/[0-9a-f]{32}$/);
    const post = await fetch(bridge.url + offer, { method: 'POST' });
    expect(post.status).toBe(404);
    const first = await fetch(bridge.url + offer);
    expect(first.status).toBe(200);
    const second = await fetch(bridge.url + offer);
    expect(second.status).toBe(404);
    expect((await second.json()).error).toBe('no-stream');
    expect((await fetch(`${bridge.url}/bridge/stream/${'0'.repeat(32)}`)).status).toBe(404);
    await first.body?.cancel();
    ws.close();
  });

  it('the client letting go of the download ends the session (4412): no bytes can reach it any more', async () => {
    payload(9, 8 * 1024 * 1024);
    const ws = new WebSocket(`${url()}&downstream=http`, BRIDGE_SUBPROTOCOL, { origin: bridge.url });
    const offer = await new Promise<string>((resolve) => ws.once('message', (d) => resolve(JSON.parse(String(d)).downstream)));
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    const req = http.get(bridge.url + offer, (res) => {
      res.once('data', () => req.destroy());
    });
    req.on('error', () => undefined);
    ws.send(Uint8Array.of(9));
    expect(await closed).toBe(4412);
  });

  it('closing the transport mid-download is a clean close (1000, FIN to the target), not a dropped download', async () => {
    payload(11, 12 * 1024 * 1024);
    const before = bridge.bridge!.stats().closedBy;
    const { transport } = await open();
    await transport.write(Uint8Array.of(11));
    while (transport.receivedVia !== 'download') expect(await transport.read()).not.toBeNull();
    expect(await transport.read()).not.toBeNull();
    await transport.close();
    await waitUntil(() => (bridge.bridge!.stats().closedBy['1000'] ?? 0) > (before['1000'] ?? 0), 'the session ended');
    expect(bridge.bridge!.stats().closedBy['4412'] ?? 0).toBe(before['4412'] ?? 0);
  });

  it('a reader that stops reading stops the target: the bytes wait in the target, not in the bridge or the transport', async () => {
    const size = 96 * 1024 * 1024;
    payload(10, size, false, false);
    const slot = handed.length;
    const { transport } = await open();
    await transport.write(Uint8Array.of(10));
    await waitUntil(() => transport.receivedVia === 'download', 'the download joined', 10_000);
    // Nobody reads: once the buffers on the way are full the target can hand nothing more to its socket. Wait for
    // that (a whole second without progress: target, bridge and transport all run in this process, so a second of
    // polls is a second in which any of them could have moved) rather than for a fixed time a busy machine may
    // need more than; a path that does not push back never gets there and fails here or below.
    let last = handed[slot];
    let lastChange = Date.now();
    await waitUntil(
      () => {
        if (handed[slot] !== last) [last, lastChange] = [handed[slot], Date.now()];
        return Date.now() - lastChange >= 1000;
      },
      'the target to be stuck (a second without progress)',
      20_000,
    );
    const progress = handed[slot];
    await new Promise((r) => setTimeout(r, 700));
    expect(handed[slot]).toBe(progress);
    expect(progress).toBeLessThan(size / 2);
    await transport.close();
  });
});
