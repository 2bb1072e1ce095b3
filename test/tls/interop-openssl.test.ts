// Interop against real `openssl s_server` processes started here, bound to 127.0.0.1.
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { connectTls, type TlsClientOptions } from '../../src/tls/client.ts';
import type { TraceRecorder } from '../../src/trace/recorder.ts';
import { connectTcp } from '../../src/transport/tcp.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import { utf8 } from '../../src/util/bytes.ts';
import { recorder, startSServer, type SServer } from './helpers.ts';
import { usePki } from '../support/pki.ts';
import { waitFor } from '../support/wait.ts';

const pki = usePki();
const servers: SServer[] = [];

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

async function server(extra: string[], opts?: { cert?: string; key?: string }): Promise<SServer> {
  const s = await startSServer(pki, extra, opts);
  servers.push(s);
  return s;
}

// The server chain is verified for real by the x509 module against the test root.
async function connect(s: SServer, options: Partial<TlsClientOptions> = {}, rec: TraceRecorder = recorder()) {
  const transport = await connectTcp('127.0.0.1', s.port);
  const conn = await connectTls(transport, { serverName: 'localhost', verifier: createVerifier({ anchors: [pki.rootDer] }), timeoutMs: 10_000, ...options }, rec.emit);
  return { conn, rec };
}


describe('openssl s_server interop', () => {
  for (const suite of ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256']) {
    it(`negotiates ${suite} and exchanges data`, async () => {
      const s = await server(['-ciphersuites', suite]);
      const { conn, rec } = await connect(s);
      expect(conn.summary.cipherSuite).toBe(suite);
      expect(conn.summary.certificate.chain.length).toBe(2);
      expect(conn.summary.certificate.verified).toBe(true);
      expect(rec.events.filter((e) => e.kind === 'cert-result').map((e) => (e as { ok: boolean }).ok)).toEqual([true]);
      await conn.write(utf8.encode('hello from tls-lens\n'));
      await waitFor(() => s.output().includes('hello from tls-lens'));
      s.type('hello from openssl\n');
      expect(utf8.decode((await conn.read())!)).toBe('hello from openssl\n');
      await conn.close();
      const finished = rec.events.filter((e) => e.kind === 'finished');
      expect(finished.map((f) => [f.direction, f.ok])).toEqual([['server', true], ['client', true]]);
    });
  }

  for (const [group, name] of [['X25519', 'x25519'], ['P-256', 'secp256r1'], ['P-384', 'secp384r1']] as const) {
    it(`key exchange over ${name} without a retry when the share matches`, async () => {
      const s = await server(['-groups', group]);
      const { conn, rec } = await connect(s, { keyShareGroups: [name] });
      expect(conn.summary.group).toBe(name);
      expect(conn.summary.helloRetryRequest).toBe(false);
      expect(rec.events.some((e) => e.kind === 'key-exchange' && e.group === name)).toBe(true);
      await conn.close();
    });
  }

  it('HelloRetryRequest when the server wants P-384 (message_hash transcript, second key share)', async () => {
    const s = await server(['-groups', 'P-384']);
    const { conn, rec } = await connect(s);
    expect(conn.summary.helloRetryRequest).toBe(true);
    expect(conn.summary.group).toBe('secp384r1');
    const hellos = rec.events.filter((e) => e.kind === 'handshake' && e.direction === 'client' && e.name === 'ClientHello');
    expect(hellos.length).toBe(2);
    expect(rec.events.some((e) => e.kind === 'transcript' && e.covers[0] === 'message_hash(ClientHello)')).toBe(true);
    await conn.close();
  });

  it('RSA server certificate: rsa_pss_rsae CertificateVerify', async () => {
    const s = await server([], { cert: pki.rsaCert, key: pki.rsaKey });
    const { conn, rec } = await connect(s);
    expect(conn.summary.signatureScheme).toMatch(/^rsa_pss_rsae_sha/);
    expect(rec.events.some((e) => e.kind === 'signature' && e.ok)).toBe(true);
    await conn.close();
  });

  for (const [which, scheme] of [['ed25519', 'ed25519'], ['p384', 'ecdsa_secp384r1_sha384'], ['rsaPss', 'rsa_pss_pss_sha256']] as const) {
    it(`${which} server certificate: ${scheme} CertificateVerify, chain verified`, async () => {
      const [cert, key] = pki.extraLeaves[which];
      const s = await server([], { cert, key });
      const { conn } = await connect(s);
      expect(conn.summary.signatureScheme).toBe(scheme);
      expect(conn.summary.certificate.verified).toBe(true);
      await conn.close();
    });
  }

  it('client certificate requested (-verify 1): sends an empty Certificate without one', async () => {
    const s = await server(['-verify', '1']);
    const { conn } = await connect(s);
    expect(conn.summary.clientCertificateRequested).toBe(true);
    expect(conn.summary.clientCertificateSent).toBe(false);
    await conn.write(utf8.encode('anon\n'));
    await waitFor(() => s.output().includes('anon'));
    await conn.close();
  });

  it('client certificate required (-Verify 1): the server refuses without one', async () => {
    const s = await server(['-Verify', '1']);
    const rec = recorder();
    // TLS 1.3 clients finish first: the refusal arrives either during our Finished or on the first read.
    await expect(connect(s, {}, rec).then(({ conn }) => conn.read())).rejects.toMatchObject({ code: 'CERTIFICATE_REQUIRED' });
    expect(rec.events.some((e) => e.kind === 'alert' && e.direction === 'server' && e.name === 'certificate_required')).toBe(true);
  });

  it('client certificate required (-Verify 1): accepted with a certificate and PKCS#8 key', async () => {
    const s = await server(['-Verify', '1']);
    const { conn, rec } = await connect(s, { clientCertificate: { chain: [pki.clientCertDer], privateKey: pki.clientKeyPkcs8 } });
    expect(conn.summary.clientCertificateSent).toBe(true);
    expect(rec.events.some((e) => e.kind === 'handshake' && e.direction === 'client' && e.name === 'CertificateVerify')).toBe(true);
    await conn.write(utf8.encode('with cert\n'));
    await waitFor(() => s.output().includes('with cert'));
    expect(s.output()).toMatch(/TLS Lens test client/);
    await conn.close();
  });

  it('client certificate with an RSASSA-PSS key (id-RSASSA-PSS): rsa_pss_pss_sha256 CertificateVerify, not an internal error', async () => {
    const s = await server(['-Verify', '1']);
    const [cert, key] = pki.extraLeaves.rsaPss;
    const clientCertificate = {
      chain: [new Uint8Array(execFileSync('openssl', ['x509', '-in', cert, '-outform', 'DER']))],
      privateKey: new Uint8Array(execFileSync('openssl', ['pkcs8', '-topk8', '-nocrypt', '-in', key, '-outform', 'DER'])),
    };
    const { conn, rec } = await connect(s, { clientCertificate });
    expect(conn.summary.clientCertificateSent).toBe(true);
    expect(rec.events.find((e) => e.kind === 'signature' && e.subject === 'client CertificateVerify')).toMatchObject({ scheme: 'rsa_pss_pss_sha256' });
    await conn.write(utf8.encode('pss key\n'));
    await waitFor(() => s.output().includes('pss key'));
    await conn.close();
  });

  it('client-cert-request breakpoint supplies the certificate on demand', async () => {
    const s = await server(['-Verify', '1']);
    const seen: string[] = [];
    const { conn, rec } = await connect(s, {
      breakpoints: { clientCertRequest: true },
      onBreak: async (info) => {
        seen.push(info.breakpoint);
        return { clientCertificate: { chain: [pki.clientCertDer], privateKey: pki.clientKeyPkcs8 } };
      },
    });
    expect(seen).toEqual(['clientCertRequest']);
    expect(conn.summary.clientCertificateSent).toBe(true);
    expect(rec.events.filter((e) => e.kind === 'pause').length).toBe(2);
    await conn.close();
  });

  it('client-cert-request breakpoint can decline even with a configured certificate (-verify 1 allows it)', async () => {
    const s = await server(['-verify', '1']);
    const { conn, rec } = await connect(s, {
      clientCertificate: { chain: [pki.clientCertDer], privateKey: pki.clientKeyPkcs8 },
      breakpoints: { clientCertRequest: true },
      onBreak: async () => 'decline',
    });
    expect(conn.summary.clientCertificateRequested).toBe(true);
    expect(conn.summary.clientCertificateSent).toBe(false);
    const sent = rec.events.find((e) => e.kind === 'handshake' && e.direction === 'client' && e.name === 'Certificate') as { bytes: string };
    expect(sent.bytes).toBe('0b000004' + '00' + '000000');
    await conn.close();
  });

  it('tickets and resumption (psk_dhe_ke with binder)', async () => {
    const s = await server(['-num_tickets', '2']);
    const first = await connect(s);
    const session = await first.conn.waitForSession(15_000);
    expect(session).toBeDefined();
    await first.conn.close();
    const second = await connect(s, { session });
    expect(second.conn.summary.resumed).toBe(true);
    expect(second.conn.summary.certificate.chain.length).toBe(0);
    expect(second.rec.events.some((e) => e.kind === 'key' && e.name === 'psk_binder')).toBe(true);
    await second.conn.write(utf8.encode('resumed\n'));
    await waitFor(() => s.output().includes('resumed'));
    await second.conn.close();
  });

  it('a ticket the server does not know: it declines the PSK and a full handshake follows', async () => {
    const a = await server(['-num_tickets', '1']);
    const first = await connect(a);
    const session = await first.conn.waitForSession(15_000);
    await first.conn.close();
    const b = await server([]);
    const { conn, rec } = await connect(b, { session });
    expect(rec.events.some((e) => e.kind === 'key' && e.name === 'psk_binder')).toBe(true);
    expect(conn.summary.resumed).toBe(false);
    expect(conn.summary.certificate.verified).toBe(true);
    await conn.close();
  });

  it('KeyUpdate from the server (update_requested) and one initiated by the client', async () => {
    const s = await server([]);
    const { conn, rec } = await connect(s);
    await conn.write(utf8.encode('before\n'));
    await waitFor(() => s.output().includes('before'));
    // The next line only once s_server has acted on K: a read holding "K" and more is not a command.
    const from = s.output().length;
    s.type('K\n');
    await waitFor(() => s.output().slice(from).includes('SSL_do_handshake -> '), 15_000);
    s.type('after update\n');
    expect(utf8.decode((await conn.read())!)).toBe('after update\n');
    const names = rec.events.filter((e) => e.kind === 'key').map((e) => (e as { name: string }).name);
    expect(names).toContain('server_next_application_traffic_secret');
    expect(names).toContain('client_next_application_traffic_secret');
    // Our own new keys work, and asking the server to update makes it update too.
    await conn.keyUpdate(true);
    await conn.write(utf8.encode('after client update\n'));
    await waitFor(() => s.output().includes('after client update'));
    s.type('after both updates\n');
    expect(utf8.decode((await conn.read())!)).toBe('after both updates\n');
    const serverUpdates = rec.events.filter((e) => e.kind === 'key' && e.name === 'server_next_application_traffic_secret');
    expect(serverUpdates.length).toBe(2);
    await conn.close();
  });

  it('a certificate for another name: the verifier\'s code, an alert, no connection', async () => {
    const s = await server([]);
    const rec = recorder();
    const err = await connect(s, { serverName: 'wrong.example' }, rec).then(() => null, (e) => e);
    expect(err).not.toBeNull();
    const result = rec.events.find((e) => e.kind === 'cert-result') as { ok: boolean; error: { code: string } };
    expect(result.ok).toBe(false);
    expect(err.code).toBe(result.error.code);
    expect(rec.events.some((e) => e.kind === 'alert' && e.direction === 'client' && e.name === 'bad_certificate')).toBe(true);
  });

  it('--insecure style: the failure is reported and marked overridden, the handshake completes', async () => {
    const s = await server([]);
    const { conn, rec } = await connect(s, { serverName: 'wrong.example', insecure: true });
    expect(conn.summary.certificate.verified).toBe(false);
    expect(conn.summary.certificate.overridden).toBe(true);
    expect(rec.events.find((e) => e.kind === 'cert-result')).toMatchObject({ ok: false, overridden: true });
    await conn.close();
  });

  it('server-auth breakpoint: the caller sees the failed chain and may continue', async () => {
    const s = await server([]);
    const { conn, rec } = await connect(s, { serverName: 'wrong.example', breakpoints: { serverAuth: true }, onBreak: async () => 'continue' });
    expect(conn.summary.certificate.overridden).toBe(true);
    expect(rec.events.find((e) => e.kind === 'pause')).toMatchObject({ breakpoint: 'serverAuth' });
    await conn.close();
  });

  it('server-auth breakpoint can abort: user_canceled is sent', async () => {
    const s = await server([]);
    const rec = recorder();
    const transport = await connectTcp('127.0.0.1', s.port);
    await expect(
      connectTls(transport, { serverName: 'localhost', insecure: true, breakpoints: { serverAuth: true }, onBreak: async () => 'abort' }, rec.emit),
    ).rejects.toMatchObject({ code: 'USER_CANCELED' });
    expect(rec.events.some((e) => e.kind === 'alert' && e.direction === 'client' && e.name === 'user_canceled')).toBe(true);
  });

  it('pausing after every message does not break the connection', async () => {
    const s = await server([]);
    let pauses = 0;
    const { conn } = await connect(s, {
      breakpoints: { afterEachMessage: true },
      onBreak: async () => {
        pauses++;
        await new Promise((r) => setTimeout(r, 30));
        return 'continue';
      },
      // The watchdog stops during each pause; the handshake's own work on a busy machine gets the usual 10 s.
      timeoutMs: 10_000,
    });
    expect(pauses).toBeGreaterThanOrEqual(6);
    await conn.write(utf8.encode('after pauses\n'));
    await waitFor(() => s.output().includes('after pauses'));
    await conn.close();
  });
});
