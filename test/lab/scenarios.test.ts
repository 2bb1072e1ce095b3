// Each lab scenario is reachable and behaves as its description says, checked with Node's tls,
// openssl s_client, and plaintext STARTTLS dialogues against the real servers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Lab } from '../../server/lab/index.ts';
import { startLab } from '../../server/lab/index.ts';
import { nodeTls, plainDialogue, sClient, starttlsDialogue } from './helpers.ts';

let lab: Lab;
let dir: string;
const addr = (id: string) => lab.byId(id)!.address;
const port = (id: string) => {
  const s = lab.byId(id);
  if (!s) throw new Error(`scenario ${id} is not running`);
  return s.port;
};
const GET = 'GET / HTTP/1.1\r\nHost: lab.tls-lens.test\r\n\r\n';
/** s_client -msg: the KeyUpdates it received. */
const serverKeyUpdates = (out: string) => out.match(/<<< TLS 1.3, Handshake \[length 0005\], KeyUpdate/g)?.length ?? 0;
/** s_client -msg: its own KeyUpdate went out, then a record after it. */
const CLIENT_KEY_UPDATE_THEN_DATA = />>> TLS 1.3, Handshake \[length 0005\], KeyUpdate[\s\S]*>>> TLS 1.[23], InnerContent/;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tls-lens-lab-test-'));
  lab = await startLab({ pkiDir: path.join(dir, 'pki') });
  writeFileSync(path.join(dir, 'root.pem'), lab.pki.root.cert);
  writeFileSync(path.join(dir, 'inter.pem'), lab.pki.intermediate.cert);
}, 60_000);
afterAll(async () => {
  await lab?.stop();
});

describe('the catalogue', () => {
  it('runs every scenario the issue asks for, each with a sentence to notice', () => {
    const ids = lab.scenarios.map((s) => s.id);
    expect(ids).toEqual([
      'good-tls13', 'tls12-only', 'chacha20-only', 'p384-hrr', 'expired', 'not-yet-valid', 'wrong-host', 'self-signed',
      'unknown-root', 'missing-intermediate', 'ocsp-good', 'ocsp-revoked', 'client-cert-requested', 'client-cert-required', 'session-tickets', 'early-data',
      'key-update', 'renegotiation-tls12', 'smtp-starttls', 'imap-starttls', 'pop3-starttls',
    ]);
    for (const s of lab.scenarios) {
      expect(s.host).toBe('lab.tls-lens.test');
      expect(s.address).toMatch(/^127\.0\.0\.[12]$/);
      expect(s.port).toBeGreaterThan(0);
      expect(s.whatToNotice.length).toBeGreaterThan(20);
      expect(s.tlsVersions.length).toBeGreaterThan(0);
      expect(new Set(lab.scenarios.map((x) => x.port)).size).toBe(lab.scenarios.length);
    }
  });
});

describe('certificate scenarios', () => {
  it('good-tls13: TLS 1.3, leaf + intermediate verify against the lab root; TLS 1.2 is refused', async () => {
    const r = await nodeTls(port('good-tls13'), { ca: lab.pki.root.cert, rejectUnauthorized: true, request: GET });
    expect(r).toMatchObject({ ok: true, protocol: 'TLSv1.3', authorized: true });
    expect(r.peerChain).toEqual(['lab.tls-lens.test', 'TLS Lens Lab Intermediate CA', 'TLS Lens Lab Root CA']);
    expect(r.reply).toMatch(/^HTTP\/1.1 200 OK/);
    expect(r.reply).toContain('TLS Lens lab scenario: good-tls13');
    expect((await nodeTls(port('good-tls13'), { maxVersion: 'TLSv1.2' })).ok).toBe(false);
  });

  it.each([
    ['expired', 'CERT_HAS_EXPIRED'],
    ['not-yet-valid', 'CERT_NOT_YET_VALID'],
    ['self-signed', 'DEPTH_ZERO_SELF_SIGNED_CERT'],
    ['unknown-root', 'SELF_SIGNED_CERT_IN_CHAIN'],
    ['missing-intermediate', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
  ])('%s: the handshake completes and verification fails with %s', async (id, code) => {
    const r = await nodeTls(port(id), { ca: lab.pki.root.cert });
    expect(r).toMatchObject({ ok: true, protocol: 'TLSv1.3', authorized: false, authorizationError: code });
  });

  it('missing-intermediate verifies once the client supplies the intermediate itself', async () => {
    const r = await nodeTls(port('missing-intermediate'), { ca: [lab.pki.root.cert, lab.pki.intermediate.cert] });
    expect(r).toMatchObject({ ok: true, authorized: true });
    expect(r.peerChain?.[0]).toBe('lab.tls-lens.test');
  });

  it.each([
    ['ocsp-good', 'good'],
    ['ocsp-revoked', 'revoked'],
  ])('%s: openssl s_client -status gets a stapled response from the lab intermediate: %s', async (id, status) => {
    const out = await sClient(['-connect', `127.0.0.1:${port(id)}`, '-servername', 'lab.tls-lens.test', '-status', '-CAfile', path.join(dir, 'root.pem')]);
    expect(out).toMatch(/OCSP Response Status: successful/);
    expect(out).toMatch(/Responder Id: CN = TLS Lens Lab Intermediate CA, O = TLS Lens Lab/);
    expect(out).toMatch(new RegExp(`Cert Status: ${status}\n`));
    // s_client only prints the status: the chain verifies either way.
    expect(out).toMatch(/Verify return code: 0 \(ok\)/);
  });

  it('wrong-host: the chain verifies but the name does not match', async () => {
    const out = await sClient(['-connect', `127.0.0.1:${port('wrong-host')}`, '-servername', 'lab.tls-lens.test', '-verify_hostname', 'lab.tls-lens.test', '-CAfile', path.join(dir, 'root.pem'), '-brief']);
    expect(out).toMatch(/verify error:num=62:hostname mismatch/);
    expect(out).not.toMatch(/num=(10|18|19|20|21)/);
    const strict = await nodeTls(port('wrong-host'), { ca: lab.pki.root.cert, rejectUnauthorized: true });
    expect(strict).toMatchObject({ ok: false, error: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });
});

describe('protocol scenarios', () => {
  it('tls12-only: TLS 1.2 with ECDHE-RSA; a TLS 1.3-only client is refused', async () => {
    const r = await nodeTls(port('tls12-only'), { ca: lab.pki.root.cert, rejectUnauthorized: true });
    expect(r).toMatchObject({ ok: true, protocol: 'TLSv1.2', authorized: true });
    expect(r.cipher).toMatch(/^TLS_ECDHE_RSA_WITH_/);
    expect((await nodeTls(port('tls12-only'), { minVersion: 'TLSv1.3' })).ok).toBe(false);
  });

  it('chacha20-only: ChaCha20-Poly1305 chosen; an AES-GCM-only client gets a handshake failure', async () => {
    const r = await nodeTls(port('chacha20-only'), { ca: lab.pki.root.cert, rejectUnauthorized: true });
    expect(r).toMatchObject({ ok: true, protocol: 'TLSv1.3', cipher: 'TLS_CHACHA20_POLY1305_SHA256' });
    const tls12 = await nodeTls(port('chacha20-only'), { maxVersion: 'TLSv1.2' });
    expect(tls12.cipher).toBe('TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256');
    const aes = await nodeTls(port('chacha20-only'), { minVersion: 'TLSv1.3', ciphers: 'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384' });
    expect(aes.ok).toBe(false);
    expect(aes.error).toMatch(/HANDSHAKE_FAILURE/);
  });

  it('p384-hrr: a client with only an X25519 key share gets a HelloRetryRequest, then uses P-384', async () => {
    const out = await sClient(['-connect', `127.0.0.1:${port('p384-hrr')}`, '-groups', 'X25519:P-384', '-msg']);
    expect(out.match(/>>> .*ClientHello/g)?.length).toBe(2);
    expect(out).toMatch(/Server Temp Key: ECDH, secp384r1/);
    const direct = await nodeTls(port('p384-hrr'), { ecdhCurve: 'X25519:P-384' });
    expect(direct).toMatchObject({ ok: true, protocol: 'TLSv1.3' });
  });

  it('session-tickets: the second connection resumes with a ticket (TLS 1.3 and TLS 1.2)', async () => {
    for (const v of ['TLSv1.3', 'TLSv1.2'] as const) {
      const first = await nodeTls(port('session-tickets'), { ca: lab.pki.root.cert, minVersion: v, maxVersion: v, waitForSession: true });
      expect(first).toMatchObject({ ok: true, protocol: v, reused: false });
      expect(first.session).toBeDefined();
      const second = await nodeTls(port('session-tickets'), { ca: lab.pki.root.cert, minVersion: v, maxVersion: v, session: first.session });
      expect(second).toMatchObject({ ok: true, reused: true });
    }
  });

  it('key-update: openssl s_server sends KeyUpdate twice with text under the new keys', async () => {
    // The client writes only after the second KeyUpdate, so its own KeyUpdate goes out first; it ends once that
    // KeyUpdate and the data after it went out.
    const out = await sClient(['-connect', `127.0.0.1:${port('key-update')}`, '-CAfile', path.join(dir, 'root.pem'), '-msg'], {
      input: 'hello after the update\n',
      inputWhen: /After a KeyUpdate \(update_requested\)/,
      until: CLIENT_KEY_UPDATE_THEN_DATA,
    });
    expect(serverKeyUpdates(out)).toBe(2);
    expect(out).toContain('After a KeyUpdate (update_not_requested) from the server.');
    expect(out).toContain('After a KeyUpdate (update_requested)');
    // update_requested obliges the client to update its keys before it sends again.
    expect(out).toMatch(CLIENT_KEY_UPDATE_THEN_DATA);
  });

  it('key-update serves several clients at once (each gets its own s_server)', async () => {
    const outs = await Promise.all([0, 1, 2].map(() => sClient(['-connect', `127.0.0.1:${port('key-update')}`, '-msg'], { until: (out) => serverKeyUpdates(out) >= 2 })));
    for (const out of outs) expect(serverKeyUpdates(out)).toBe(2);
  });

  it('renegotiation-tls12: HelloRequest on the first data, a second full handshake, then the answer', async () => {
    const out = await sClient(['-connect', `127.0.0.1:${port('renegotiation-tls12')}`, '-CAfile', path.join(dir, 'root.pem'), '-msg'], { input: GET, until: /session resumed: \w+\n/ });
    expect(out).toMatch(/<<< TLS 1.2, Handshake \[length 0004\], HelloRequest/);
    expect(out.match(/>>> .*ClientHello/g)?.length).toBe(2);
    expect(out.match(/<<< .*Certificate /g)?.length ?? out.match(/<<< TLS 1.2, Handshake \[length [0-9a-f]+\], Certificate$/gm)?.length).toBe(2);
    expect(out).toContain('TLS Lens lab scenario: renegotiation-tls12');
    expect(out).toContain('session resumed: no');
  });
});

describe('client certificates', () => {
  const cert = () => lab.pki.client.cert + lab.pki.intermediate.cert;
  it('client-cert-requested: continues without one, and reports the one it got', async () => {
    const none = await nodeTls(port('client-cert-requested'), { ca: lab.pki.root.cert, request: GET });
    expect(none.reply).toContain('client certificate: none');
    const withCert = await nodeTls(port('client-cert-requested'), { ca: lab.pki.root.cert, cert: cert(), key: lab.pki.client.key, request: GET });
    expect(withCert.reply).toContain('client certificate: TLS Lens Lab Student (verified)');
  });
  it('client-cert-required: certificate_required alert without one; accepted with the lab client certificate', async () => {
    const none = await nodeTls(port('client-cert-required'), { ca: lab.pki.root.cert, request: GET });
    expect(none.error).toMatch(/CERTIFICATE_REQUIRED/);
    expect(none.reply ?? '').not.toContain('HTTP/1.1 200');
    const withCert = await nodeTls(port('client-cert-required'), { ca: lab.pki.root.cert, cert: cert(), key: lab.pki.client.key, request: GET });
    expect(withCert.reply).toContain('client certificate: TLS Lens Lab Student (verified)');
  });
});

describe('STARTTLS scenarios (real servers)', () => {
  const auth = `AUTH PLAIN ${Buffer.from('\0student\0tls-lens').toString('base64')}`;

  it('smtp-starttls: STARTTLS offered, AUTH refused until TLS, login works after it', async () => {
    const plain = await plainDialogue(port('smtp-starttls'), '127.0.0.1', [
      { until: /^220 /m },
      { send: 'EHLO client.test', until: /^250 /m },
      { send: auth, until: /^5\d\d /m },
    ]);
    expect(plain).toMatch(/^220 lab\.tls-lens\.test/);
    expect(plain).toMatch(/250-STARTTLS/);
    expect(plain).toMatch(/538 Error: Must issue a STARTTLS command first/);
    const d = await starttlsDialogue(
      port('smtp-starttls'),
      '127.0.0.1',
      [{ until: /^220 /m }, { send: 'EHLO client.test', until: /^250 /m }, { send: 'STARTTLS', until: /^220 /m }],
      [{ send: 'EHLO client.test', until: /^250 /m }, { send: auth, until: /^\d{3} /m }],
      lab.pki.root.cert,
    );
    expect(d.plain).toMatch(/220 .*TLS/);
    expect(d).toMatchObject({ authorized: true });
    expect(d.secure).toMatch(/250-AUTH PLAIN LOGIN/);
    expect(d.secure).toMatch(/235 .*Authentication successful/);
    const out = await sClient(['-starttls', 'smtp', '-connect', `127.0.0.1:${port('smtp-starttls')}`, '-CAfile', path.join(dir, 'root.pem'), '-verify_hostname', 'lab.tls-lens.test', '-brief']);
    expect(out).toMatch(/Verification: OK/);
  });

  it('imap-starttls: LOGINDISABLED before STARTTLS, login after it', async () => {
    const plain = await plainDialogue(port('imap-starttls'), addr('imap-starttls'), [{ until: /^\* OK/m }, { send: 'a CAPABILITY', until: /^a OK/m }]);
    expect(plain).toMatch(/STARTTLS/);
    expect(plain).toMatch(/LOGINDISABLED/);
    const d = await starttlsDialogue(
      port('imap-starttls'),
      addr('imap-starttls'),
      [{ until: /^\* OK/m }, { send: 'a STARTTLS', until: /^a OK/m }],
      [
        { send: 'b LOGIN student tls-lens', until: /^b (OK|NO|BAD)/m },
        { send: 'c SELECT INBOX', until: /^c (OK|NO|BAD)/m },
        { send: 'd LOGOUT', until: /^d OK/m },
      ],
      lab.pki.root.cert,
    );
    expect(d.plain).toMatch(/a OK Begin TLS/);
    expect(d.authorized).toBe(true);
    expect(d.secure).toMatch(/b OK .*Logged in/);
    expect(d.secure).toMatch(/c OK \[READ-WRITE\]/);
  });

  it('pop3-starttls: STLS upgrades, USER/PASS work only after it', async () => {
    const plain = await plainDialogue(port('pop3-starttls'), addr('pop3-starttls'), [
      { until: /^\+OK/m },
      { send: 'CAPA', until: /^\.\r?$/m },
      { send: 'USER student', until: /^-ERR/m },
    ]);
    expect(plain).toMatch(/\+OK Dovecot/);
    expect(plain).toMatch(/\r\nSTLS\r\n/);
    const d = await starttlsDialogue(
      port('pop3-starttls'),
      addr('pop3-starttls'),
      [{ until: /^\+OK/m }, { send: 'STLS', until: /^\+OK Begin TLS/m }],
      [
        { send: 'USER student', until: /^[+-]/m },
        { send: 'PASS tls-lens', until: /Logged in|-ERR/ },
        { send: 'STAT', until: /^[+-]/m },
        { send: 'QUIT', until: /^\+OK/m },
      ],
      lab.pki.root.cert,
    );
    expect(d.authorized).toBe(true);
    expect(d.secure).toMatch(/\+OK Logged in/);
    expect(d.secure).toMatch(/\+OK 0 0\r\n/);
  });
});
