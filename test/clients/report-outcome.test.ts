// A client that resumes with a ticket and leaves right after its ClientHello (Chromium does this with a spare
// connection when the page is closed) has not completed a handshake: the PSK binder's check, a 'finished' event made
// on the ClientHello, must not count as the client's Finished. Traces from a real serve with Node's tls client.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, expect, it, vi } from 'vitest';
import { clientReport } from '../../src/cli/serve-report.ts';
import type { TraceFile } from '../../src/trace/types.ts';
import { startServe, type ServeProcess } from '../serve/serve-process.ts';

vi.setConfig({ testTimeout: 60_000 });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-lens-outcome-'));
let s: ServeProcess | undefined;
afterAll(async () => {
  await s?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function connect(port: number, ca: Buffer, session?: Buffer): Promise<{ socket: tls.TLSSocket; session: Promise<Buffer> }> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca, session, minVersion: 'TLSv1.3' }, () => resolve({ socket, session: ticket }));
    const ticket = new Promise<Buffer>((r) => socket.once('session', r));
    socket.once('error', reject);
  });
}

it('a resumption cut off after the ClientHello is not reported as complete', async () => {
  s = await startServe(['--trace', path.join(dir, 'traces')], { dir });
  const ca = fs.readFileSync(s.caFile);
  const first = await connect(s.port, ca);
  const ticket = await first.session;
  first.socket.end();
  const second = await connect(s.port, ca, ticket);
  expect(second.socket.isSessionReused()).toBe(true);
  second.socket.end();
  const reports = await s.waitForReports(2);
  const resumed = reports.find((r) => r.n === 2)!;
  expect([resumed.ok, resumed.resumed]).toEqual([true, true]);

  // The same server trace, as it stands when the client leaves right after its ClientHello: up to the binder check.
  const file = fs.readdirSync(path.join(dir, 'traces')).find((f) => f.startsWith('2-'))!;
  const trace = JSON.parse(fs.readFileSync(path.join(dir, 'traces', file), 'utf8')) as TraceFile;
  const binder = trace.events.find((e) => e.kind === 'finished' && e.direction === 'client')!;
  expect(trace.events.filter((e) => e.kind === 'handshake' && e.index < binder.index).map((e) => (e as { name: string }).name)).toEqual(['ClientHello']);
  const cut = trace.events.slice(0, binder.index + 1);
  const report = clientReport({ client: resumed.client, n: 2, events: cut, connection: null, failure: Object.assign(new Error('the connection failed: socket closed'), { code: 'CLOSED' }), handshakeMs: null, connectionMs: 5 });
  expect([report.ok, report.resumed, report.error?.code]).toEqual([false, false, 'CLOSED']);
  // The whole trace, with no connection handed back (the client left after its Finished), still counts as complete.
  const whole = clientReport({ client: resumed.client, n: 2, events: trace.events, connection: null, failure: null, handshakeMs: null, connectionMs: 5 });
  expect([whole.ok, whole.resumed]).toEqual([true, true]);
});
