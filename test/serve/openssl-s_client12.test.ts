// Real `openssl s_client` against `tls-lens serve`, TLS 1.2: each suite family (ECDHE with ECDSA and RSA
// certificates, DHE with the RFC 7919 groups; AES-GCM, ChaCha20-Poly1305, CBC), each group, resumption with -sess_out/-sess_in and -reconnect,
// renegotiation typed as R (client-started, RFC 5746) and started by serve (--renegotiate).
import path from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { usePki } from '../support/pki.ts';
import { sClient, type ServeProcess } from './serve-process.ts';
import { serveForThisFile } from './serve-per-file.ts';

vi.setConfig({ testTimeout: 120_000 });

const pki = usePki();
const serveWith = serveForThisFile();

// TLS 1.2 sends its ticket inside the handshake: s_client is ready once it printed the session.
const READY12 = /Verify return code|alert|errno|error:/i;

function serve(extra: string[] = []): Promise<ServeProcess> {
  // Both test leaves (ECDSA P-256 and RSA 2048), issued by the test root s_client trusts.
  return serveWith(['--cert', pki.leafCert, '--key', pki.leafKey, '--cert', pki.rsaCert, '--key', pki.rsaKey, ...extra]);
}

const client12 = (s: ServeProcess, args: string[], input: string[] = [], until?: (out: string) => boolean) => sClient(s, ['-tls1_2', '-CAfile', pki.rootPem, ...args], input, READY12, until);
/** s_client -msg: a second server Finished came, so the renegotiation is over. */
const renegotiated = (out: string) => (out.match(/<<< TLS 1.2, Handshake \[length [0-9a-f]+\], Finished/g)?.length ?? 0) >= 2;

describe('openssl s_client against serve, TLS 1.2', () => {
  let s: ServeProcess;
  beforeAll(async () => {
    s = await serve();
  });

  for (const [cipher, iana] of [
    ['ECDHE-ECDSA-AES128-GCM-SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'],
    ['ECDHE-ECDSA-CHACHA20-POLY1305', 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256'],
    ['ECDHE-ECDSA-AES128-SHA', 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA'],
    ['ECDHE-RSA-AES256-GCM-SHA384', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384'],
    ['ECDHE-RSA-AES128-SHA256', 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256'],
    ['DHE-RSA-AES128-GCM-SHA256', 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256'],
    ['DHE-RSA-CHACHA20-POLY1305', 'TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256'],
  ]) {
    it(`negotiates ${cipher}, the certificate for it chosen and verified`, async () => {
      const before = s.reports().length;
      const out = await client12(s, ['-cipher', cipher]);
      expect(out).toMatch(/Verify return code: 0 \(ok\)/);
      expect(out).toContain(`Cipher is ${cipher}`);
      const r = (await s.waitForReports(before + 1))[before];
      expect([r.ok, r.version, r.cipherSuite]).toEqual([true, 'TLSv1.2', iana]);
      expect(r.fingerprints?.ja4).toMatch(/^t12d/);
    });
  }

  for (const [group, name] of [['X25519', 'x25519'], ['P-256', 'secp256r1'], ['P-384', 'secp384r1']]) {
    // With the RSA certificate: an ECDSA P-256 certificate is usable only when the client lists P-256 (RFC 8422).
    it(`ECDHE over ${name}`, async () => {
      const before = s.reports().length;
      await client12(s, ['-groups', group, '-cipher', 'ECDHE-RSA-AES128-GCM-SHA256']);
      const r = (await s.waitForReports(before + 1))[before];
      expect([r.ok, r.group]).toEqual([true, name]);
    });
  }

  it('resumes with -sess_out then -sess_in', async () => {
    const before = s.reports().length;
    const sess = path.join(s.dir, 'sess12.pem');
    await client12(s, ['-sess_out', sess]);
    const out = await client12(s, ['-sess_in', sess]);
    expect(out).toMatch(/^Reused, TLSv1\.2/m);
    const r = await s.waitForReports(before + 2);
    expect([r[before].resumed, r[before + 1].resumed]).toEqual([false, true]);
  });

  it('resumes on every -reconnect', async () => {
    const before = s.reports().length;
    const out = await client12(s, ['-reconnect']);
    expect((out.match(/^Reused, TLSv1\.2/gm) ?? []).length).toBe(5);
    const r = await s.waitForReports(before + 6);
    expect(r.slice(before).map((x) => x.resumed)).toEqual([false, true, true, true, true, true]);
  });

  it('accepts a renegotiation typed as R (RFC 5746)', async () => {
    const before = s.reports().length;
    // -msg: s_client closes once the renegotiation is over.
    const out = await client12(s, ['-msg'], ['R'], renegotiated);
    expect(out).toMatch(/RENEGOTIATING/);
    const r = (await s.waitForReports(before + 1))[before];
    expect(r.ok).toBe(true);
    expect(r.messages.filter((m) => m.type === 'ClientHello').length).toBe(2);
    expect(r.messages.filter((m) => m.type === 'Finished').length).toBe(4);
  });
});

describe('serve --renegotiate, TLS 1.2', () => {
  it('sends HelloRequest after the handshake and s_client renegotiates', async () => {
    const s = await serve(['--renegotiate', '--tls1.2']);
    // -msg: s_client closes once the renegotiation serve started is over.
    await client12(s, ['-msg'], [], renegotiated);
    const [r] = await s.waitForReports(1);
    expect(r.ok).toBe(true);
    expect(r.messages.map((m) => m.type)).toContain('HelloRequest');
    expect(r.messages.filter((m) => m.type === 'ClientHello').length).toBe(2);
  });
});
