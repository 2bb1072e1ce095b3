// Every refusal and fault, end to end through a real WebSocket: each ends only its own session,
// with a close code and a "machine-code: sentence" reason, and the bridge keeps serving others.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import type { RunningServer } from '../../server/app.ts';
import type { EchoServer } from './helpers.ts';
import { closed, connect, ending, opened, startBridgeServer, startEcho, waitUntil } from './helpers.ts';

let server: RunningServer;
let echo: EchoServer;

beforeAll(async () => {
  echo = await startEcho();
  // Public TLS ports are opted in, so refusals below come from the address policy, not the allowlist.
  server = await startBridgeServer({ allowPublicTlsPorts: true });
});
afterAll(async () => {
  await server.stop();
  await echo.stop();
});

/** A session through the bridge to the echo server still works. */
async function stillServes(s: RunningServer, port: number): Promise<void> {
  const ws = connect(s, `target=localhost:${port}`);
  await opened(ws);
  const back = new Promise<Buffer>((r) => ws.once('message', (d: Buffer) => r(d)));
  ws.send(Buffer.from('still alive'));
  expect((await back).toString()).toBe('still alive');
  // Wait for the close: a session still open here would count against the next test's per-client cap.
  await closed(ws);
}

describe('refused targets (address classes and odd literals)', () => {
  it.each([
    ['10.1.2.3:443', 'private-address'],
    ['172.16.0.1:443', 'private-address'],
    ['192.168.1.1:443', 'private-address'],
    ['127.0.0.1:443', 'loopback-address'],
    ['169.254.169.254:443', 'cloud-metadata'],
    ['100.64.0.1:443', 'carrier-grade-nat-address'],
    ['[::1]:443', 'loopback-address'],
    ['[fe80::1]:443', 'link-local-address'],
    ['[fc00::1]:443', 'unique-local-address'],
    ['[::ffff:127.0.0.1]:443', 'ipv4-mapped-address'],
    ['0.0.0.0:443', 'unspecified-address'],
    ['224.0.0.1:443', 'multicast-address'],
    ['2130706433:443', 'odd-literal'],
    ['0x7f000001:443', 'odd-literal'],
    ['0177.0.0.1:443', 'odd-literal'],
    ['localhost:443', 'loopback-address'],
  ])('%s → 4403 %s', async (target, code) => {
    const end = await ending(connect(server, `target=${encodeURIComponent(target)}`));
    expect(end.code).toBe(4403);
    expect(end.reason).toMatch(new RegExp(`^${code}: `));
  });

  it('a name resolving to loopback is refused even when allowlisted; the test-only port option admits it', async () => {
    const strict = await startBridgeServer({ allow: [`localhost:${echo.port}`] });
    const end = await ending(connect(strict, `target=localhost:${echo.port}`));
    expect(end).toMatchObject({ opened: true, code: 4403 });
    expect(end.reason).toMatch(/^loopback-address: localhost resolves to a loopback address/);
    await strict.stop();

    const notListed = await startBridgeServer({ testOnlyLoopbackPorts: [echo.port] });
    expect((await ending(connect(notListed, `target=localhost:${echo.port}`))).reason).toMatch(/^not-allowlisted: /);
    await notListed.stop();

    const testOnly = await startBridgeServer({ allow: [`localhost:${echo.port}`], testOnlyLoopbackPorts: [echo.port] });
    await stillServes(testOnly, echo.port);
    await testOnly.stop();
  });
});

describe('requests the bridge refuses before or at the upgrade', () => {
  it('wrong Origin → HTTP 403 JSON', async () => {
    const end = await ending(connect(server, 'target=example.com:443', { origin: 'http://evil.example' }));
    expect(end.httpStatus).toBe(403);
    expect(JSON.parse(end.httpBody!)).toMatchObject({ error: 'origin-not-allowed' });
  });
  it('an origin differing only in port or scheme is refused too', async () => {
    for (const origin of [server.url.replace(/:\d+$/, ':1'), server.url.replace('http:', 'https:'), `${server.url}/`]) {
      expect((await ending(connect(server, 'scenario=x', { origin }))).httpStatus).toBe(403);
    }
  });
  it('missing Origin → HTTP 403', async () => {
    expect((await ending(connect(server, 'scenario=x', { origin: null }))).httpStatus).toBe(403);
  });
  it('missing subprotocol → HTTP 400', async () => {
    const end = await ending(connect(server, 'scenario=x', { protocol: null }));
    expect(end.httpStatus).toBe(400);
    expect(JSON.parse(end.httpBody!).error).toBe('subprotocol-required');
  });
  it('missing or wrong token when one is set → 4401', async () => {
    const guarded = await startBridgeServer({ token: 's3cret', allow: [`localhost:${echo.port}`], testOnlyLoopbackPorts: [echo.port] });
    const missing = await ending(connect(guarded, `target=localhost:${echo.port}`));
    expect(missing).toMatchObject({ code: 4401 });
    expect(missing.reason).toMatch(/^token-required: /);
    expect((await ending(connect(guarded, `target=localhost:${echo.port}&token=nope`))).code).toBe(4401);
    const ws = connect(guarded, `target=localhost:${echo.port}&token=s3cret`);
    await opened(ws);
    ws.close();
    await guarded.stop();
  });
  it('unknown scenario → 4404, malformed target → 4400, nothing asked → 4400', async () => {
    expect((await ending(connect(server, 'scenario=nope'))).code).toBe(4404);
    expect((await ending(connect(server, 'target=nonsense'))).code).toBe(4400);
    expect((await ending(connect(server, ''))).reason).toMatch(/^missing-target: /);
  });
  it('unknown path → HTTP 404', async () => {
    const ws = connect({ ...server, url: `${server.url}/elsewhere` } as RunningServer, 'x=1');
    expect((await ending(ws)).httpStatus).toBe(404);
  });
});

describe('faults and limits end one session, never the bridge', () => {
  let s: RunningServer;
  let downPort: number;
  let resetter: EchoServer;
  beforeAll(async () => {
    resetter = await startEcho((sock) => sock.once('data', () => sock.resetAndDestroy()));
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    downPort = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const ports = [echo.port, resetter.port, downPort];
    s = await startBridgeServer({
      allow: ports.map((p) => `localhost:${p}`),
      testOnlyLoopbackPorts: ports,
      limits: { maxSessionsPerClient: 3, idleTimeoutMs: 1000, maxSessionMs: 60_000 },
    });
  });
  afterAll(async () => {
    await s.stop();
    await resetter.stop();
  });

  it('server down → 4502 connect-failed', async () => {
    const end = await ending(connect(s, `target=localhost:${downPort}`));
    expect(end.code).toBe(4502);
    expect(end.reason).toMatch(/^connect-failed: .*ECONNREFUSED/);
    await stillServes(s, echo.port);
  });

  it('reset by the server mid-session → 4504 target-reset', async () => {
    const ws = connect(s, `target=localhost:${resetter.port}`);
    await opened(ws);
    const end = ending(ws);
    ws.send(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05])); // the start of a ClientHello record
    expect(await end).toMatchObject({ code: 4504 });
    expect((await end).reason).toMatch(/^target-reset: the server reset the connection/);
    await stillServes(s, echo.port);
  });

  it('an oversized message → 1009, and the TCP side is reset', async () => {
    const before = echo.all.length;
    const ws = connect(s, `target=localhost:${echo.port}`);
    await opened(ws);
    const end = ending(ws);
    ws.send(Buffer.alloc(64 * 1024 + 1));
    expect((await end).code).toBe(1009);
    const tcp = echo.all[before];
    expect(tcp).toBeDefined();
    if (!tcp.destroyed) await new Promise((r) => tcp.once('close', r));
    expect(tcp.destroyed).toBe(true);
    await stillServes(s, echo.port);
  });

  it('a message of exactly 64 KiB is relayed', async () => {
    const ws = connect(s, `target=localhost:${echo.port}`);
    await opened(ws);
    let got = 0;
    const done = new Promise<void>((r) => ws.on('message', (d: Buffer) => ((got += d.length), got >= 65536 && r())));
    ws.send(Buffer.alloc(65536, 7));
    await done;
    expect(got).toBe(65536);
    ws.close();
  });

  it('a text frame → 1003 text-frame', async () => {
    const ws = connect(s, `target=localhost:${echo.port}`);
    await opened(ws);
    const end = ending(ws);
    ws.send('hello as text');
    expect(await end).toMatchObject({ code: 1003 });
    expect((await end).reason).toMatch(/^text-frame: /);
    await stillServes(s, echo.port);
  });

  it('idle sessions end with 4410', async () => {
    const ws = connect(s, `target=localhost:${echo.port}`);
    await opened(ws);
    const end = await ending(ws);
    expect(end.code).toBe(4410);
    expect(end.reason).toMatch(/^idle-timeout: /);
  });

  it('per-client cap → 4429 for the extra session only', async () => {
    const held = await Promise.all([0, 1, 2].map(async () => {
      const ws = connect(s, `target=localhost:${echo.port}`);
      await opened(ws);
      return ws;
    }));
    const extra = await ending(connect(s, `target=localhost:${echo.port}`));
    expect(extra.code).toBe(4429);
    expect(extra.reason).toMatch(/^too-many-client-sessions: /);
    await Promise.all(held.map((ws) => closed(ws)));
    // A fixed sleep raced the server's bookkeeping on a loaded machine: wait until it released the sessions.
    await waitUntil(() => s.bridge.stats().sessionsActive === 0, 'the held sessions are released');
    await stillServes(s, echo.port);
  });

  it('counts refusals and closes in the private stats', async () => {
    const stats = await (await fetch(`${s.url}/api/bridge/stats`)).json();
    expect(stats.refusedBy['connect-failed']).toBeGreaterThanOrEqual(1);
    expect(stats.refusedBy['too-many-client-sessions']).toBeGreaterThanOrEqual(1);
    expect(stats.closedBy['1003']).toBeGreaterThanOrEqual(1);
    expect(stats.sessionsOpened).toBeGreaterThanOrEqual(5);
  });
});

describe('global cap and session lifetime', () => {
  it('global cap → 4429 too-many-sessions; lifetime → 4411', async () => {
    const s = await startBridgeServer({
      allow: [`localhost:${echo.port}`],
      testOnlyLoopbackPorts: [echo.port],
      limits: { maxSessions: 2, maxSessionsPerClient: 10, maxSessionMs: 1500 },
    });
    const a = connect(s, `target=localhost:${echo.port}`);
    const b = connect(s, `target=localhost:${echo.port}`);
    await Promise.all([opened(a), opened(b)]);
    const aEnd = ending(a);
    const c = await ending(connect(s, `target=localhost:${echo.port}`));
    expect(c.code).toBe(4429);
    expect(c.reason).toMatch(/^too-many-sessions: /);
    // Keep `a` busy so only the lifetime limit can end it.
    const t = setInterval(() => a.readyState === a.OPEN && a.send(Buffer.from('x')), 50);
    const end = await aEnd;
    clearInterval(t);
    expect(end.code).toBe(4411);
    expect(end.reason).toMatch(/^session-lifetime: /);
    await s.stop();
  });
});

describe('how a client ending maps onto TCP, and what the logs hold', () => {
  it('close 1000 ends TCP with FIN; any other close code resets it', async () => {
    const events: string[] = [];
    let received = 0;
    const watcher = await startEcho((sock) => {
      sock.on('data', (d: Buffer) => (received += d.length));
      sock.on('end', () => events.push('fin'));
      sock.on('error', (e: NodeJS.ErrnoException) => events.push(e.code ?? 'error'));
    });
    const s = await startBridgeServer({ allow: [`localhost:${watcher.port}`], testOnlyLoopbackPorts: [watcher.port] });
    for (const code of [1000, 4000]) {
      const ws = connect(s, `target=localhost:${watcher.port}`);
      await opened(ws);
      const before = received;
      ws.send(Buffer.from('x'));
      await waitUntil(() => received > before, 'the target got the byte');
      const seen = events.length;
      ws.close(code);
      await waitUntil(() => events.length > seen, 'the target saw the connection end');
    }
    expect(events).toEqual(['fin', 'ECONNRESET']);
    await s.stop();
    await watcher.stop();
  });

  it('logs sessions as structured lines with counts, never the bytes', async () => {
    const lines: string[] = [];
    const { jsonLogger } = await import('../../server/log.ts');
    const s = await startBridgeServer({ allow: [`localhost:${echo.port}`], testOnlyLoopbackPorts: [echo.port] }, { log: jsonLogger((l) => lines.push(l)) });
    const ws = connect(s, `target=localhost:${echo.port}`);
    await opened(ws);
    const secret = 'PAYLOAD-MUST-NOT-BE-LOGGED';
    const back = new Promise((r) => ws.once('message', r));
    ws.send(Buffer.from(secret));
    await back;
    await new Promise((r) => (ws.once('close', r), ws.close(1000)));
    await ending(connect(s, 'target=10.0.0.1:443'));
    const logged = (event: string) => lines.some((l) => JSON.parse(l).event === event);
    await waitUntil(() => logged('bridge.close') && logged('bridge.refused'), 'the close and refusal are logged');
    await s.stop();
    const parsed = lines.map((l) => JSON.parse(l));
    expect(lines.join('')).not.toContain(secret);
    expect(lines.join('')).not.toContain(Buffer.from(secret).toString('hex'));
    expect(parsed.find((p) => p.event === 'bridge.open')).toMatchObject({ level: 'info', target: `localhost:${echo.port}`, address: '127.0.0.1' });
    expect(parsed.find((p) => p.event === 'bridge.close')).toMatchObject({ code: 1000, bytesUp: secret.length, bytesDown: secret.length });
    expect(parsed.find((p) => p.event === 'bridge.refused')).toMatchObject({ level: 'warn', code: 'private-address', close: 4403 });
  });

  it('a malformed WebSocket handshake gets HTTP 400 and does not count against the caps', async () => {
    const res = await new Promise<number>((resolve) => {
      const sock = net.connect({ host: '127.0.0.1', port: server.port }, () =>
        sock.write(`GET /bridge?scenario=x HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nOrigin: ${server.url}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: nope\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: tls-lens.bridge.v1\r\n\r\n`),
      );
      let text = '';
      sock.on('data', (d) => (text += d));
      sock.on('close', () => resolve(Number(text.split(' ')[1])));
    });
    expect(res).toBe(400);
    expect(server.bridge.stats().sessionsActive).toBe(0);
  });
});

describe('connect timeout', () => {
  it('a target whose name never resolves in time → 4408 connect-timeout', async () => {
    // A resolver that never answers cannot be produced on loopback, so this one uses the lookup seam.
    const s = await startBridgeServer({ allowPublicTlsPorts: true, lookup: () => new Promise<string[]>(() => {}), limits: { connectTimeoutMs: 200 } });
    const t0 = Date.now();
    const end = await ending(connect(s, 'target=slow.example:443'));
    expect(end.code).toBe(4408);
    expect(end.reason).toMatch(/^connect-timeout: /);
    expect(Date.now() - t0).toBeLessThan(3000);
    await s.stop();
  });
});
