// The command-line client end to end: bin/tls-lens.js connect against a local s_server.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTraceFile } from '../../src/trace/recorder.ts';
import { keyLogLines } from '../../src/tls/keylog.ts';
import { freePort, makePki, spawnSServer, startSServer, type SServer, type TestPki } from './helpers.ts';

const BIN = path.resolve(__dirname, '../../bin/tls-lens.js');
let pki: TestPki;
let srv: SServer;
let hrrSrv: SServer;
let mtlsSrv: SServer;
let tls12Srv: SServer;

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', [BIN, 'connect', ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  pki = makePki();
  srv = await startSServer(pki, ['-num_tickets', '1', '-rev']);
  hrrSrv = await startSServer(pki, ['-groups', 'P-384']);
  mtlsSrv = await startSServer(pki, ['-Verify', '1']);
  tls12Srv = await spawnSServer(['-tls1_2', '-cert', pki.leafCert, '-key', pki.leafKey]);
});
afterAll(async () => {
  await srv.stop();
  await hrrSrv.stop();
  await mtlsSrv.stop();
  await tls12Srv.stop();
  fs.rmSync(pki.dir, { recursive: true, force: true });
});

describe('tls-lens connect', () => {
  it('--json: verified handshake with --ca, exit 0, the fields the issue lists', async () => {
    const r = await cli([`127.0.0.1:${srv.port}`, '--servername', 'localhost', '--ca', pki.rootPem, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ ok: true, version: 'TLSv1.3', cipherSuite: 'TLS_AES_128_GCM_SHA256', group: 'x25519', helloRetryRequest: false, alpn: null, resumed: false, serverName: 'localhost', error: null, alertSent: 'close_notify' });
    expect(j.certificate.verified).toBe(true);
    expect(j.certificate.error).toBeNull();
    expect(j.certificate.chain[0]).toMatchObject({ subject: 'CN=localhost', issuer: 'CN=TLS Lens Test Root' });
    expect(j.certificate.chain[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(j.messages.map((m: { type: string }) => m.type)).toEqual(['ClientHello', 'ServerHello', 'EncryptedExtensions', 'Certificate', 'CertificateVerify', 'Finished', 'Finished']);
    expect(j.messages[0]).toMatchObject({ direction: 'client' });
    expect(typeof j.timing.handshakeMs).toBe('number');
    // The CLI runs the engine on node:crypto, whichever way the command was loaded (bundle with code cache or not).
    expect(j.cryptoProvider).toBe('node');
  });

  it('--reconnect --send --keylog --trace: two objects, the second resumed; the saved trace gives the same key log', async () => {
    const dir = fs.mkdtempSync(path.join(pki.dir, 'out-'));
    const keylog = path.join(dir, 'keys.log');
    const trace = path.join(dir, 'trace.json');
    const r = await cli([`127.0.0.1:${srv.port}`, '--servername', 'localhost', '--ca', pki.rootPem, '--reconnect', '--send', 'hello\\n', '--keylog', keylog, '--trace', trace, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const [a, b] = JSON.parse(r.stdout);
    expect(a.resumed).toBe(false);
    expect(b.resumed).toBe(true);
    expect(a.received).toBe('olleh\n');
    const lines = fs.readFileSync(keylog, 'utf8').trim().split('\n');
    expect(lines.filter((l) => l.startsWith('CLIENT_HANDSHAKE_TRAFFIC_SECRET')).length).toBe(2);
    const saved = parseTraceFile(fs.readFileSync(trace, 'utf8'));
    expect(keyLogLines(saved.events)).toEqual(lines);
    // The saved trace replays with no network: the same walk, both connections.
    const replayed = await cli(['--replay', trace]);
    expect(replayed.code).toBe(0);
    expect(replayed.stdout).toMatch(/replaying 127\.0\.0\.1:\d+/);
    expect(replayed.stdout.match(/→ client ClientHello/g)?.length).toBe(2);
    expect(replayed.stdout).toMatch(/resumed handshake/);
  });

  it('HelloRetryRequest shows in --json (groups and key share chosen on the command line)', async () => {
    const r = await cli([`127.0.0.1:${hrrSrv.port}`, '--servername', 'localhost', '--ca', pki.rootPem, '--groups', 'x25519,secp384r1', '--keyshare', 'x25519', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ helloRetryRequest: true, group: 'secp384r1' });
  });

  it('an untrusted server: non-zero exit with the certificate code; --insecure completes but still exits non-zero', async () => {
    const strict = await cli([`127.0.0.1:${srv.port}`, '--servername', 'localhost', '--json']);
    expect(strict.code).toBe(3);
    const j = JSON.parse(strict.stdout);
    expect(j.ok).toBe(false);
    expect(j.error.code).toBe(j.certificate.error.code);
    expect(j.alertSent).toBe('unknown_ca');
    const loose = await cli([`127.0.0.1:${srv.port}`, '--servername', 'localhost', '--insecure', '--json']);
    expect(loose.code).toBe(3);
    expect(JSON.parse(loose.stdout)).toMatchObject({ ok: false, error: null, cipherSuite: 'TLS_AES_128_GCM_SHA256' });
  });

  it('--cert/--key: a server that requires a client certificate accepts ours; without one it refuses', async () => {
    const withCert = await cli([`127.0.0.1:${mtlsSrv.port}`, '--servername', 'localhost', '--ca', pki.rootPem, '--cert', pki.clientCert, '--key', pki.clientKey, '--json']);
    expect(withCert.code, withCert.stderr).toBe(0);
    expect(JSON.parse(withCert.stdout).clientCertificate).toEqual({ requested: true, sent: true });
    const without = await cli([`127.0.0.1:${mtlsSrv.port}`, '--servername', 'localhost', '--ca', pki.rootPem, '--send', 'x', '--json']);
    expect(without.code).toBe(1);
    const j = JSON.parse(without.stdout);
    expect(j.error.code).toBe('CERTIFICATE_REQUIRED');
    expect(j.alertReceived).toBe('certificate_required');
  });

  it('a reader that goes away after the first line (| head -1): the command ends quietly, no EPIPE stack trace', async () => {
    const child = spawn('node', [BIN, 'connect', `127.0.0.1:${srv.port}`, '--servername', 'localhost', '--ca', pki.rootPem, '--verbose'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let firstLine = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.once('data', (d: Buffer) => {
      firstLine = d.toString().split('\n')[0];
      child.stdout.destroy();
    });
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(firstLine).toMatch(/connection 0/);
    expect(stderr).not.toMatch(/EPIPE|Unhandled|at .*\.cjs/);
    expect(status).toBe(0);
  });

  it('nothing listening: CONNECT_FAILED, exit 4', async () => {
    const r = await cli([`127.0.0.1:${await freePort()}`, '--json']);
    expect(r.code).toBe(4);
    expect(JSON.parse(r.stdout).error.code).toBe('CONNECT_FAILED');
  });

  it('the default output is a readable walk, plain when not a TTY', async () => {
    const r = await cli([`127.0.0.1:${srv.port}`, '--servername', 'localhost', '--ca', pki.rootPem]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/\x1b\[/);
    expect(r.stdout).toMatch(/→ client ClientHello/);
    expect(r.stdout).toMatch(/← server ServerHello/);
    expect(r.stdout).toMatch(/client_handshake_traffic_secret/);
    expect(r.stdout).toMatch(/✓ certificate chain verified/);
    expect(r.stdout).toMatch(/✓ connection 0/);
  });

  it('--help says --suites takes TLS 1.2 suites (IANA and OpenSSL names) too, and both kinds of name work', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    const suitesHelp = help.stdout.slice(help.stdout.indexOf('--suites'), help.stdout.indexOf('--ca'));
    expect(suitesHelp).toMatch(/TLS 1\.3 and TLS 1\.2/);
    expect(suitesHelp).toMatch(/IANA names/);
    expect(suitesHelp).toMatch(/OpenSSL names \(ECDHE-RSA-AES128-GCM-SHA256\)/);
    for (const name of ['ECDHE-ECDSA-AES256-GCM-SHA384', 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384']) {
      const r = await cli([`127.0.0.1:${tls12Srv.port}`, '--servername', 'localhost', '--ca', pki.rootPem, '--suites', name, '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, version: 'TLSv1.2', cipherSuite: 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384' });
    }
  });

  it('usage errors exit 2', async () => {
    expect((await cli(['no-port'])).code).toBe(2);
    expect((await cli(['127.0.0.1:1', '--bogus'])).code).toBe(2);
    const badGroup = await cli(['127.0.0.1:1', '--groups', 'x448']);
    expect(badGroup.code).toBe(2);
    expect(badGroup.stderr).toMatch(/unknown group 'x448'/);
  });
});
