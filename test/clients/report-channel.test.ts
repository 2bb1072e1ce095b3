// The Clients report channel with real processes: `tls-lens serve --report URL` posting each client (openssl
// s_client, curl) to a running app, the app's list, event stream and traces, the intake's refusals (a web page,
// not JSON, too large, malformed, the newest 50 kept), and the serve listener `npm start` runs (curl trusts its CA).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startServer, type RunningServer } from '../../server/app.ts';
import type { ClientEntry, ClientReportMessage, ClientsListenerInfo } from '../../src/clients/report-message.ts';
import { MAX_CLIENTS_KEPT, MAX_REPORT_BYTES } from '../../src/clients/report-message.ts';
import { parseTraceFile } from '../../src/trace/recorder.ts';
import type { TraceFile } from '../../src/trace/types.ts';
import { helloFacts, serverChoices, traceClientHello } from '../../src/ui/clients/model.ts';
import { sClient, startServe, type ServeProcess } from '../serve/serve-process.ts';
import { ClientReporter } from '../../src/cli/serve-post.ts';
import type { ClientReport } from '../../src/cli/serve-report.ts';

vi.setConfig({ testTimeout: 120_000 });

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-lens-clients-'));
let app: RunningServer;
const serves: ServeProcess[] = [];

beforeAll(async () => {
  app = await startServer({ port: 0, lab: false, distDir: path.join(dir, 'dist') });
});
afterAll(async () => {
  await Promise.all(serves.map((s) => s.stop()));
  await app?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function serve(args: string[]): Promise<ServeProcess> {
  const s = await startServe(args);
  serves.push(s);
  return s;
}

async function getJson<T>(url: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as T };
}

async function listed(base: string, n: number): Promise<ClientEntry[]> {
  const end = Date.now() + 30_000;
  for (;;) {
    const { body } = await getJson<{ clients: ClientEntry[] }>(`${base}/api/clients`);
    if (body.clients.length >= n) return body.clients;
    if (Date.now() > end) throw new Error(`waited for ${n} clients, have ${body.clients.length}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function post(base: string, body: string, headers: Record<string, string> = { 'Content-Type': 'application/json' }): Promise<{ status: number; body: { error?: string; message?: string; id?: number } }> {
  return fetch(`${base}/api/clients`, { method: 'POST', headers, body }).then(async (r) => ({ status: r.status, body: await r.json() }));
}

/** The app's event stream as a person's page reads it: each event's name and data. */
function follow(base: string) {
  const events: { event: string; data: unknown }[] = [];
  let buffer = '';
  const req = http.get(`${base}/api/clients/events`, (res) => {
    res.setEncoding('utf8');
    res.on('data', (text: string) => {
      buffer += text;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data) });
      }
    });
  });
  req.on('error', () => {});
  return { events, close: () => req.destroy() };
}

function curl(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => execFile('curl', ['-sS', ...args], { timeout: 60_000 }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr })));
}

describe('tls-lens serve --report', () => {
  let entry: ClientEntry;
  let trace: TraceFile;

  it("lists an openssl s_client connection with its ClientHello, live on the event stream, and serves its trace", async () => {
    const stream = follow(app.url);
    const s = await serve(['--report', app.reportUrl, '--alpn', 'http/1.1']);
    // The client's first group gets the only key share: P-256, though the server prefers x25519.
    const out = await sClient(s, ['-groups', 'P-256:X25519', '-alpn', 'http/1.1']);
    expect(out).toMatch(/Verify return code: 0/);
    [entry] = await listed(app.url, 1);
    expect(entry.fromAppListener).toBe(false);
    expect(entry.server.url).toBe(`https://127.0.0.1:${s.port}/`);
    expect(entry.report).toMatchObject({ ok: true, version: 'TLSv1.3', group: 'secp256r1', alpn: 'http/1.1', serverName: 'localhost' });
    expect(entry.report.fingerprints!.ja4).toMatch(/^t13d\d{4}h1_/);
    expect(entry.hasTrace).toBe(true);
    // serve's own line for the same client says the same.
    const [printed] = await s.waitForReports(1);
    expect(printed.fingerprints!.ja3).toBe(entry.report.fingerprints!.ja3);

    const res = await fetch(`${app.url}/api/clients/${entry.id}/trace`);
    trace = parseTraceFile(await res.text());
    const hello = traceClientHello(trace.events)!;
    const facts = helloFacts(hello);
    expect(facts.keyShares.map((k) => [k.group, k.bytes])).toEqual([['secp256r1', 65]]);
    expect(facts.groups.map((g) => g.name)).toEqual(['secp256r1', 'x25519']);
    expect(facts.greaseCount).toBe(0);
    const why = serverChoices(entry, facts).join('\n');
    expect(why).toContain("the server's first choice x25519 came without a key share, and secp256r1 is the first the client sent a share for");

    const end = Date.now() + 10_000;
    while (!stream.events.some((e) => e.event === 'client') && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    stream.close();
    expect(stream.events[0].event).toBe('clients');
    expect((stream.events.find((e) => e.event === 'client')!.data as ClientEntry).report.client).toBe(entry.report.client);
  });

  it('lists a client once its handshake is done, while it stays connected, and updates it in place when it leaves', async () => {
    const s = await serve(['--report', app.reportUrl, '--echo']);
    const stream = follow(app.url);
    const before = (await listed(app.url, 0)).length;
    const socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
      const c = tls.connect({ host: '127.0.0.1', port: s.port, servername: 'localhost', ca: fs.readFileSync(s.caFile) }, () => resolve(c));
      c.once('error', reject);
    });
    const open = (await listed(app.url, before + 1)).at(-1)!;
    expect(open.phase).toBe('handshake');
    expect(open.report).toMatchObject({ ok: true, version: 'TLSv1.3' });
    expect(s.reports()).toEqual([]); // serve itself prints the client only when it leaves
    const echoed = new Promise<string>((resolve) => socket.once('data', (d) => resolve(d.toString())));
    socket.write('still here\n');
    expect(await echoed).toBe('still here\n');
    socket.end();
    await s.waitForReports(1);
    const end = Date.now() + 10_000;
    let closed: ClientEntry | undefined;
    while (Date.now() < end && closed?.phase !== 'closed') {
      closed = (await getJson<{ clients: ClientEntry[] }>(`${app.url}/api/clients`)).body.clients.find((e) => e.id === open.id);
      await new Promise((r) => setTimeout(r, 100));
    }
    stream.close();
    expect(closed).toMatchObject({ id: open.id, phase: 'closed', receivedAt: open.receivedAt });
    expect((await listed(app.url, 0)).length).toBe(before + 1);
    // The closed report's trace has the echoed application data; the page was told twice about the same client.
    const t = parseTraceFile(await (await fetch(`${app.url}/api/clients/${open.id}/trace`)).text());
    expect(t.events.some((e) => e.kind === 'app-data' && e.direction === 'server')).toBe(true);
    expect(stream.events.filter((e) => e.event === 'client' && (e.data as ClientEntry).id === open.id).map((e) => (e.data as ClientEntry).phase)).toEqual(['handshake', 'closed']);
  });

  it('says why the server asked for a HelloRetryRequest', async () => {
    const s = await serve(['--report', app.reportUrl, '--groups', 'secp384r1']);
    // The clients of the tests before are listed already: wait for one more (serve's report may still be on its
    // way when s_client has ended), not for a count those alone reach.
    const before = (await listed(app.url, 0)).map((c) => c.id);
    await sClient(s, ['-groups', 'X25519:P-384']);
    const clients = await listed(app.url, before.length + 1);
    const e = clients.find((c) => !before.includes(c.id))!;
    expect(e.report).toMatchObject({ ok: true, group: 'secp384r1', helloRetryRequest: true });
    const t = parseTraceFile(await (await fetch(`${app.url}/api/clients/${e.id}/trace`)).text());
    expect(serverChoices(e, helloFacts(traceClientHello(t.events)!)).join('\n')).toContain('so the server asked for secp384r1 with a HelloRetryRequest');
  });

  it('refuses a report from a web page, one that is not JSON, one too large and one malformed, and keeps the newest 50', async () => {
    const good: ClientReportMessage = { format: 'tls-lens-client-report', version: 1, phase: 'closed', server: entry.server, report: entry.report, trace };
    const text = JSON.stringify(good);
    expect((await post(app.url, text, { 'Content-Type': 'application/json', Origin: 'https://attacker.example' })).body.error).toBe('from-a-page');
    expect((await post(app.url, text, { 'Content-Type': 'text/plain' })).status).toBe(415);
    const huge = JSON.stringify({ ...good, padding: 'x'.repeat(MAX_REPORT_BYTES) });
    expect((await post(app.url, huge)).status).toBe(413);
    // The same without a declared length (chunked): cut off once it passes the limit, and still answered.
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${app.url}/api/clients`, { method: 'POST', headers: { 'Content-Type': 'application/json' } }, (res) => resolve(res.statusCode!));
      req.on('error', reject);
      for (let i = 0; i <= MAX_REPORT_BYTES / 65536; i++) req.write('x'.repeat(65536));
      req.end();
    });
    expect(chunked).toBe(413);
    const noReport = await post(app.url, JSON.stringify({ ...good, report: { client: 'x' } }));
    expect([noReport.status, noReport.body.message]).toEqual([400, 'report must give client, n, ok and messages']);
    const badTrace = await post(app.url, JSON.stringify({ ...good, trace: { format: 'tls-lens-trace', version: 1, events: [42] } }));
    expect([badTrace.status, badTrace.body.message]).toEqual([400, 'trace: event 0 is malformed']);
    expect((await post(app.url, '{not json')).status).toBe(400);

    const before = await listed(app.url, 1);
    let last = 0;
    for (let i = 0; i < MAX_CLIENTS_KEPT; i++) last = (await post(app.url, JSON.stringify({ ...good, report: { ...good.report, n: 100 + i } }))).body.id!;
    const after = await listed(app.url, MAX_CLIENTS_KEPT);
    expect(after.length).toBe(MAX_CLIENTS_KEPT);
    expect(after[after.length - 1].id).toBe(last);
    // The oldest are gone, with their traces.
    expect(after.some((e) => e.id === before[0].id)).toBe(false);
    expect((await fetch(`${app.url}/api/clients/${before[0].id}/trace`)).status).toBe(404);
  });

  it('refuses a --report URL off this machine, and a serve whose app is gone still serves and says so', async () => {
    await new Promise<void>((resolve, reject) =>
      execFile(process.execPath, ['bin/tls-lens.js', 'serve', '--report', 'http://192.0.2.1:5174/api/clients'], (err, stdout, stderr) => {
        try {
          expect((err as { code?: number }).code).toBe(2);
          expect(stderr).toContain('--report sends traces (with their secrets) only to this machine');
          resolve();
        } catch (e) {
          reject(e);
        }
      }),
    );
    // A loopback port nothing listens on any more.
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as { port: number }).port;
    await new Promise((r) => closed.close(r));
    const s = await serve(['--report', `http://127.0.0.1:${port}/api/clients`]);
    await sClient(s, []);
    const [r] = await s.waitForReports(1);
    expect(r.ok).toBe(true);
    const end = Date.now() + 10_000;
    while (!s.output().includes('client #1 not reported') && Date.now() < end) await new Promise((res) => setTimeout(res, 50));
    const line = `client #1 not reported to http://127.0.0.1:${port}/api/clients: cannot reach http://127.0.0.1:${port}/api/clients: nothing accepts connections on that port (connection refused) [ECONNREFUSED]`;
    expect(s.output()).toContain(line);
    // Client #1's report line (stdout) comes after its end report was tried. A second client's own line on stderr
    // comes after all of client #1's there: by then client #1 said its unchanged problem once, not once per phase.
    await sClient(s, []);
    await s.waitForReports(2);
    const end2 = Date.now() + 10_000;
    while (!s.output().includes('client #2 not reported') && Date.now() < end2) await new Promise((res) => setTimeout(res, 50));
    expect(s.output()).toContain(line.replace('client #1', 'client #2'));
    expect(s.output().split('\n').filter((l) => l.includes('client #1 not reported'))).toEqual([`tls-lens serve: ${line}`]);
  });
});

describe('ClientReporter', () => {
  it('says an unchanged problem once per client, a different one again, and the same one again after a report went through', async () => {
    // An app that answers each post with the next status here (its message naming the status).
    const statuses = [503, 503, 500, 500, 200, 500];
    const app = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const status = statuses.shift() ?? 200;
        res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify({ message: `status ${status}` }));
      });
    });
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(app.address() as { port: number }).port}/api/clients`;
    const said: string[] = [];
    const write = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (said.push(String(chunk)), true));
    try {
      const server = { url: 'https://127.0.0.1:5443/', startedAt: new Date(0).toISOString(), versions: [], groups: [] } as never;
      const one = new ClientReporter(url, server, 7);
      const report = { client: '127.0.0.1:1', n: 7, ok: true, messages: [] } as unknown as ClientReport;
      const trace = { format: 'tls-lens-trace', version: 1, events: [] } as unknown as TraceFile;
      for (const phase of ['handshake', 'closed', 'handshake', 'closed', 'handshake', 'closed'] as const) await one.send(phase, report, trace);
    } finally {
      write.mockRestore();
      await new Promise((r) => app.close(r));
    }
    expect(said).toEqual([503, 500, 500].map((status) => `tls-lens serve: client #7 not reported to ${url}: the app answered HTTP ${status}: status ${status}\n`));
  });
});

describe("the app's own serve listener (npm start)", () => {
  it('starts with the app, lists a curl connection made with its CA, and stops with it', async () => {
    const withListener = await startServer({ port: 0, lab: false, distDir: path.join(dir, 'dist'), clients: { port: 0, pkiDir: path.join(dir, 'serve-pki') } });
    let stopped = false;
    try {
      const { body: info } = await getJson<ClientsListenerInfo>(`${withListener.url}/api/clients/listener`);
      expect(info).toMatchObject({ running: true, host: '127.0.0.1', url: `https://127.0.0.1:${info.port}/`, caFile: path.join(dir, 'serve-pki', 'ca.pem') });
      expect(info.leafSpkiSha256).toMatch(/^[A-Za-z0-9+/]{43}=$/);
      const ca = await fetch(`${withListener.url}/api/clients/ca.pem`).then((r) => r.text());
      expect(ca).toBe(fs.readFileSync(info.caFile!, 'utf8'));

      const got = await curl(['--cacert', info.caFile!, `https://127.0.0.1:${info.port}/from-curl`]);
      expect(got.code).toBe(0);
      expect(got.out).toContain('GET /from-curl HTTP/1.1');
      const [e] = await listed(withListener.url, 1);
      expect(e.fromAppListener).toBe(true);
      expect(e.report).toMatchObject({ ok: true, version: 'TLSv1.3', alpn: 'http/1.1' });

      await withListener.stop();
      stopped = true;
      // The child serve is gone with the app: nothing accepts on its port any more.
      const refused = await curl(['--cacert', info.caFile!, '--max-time', '5', `https://127.0.0.1:${info.port}/`]);
      expect(refused.code).toBe(7);
    } finally {
      if (!stopped) await withListener.stop();
    }
  });

  it('binds the address it is told (here 127.0.0.2, as 0.0.0.0 would be for a phone on the network)', async () => {
    const appC = await startServer({ port: 0, lab: false, distDir: path.join(dir, 'dist'), clients: { host: '127.0.0.2', port: 0, pkiDir: path.join(dir, 'serve-pki') } });
    try {
      const info = appC.clientsListener;
      expect(info).toMatchObject({ running: true, host: '127.0.0.2', url: `https://127.0.0.2:${info.port}/` });
      // Nothing on 127.0.0.1 at that port: the listener is where it was told to be.
      expect(await curl(['--max-time', '5', `https://127.0.0.1:${info.port}/`]).then((r) => r.code)).toBe(7);
      // The throwaway leaf names localhost and 127.0.0.1 only: the chain checks out, the name would not.
      const socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
        const c = tls.connect({ host: '127.0.0.2', port: info.port!, ca: fs.readFileSync(info.caFile!), checkServerIdentity: () => undefined }, () => resolve(c));
        c.once('error', reject);
      });
      expect(socket.authorized).toBe(true);
      socket.end();
      const [e] = await listed(appC.url, 1);
      expect(e).toMatchObject({ fromAppListener: true, server: { url: info.url } });
    } finally {
      await appC.stop();
    }
  });

  it('says why when its port is taken, and the app still starts', async () => {
    const blocker = http.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    const appB = await startServer({ port: 0, lab: false, distDir: path.join(dir, 'dist'), clients: { port, pkiDir: path.join(dir, 'serve-pki') } });
    try {
      expect(appB.clientsListener.running).toBe(false);
      expect(appB.clientsListener.reason).toContain(`cannot listen on 127.0.0.1:${port}: the port is in use`);
      expect((await fetch(`${appB.url}/api/clients`)).status).toBe(200);
    } finally {
      await appB.stop();
      blocker.close();
    }
  });
});
