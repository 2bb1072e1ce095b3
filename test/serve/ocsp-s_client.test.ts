// `tls-lens serve --ocsp FILE` staples a DER OCSP response for a client that sends status_request, checked with
// `openssl s_client -status` (which prints the response it got): TLS 1.3 (in the leaf's CertificateEntry) and TLS 1.2
// (a CertificateStatus after the Certificate). The responses are made by `openssl ocsp` at test time.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { useOcspPki } from '../support/use-ocsp-pki.ts';
import { sClient, type ServeProcess } from './serve-process.ts';
import { serveForThisFile } from './serve-per-file.ts';

vi.setConfig({ testTimeout: 60_000 });

const pki = useOcspPki();
const serveWith = serveForThisFile();
const BIN = fileURLToPath(new URL('../../bin/tls-lens.js', import.meta.url));

/** s_client, -status or not, to the end: TLS 1.3 waits for the tickets, TLS 1.2 for the verify result. */
const client = (s: ServeProcess, version: '-tls1_3' | '-tls1_2', extra: string[]) =>
  sClient(s, [version, '-CAfile', pki.caPem, ...extra], [], version === '-tls1_2' ? /Verify return code|alert|errno|error:/i : undefined);

for (const [version, label] of [['-tls1_3', 'TLS 1.3'], ['-tls1_2', 'TLS 1.2']] as const) {
  describe(`serve --ocsp against openssl s_client -status, ${label}`, () => {
    it('staples the good response: s_client prints it, successful, status good', async () => {
      const s = await serveWith(['--cert', pki.leaf.cert, '--key', pki.leaf.key, '--ocsp', pki.responses.good]);
      const out = await client(s, version, ['-status']);
      expect(out).toMatch(/Verify return code: 0 \(ok\)/);
      expect(out).toContain('OCSP Response Status: successful (0x0)');
      expect(out).toContain('Responder Id: CN = OCSP Test Root');
      expect(out).toMatch(/Cert Status: good/);
      expect(out).toContain(`Serial Number: ${pki.leaf.serial}`);
      const [report] = await s.waitForReports(1);
      expect(report.ok).toBe(true);
    });

    it('staples the revoked response as given: s_client prints "revoked" (and goes on, as s_client does)', async () => {
      const s = await serveWith(['--cert', pki.revoked.cert, '--key', pki.revoked.key, '--ocsp', pki.responses.revoked]);
      const out = await client(s, version, ['-status']);
      expect(out).toContain('OCSP Response Status: successful (0x0)');
      expect(out).toMatch(/Cert Status: revoked/);
      expect(out).toMatch(/Revocation Reason: keyCompromise/);
    });

    it('staples nothing for a client that does not ask, and says so for one that asks when no --ocsp is given', async () => {
      const withOcsp = await serveWith(['--cert', pki.leaf.cert, '--key', pki.leaf.key, '--ocsp', pki.responses.good]);
      const unasked = await client(withOcsp, version, []);
      expect(unasked).toMatch(/Verify return code: 0 \(ok\)/);
      expect(unasked).not.toMatch(/OCSP response|OCSP Response Status/);
      const without = await serveWith(['--cert', pki.leaf.cert, '--key', pki.leaf.key]);
      const asked = await client(without, version, ['-status']);
      expect(asked).toContain('OCSP response: no response sent');
    });
  });
}

describe('serve --ocsp usage', () => {
  const run = (args: string[]) => spawnSync(process.execPath, [BIN, 'serve', '--port', '0', ...args], { encoding: 'utf8', timeout: 30_000 });

  it('a file that is not DER is refused before listening (exit 2, BAD_INPUT)', () => {
    const bad = path.join(pki.dir, 'not-ocsp.txt');
    fs.writeFileSync(bad, 'this is not an OCSP response\n');
    const r = run(['--cert', pki.leaf.cert, '--key', pki.leaf.key, '--ocsp', bad, '--json']);
    expect(r.status).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    expect(r.stderr).toMatch(/--ocsp file .* is not a DER OCSP response/);
  });

  it('more --ocsp than --cert is bad usage (exit 2)', () => {
    const r = run(['--cert', pki.leaf.cert, '--key', pki.leaf.key, '--ocsp', pki.responses.good, '--ocsp', pki.responses.revoked]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/at most one --ocsp per --cert/);
  });
});
