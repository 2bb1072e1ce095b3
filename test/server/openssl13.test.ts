// `openssl s_client` (OpenSSL 3.0) against our TLS 1.3 server over TCP on 127.0.0.1: every suite, every group
// OpenSSL has, HelloRetryRequest, client certificates, resumption, KeyUpdate. The server's own summary and
// OpenSSL's report must agree.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TicketKeys, type ServerOptions } from '../../src/tls/server.ts';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import { usePki } from '../support/pki.ts';
import { listenersStoppedAfterEach, type TestListener } from './support/listener.ts';
import { sClient } from './support/s-client.ts';
import { serverCertificates } from './support/server-pki.ts';

const pki = usePki();
const startListener = listenersStoppedAfterEach();

async function listen(options: Partial<ServerOptions> = {}, traces?: TraceRecorder[]): Promise<TestListener> {
  return startListener(() => {
    const trace = new TraceRecorder(() => 0);
    traces?.push(trace);
    return { certificates: [serverCertificates(pki).p256, serverCertificates(pki).rsa], recorder: trace.emit, timeoutMs: 10_000, ...options };
  });
}

const ca = () => ['-CAfile', pki.rootPem, '-verify_return_error'];

describe('openssl s_client against our TLS 1.3 server', () => {
  it.each(['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'])('%s: verified handshake and an echo', async (suite) => {
    const l = await listen();
    const run = await sClient(l.port, ['-tls1_3', '-ciphersuites', suite, ...ca()], ['hello from openssl']);
    expect(run.output).toContain(`Cipher is ${suite}`);
    expect(run.output).toContain('Verify return code: 0 (ok)');
    expect(run.output).toContain('HELLO FROM OPENSSL');
    const [a] = await l.settled(1);
    expect(a.error).toBeUndefined();
    expect(a.connection?.summary).toMatchObject({ version: 'TLSv1.3', cipherSuite: suite, sni: 'localhost' });
    expect(a.received).toContain('hello from openssl');
  });

  it.each([
    ['X25519', 'x25519'],
    ['P-256', 'secp256r1'],
    ['P-384', 'secp384r1'],
  ])('group %s', async (openssl, ours) => {
    const l = await listen();
    const run = await sClient(l.port, ['-tls1_3', '-groups', openssl, ...ca()], ['x']);
    expect(run.output).toContain('Verify return code: 0 (ok)');
    const [a] = await l.settled(1);
    expect(a.connection?.summary.group).toBe(ours);
  });

  it.each(['X448', 'P-521', 'ffdhe8192'])('group %s, which this server does not do: handshake_failure, in words', async (openssl) => {
    const l = await listen();
    const run = await sClient(l.port, ['-tls1_3', '-groups', openssl, ...ca()]);
    expect(run.output).toMatch(/handshake failure|alert handshake failure/);
    const [a] = await l.settled(1);
    expect(a.error?.code).toBe('HANDSHAKE_FAILURE');
    expect(a.error?.message).toMatch(/none of the groups/);
  });

  it('HelloRetryRequest: the client shares X25519, the server accepts only P-384', async () => {
    const traces: TraceRecorder[] = [];
    const l = await listen({ groups: ['secp384r1'] }, traces);
    const run = await sClient(l.port, ['-tls1_3', '-groups', 'X25519:P-384', ...ca()], ['after retry']);
    expect(run.output).toContain('AFTER RETRY');
    const [a] = await l.settled(1);
    expect(a.connection?.summary).toMatchObject({ helloRetryRequest: true, group: 'secp384r1' });
    expect(traces[0].events.some((e) => e.kind === 'handshake' && e.name === 'HelloRetryRequest')).toBe(true);
  });

  it('client certificate required: given, verified; missing: certificate_required', async () => {
    const l = await listen({ clientAuth: 'require', clientTrustAnchors: [pki.rootDer] });
    const run = await sClient(l.port, ['-tls1_3', '-cert', pki.clientCert, '-key', pki.clientKey, ...ca()], ['with cert']);
    expect(run.output).toContain('WITH CERT');
    const none = await sClient(l.port, ['-tls1_3', ...ca()], ['without cert']);
    expect(none.output).toMatch(/certificate required/);
    const [withCert, without] = await l.settled(2);
    expect(withCert.connection?.summary.clientCertificate).toMatchObject({ verified: true });
    expect(without.error?.code).toBe('CERTIFICATE_REQUIRED');
  });

  it('client certificate requested: the client may send none', async () => {
    const l = await listen({ clientAuth: 'request', clientTrustAnchors: [pki.rootDer] });
    const run = await sClient(l.port, ['-tls1_3', ...ca()], ['no cert']);
    expect(run.output).toContain('NO CERT');
    const [a] = await l.settled(1);
    expect(a.connection?.summary.clientCertificate?.chain).toHaveLength(0);
  });

  it('resumption: -sess_out then -sess_in; -reconnect makes full handshakes (OpenSSL 3.0 drops before the tickets, as with s_server)', async () => {
    const ticketKeys = new TicketKeys();
    const l = await listen({ ticketKeys });
    const sess = path.join(pki.dir, 'openssl-session.pem');
    const first = await sClient(l.port, ['-tls1_3', '-sess_out', sess, ...ca()], ['first']);
    expect(first.output).toContain('New, TLSv1.3');
    expect(fs.existsSync(sess)).toBe(true);
    const second = await sClient(l.port, ['-tls1_3', '-sess_in', sess, ...ca()], ['second']);
    expect(second.output).toContain('Reused, TLSv1.3');
    const reconnect = await sClient(l.port, ['-tls1_3', '-reconnect', ...ca()]);
    expect(reconnect.output.match(/New, TLSv1\.3/g)?.length).toBe(6);
    const all = await l.settled(8);
    expect(all[0].connection?.summary.resumed).toBe(false);
    expect(all[1].connection?.summary.resumed).toBe(true);
    // Each of -reconnect's six connections completed its handshake on our server, none failed.
    expect(all.slice(2).map((a) => a.error?.code ?? a.connection?.summary.version)).toEqual(Array(6).fill('TLSv1.3'));
  });

  it('KeyUpdate from the client: k (no answer asked) and K (update_requested)', async () => {
    const traces: TraceRecorder[] = [];
    const l = await listen({}, traces);
    const run = await sClient(l.port, ['-tls1_3', ...ca()], ['before', 'k', 'middle', 'K', 'after']);
    expect(run.output).toContain('KEYUPDATE');
    expect(run.output).toContain('AFTER');
    const [a] = await l.settled(1);
    expect(a.received).toContain('after');
    const notes = traces[0].events.filter((e) => e.kind === 'note').map((e) => (e as { text: string }).text);
    expect(notes.filter((t) => t.startsWith('KeyUpdate received'))).toHaveLength(2);
    expect(notes.some((t) => t.startsWith('KeyUpdate sent'))).toBe(true);
  });

  it('KeyUpdate from the server: s_client follows it', async () => {
    const l = await listen();
    const listener = await startListener(
      () => ({ certificates: [serverCertificates(pki).p256], timeoutMs: 10_000 }),
      async (c) => {
        await c.keyUpdate(true);
        await c.write(new TextEncoder().encode('after server keyupdate\n'));
      },
    );
    await l.stop();
    const run = await sClient(listener.port, ['-tls1_3', ...ca()], ['ping']);
    expect(run.output).toContain('after server keyupdate');
    expect(run.output).toContain('PING');
  });
});
