// The client's first bytes in the upgrade request (?first=, base64url, with the subprotocol that asks for it):
// written to the target once every check has passed and the TCP connection is up, before the upgrade is answered
// and before any message; counted like any other bytes; refused with 4400 when malformed, too long or without the
// subprotocol; never written to a refused target.
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/app.ts';
import { BRIDGE_FIRST_SUBPROTOCOL, BRIDGE_MAX_FIRST_BYTES, BRIDGE_SUBPROTOCOL } from '../../src/transport/bridge-protocol.ts';
import type { EchoServer } from './helpers.ts';
import { closed, ending, opened, startBridgeServer, startEcho, waitUntil } from './helpers.ts';

let server: RunningServer;
let echo: EchoServer;
/** What the echo target received on each connection, in order. */
let received: Buffer[][];

beforeAll(async () => {
  received = [];
  echo = await startEcho((s) => {
    const chunks: Buffer[] = [];
    received.push(chunks);
    s.on('data', (d: Buffer) => chunks.push(d));
    s.pipe(s);
  });
  server = await startBridgeServer({ allow: [`127.0.0.1:${echo.port}`] });
});
afterAll(async () => {
  await server.stop();
  await echo.stop();
});

function open(query: string, protocols: string[] = [BRIDGE_FIRST_SUBPROTOCOL, BRIDGE_SUBPROTOCOL]): WebSocket {
  return new WebSocket(`${server.url.replace('http', 'ws')}/bridge?target=127.0.0.1:${echo.port}&${query}`, protocols, { origin: server.url });
}

const b64 = (b: Buffer) => b.toString('base64url');

describe('first bytes in the upgrade request', () => {
  it('reach the target before any message, and the bridge agrees to the subprotocol that says so', async () => {
    const before = server.bridge.stats().bytesUp;
    const first = Buffer.from('hello from the upgrade request');
    const ws = open(`first=${b64(first)}`);
    const echoed: Buffer[] = [];
    ws.on('message', (d: Buffer) => echoed.push(d));
    await opened(ws);
    expect(ws.protocol).toBe(BRIDGE_FIRST_SUBPROTOCOL);
    ws.send(Buffer.from(' and then a message'));
    await waitUntil(() => Buffer.concat(echoed).length === first.length + 19, 'both echoed');
    expect(Buffer.concat(echoed).toString()).toBe('hello from the upgrade request and then a message');
    expect(Buffer.concat(received[received.length - 1]).toString()).toBe('hello from the upgrade request and then a message');
    await closed(ws);
    await waitUntil(() => server.bridge.stats().bytesUp === before + first.length + 19, 'the first bytes counted as sent');
  });

  it('a request without them gets the plain subprotocol, even when it offers both', async () => {
    const ws = open('downstream=websocket');
    await opened(ws);
    expect(ws.protocol).toBe(BRIDGE_SUBPROTOCOL);
    await closed(ws);
  });

  it('the most the request may carry is taken whole', async () => {
    const first = Buffer.alloc(BRIDGE_MAX_FIRST_BYTES, 0x5a);
    const ws = open(`first=${b64(first)}`);
    let echoed = 0;
    ws.on('message', (d: Buffer) => (echoed += d.length));
    await opened(ws);
    await waitUntil(() => echoed === first.length, 'all echoed');
    await closed(ws);
  });

  it.each([
    ['one byte too many', `first=${b64(Buffer.alloc(BRIDGE_MAX_FIRST_BYTES + 1, 1))}`],
    ['not base64url', 'first=aGVsbG8%2Bd29ybGQ%3D'],
    ['empty', 'first='],
    ['an impossible length', 'first=aGVsb'],
  ])('%s → 4400 bad-first, and the target sees nothing', async (_what, query) => {
    const connections = echo.all.length;
    const end = await ending(open(query));
    expect(end).toMatchObject({ opened: true, code: 4400 });
    expect(end.reason).toMatch(/^bad-first: /);
    expect(echo.all.length).toBe(connections);
  });

  it('without the subprotocol that asks for it → 4400 (the client could not tell they were sent)', async () => {
    const connections = echo.all.length;
    const end = await ending(open(`first=${b64(Buffer.from('x'))}`, [BRIDGE_SUBPROTOCOL]));
    expect(end).toMatchObject({ opened: true, code: 4400 });
    expect(end.reason).toMatch(/^bad-first: .*tls-lens\.bridge\.v1\.first/);
    expect(echo.all.length).toBe(connections);
  });

  it('are never written to a refused target', async () => {
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/bridge?target=127.0.0.1:${echo.port + 1}&first=${b64(Buffer.from('x'))}`, [BRIDGE_FIRST_SUBPROTOCOL, BRIDGE_SUBPROTOCOL], { origin: server.url });
    const end = await ending(ws);
    expect(end.code).toBe(4403);
  });

  it('a page from another origin is refused before anything is connected or written', async () => {
    const connections = echo.all.length;
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/bridge?target=127.0.0.1:${echo.port}&first=${b64(Buffer.from('x'))}`, [BRIDGE_FIRST_SUBPROTOCOL, BRIDGE_SUBPROTOCOL], { origin: 'http://evil.example' });
    const end = await ending(ws);
    expect(end.httpStatus).toBe(403);
    expect(echo.all.length).toBe(connections);
  });
});
