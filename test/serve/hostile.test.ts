// Clients that misbehave never stop serve from serving others: bytes that are not TLS, an oversized record, a
// record cut off half-way, a client that says nothing. Each ends with an alert or the per-client timeout, is
// reported, and a well-behaved Node client is served meanwhile and afterwards.
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startServe, type ServeProcess } from './serve-process.ts';

vi.setConfig({ testTimeout: 120_000 });

let s: ServeProcess;
beforeAll(async () => {
  s = await startServe(['--timeout', '2000']);
});
afterAll(async () => {
  await s.stop();
});

/** Open a raw TCP connection, send these bytes, and keep it open until the server closes it. */
function raw(bytes: Buffer): Promise<Buffer> {
  return new Promise((resolve) => {
    const sock = net.connect(s.port, '127.0.0.1', () => sock.write(bytes));
    let got = Buffer.alloc(0);
    sock.on('data', (d) => (got = Buffer.concat([got, d])));
    sock.on('error', () => {});
    sock.on('close', () => resolve(got));
  });
}

async function goodClient(): Promise<void> {
  const socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
    const t = tls.connect({ host: '127.0.0.1', port: s.port, servername: 'localhost', ca: fs.readFileSync(s.caFile) }, () => resolve(t));
    t.once('error', reject);
  });
  expect(socket.authorized).toBe(true);
  await new Promise((r) => setTimeout(r, 200));
  socket.end();
}

/** The reports of the next `count` clients to finish after the first `before`. */
async function reportAfter(before: number, count: number) {
  const all = await s.waitForReports(before + count);
  return all.slice(before);
}

describe('hostile clients', () => {
  it('bytes that are not TLS get an alert; a good client is served next', async () => {
    const before = s.reports().length;
    const answer = await raw(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    expect(answer[0]).toBe(0x15); // an alert record
    await goodClient();
    const [bad, good] = await reportAfter(before, 2);
    expect(bad.ok).toBe(false);
    expect(bad.alertSent).not.toBeNull();
    expect(bad.fingerprints).toBeNull();
    expect(good.ok).toBe(true);
  });

  it('a record longer than TLS allows ends with record_overflow', async () => {
    const before = s.reports().length;
    const header = Buffer.from([0x16, 0x03, 0x01, 0x50, 0x00]); // 20480 bytes announced (max 2^14 + 256)
    const answer = await raw(Buffer.concat([header, Buffer.alloc(64)]));
    expect([...answer.subarray(0, 1)]).toEqual([0x15]);
    const [r] = await reportAfter(before, 1);
    expect(r.alertSent).toBe('record_overflow');
  });

  it('a silent client and one that stops mid-record time out while a good client is served', async () => {
    const before = s.reports().length;
    const started = Date.now();
    const silent = raw(Buffer.alloc(0));
    const partial = raw(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00])); // 512 announced, 2 sent
    await goodClient();
    await Promise.all([silent, partial]);
    // Ended by serve's --timeout (2 s), not by the test.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    const reports = await reportAfter(before, 3);
    expect(reports.filter((r) => r.ok).length).toBe(1);
    const timedOut = reports.filter((r) => !r.ok);
    expect(timedOut.length).toBe(2);
    for (const r of timedOut) expect(r.error?.code).toMatch(/TIMEOUT|CLOSED/);
  });
});
