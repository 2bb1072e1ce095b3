// Real `openssl s_client` (OpenSSL 3.0) against `tls-lens serve`, TLS 1.3: every suite, every group s_client has
// that we serve, HelloRetryRequest via groups, client certificates requested and required, resumption with
// -sess_out/-sess_in and -reconnect, KeyUpdate typed as k / K. Each scenario checks s_client's own verdict and
// serve's JSON report of the same connection.
import path from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { usePki } from '../support/pki.ts';
import { sClient, type ServeProcess } from './serve-process.ts';
import { serveForThisFile } from './serve-per-file.ts';

// Real processes on a shared 2-core machine: generous limits (a timeout here is never the thing under test).
vi.setConfig({ testTimeout: 120_000 });

const pki = usePki();
const serve = serveForThisFile();

describe('openssl s_client against serve, TLS 1.3', () => {
  let s: ServeProcess;
  beforeAll(async () => {
    s = await serve();
  });

  for (const suite of ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256']) {
    it(`negotiates ${suite}, the chain verifies in s_client`, async () => {
      const before = s.reports().length;
      const out = await sClient(s, ['-tls1_3', '-ciphersuites', suite]);
      expect(out).toMatch(/Verify return code: 0 \(ok\)/);
      const r = (await s.waitForReports(before + 1))[before];
      expect([r.ok, r.version, r.cipherSuite, r.serverName]).toEqual([true, 'TLSv1.3', suite, 'localhost']);
      expect(r.fingerprints?.ja4).toMatch(/^t13d/);
    });
  }

  for (const [group, name] of [['X25519', 'x25519'], ['P-256', 'secp256r1'], ['P-384', 'secp384r1']]) {
    it(`key exchange over ${name}`, async () => {
      const before = s.reports().length;
      const out = await sClient(s, ['-tls1_3', '-groups', group]);
      expect(out).toMatch(/Verify return code: 0 \(ok\)/);
      const r = (await s.waitForReports(before + 1))[before];
      expect([r.ok, r.group, r.helloRetryRequest]).toEqual([true, name, false]);
    });
  }

  it('resumes with -sess_out then -sess_in (PSK from our ticket)', async () => {
    const before = s.reports().length;
    const sess = path.join(s.dir, 'sess.pem');
    await sClient(s, ['-tls1_3', '-sess_out', sess], ['']);
    const out = await sClient(s, ['-tls1_3', '-sess_in', sess]);
    expect(out).toMatch(/^Reused, TLSv1\.3/m);
    const r = await s.waitForReports(before + 2);
    expect([r[before].resumed, r[before + 1].resumed]).toEqual([false, true]);
  });

  // OpenSSL 3.0's -reconnect drops each TLS 1.3 connection before reading the tickets, so it never resumes (the same
  // against openssl s_server): what must hold is six full handshakes, each reported, and the server serving on.
  it('serves all six -reconnect handshakes, each to the client Finished', async () => {
    const before = s.reports().length;
    const out = await sClient(s, ['-tls1_3', '-reconnect']);
    expect((out.match(/^New, TLSv1\.3/gm) ?? []).length).toBe(6);
    const r = await s.waitForReports(before + 6);
    for (const x of r.slice(before)) expect(x.messages.filter((m) => m.type === 'Finished').map((m) => m.direction)).toEqual(['server', 'client']);
  });

  it('takes a KeyUpdate typed as k and one as K (update_requested), answering the second', async () => {
    const before = s.reports().length;
    // -msg: s_client closes once serve's KeyUpdate (its answer to K) has come.
    const out = await sClient(s, ['-tls1_3', '-msg'], ['k', 'K'], undefined, (o) => /<<< TLS 1.3, Handshake \[length 0005\], KeyUpdate/.test(o));
    expect(out).toMatch(/KEYUPDATE/);
    const r = (await s.waitForReports(before + 1))[before];
    expect(r.ok).toBe(true);
    const updates = r.messages.filter((m) => m.type === 'KeyUpdate');
    expect(updates.map((m) => m.direction)).toEqual(['client', 'client', 'server']);
  });
});

describe('openssl s_client: HelloRetryRequest and client certificates', () => {
  it('asks for P-384 with a HelloRetryRequest when s_client only sent an X25519 share', async () => {
    const s = await serve(['--groups', 'secp384r1']);
    const out = await sClient(s, ['-tls1_3', '-groups', 'X25519:P-384']);
    expect(out).toMatch(/Verify return code: 0 \(ok\)/);
    const [r] = await s.waitForReports(1);
    expect([r.ok, r.group, r.helloRetryRequest]).toEqual([true, 'secp384r1', true]);
    expect(r.messages.filter((m) => m.type === 'ClientHello').length).toBe(2);
  });

  it('--verify: a client certificate chaining to --ca is verified; none is fine too', async () => {
    const s = await serve(['--verify', '--ca', pki.rootPem]);
    await sClient(s, ['-tls1_3', '-cert', pki.clientCert, '-key', pki.clientKey]);
    await sClient(s, ['-tls1_3']);
    const [withCert, without] = await s.waitForReports(2);
    expect(withCert.ok).toBe(true);
    expect(withCert.clientCertificate).toMatchObject({ sent: true, verified: true });
    expect(without.ok).toBe(true);
    expect(without.clientCertificate).toMatchObject({ sent: false });
  });

  it('--Verify: no client certificate ends with certificate_required', async () => {
    const s = await serve(['--Verify', '--ca', pki.rootPem]);
    const out = await sClient(s, ['-tls1_3']);
    expect(out).toMatch(/certificate required|alert number 116/i);
    const [r] = await s.waitForReports(1);
    expect([r.ok, r.alertSent]).toEqual([false, 'certificate_required']);
  });
});
