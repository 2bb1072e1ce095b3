// `tls-lens serve` against `openssl s_client`, TLS 1.2, in the cases where a differential run against
// `openssl s_server` (same certificates, same client) showed serve choosing differently or failing: resumption by
// session id, ECDSA signatures with a hash other than the curve's, the alert for a missing required client
// certificate, and a client that sends no supported_groups.
import { describe, expect, it, vi } from 'vitest';
import { usePki } from '../support/pki.ts';
import { sClient, type ServeProcess } from './serve-process.ts';
import { serveForThisFile } from './serve-per-file.ts';

vi.setConfig({ testTimeout: 120_000 });

const pki = usePki();
const serve = serveForThisFile();

// TLS 1.2 sends its ticket inside the handshake: s_client is ready once it printed the session.
const READY12 = /Verify return code|alert|errno|error:/i;
const client12 = (s: ServeProcess, args: string[], input: string[] = []) => sClient(s, ['-tls1_2', '-CAfile', pki.rootPem, ...args], input, READY12);

async function report(s: ServeProcess, before: number) {
  return (await s.waitForReports(before + 1))[before];
}

describe('serve against s_client, TLS 1.2, where s_server and serve differed', () => {
  it('-no_ticket -reconnect: every reconnection resumes by session id, as with s_server (one session cache for the server)', async () => {
    const s = await serve(['--cert', pki.leafCert, '--key', pki.leafKey, '--tls1.2']);
    const out = await client12(s, ['-no_ticket', '-reconnect']);
    expect((out.match(/^Reused, TLSv1\.2/gm) ?? []).length).toBe(5);
    const r = await s.waitForReports(6);
    expect(r.map((x) => x.resumed)).toEqual([false, true, true, true, true, true]);
  });

  it('a client offering only ECDSA+SHA384 gets a P-256 certificate signing with SHA-384 (TLS 1.2 binds no curve to the hash)', async () => {
    const s = await serve(['--cert', pki.leafCert, '--key', pki.leafKey]);
    const out = await client12(s, ['-sigalgs', 'ECDSA+SHA384']);
    expect(out).toMatch(/Peer signing digest: SHA384/);
    expect(out).toMatch(/Verify return code: 0 \(ok\)/);
    const r = await report(s, 0);
    expect([r.ok, r.version]).toEqual([true, 'TLSv1.2']);
    // TLS 1.3's ecdsa_secp384r1_sha384 names the curve too: a P-256 key cannot use it there.
    const out13 = await sClient(s, ['-tls1_3', '-CAfile', pki.rootPem, '-sigalgs', 'ECDSA+SHA384']);
    expect(out13).toMatch(/alert handshake failure/);
    expect((await report(s, 1)).alertSent).toBe('handshake_failure');
  });

  it('a client offering only ECDHE-ECDSA-AES256-SHA384 (CBC) is served by the defaults, as s_server serves it', async () => {
    const s = await serve(['--cert', pki.leafCert, '--key', pki.leafKey]);
    const out = await client12(s, ['-cipher', 'ECDHE-ECDSA-AES256-SHA384']);
    expect(out).toMatch(/Cipher is ECDHE-ECDSA-AES256-SHA384/);
    const r = await report(s, 0);
    expect([r.ok, r.cipherSuite]).toEqual([true, 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384']);
  });

  it('--Verify with no client certificate ends with handshake_failure, since certificate_required exists only in TLS 1.3', async () => {
    const s = await serve(['--cert', pki.leafCert, '--key', pki.leafKey, '--Verify', '--ca', pki.rootPem]);
    const out = await client12(s, []);
    expect(out).toMatch(/alert handshake failure/);
    const r = await report(s, 0);
    expect(r.ok).toBe(false);
    expect(r.alertSent).toBe('handshake_failure');
    expect(r.error?.code).toBe('CERTIFICATE_REQUIRED');
    // TLS 1.3 keeps its own alert.
    const out13 = await sClient(s, ['-tls1_3', '-CAfile', pki.rootPem]);
    expect(out13).toMatch(/alert certificate required/);
    expect((await report(s, 1)).alertSent).toBe('certificate_required');
  });

  it('a client that lists no curve (s_client -groups ffdhe2048 sends no supported_groups) gets DHE, not ECDHE over a curve it cannot do', async () => {
    const s = await serve(['--cert', pki.rsaCert, '--key', pki.rsaKey, '--tls1.2']);
    const out = await client12(s, ['-groups', 'ffdhe2048'], ['ping']);
    expect(out).toMatch(/Cipher is DHE-RSA-/);
    expect(out).toMatch(/Server Temp Key: DH, 2048 bits/);
    const r = await report(s, 0);
    expect([r.ok, r.group]).toEqual([true, 'ffdhe2048']);
  });
});
