// The commands as a person runs them (node:crypto underneath): `tls-lens connect --ca` to an `openssl s_server` whose
// self-signed certificate has a P-521 key (the case that failed with handshake_failure), and `tls-lens serve --cert
// --key` with an Ed448 or a P-521 certificate (its key check loads Ed448 from the CLI's side bundle), reached by
// `tls-lens connect`, TLS 1.3 and 1.2.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { spawnSServer, type SServer } from '../tls/helpers.ts';
import { useCurvePki } from '../support/curve-pki.ts';
import { serveForThisFile } from './serve-per-file.ts';
import { runConnect } from './connect-cli.ts';

vi.setConfig({ testTimeout: 120_000 });

const pki = useCurvePki();
const serve = serveForThisFile();
const servers: SServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

async function connect(args: string[]): Promise<{ code: number; json: { ok: boolean; version: string; cipherSuite: string; certificate: { verified: boolean } }; stderr: string }> {
  const r = await runConnect([...args, '--json']);
  return { code: r.code, json: JSON.parse(r.stdout || '{}'), stderr: r.stderr };
}

describe('P-521 and Ed448 through the CLI', () => {
  it('connect --ca: an s_server with a self-signed P-521 certificate, TLS 1.3 and 1.2', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-lens-p521-self-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-521', '-keyout', 'k.pem', '-out', 'c.pem', '-nodes', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost', '-days', '2'], { cwd: dir, stdio: 'pipe' });
      const s = await spawnSServer(['-cert', path.join(dir, 'c.pem'), '-key', path.join(dir, 'k.pem'), '-www']);
      servers.push(s);
      for (const version of ['--tls1.3', '--tls1.2']) {
        const r = await connect([`127.0.0.1:${s.port}`, '--servername', 'localhost', '--ca', path.join(dir, 'c.pem'), version]);
        expect(r.code, r.stderr).toBe(0);
        expect(r.json).toMatchObject({ ok: true, version: version === '--tls1.3' ? 'TLSv1.3' : 'TLSv1.2', certificate: { verified: true } });
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const kind of ['ed448', 'p521'] as const) {
    it(`serve --cert --key with the ${kind} certificate, reached by connect, TLS 1.3 and 1.2`, async () => {
      const s = await serve(['--cert', pki[kind].server.cert, '--key', pki[kind].server.key]);
      for (const version of ['--tls1.3', '--tls1.2']) {
        const r = await connect([`127.0.0.1:${s.port}`, '--servername', 'localhost', '--ca', pki[kind].rootPem, version]);
        expect(r.code, r.stderr).toBe(0);
        expect(r.json).toMatchObject({ ok: true, version: version === '--tls1.3' ? 'TLSv1.3' : 'TLSv1.2', certificate: { verified: true } });
      }
      const reports = await s.waitForReports(2);
      expect(reports.map((x) => x.ok)).toEqual([true, true]);
    });
  }
});
