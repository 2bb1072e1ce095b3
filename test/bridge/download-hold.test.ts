// The bridge holds the target's bytes for a download the client said it would fetch (?downloadAfter=N,
// server/bridge/relay.ts): past N bytes sent as messages nothing more comes as messages while the download is on its
// way; the download then carries every byte that followed, in order. A client that declines (its fetch failed) gets
// the rest as messages, and so does one that neither fetches nor declines within the hold's time limit. The offer
// itself comes when the count is reached: a session that stays under it (a handshake) is offered none.
// A real TCP source sends 4 MiB at once; a raw `ws` client and Node's fetch stand in for the browser.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/app.ts';
import { BRIDGE_DOWNLOAD_AFTER_PARAM, BRIDGE_DOWNLOAD_DECLINED } from '../../src/transport/bridge-protocol.ts';
import { closed, connect, ending, opened, startBridgeServer, startEcho, waitUntil, type EchoServer } from './helpers.ts';

const SIZE = 4 * 1024 * 1024;
const AFTER = 64 * 1024;
/** One read of the bridge's TCP socket: the most that can go as messages past the count before it pauses. */
const ONE_READ = 64 * 1024;
const sent = crypto.randomBytes(SIZE);
let source: EchoServer;
/** A target with a short answer, well under the count (a handshake's worth). */
let shortSource: EchoServer;
let bridge: RunningServer;
let quickBridge: RunningServer;

beforeAll(async () => {
  source = await startEcho((socket) => socket.once('data', () => socket.end(sent)));
  shortSource = await startEcho((socket) => socket.once('data', () => socket.end(sent.subarray(0, 5000))));
  const allow = { allow: [`127.0.0.1:${source.port}`, `127.0.0.1:${shortSource.port}`], testOnlyLoopbackPorts: [source.port, shortSource.port] };
  bridge = await startBridgeServer(allow);
  quickBridge = await startBridgeServer({ ...allow, limits: { downloadHoldMs: 300 } });
});
afterAll(async () => {
  await bridge?.stop();
  await quickBridge?.stop();
  await source?.stop();
  await shortSource?.stop();
});

/** A session that asked for the download with ?downloadAfter=AFTER: its messages, offer and end as they come, and
 * how many bytes had come as messages when the offer did. */
async function session(server: RunningServer, query = `downstream=http&${BRIDGE_DOWNLOAD_AFTER_PARAM}=${AFTER}`, port = source.port) {
  const ws = connect(server, `target=${encodeURIComponent(`127.0.0.1:${port}`)}&${query}`);
  const messages: Buffer[] = [];
  let offer = '';
  let offeredAfter = -1;
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary) return void messages.push(data);
    offer = String(data);
    offeredAfter = messages.reduce((n, m) => n + m.length, 0);
  });
  const end = ending(ws);
  await opened(ws);
  ws.send(Uint8Array.of(1));
  const messageBytes = () => messages.reduce((n, m) => n + m.length, 0);
  return { ws, messages, messageBytes, offer: () => offer, offeredAfter: () => offeredAfter, end };
}

describe('the bridge holds the bytes for the download', () => {
  it('past the count nothing more comes as messages until the download is fetched; the download carries the rest', async () => {
    const s = await session(bridge);
    await waitUntil(() => s.messageBytes() >= AFTER, 'the first bytes as messages');
    // The target has sent everything by now; the bridge keeps it back instead of sending it as messages.
    await new Promise((r) => setTimeout(r, 300));
    const held = s.messageBytes();
    expect(held).toBeGreaterThanOrEqual(AFTER);
    expect(held).toBeLessThanOrEqual(AFTER + ONE_READ);
    const res = await fetch(new URL(s.offer() ? JSON.parse(s.offer()).downstream : '', bridge.url));
    expect(res.status).toBe(200);
    expect(Number(res.headers.get('x-tls-lens-bytes-before'))).toBe(held);
    const rest = Buffer.from(await res.arrayBuffer());
    expect(s.messageBytes()).toBe(held);
    expect(Buffer.concat([...s.messages, rest]).equals(sent)).toBe(true);
    expect((await s.end).code).toBe(1000);
  });

  it('the download is offered once the count is reached, after those bytes; a session that stays under it gets no offer', async () => {
    const s = await session(bridge);
    await waitUntil(() => s.offer() !== '', 'the offer');
    expect(s.offeredAfter()).toBeGreaterThanOrEqual(AFTER);
    s.ws.send(BRIDGE_DOWNLOAD_DECLINED);
    expect((await s.end).code).toBe(1000);
    // A handshake's worth: every byte as messages, and not one message more.
    const short = await session(bridge, undefined, shortSource.port);
    expect((await short.end).code).toBe(1000);
    expect(Buffer.concat(short.messages).equals(sent.subarray(0, 5000))).toBe(true);
    expect(short.offer()).toBe('');
    // Without a count (a client from before it), the offer still comes at once.
    const old = await session(bridge, 'downstream=http', shortSource.port);
    expect((await old.end).code).toBe(1000);
    expect(old.offer()).toMatch(/"downstream":"\/bridge\/stream\/[0-9a-f]{32}"/);
    expect(old.offeredAfter()).toBe(0);
  });

  it('a client that declines the download gets the rest as messages, in order', async () => {
    const s = await session(bridge);
    await waitUntil(() => s.messageBytes() >= AFTER && s.offer() !== '', 'the first bytes and the offer');
    await new Promise((r) => setTimeout(r, 100));
    expect(s.messageBytes()).toBeLessThanOrEqual(AFTER + ONE_READ);
    s.ws.send(BRIDGE_DOWNLOAD_DECLINED);
    expect((await s.end).code).toBe(1000);
    expect(Buffer.concat(s.messages).equals(sent)).toBe(true);
  });

  it('a download neither fetched nor declined in time: the rest comes as messages after the hold', async () => {
    const s = await session(quickBridge);
    const started = Date.now();
    expect((await s.end).code).toBe(1000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(Buffer.concat(s.messages).equals(sent)).toBe(true);
  });

  it('without a count the bridge does not hold (clients from before the parameter)', async () => {
    const s = await session(bridge, 'downstream=http');
    // Past one read beyond the count, with no download fetched: a held session would stop short of this.
    await waitUntil(() => s.messageBytes() > AFTER + 2 * ONE_READ, 'bytes as messages past the count', 5_000);
    expect((await s.end).code).toBe(1000);
    expect(Buffer.concat(s.messages).equals(sent)).toBe(true);
  });

  it('any other text message still ends the session (1003), and a malformed count is refused (4400)', async () => {
    const s = await session(bridge);
    s.ws.send('hello');
    expect((await s.end).code).toBe(1003);
    const bad = connect(bridge, `target=${encodeURIComponent(`127.0.0.1:${source.port}`)}&downstream=http&${BRIDGE_DOWNLOAD_AFTER_PARAM}=-5`);
    const end = await ending(bad);
    expect(end.code).toBe(4400);
    expect(end.reason).toMatch(/^bad-download-after:/);
    await closed(bad).catch(() => undefined);
  });
});
