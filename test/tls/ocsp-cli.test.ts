// `tls-lens connect` and a stapled OCSP response from `openssl s_server -status_file`: the verdict in the walk, in
// the closing lines and in --json (certificate.ocsp), the exit status of a revoked certificate, and
// --no-status-request; then `connect` against `tls-lens serve --ocsp`, both ours, as processes.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSServer, type SServer } from './helpers.ts';
import { useOcspPki } from '../support/use-ocsp-pki.ts';
import { startServe, type ServeProcess } from '../serve/serve-process.ts';

const BIN = path.resolve(__dirname, '../../bin/tls-lens.js');
const pki = useOcspPki();
const servers: (SServer | ServeProcess)[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

function connect(port: number, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', [BIN, 'connect', `127.0.0.1:${port}`, '--servername', 'localhost', '--ca', pki.caPem, ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function sServer(version: string, cert: { cert: string; key: string }, staple: string): Promise<SServer> {
  const s = await spawnSServer([version, '-cert', cert.cert, '-key', cert.key, '-status_file', staple]);
  servers.push(s);
  return s;
}

describe('tls-lens connect with a stapled OCSP response', () => {
  for (const [version, label] of [['-tls1_3', 'TLS 1.3'], ['-tls1_2', 'TLS 1.2']] as const) {
    it(`${label}: --json carries certificate.ocsp with the response's fields; exit 0`, async () => {
      const s = await sServer(version, pki.leaf, pki.responses.good);
      const r = await connect(s.port, ['--json']);
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.certificate.verified).toBe(true);
      expect(out.certificate.ocsp).toMatchObject({ verdict: 'good', certificate: 0, responseStatus: 'successful', responder: 'CN=OCSP Test Root', signedBy: 'issuer', certStatus: 'good', certIdMatches: true });
      expect(out.certificate.ocsp.certId.serialNumber).toBe(pki.leaf.serial.toLowerCase());
      for (const field of ['producedAt', 'thisUpdate', 'nextUpdate']) expect(Date.parse(out.certificate.ocsp[field])).not.toBeNaN();
    });

    it(`${label}: a revoked certificate: exit 3 (not verified), REVOKED, certificate_revoked sent; the text says so`, async () => {
      const s = await sServer(version, pki.revoked, pki.responses.revoked);
      const json = await connect(s.port, ['--json']);
      expect(json.code).toBe(3);
      const out = JSON.parse(json.stdout);
      expect(out.error.code).toBe('REVOKED');
      expect(out.alertSent).toBe('certificate_revoked');
      expect(out.certificate).toMatchObject({ verified: false, error: { code: 'REVOKED' }, ocsp: { verdict: 'revoked', revocationReason: 'keyCompromise' } });
      const text = await connect(s.port, []);
      expect(text.code).toBe(3);
      expect(text.stdout).toMatch(/OCSP staple: the certificate is REVOKED/);
      expect(text.stdout).toMatch(/Certificate status: revoked at .*, reason keyCompromise/);
      expect(text.stdout).toMatch(/Responder: CN=OCSP Test Root \(the issuer itself\)/);
      expect(text.stdout).toMatch(/alert fatal certificate_revoked/);
    });
  }

  it('a response for another certificate: a warning in the text, exit 0', async () => {
    const s = await sServer('-tls1_3', pki.revoked, pki.responses.good);
    const r = await connect(s.port, []);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/OCSP staple not verified \(warning; the handshake goes on\): the response is about another certificate/);
    expect(r.stdout).toMatch(/CertID names this certificate: no/);
  });

  it('--no-status-request: nothing asked, no ocsp field, and a revoked certificate goes unnoticed (exit 0)', async () => {
    const s = await sServer('-tls1_3', pki.revoked, pki.responses.revoked);
    const r = await connect(s.port, ['--json', '--no-status-request']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.certificate.verified).toBe(true);
    expect('ocsp' in out.certificate).toBe(false);
  });

  it('--help names --no-status-request', async () => {
    const r = await new Promise<string>((resolve) => execFile('node', [BIN, 'connect', '--help'], (_e, stdout) => resolve(stdout)));
    expect(r).toMatch(/--no-status-request/);
  });

  for (const version of ['1.3', '1.2']) {
    it(`connect against serve --ocsp, TLS ${version}: our client checks what our server staples`, async () => {
      const good = await startServe(['--cert', pki.leaf.cert, '--key', pki.leaf.key, '--ocsp', pki.responses.delegated, '--versions', version]);
      servers.push(good);
      const r = await connect(good.port, ['--json']);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).certificate.ocsp).toMatchObject({ verdict: 'good', signedBy: 'delegated responder' });
      const revoked = await startServe(['--cert', pki.revoked.cert, '--key', pki.revoked.key, '--ocsp', pki.responses.revoked, '--versions', version]);
      servers.push(revoked);
      const bad = await connect(revoked.port, ['--json']);
      expect(bad.code).toBe(3);
      expect(JSON.parse(bad.stdout).alertSent).toBe('certificate_revoked');
      const [report] = await revoked.waitForReports(1);
      expect(report.ok).toBe(false);
      expect(report.alertReceived).toBe('certificate_revoked');
    });
  }
});
