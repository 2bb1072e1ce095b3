// Real clients other than OpenSSL against `tls-lens serve` (TLS 1.3): Node's tls (echo, tickets, client
// certificates), gnutls-cli, Debian's curl fetching the --www page, and tshark decrypting a capture of our server's
// traffic with the key log serve wrote.
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { startTcpdump } from '../support/tcpdump.ts';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { describe, expect, it, vi } from 'vitest';
import { usePki } from '../support/pki.ts';
import type { ServeProcess } from './serve-process.ts';
import { serveForThisFile } from './serve-per-file.ts';

// Real processes on a shared 2-core machine: generous limits (a timeout here is never the thing under test).
vi.setConfig({ testTimeout: 120_000 });

const pki = usePki();
const serve = serveForThisFile();

function nodeClient(s: ServeProcess, extra: tls.ConnectionOptions = {}): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port: s.port, servername: 'localhost', ca: fs.readFileSync(s.caFile), minVersion: 'TLSv1.3', ...extra }, () => resolve(socket));
    socket.once('error', reject);
  });
}

function run(cmd: string, args: string[], input = ''): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const p = execFile(cmd, args, { timeout: 60_000 }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }));
    p.stdin!.end(input);
  });
}

describe("Node's tls client", () => {
  it('echoes data both ways with --echo', async () => {
    const s = await serve(['--echo']);
    const socket = await nodeClient(s);
    expect(socket.authorized).toBe(true);
    expect(socket.getProtocol()).toBe('TLSv1.3');
    const echoed = new Promise<string>((resolve) => socket.once('data', (d) => resolve(d.toString())));
    socket.write('ping from node\n');
    expect(await echoed).toBe('ping from node\n');
    socket.end();
    const [r] = await s.waitForReports(1);
    expect([r.ok, r.version]).toEqual([true, 'TLSv1.3']);
  });

  it('resumes with a ticket from the first connection', async () => {
    const s = await serve();
    const first = await nodeClient(s);
    const session = await new Promise<Buffer>((resolve) => first.once('session', resolve));
    first.end();
    const second = await nodeClient(s, { session });
    expect(second.isSessionReused()).toBe(true);
    second.end();
    const r = await s.waitForReports(2);
    expect(r.map((x) => x.resumed)).toEqual([false, true]);
  });

  it('sends a client certificate that serve --Verify checks against --ca', async () => {
    const s = await serve(['--Verify', '--ca', pki.rootPem]);
    const socket = await nodeClient(s, { cert: fs.readFileSync(pki.clientCert), key: fs.readFileSync(pki.clientKey) });
    // TLS 1.3: the server's verdict comes after the client's Finished; a refusal would end the socket.
    await new Promise((r) => setTimeout(r, 300));
    socket.end();
    const [r] = await s.waitForReports(1);
    expect(r.ok).toBe(true);
    expect(r.clientCertificate).toMatchObject({ sent: true, verified: true });
  });
});

describe("Node's tls client, TLS 1.2", () => {
  it('renegotiates with socket.renegotiate() and keeps exchanging data (--echo)', async () => {
    const s = await serve(['--echo']);
    const socket = await nodeClient(s, { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' });
    expect(socket.getProtocol()).toBe('TLSv1.2');
    await new Promise<void>((resolve, reject) => socket.renegotiate({}, (err) => (err ? reject(err) : resolve())));
    const echoed = new Promise<string>((resolve) => socket.once('data', (d) => resolve(d.toString())));
    socket.write('after renegotiation\n');
    expect(await echoed).toBe('after renegotiation\n');
    socket.end();
    const [r] = await s.waitForReports(1);
    expect([r.ok, r.version]).toEqual([true, 'TLSv1.2']);
    expect(r.messages.filter((m) => m.type === 'ClientHello').length).toBe(2);
  });
});

describe('gnutls-cli', () => {
  it('TLS 1.2 with --rehandshake: a second handshake on the same connection', async () => {
    const s = await serve();
    const { out } = await run('gnutls-cli', ['--x509cafile', s.caFile, '--priority', 'NORMAL:-VERS-ALL:+VERS-TLS1.2', '--rehandshake', '-p', String(s.port), 'localhost']);
    expect(out).toMatch(/ReHandshake was completed/);
    const [r] = await s.waitForReports(1);
    expect([r.ok, r.version]).toEqual([true, 'TLSv1.2']);
    expect(r.messages.filter((m) => m.type === 'ClientHello').length).toBe(2);
  });

  it('completes a TLS 1.3 handshake and verifies the throwaway chain', async () => {
    const s = await serve();
    const { out } = await run('gnutls-cli', ['--x509cafile', s.caFile, '--priority', 'NORMAL:-VERS-ALL:+VERS-TLS1.3', '-p', String(s.port), 'localhost']);
    expect(out).toMatch(/Handshake was completed/);
    expect(out).toMatch(/TLS1\.3/);
    const [r] = await s.waitForReports(1);
    expect([r.ok, r.version, r.serverName]).toEqual([true, 'TLSv1.3', 'localhost']);
    expect(r.fingerprints?.ja4).toMatch(/^t13d/);
  });
});

describe('curl and tshark', () => {
  it('curl fetches the --www page describing its own handshake', async () => {
    const s = await serve(['--www', '--alpn', 'http/1.1']);
    const { code, out } = await run('curl', ['-sS', '--cacert', s.caFile, `https://localhost:${s.port}/who-am-i`]);
    expect(code, out).toBe(0);
    const [r] = await s.waitForReports(1);
    expect(out).toContain('<h1>Your TLS handshake with tls-lens serve</h1>');
    expect(out).toContain(`<tr><th>JA4</th><td>${r.fingerprints!.ja4}</td></tr>`);
    expect(out).toContain('<tr><th>ALPN</th><td>http/1.1</td></tr>');
    expect(out).toMatch(/GET \/who-am-i HTTP\/1\.1/);
    expect(r.alpn).toBe('http/1.1');
  });

  it("tshark decrypts a capture of our server's traffic with serve's --keylog", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-lens-serve-keylog-'));
    const keylog = path.join(dir, 'keys.log');
    const pcap = path.join(dir, 'lo.pcap');
    const withKeys = await serve(['--www', '--keylog', keylog]);
    // "listening on" is printed before packets are really captured: wait until a probe is seen.
    const dump = await startTcpdump(pcap, withKeys.port);
    const { code } = await run('curl', ['-sS', '--cacert', withKeys.caFile, `https://localhost:${withKeys.port}/decrypted-by-tshark`]);
    expect(code).toBe(0);
    await withKeys.waitForReports(1);
    await dump.stop();
    expect(fs.readFileSync(keylog, 'utf8')).toMatch(/^CLIENT_HANDSHAKE_TRAFFIC_SECRET [0-9a-f]{64} [0-9a-f]+$/m);
    const uris = execFileSync('tshark', ['-r', pcap, '-o', `tls.keylog_file:${keylog}`, '-Y', 'http.request', '-T', 'fields', '-e', 'http.request.uri']).toString().trim();
    expect(uris).toBe('/decrypted-by-tshark');
    // Without the key log the same capture shows no HTTP at all.
    const blind = execFileSync('tshark', ['-r', pcap, '-Y', 'http.request', '-T', 'fields', '-e', 'http.request.uri']).toString().trim();
    expect(blind).toBe('');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
