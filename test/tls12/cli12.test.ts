// `tls-lens connect` with the TLS 1.2 options, as a user runs it: --tls1.2 / --versions, --reconnect (ticket or
// session id), --renegotiate, --json, against a real `openssl s_server -tls1_2`.
import { execFile } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { startSServer12, type SServer12 } from './helpers12.ts';
import { usePki } from '../support/pki.ts';

const pki = usePki();
const servers: SServer12[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', ['bin/tls-lens.js', 'connect', ...args], { cwd: process.cwd(), timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('tls-lens connect, TLS 1.2', () => {
  it('--tls1.2 --reconnect --renegotiate --json: a full handshake with one renegotiation, then a resumed one', async () => {
    const s = await startSServer12(pki, ['-client_renegotiation']);
    servers.push(s);
    const r = await cli([`localhost:${s.port}`, '--tls1.2', '--ca', pki.rootPem, '--reconnect', '--renegotiate', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const [first, second] = JSON.parse(r.stdout);
    expect(first).toMatchObject({ ok: true, version: 'TLSv1.2', resumed: false, tls12: { renegotiations: 1, extendedMasterSecret: true, secureRenegotiation: true } });
    expect(first.messages.filter((m: { type: string }) => m.type === 'ClientHello').length).toBe(2);
    expect(second).toMatchObject({ ok: true, version: 'TLSv1.2', resumed: true, tls12: { resumedBy: 'ticket' } });
  }, 40_000);

  it('--versions 1.3,1.2 with a TLS 1.2 suite name; --reconnect by session id when the server issues no tickets', async () => {
    const s = await startSServer12(pki, ['-no_ticket']);
    servers.push(s);
    const r = await cli([`localhost:${s.port}`, '--versions', '1.3,1.2', '--suites', 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,TLS_AES_128_GCM_SHA256', '--ca', pki.rootPem, '--reconnect', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const [first, second] = JSON.parse(r.stdout);
    expect(first.cipherSuite).toBe('TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384');
    expect(second).toMatchObject({ resumed: true, tls12: { resumedBy: 'id' } });
  }, 40_000);

  it('a bad --versions value is a usage error', async () => {
    const r = await cli(['localhost:1', '--versions', '1.1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--versions');
  });
});
