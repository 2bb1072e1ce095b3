// TLS 1.2 interop against real `openssl s_server -tls1_2` processes started here: every key exchange and suite
// family, EMS, encrypt-then-MAC, resumption by id and ticket, renegotiation from both sides, client certificates.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { keyLogLines } from '../../src/tls/keylog.ts';
import { utf8 } from '../../src/util/bytes.ts';
import { connect12, startSServer12, waitFor, type SServer12 } from './helpers12.ts';
import { usePki } from '../support/pki.ts';
import { spawnSServer } from '../tls/helpers.ts';

const pki = usePki();
const servers: SServer12[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

async function server(extra: string[], opts: { rsa?: boolean } = {}, anyVersion = false) {
  const s = await startSServer12(pki, extra, { ...opts, anyVersion });
  servers.push(s);
  return s;
}

/** Data both ways, then close_notify. */
async function exchange(s: SServer12, conn: Awaited<ReturnType<typeof connect12>>['conn'], tag: string) {
  await conn.write(utf8.encode(`ping ${tag}\n`));
  await waitFor(() => s.output().includes(`ping ${tag}`));
  s.type(`pong ${tag}\n`);
  expect(utf8.decode((await conn.read())!)).toBe(`pong ${tag}\n`);
}

describe('TLS 1.2 against openssl s_server', () => {
  const cases: { suite: string; openssl: string; rsa: boolean; kx: string; extra?: string[]; etm?: boolean }[] = [
    { suite: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', openssl: 'ECDHE-ECDSA-AES128-GCM-SHA256', rsa: false, kx: 'ECDHE' },
    { suite: 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', openssl: 'ECDHE-ECDSA-AES256-GCM-SHA384', rsa: false, kx: 'ECDHE' },
    { suite: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', openssl: 'ECDHE-RSA-AES128-GCM-SHA256', rsa: true, kx: 'ECDHE' },
    { suite: 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', openssl: 'ECDHE-RSA-CHACHA20-POLY1305', rsa: true, kx: 'ECDHE' },
    { suite: 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', openssl: 'ECDHE-ECDSA-CHACHA20-POLY1305', rsa: false, kx: 'ECDHE' },
    { suite: 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', openssl: 'ECDHE-RSA-AES128-SHA', rsa: true, kx: 'ECDHE', etm: true },
    { suite: 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', openssl: 'ECDHE-RSA-AES128-SHA', rsa: true, kx: 'ECDHE', extra: ['-no_etm'], etm: false },
    { suite: 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256', openssl: 'ECDHE-RSA-AES128-SHA256', rsa: true, kx: 'ECDHE', etm: true },
    { suite: 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA', openssl: 'ECDHE-ECDSA-AES256-SHA', rsa: false, kx: 'ECDHE', extra: ['-no_etm'], etm: false },
    { suite: 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384', openssl: 'ECDHE-RSA-AES256-SHA384', rsa: true, kx: 'ECDHE', etm: true },
    { suite: 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384', openssl: 'ECDHE-ECDSA-AES256-SHA384', rsa: false, kx: 'ECDHE', extra: ['-no_etm'], etm: false },
    { suite: 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256', openssl: 'DHE-RSA-AES128-GCM-SHA256', rsa: true, kx: 'DHE' },
    { suite: 'TLS_RSA_WITH_AES_128_GCM_SHA256', openssl: 'AES128-GCM-SHA256', rsa: true, kx: 'RSA' },
    { suite: 'TLS_RSA_WITH_AES_256_CBC_SHA', openssl: 'AES256-SHA', rsa: true, kx: 'RSA', etm: true },
  ];
  for (const c of cases) {
    it(`${c.suite}${c.etm === undefined ? '' : c.etm ? ' with encrypt-then-MAC' : ' MAC-then-encrypt'}: handshake, data both ways, close`, async () => {
      const s = await server(['-cipher', c.openssl, ...(c.extra ?? [])], { rsa: c.rsa });
      const { conn, rec } = await connect12(pki, s.port, { suites: [c.suite] });
      expect(conn.summary.version).toBe('TLSv1.2');
      expect(conn.summary.cipherSuite).toBe(c.suite);
      expect(conn.summary.certificate.verified).toBe(true);
      expect(conn.summary.tls12).toMatchObject({ keyExchange: c.kx, forwardSecrecy: c.kx !== 'RSA', extendedMasterSecret: true, secureRenegotiation: true });
      if (c.etm !== undefined) expect(conn.summary.tls12!.encryptThenMac).toBe(c.etm);
      await exchange(s, conn, c.openssl);
      await conn.close();
      expect(s.output()).toContain(`CIPHER is ${c.openssl}`);
      const ev = rec.events;
      // The PRF steps are in the trace: extended master secret, key block, both verify_data.
      const prf = ev.filter((e) => e.kind === 'key' && e.op === 'PRF').map((e) => (e as { label?: string }).label);
      expect(prf).toEqual(['extended master secret', 'key expansion', 'client finished', 'server finished']);
      expect(ev.filter((e) => e.kind === 'finished').map((e) => (e as { ok: boolean }).ok)).toEqual([true, true]);
      if (c.kx !== 'RSA') expect(ev.some((e) => e.kind === 'signature' && e.subject === 'ServerKeyExchange' && e.ok)).toBe(true);
      else expect(ev.some((e) => e.kind === 'note' && e.text.includes('no forward secrecy'))).toBe(true);
      // Key log: CLIENT_RANDOM with the master secret, for Wireshark.
      const lines = keyLogLines(ev);
      expect(lines.length).toBe(1);
      expect(lines[0]).toMatch(/^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}$/);
    });
  }

  it('one ClientHello offering TLS 1.3 and 1.2: a 1.2-only server gets TLS 1.2 (no downgrade sentinel from it)', async () => {
    const s = await server([]);
    const { conn, rec } = await connect12(pki, s.port, { versions: ['TLS1.3', 'TLS1.2'] });
    expect(conn.summary.version).toBe('TLSv1.2');
    const hello = rec.events.find((e) => e.kind === 'handshake' && e.name === 'ClientHello');
    expect(JSON.stringify(hello)).toContain('TLS 1.3 (0x0304)');
    await exchange(s, conn, 'both');
    await conn.close();
  });
  for (const [group, name] of [['P-256', 'secp256r1'], ['P-384', 'secp384r1'], ['X25519', 'x25519']] as const) {
    it(`ECDHE over ${name}: the server's curve from its ServerKeyExchange`, async () => {
      const s = await server(['-groups', group]);
      const { conn, rec } = await connect12(pki, s.port);
      expect(conn.summary.group).toBe(name);
      expect(rec.events.some((e) => e.kind === 'key-exchange' && e.group === name)).toBe(true);
      await exchange(s, conn, name);
      await conn.close();
    });
  }

  it('RSA PKCS#1 v1.5 signature on the ServerKeyExchange (rsa_pkcs1_sha256, still common in TLS 1.2)', async () => {
    const s = await server(['-sigalgs', 'RSA+SHA256'], { rsa: true });
    const { conn, rec } = await connect12(pki, s.port, { suites: ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'] });
    expect(conn.summary.signatureScheme).toBe('rsa_pkcs1_sha256');
    expect(rec.events.some((e) => e.kind === 'signature' && e.subject === 'ServerKeyExchange' && e.scheme === 'rsa_pkcs1_sha256' && e.ok)).toBe(true);
    await conn.close();
  });

  it('an Ed25519 certificate with an ECDHE_ECDSA suite (RFC 8422 §5.3: "ECDSA- or EdDSA-capable"), as s_client accepts it', async () => {
    const [cert, key] = pki.extraLeaves.ed25519;
    const s = await spawnSServer(['-tls1_2', '-cert', cert, '-key', key]);
    servers.push(s);
    const { conn, rec } = await connect12(pki, s.port);
    expect(conn.summary.cipherSuite).toMatch(/^TLS_ECDHE_ECDSA_/);
    expect(rec.events.some((e) => e.kind === 'signature' && e.subject === 'ServerKeyExchange' && e.scheme === 'ed25519' && e.ok)).toBe(true);
    await exchange(s, conn, 'ed25519');
    await conn.close();
  });

  it('DHE: the group is named ffdhe2048 only for RFC 7919\'s prime, not for s_server\'s own 2048-bit one', async () => {
    const named = path.join(pki.dir, 'ffdhe2048.pem');
    execFileSync('openssl', ['genpkey', '-genparam', '-algorithm', 'DH', '-pkeyopt', 'group:ffdhe2048', '-out', named]);
    const dhe = { suites: ['TLS_DHE_RSA_WITH_AES_128_GCM_SHA256'] };
    const rfc7919 = await server(['-cipher', 'DHE-RSA-AES128-GCM-SHA256', '-dhparam', named], { rsa: true });
    const a = await connect12(pki, rfc7919.port, dhe);
    expect(a.conn.summary.group).toBe('ffdhe2048');
    await a.conn.close();
    // Without -dhparam, s_server uses a 2048-bit prime of its own ("Using default temp DH parameters").
    const own = await server(['-cipher', 'DHE-RSA-AES128-GCM-SHA256'], { rsa: true });
    const b = await connect12(pki, own.port, dhe);
    expect(b.conn.summary.group).not.toBe('ffdhe2048');
    expect(b.conn.summary.group).toMatch(/2048-bit prime from the server/);
    expect(b.rec.events.find((e) => e.kind === 'key-exchange')).toMatchObject({ group: b.conn.summary.group });
    await b.conn.close();
  });

  it('a TLS 1.3-capable s_server asked for TLS 1.2 only marks its random with DOWNGRD; a 1.2-only client accepts it', async () => {
    const s = await server([], {}, true);
    const { conn, rec } = await connect12(pki, s.port, { versions: ['TLS1.2'] });
    expect(conn.summary.version).toBe('TLSv1.2');
    const sh = rec.events.find((e) => e.kind === 'handshake' && e.name === 'ServerHello') as { bytes: string };
    // ServerHello.random is bytes 6..38 of the message; its last 8 bytes are "DOWNGRD\x01".
    expect(sh.bytes.slice(12 + 48, 12 + 64)).toBe('444f574e47524401');
    await conn.close();
  });

  it('the ClientHello offering both versions gets TLS 1.3 from a TLS 1.3-capable server', async () => {
    const s = await server([], {}, true);
    const { conn } = await connect12(pki, s.port, { versions: ['TLS1.3', 'TLS1.2'] });
    expect(conn.summary.version).toBe('TLSv1.3');
    await exchange(s, conn, 'v13');
    await conn.close();
  });

  it('server-initiated renegotiation asking for a client certificate ("R"): the certificate goes out inside the encrypted connection', async () => {
    const s = await server([]);
    const clientCertificate = { chain: [pki.clientCertDer], privateKey: pki.clientKeyPkcs8 };
    const { conn, rec } = await connect12(pki, s.port, { clientCertificate });
    expect(conn.summary.clientCertificateRequested).toBe(false);
    const reading = conn.read();
    s.type('R\n');
    await waitFor(() => rec.events.some((e) => e.kind === 'note' && e.text.includes('renegotiation #1 complete')), 15_000);
    s.type('authenticated\n');
    expect(utf8.decode((await reading)!)).toBe('authenticated\n');
    expect(conn.summary.clientCertificateSent).toBe(true);
    const certMsg = rec.events.find((e) => e.kind === 'handshake' && e.direction === 'client' && e.name === 'Certificate') as { epoch: string };
    expect(certMsg.epoch).toBe('application');
    await conn.close();
  });

  it('resumption by session ticket (RFC 5077): abbreviated handshake, no certificate, same master secret', async () => {
    const s = await server([]);
    const first = await connect12(pki, s.port);
    expect(first.conn.summary.tls12!.ticketReceived).toBe(true);
    const session = first.conn.session!;
    expect(session).toMatchObject({ version: 'TLS1.2', extendedMasterSecret: true });
    await first.conn.close();
    const second = await connect12(pki, s.port, { session });
    expect(second.conn.summary.resumed).toBe(true);
    expect(second.conn.summary.tls12!.resumedBy).toBe('ticket');
    const names = second.rec.events.filter((e) => e.kind === 'handshake').map((e) => `${(e as { direction: string }).direction}:${(e as { name: string }).name}`);
    expect(names).not.toContain('server:Certificate');
    expect(names).not.toContain('client:ClientKeyExchange');
    expect(names.at(-1)).toBe('client:Finished');
    const lines = keyLogLines(second.rec.events);
    expect(lines[0].split(' ')[2]).toBe(keyLogLines(first.rec.events)[0].split(' ')[2]);
    await exchange(s, second.conn, 'resumed-ticket');
    await second.conn.close();
  });

  it('a session the server no longer knows: a full handshake instead, said in the trace', async () => {
    const a = await server([]);
    const first = await connect12(pki, a.port);
    const session = first.conn.session;
    await first.conn.close();
    const b = await server([]);
    const second = await connect12(pki, b.port, { session });
    expect(second.conn.summary.resumed).toBe(false);
    expect(second.rec.events.some((e) => e.kind === 'note' && e.text.includes('did not resume'))).toBe(true);
    expect(second.rec.events.some((e) => e.kind === 'handshake' && e.name === 'Certificate')).toBe(true);
    await second.conn.close();
  });

  it('resumption by session id (server-side cache, no tickets)', async () => {
    const s = await server(['-no_ticket']);
    const first = await connect12(pki, s.port);
    expect(first.conn.summary.tls12!.ticketReceived).toBe(false);
    const session = first.conn.session as { sessionId: Uint8Array; ticket?: Uint8Array };
    expect(session.sessionId.length).toBeGreaterThan(0);
    expect(session.ticket).toBeUndefined();
    await first.conn.close();
    const second = await connect12(pki, s.port, { session: first.conn.session });
    expect(second.conn.summary.resumed).toBe(true);
    expect(second.conn.summary.tls12!.resumedBy).toBe('id');
    await exchange(s, second.conn, 'resumed-id');
    await second.conn.close();
  });

  it('renegotiation started by the server (HelloRequest when s_server gets "r"): a second handshake in the same trace', async () => {
    const s = await server([]);
    const { conn, rec } = await connect12(pki, s.port);
    await exchange(s, conn, 'before');
    const reading = conn.read();
    s.type('r\n');
    await waitFor(() => rec.events.some((e) => e.kind === 'note' && e.text.includes('renegotiation #1 complete')), 15_000);
    s.type('after renegotiation\n');
    expect(utf8.decode((await reading)!)).toBe('after renegotiation\n');
    expect(conn.summary.tls12!.renegotiations).toBe(1);
    const hellos = rec.events.filter((e) => e.kind === 'handshake' && e.name === 'ClientHello');
    expect(hellos.map((e) => (e as { epoch: string }).epoch)).toEqual(['plaintext', 'application']);
    expect(rec.events.some((e) => e.kind === 'handshake' && e.name === 'HelloRequest')).toBe(true);
    expect(rec.events.some((e) => e.kind === 'note' && e.text.includes('renegotiation_info checked'))).toBe(true);
    expect(rec.events.filter((e) => e.kind === 'finished' && e.ok).length).toBe(4);
    expect(keyLogLines(rec.events).length).toBe(2);
    await exchange(s, conn, 'after');
    await conn.close();
  });

  it('renegotiation started by the client (renegotiate()) when the server allows it', async () => {
    const s = await server(['-client_renegotiation']);
    const { conn, rec } = await connect12(pki, s.port);
    await exchange(s, conn, 'r1');
    await conn.renegotiate();
    expect(conn.summary.tls12!.renegotiations).toBe(1);
    expect(rec.events.filter((e) => e.kind === 'handshake' && e.name === 'ClientHello').length).toBe(2);
    // Typed milestones for the views (the ladder's divider, the worker's verdict): started, then finished.
    const milestones = rec.events.filter((e) => e.kind === 'renegotiation').map((e) => e.kind === 'renegotiation' && `${e.phase} #${e.number} by ${e.by}`);
    expect(milestones).toEqual(['started #1 by client', 'finished #1 by client']);
    await exchange(s, conn, 'r2');
    await conn.close();
  });

  it('client-initiated renegotiation refused by a server that does not allow it: a clean coded error', async () => {
    const s = await server([]);
    const { conn, rec } = await connect12(pki, s.port);
    await exchange(s, conn, 'x');
    const err = await conn.renegotiate().then(() => null, (e: { code: string }) => e);
    expect(err).not.toBeNull();
    expect(err!.code).toBe('NO_RENEGOTIATION');
    expect(rec.events.some((e) => e.kind === 'alert' && e.direction === 'server' && e.name === 'no_renegotiation')).toBe(true);
    // Refused politely: the connection goes on with its current keys.
    expect(rec.events.some((e) => e.kind === 'error')).toBe(false);
    expect(rec.events.filter((e) => e.kind === 'renegotiation').map((e) => e.kind === 'renegotiation' && [e.phase, e.refusedBy])).toEqual([['started', undefined], ['refused', 'server']]);
    await exchange(s, conn, 'still-open');
    await conn.close();
  });

  it('client certificate requested (-verify 1): Certificate, ClientKeyExchange, CertificateVerify', async () => {
    const s = await server(['-verify', '1']);
    const clientCertificate = { chain: [pki.clientCertDer], privateKey: pki.clientKeyPkcs8 };
    const { conn, rec } = await connect12(pki, s.port, { clientCertificate });
    expect(conn.summary.clientCertificateRequested).toBe(true);
    expect(conn.summary.clientCertificateSent).toBe(true);
    const order = rec.events.filter((e) => e.kind === 'handshake' && e.direction === 'client').map((e) => (e as { name: string }).name);
    expect(order).toEqual(['ClientHello', 'Certificate', 'ClientKeyExchange', 'CertificateVerify', 'Finished']);
    await exchange(s, conn, 'with-cert');
    expect(s.output()).toContain('TLS Lens test client');
    await conn.close();
  });

  // A leaf's DER and its key as PKCS#8 DER, from the PEM files of the test PKI.
  const derOf = (certPem: string, keyPem: string) => ({
    chain: [new Uint8Array(execFileSync('openssl', ['x509', '-in', certPem, '-outform', 'DER']))],
    privateKey: new Uint8Array(execFileSync('openssl', ['pkcs8', '-topk8', '-nocrypt', '-in', keyPem, '-outform', 'DER'])),
  });
  const clientSignature = (rec: Awaited<ReturnType<typeof connect12>>['rec']) =>
    rec.events.find((e) => e.kind === 'signature' && e.subject === 'client CertificateVerify') as { scheme: string } | undefined;

  it('client certificate for a server that takes only RSA PKCS#1 v1.5 (-client_sigalgs RSA+SHA256): signed rsa_pkcs1_sha256, as s_client does', async () => {
    const s = await server(['-verify', '1', '-client_sigalgs', 'RSA+SHA256']);
    const { conn, rec } = await connect12(pki, s.port, { clientCertificate: derOf(pki.rsaCert, pki.rsaKey) });
    expect(conn.summary.clientCertificateSent).toBe(true);
    expect(clientSignature(rec)?.scheme).toBe('rsa_pkcs1_sha256');
    await exchange(s, conn, 'pkcs1');
    expect(s.output()).toContain('Peer signature type: RSA\n');
    await conn.close();
  });

  it('client certificate P-256 for a server that takes only ECDSA+SHA384: TLS 1.2 names the hash, not the curve', async () => {
    const s = await server(['-verify', '1', '-client_sigalgs', 'ECDSA+SHA384']);
    const { conn, rec } = await connect12(pki, s.port, { clientCertificate: { chain: [pki.clientCertDer], privateKey: pki.clientKeyPkcs8 } });
    expect(conn.summary.clientCertificateSent).toBe(true);
    expect(clientSignature(rec)?.scheme).toBe('ecdsa_secp384r1_sha384');
    await exchange(s, conn, 'p256-sha384');
    expect(s.output()).toContain('Peer signing digest: SHA384');
    await conn.close();
  });

  it('client certificate with an RSASSA-PSS key (id-RSASSA-PSS): signed rsa_pss_pss_sha256', async () => {
    const s = await server(['-verify', '1']);
    const [cert, key] = pki.extraLeaves.rsaPss;
    const { conn, rec } = await connect12(pki, s.port, { clientCertificate: derOf(cert, key) });
    expect(conn.summary.clientCertificateSent).toBe(true);
    expect(clientSignature(rec)?.scheme).toBe('rsa_pss_pss_sha256');
    await exchange(s, conn, 'pss-key');
    expect(s.output()).toContain('Peer signature type: RSA-PSS');
    await conn.close();
  });

  it('client-cert-request breakpoint: the caller supplies the certificate when asked', async () => {
    const s = await server(['-verify', '1']);
    const asked: string[] = [];
    const { conn } = await connect12(pki, s.port, {
      breakpoints: { clientCertRequest: true },
      onBreak: async (info) => (asked.push(info.breakpoint), { clientCertificate: { chain: [pki.clientCertDer], privateKey: pki.clientKeyPkcs8 } }),
    });
    expect(asked).toEqual(['clientCertRequest']);
    expect(conn.summary.clientCertificateSent).toBe(true);
    await exchange(s, conn, 'bp-cert');
    await conn.close();
  });

  it('client certificate requested but none configured: an empty Certificate, the handshake goes on', async () => {
    const s = await server(['-verify', '1']);
    const { conn } = await connect12(pki, s.port);
    expect(conn.summary.clientCertificateRequested).toBe(true);
    expect(conn.summary.clientCertificateSent).toBe(false);
    await exchange(s, conn, 'no-cert');
    await conn.close();
  });

  it('client certificate required (-Verify 1): with one it works, without one the server\'s alert ends it', async () => {
    const s = await server(['-Verify', '1']);
    const clientCertificate = { chain: [pki.clientCertDer], privateKey: pki.clientKeyPkcs8 };
    const ok = await connect12(pki, s.port, { clientCertificate });
    await exchange(s, ok.conn, 'required');
    await ok.conn.close();
    const rec = (await import('../tls/helpers.ts')).recorder();
    const err = await connect12(pki, s.port, {}, rec).then(() => null, (e) => e);
    expect(err).not.toBeNull();
    expect(err.receivedAlert ?? err.code).toBeTruthy();
    const alert = rec.events.find((e) => e.kind === 'alert' && e.direction === 'server');
    expect(alert).toBeDefined();
    expect(rec.events.filter((e) => e.kind === 'error').length).toBe(1);
  });
});
