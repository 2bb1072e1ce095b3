// Our client against our server in memory (src/transport/memory.ts), TLS 1.3: each feature of the server engine,
// with both sides' traces checked. Real crypto on both sides; nothing mocked.
import { describe, expect, it } from 'vitest';
import { connectTls, type TlsClientOptions, type TlsConnection } from '../../src/tls/client.ts';
import { acceptTls, TicketKeys, type ServerConnection, type ServerOptions } from '../../src/tls/server.ts';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import { memoryPair } from '../../src/transport/memory.ts';
import { utf8 } from '../../src/util/bytes.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import { usePki } from '../support/pki.ts';
import { otherNameCertificate, serverCertificates } from './support/server-pki.ts';
import { runInMemory } from './support/in-memory.ts';

const pki = usePki();

interface Pair {
  client: TlsConnection;
  server: ServerConnection;
  clientTrace: TraceRecorder;
  serverTrace: TraceRecorder;
}

/** Handshake our client with our server; both outcomes settled (a failure on either side rejects with both). */
async function pair(server: Partial<ServerOptions>, client: Partial<TlsClientOptions> = {}): Promise<Pair> {
  const r = await runInMemory(pki, server, client);
  if (!r.server || !r.client) {
    const err = new Error(`server: ${r.serverError?.message ?? 'ok'}; client: ${r.clientError?.message ?? 'ok'}`);
    Object.assign(err, { server: r.serverError, client: r.clientError });
    throw err;
  }
  return { client: r.client, server: r.server, clientTrace: r.clientTrace, serverTrace: r.serverTrace };
}

async function echoOnce(p: Pair, text: string): Promise<void> {
  await p.client.write(utf8.encode(text));
  const got = await p.server.read();
  expect(utf8.decode(got!)).toBe(text);
  await p.server.write(utf8.encode(text.toUpperCase()));
  expect(utf8.decode((await p.client.read())!)).toBe(text.toUpperCase());
}

/**
 * A server that refuses the client's certificate: in TLS 1.3 the client's handshake is complete once it sent its
 * Finished, so it learns of the refusal (the alert) on its first read.
 */
async function refusedAfterClientFinished(server: Partial<ServerOptions>, client: Partial<TlsClientOptions>): Promise<{ server: { code: string }; clientRead: { receivedAlert?: string } }> {
  const [c, s] = memoryPair();
  const accepting = acceptTls(s, { certificates: [serverCertificates(pki).p256], timeoutMs: 10_000, ...server });
  const connecting = connectTls(c, { serverName: 'localhost', verifier: createVerifier({ anchors: [pki.rootDer] }), timeoutMs: 10_000, ...client }, () => -1);
  const serverError = await accepting.then(() => null, (e) => e);
  const conn = await connecting;
  const readError = await conn.read().then(() => null, (e) => e);
  expect(serverError, 'the server accepted').not.toBeNull();
  expect(readError, 'the client read without error').not.toBeNull();
  return { server: serverError, clientRead: readError };
}

async function failure(server: Partial<ServerOptions>, client: Partial<TlsClientOptions> = {}): Promise<{ server: { code: string; alertName?: string } | null; client: { code: string; receivedAlert?: string } | null }> {
  try {
    await pair(server, client);
  } catch (e) {
    return e as never;
  }
  throw new Error('the handshake succeeded');
}

describe('TLS 1.3 server against our client, in memory', () => {
  it.each(['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'])('%s: handshake, data both ways, traces from both sides', async (suite) => {
    const p = await pair({ suites: [suite] });
    expect(p.server.summary).toMatchObject({ version: 'TLSv1.3', cipherSuite: suite, group: 'x25519', sni: 'localhost', resumed: false, signatureScheme: 'ecdsa_secp256r1_sha256' });
    expect(p.client.summary.cipherSuite).toBe(suite);
    await echoOnce(p, 'hello server');
    const names = p.serverTrace.events.filter((e) => e.kind === 'handshake' && e.direction === 'server').map((e) => (e as { name: string }).name);
    expect(names.slice(0, 6)).toEqual(['ServerHello', 'EncryptedExtensions', 'Certificate', 'CertificateVerify', 'Finished', 'NewSessionTicket']);
    const serverKeys = p.serverTrace.events.filter((e) => e.kind === 'key').map((e) => (e as { name: string; output: string }));
    const clientKeys = p.clientTrace.events.filter((e) => e.kind === 'key').map((e) => (e as { name: string; output: string }));
    // Both sides derive the same secrets (the same key-schedule steps, seen from each side).
    for (const name of ['handshake_secret', 'client_handshake_traffic_secret', 'server_application_traffic_secret_0', 'master_secret']) {
      expect(serverKeys.find((k) => k.name === name)?.output, name).toBe(clientKeys.find((k) => k.name === name)?.output);
    }
    expect(p.serverTrace.events.some((e) => e.kind === 'record' && e.direction === 'server')).toBe(true);
    await p.client.close();
    expect(await p.server.read()).toBeNull();
    await p.server.close();
  });

  it.each(['x25519', 'secp256r1', 'secp384r1'] as const)('group %s', async (group) => {
    const p = await pair({ groups: [group] }, { groups: [group] });
    expect(p.server.summary.group).toBe(group);
    expect(p.server.summary.helloRetryRequest).toBe(false);
    await echoOnce(p, group);
  });

  it('group X25519MLKEM768: ML-KEM-768 + X25519 shares, and both sides hold the same 64-byte secret', async () => {
    const p = await pair({ groups: ['X25519MLKEM768'] }, { groups: ['X25519MLKEM768'] });
    expect(p.server.summary.group).toBe('X25519MLKEM768');
    const exchanges = [p.clientTrace, p.serverTrace].map((t) => t.events.find((e) => e.kind === 'key-exchange') as { clientShare: string; serverShare: string; sharedSecret: string });
    // Sizes from draft-ietf-tls-ecdhe-mlkem: client 1184 + 32, server 1088 + 32, secret 32 + 32 bytes.
    expect(exchanges[0].clientShare.length / 2).toBe(1216);
    expect(exchanges[0].serverShare.length / 2).toBe(1120);
    expect(exchanges[0].sharedSecret.length / 2).toBe(64);
    expect(exchanges[1]).toMatchObject({ clientShare: exchanges[0].clientShare, serverShare: exchanges[0].serverShare, sharedSecret: exchanges[0].sharedSecret });
    await echoOnce(p, 'hybrid');
  });

  it('sends a HelloRetryRequest with a cookie when the client has no key share for an acceptable group', async () => {
    const p = await pair({ groups: ['secp384r1'] }, { groups: ['x25519', 'secp384r1'], keyShareGroups: ['x25519'] });
    expect(p.server.summary).toMatchObject({ helloRetryRequest: true, group: 'secp384r1' });
    expect(p.client.summary.helloRetryRequest).toBe(true);
    const hrr = p.serverTrace.events.find((e) => e.kind === 'handshake' && e.name === 'HelloRetryRequest') as { fields: unknown } | undefined;
    expect(JSON.stringify(hrr?.fields)).toContain('cookie');
    await echoOnce(p, 'after HRR');
  });

  it('follows its own preference or the client\'s, as configured', async () => {
    const client = { suites: ['TLS_AES_256_GCM_SHA384', 'TLS_AES_128_GCM_SHA256'] };
    const byServer = await pair({ suites: ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384'] }, client);
    expect(byServer.server.summary.cipherSuite).toBe('TLS_AES_128_GCM_SHA256');
    const byClient = await pair({ suites: ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384'], preference: 'client' }, client);
    expect(byClient.server.summary.cipherSuite).toBe('TLS_AES_256_GCM_SHA384');
  });

  it('picks the certificate by SNI, and by the client\'s signature schemes', async () => {
    const certs = serverCertificates(pki);
    const other = otherNameCertificate(pki, 'other.test');
    const bySni = await pair({ certificates: [other, certs.p256] });
    expect(bySni.client.summary.certificate.verified).toBe(true);
    const byScheme = await pair({ certificates: [certs.p256, certs.rsa] }, { signatureSchemes: [0x0804] });
    expect(byScheme.server.summary.signatureScheme).toBe('rsa_pss_rsae_sha256');
    const ed = await pair({ certificates: [certs.ed25519] });
    expect(ed.server.summary.signatureScheme).toBe('ed25519');
    const noFit = await failure({ certificates: [certs.p384] }, { signatureSchemes: [0x0403] });
    expect(noFit.server?.code).toBe('HANDSHAKE_FAILURE');
    expect(noFit.client?.receivedAlert).toBe('handshake_failure');
  });

  it('negotiates ALPN, and refuses a client with no protocol in common (no_application_protocol)', async () => {
    const p = await pair({ alpn: ['h2', 'http/1.1'] }, { alpn: ['http/1.1', 'h2'] });
    expect(p.server.summary.alpn).toBe('h2');
    expect(p.client.summary.alpn).toBe('h2');
    const f = await failure({ alpn: ['h2'] }, { alpn: ['imap'] });
    expect(f.server?.code).toBe('NO_APPLICATION_PROTOCOL');
    expect(f.client?.receivedAlert).toBe('no_application_protocol');
  });

  it('issues the configured number of tickets and resumes with one (binder checked, psk_dhe_ke)', async () => {
    const ticketKeys = new TicketKeys();
    const first = await pair({ numTickets: 3, ticketKeys });
    await echoOnce(first, 'first');
    // The tickets came before the echo: the client's read already stored them.
    const session = first.client.session;
    expect(session).toBeDefined();
    expect(first.serverTrace.events.filter((e) => e.kind === 'handshake' && e.name === 'NewSessionTicket')).toHaveLength(3);
    const second = await pair({ ticketKeys }, { session });
    expect(second.server.summary.resumed).toBe(true);
    expect(second.client.summary.resumed).toBe(true);
    expect(second.serverTrace.events.some((e) => e.kind === 'handshake' && e.name === 'Certificate')).toBe(false);
    await echoOnce(second, 'resumed');
    // Another server's keys cannot open the ticket: a full handshake, not a failure.
    const elsewhere = await pair({ ticketKeys: new TicketKeys() }, { session });
    expect(elsewhere.server.summary.resumed).toBe(false);
  });

  it('still opens tickets sealed with the previous key after a rotation, not after two', async () => {
    const ticketKeys = new TicketKeys();
    const first = await pair({ ticketKeys });
    const session = await first.client.waitForSession(15_000);
    ticketKeys.rotate();
    expect((await pair({ ticketKeys }, { session })).server.summary.resumed).toBe(true);
    ticketKeys.rotate();
    expect((await pair({ ticketKeys }, { session })).server.summary.resumed).toBe(false);
  });

  it('requests a client certificate and checks it with the x509 module (purpose client)', async () => {
    const clientCertificate = { chain: [pki.clientCertDer], privateKey: pki.clientKeyPkcs8 };
    const p = await pair({ clientAuth: 'require', clientTrustAnchors: [pki.rootDer] }, { clientCertificate });
    expect(p.server.summary.clientCertificate).toMatchObject({ verified: true, overridden: false });
    expect(p.serverTrace.events.some((e) => e.kind === 'signature' && e.subject === 'client CertificateVerify' && e.ok)).toBe(true);
    await echoOnce(p, 'authenticated');
    const requested = await pair({ clientAuth: 'request', clientTrustAnchors: [pki.rootDer] });
    expect(requested.server.summary.clientCertificate?.chain).toHaveLength(0);
    const required = await refusedAfterClientFinished({ clientAuth: 'require', clientTrustAnchors: [pki.rootDer] }, {});
    expect(required.server.code).toBe('CERTIFICATE_REQUIRED');
    expect(required.clientRead.receivedAlert).toBe('certificate_required');
    // A client certificate from an anchor the server does not trust: unknown_ca.
    const untrusted = await refusedAfterClientFinished({ clientAuth: 'request', clientTrustAnchors: [serverCertificates(pki).rsa.chain[0]] }, { clientCertificate });
    expect(untrusted.server.code).toBe('UNKNOWN_ISSUER');
    expect(untrusted.clientRead.receivedAlert).toBe('unknown_ca');
    // The hook may refuse a verified certificate.
    const refused = await refusedAfterClientFinished({ clientAuth: 'request', clientTrustAnchors: [pki.rootDer], hooks: { onClientCertificate: () => 'refuse' } }, { clientCertificate });
    expect(refused.server.code).toBe('CLIENT_CERTIFICATE_REFUSED');
    expect(refused.clientRead.receivedAlert).toBe('access_denied');
  });

  it('asks for a client certificate after the handshake (post-handshake authentication)', async () => {
    const clientCertificate = { chain: [pki.clientCertDer], privateKey: pki.clientKeyPkcs8 };
    const p = await pair({ clientTrustAnchors: [pki.rootDer] }, { clientCertificate });
    const reading = p.client.read();
    const verdict = await p.server.requestClientAuth();
    expect(verdict.verified).toBe(true);
    await p.server.write(utf8.encode('welcome'));
    expect(utf8.decode((await reading)!)).toBe('welcome');
    const plain = await pair({}, {});
    await expect(plain.server.requestClientAuth()).rejects.toMatchObject({ code: 'BAD_OPTION' });
  });

  it('updates keys both ways (KeyUpdate, update_requested answered)', async () => {
    const p = await pair({});
    await p.server.keyUpdate(true);
    await p.server.write(utf8.encode('after server update'));
    expect(utf8.decode((await p.client.read())!)).toBe('after server update');
    await p.client.write(utf8.encode('client after its answer'));
    expect(utf8.decode((await p.server.read())!)).toBe('client after its answer');
    await p.client.keyUpdate(false);
    await p.client.write(utf8.encode('after client update'));
    expect(utf8.decode((await p.server.read())!)).toBe('after client update');
    expect(p.serverTrace.events.filter((e) => e.kind === 'handshake' && e.name === 'KeyUpdate').length).toBeGreaterThanOrEqual(3);
  });

  it('closes in two steps: close_notify out, the client\'s close_notify back', async () => {
    const p = await pair({});
    const closing = p.server.close();
    expect(await p.client.read()).toBeNull();
    await closing;
    const alerts = p.serverTrace.events.filter((e) => e.kind === 'alert').map((e) => `${(e as { direction: string }).direction}:${(e as { name: string }).name}`);
    expect(alerts).toEqual(['server:close_notify', 'client:close_notify']);
  });

  it('refuses a client that offers only TLS 1.2 with protocol_version, in plain words, when it accepts only TLS 1.3', async () => {
    const f = await failure({ versions: ['TLS1.3'] }, { versions: ['TLS1.2'] });
    expect((f.server as unknown as Error).message).toMatch(/best version is TLS 1\.2; this server accepts TLS 1\.3/);
    expect(f.server?.code).toBe('PROTOCOL_VERSION');
    expect(f.client?.receivedAlert).toBe('protocol_version');
  });

  it('pauses at its breakpoints: after the ClientHello (abort: user_canceled), on the client certificate (accept an unverified one), after each message', async () => {
    const stopped = await failure({ breakpoints: { afterClientHello: true }, onBreak: async () => 'abort' });
    expect(stopped.server?.code).toBe('USER_CANCELED');
    expect(stopped.client?.receivedAlert).toBe('user_canceled');

    const seen: string[] = [];
    const clientCertificate = { chain: [pki.clientCertDer], privateKey: pki.clientKeyPkcs8 };
    const p = await pair(
      {
        clientAuth: 'require',
        clientTrustAnchors: [serverCertificates(pki).rsa.chain[0]], // not the client's issuer: unverified
        breakpoints: { onClientCertificate: true, afterEachMessage: true },
        onBreak: async (info) => (seen.push(info.breakpoint), 'continue'),
        hooks: { afterMessage: (name, direction) => void seen.push(`${direction}:${name}`) },
      },
      { clientCertificate },
    );
    expect(p.server.summary.clientCertificate).toMatchObject({ verified: false, overridden: true });
    expect(seen).toContain('clientCertificate');
    expect(seen).toContain('client:ClientHello');
    expect(seen).toContain('server:Finished');
    expect(seen.filter((x) => x === 'afterEachMessage').length).toBeGreaterThanOrEqual(8);
    await echoOnce(p, 'accepted at the breakpoint');
  });
});
