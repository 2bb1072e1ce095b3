// Our TLS 1.2 client against our TLS 1.2 server in memory: suites of each record cipher (GCM, ChaCha20-Poly1305,
// CBC with EtM and with MtE), ECDSA and RSA certificates, the extended master secret, resumption by session id
// and by ticket, the downgrade sentinel, refusals (static RSA, renegotiation) with their alerts.
import { describe, expect, it } from 'vitest';
import { connectTls, type TlsClientOptions, type TlsConnection } from '../../src/tls/client.ts';
import { acceptTls, SessionCache12, TicketKeys, type ServerConnection, type ServerOptions } from '../../src/tls/server.ts';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import { memoryPair } from '../../src/transport/memory.ts';
import { utf8 } from '../../src/util/bytes.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import { usePki } from '../support/pki.ts';
import { serverCertificates } from './support/server-pki.ts';

const pki = usePki();

async function pair(server: Partial<ServerOptions>, client: Partial<TlsClientOptions> = {}) {
  const [c, s] = memoryPair();
  const serverTrace = new TraceRecorder(() => 0);
  const clientTrace = new TraceRecorder(() => 0);
  const certs = serverCertificates(pki);
  const accepting = acceptTls(s, { certificates: [certs.p256, certs.rsa], recorder: serverTrace.emit, timeoutMs: 10_000, ...server });
  const connecting = connectTls(c, { serverName: 'localhost', verifier: createVerifier({ anchors: [pki.rootDer] }), timeoutMs: 10_000, versions: ['TLS1.2'], ...client }, clientTrace.emit);
  const [sr, cr] = await Promise.allSettled([accepting, connecting]);
  if (sr.status === 'rejected' || cr.status === 'rejected') {
    throw Object.assign(new Error(`server: ${sr.status === 'rejected' ? (sr.reason as Error).message : 'ok'}; client: ${cr.status === 'rejected' ? (cr.reason as Error).message : 'ok'}`), {
      server: sr.status === 'rejected' ? sr.reason : null,
      client: cr.status === 'rejected' ? cr.reason : null,
    });
  }
  return { client: cr.value as TlsConnection, server: sr.value as ServerConnection, serverTrace, clientTrace };
}

async function echo(p: Awaited<ReturnType<typeof pair>>, text: string): Promise<void> {
  await p.client.write(utf8.encode(text));
  expect(utf8.decode((await p.server.read())!)).toBe(text);
  await p.server.write(utf8.encode(text.toUpperCase()));
  expect(utf8.decode((await p.client.read())!)).toBe(text.toUpperCase());
}

describe('TLS 1.2 server against our client, in memory', () => {
  it.each([
    'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
    'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
    'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
    'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
    'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
    'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256',
    'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA',
  ])('%s: handshake, data both ways', async (suite) => {
    const p = await pair({ suites: [suite] }, { suites: [suite] });
    expect(p.server.version).toBe('TLSv1.2');
    expect(p.server.summary).toMatchObject({ version: 'TLSv1.2', cipherSuite: suite, group: 'x25519', resumed: false });
    expect(p.client.summary.cipherSuite).toBe(suite);
    await echo(p, `hello over ${suite}`);
    const names = p.serverTrace.events.filter((e) => e.kind === 'handshake' && e.direction === 'server').map((e) => (e as { name: string }).name);
    expect(names.slice(0, 4)).toEqual(['ServerHello', 'Certificate', 'ServerKeyExchange', 'ServerHelloDone']);
    // Both sides derive the same master secret.
    const master = (t: TraceRecorder) => (t.events.find((e) => e.kind === 'key' && e.name === 'master_secret') as { output: string } | undefined)?.output;
    expect(master(p.serverTrace)).toBe(master(p.clientTrace));
    await p.client.close();
    expect(await p.server.read()).toBeNull();
  });

  it('uses the extended master secret and, for CBC, encrypt-then-MAC when the client offers them', async () => {
    const p = await pair({ suites: ['TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256'] }, { suites: ['TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256'] });
    const key = p.serverTrace.events.find((e) => e.kind === 'key' && e.name === 'master_secret') as { label: string };
    expect(key.label).toBe('extended master secret');
    const sh = JSON.stringify(p.serverTrace.events.find((e) => e.kind === 'handshake' && e.name === 'ServerHello'));
    expect(sh).toContain('encrypt_then_mac');
    expect(sh).toContain('renegotiation_info');
  });

  it('puts the downgrade sentinel in its random when it could have done TLS 1.3', async () => {
    const p = await pair({});
    const random = (p.serverTrace.events.find((e) => e.kind === 'handshake' && e.name === 'ServerHello') as { bytes: string }).bytes.slice(12, 76);
    expect(random.endsWith('444f574e47524401')).toBe(true);
    const only12 = await pair({ versions: ['TLS1.2'] });
    const random12 = (only12.serverTrace.events.find((e) => e.kind === 'handshake' && e.name === 'ServerHello') as { bytes: string }).bytes.slice(12, 76);
    expect(random12.endsWith('444f574e47524401')).toBe(false);
    // A client offering both versions to a server that took TLS 1.2 though it does 1.3 would see the sentinel and
    // refuse; with TLS 1.3 turned off on the server, it accepts TLS 1.2.
    const both = await pair({ versions: ['TLS1.2'] }, { versions: ['TLS1.3', 'TLS1.2'] });
    expect(both.client.summary.version).toBe('TLSv1.2');
  });

  it('resumes by session id (bounded cache) and by ticket (RFC 5077)', async () => {
    const sessionCache = new SessionCache12(2);
    const first = await pair({ sessionCache, numTickets: 0 });
    await echo(first, 'first');
    const byId = await pair({ sessionCache, numTickets: 0 }, { session: first.client.session });
    expect(byId.server.summary.resumed).toBe(true);
    expect(byId.client.summary.resumed).toBe(true);
    await echo(byId, 'resumed by id');
    for (let i = 0; i < 3; i++) await pair({ sessionCache, numTickets: 0 });
    expect(sessionCache.size).toBe(2);
    expect((await pair({ sessionCache, numTickets: 0 }, { session: first.client.session })).server.summary.resumed).toBe(false);

    const ticketKeys = new TicketKeys();
    const t1 = await pair({ ticketKeys });
    expect(t1.serverTrace.events.some((e) => e.kind === 'handshake' && e.name === 'NewSessionTicket')).toBe(true);
    const t2 = await pair({ ticketKeys }, { session: t1.client.session });
    expect(t2.server.summary.resumed).toBe(true);
    await echo(t2, 'resumed by ticket');
  });

  it('asks for a client certificate: checked by the x509 module and its CertificateVerify over the handshake messages', async () => {
    const clientCertificate = { chain: [pki.clientCertDer], privateKey: pki.clientKeyPkcs8 };
    const p = await pair({ clientAuth: 'require', clientTrustAnchors: [pki.rootDer] }, { clientCertificate });
    expect(p.server.summary.clientCertificate).toMatchObject({ verified: true });
    expect(p.serverTrace.events.some((e) => e.kind === 'signature' && e.subject === 'client CertificateVerify (TLS 1.2)' && e.ok)).toBe(true);
    await echo(p, 'authenticated');
    const missing = await pair({ clientAuth: 'require', clientTrustAnchors: [pki.rootDer] }).then(() => null, (e) => e);
    expect(missing?.server?.code).toBe('CERTIFICATE_REQUIRED');
    const wrongKey = await pair({ clientAuth: 'require', clientTrustAnchors: [pki.rootDer] }, { clientCertificate: { chain: [pki.clientCertDer], privateKey: pki.leafKeyPkcs8 } }).then(() => null, (e) => e);
    expect(wrongKey?.server?.code).toBe('BAD_CERTIFICATE_VERIFY');
    expect(wrongKey?.client?.receivedAlert).toBe('decrypt_error');
  });

  it('refuses static RSA key exchange with a clear reason', async () => {
    const err = await pair({}, { suites: ['TLS_RSA_WITH_AES_128_GCM_SHA256'] }).then(() => null, (e) => e);
    expect(err?.server?.code).toBe('HANDSHAKE_FAILURE');
    expect(err?.server?.message).toMatch(/static RSA.*forward secrecy/);
    expect(err?.client?.receivedAlert).toBe('handshake_failure');
  });

  it('accepts a renegotiation the client starts (RFC 5746), up to its limit; refuses it when told to', async () => {
    const p = await pair({ renegotiationLimit: 1, suites: ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384'] });
    const reading = p.server.read();
    await p.client.renegotiate();
    await p.client.write(utf8.encode('after renegotiation'));
    expect(utf8.decode((await reading)!)).toBe('after renegotiation');
    const phases = p.serverTrace.events.filter((e) => e.kind === 'renegotiation').map((e) => `${(e as { phase: string }).phase}:${(e as { by: string }).by}`);
    expect(phases).toEqual(['started:client', 'finished:client']);
    // The new handshake's renegotiation_info carried both verify_data values of the first.
    expect(p.serverTrace.events.some((e) => e.kind === 'note' && e.text.startsWith('renegotiation_info checked'))).toBe(true);
    await echo(p, 'still fine');
    // The limit (1) is reached: the next is refused, the connection goes on.
    const next = p.server.read();
    await expect(p.client.renegotiate()).rejects.toBeTruthy();
    await p.client.write(utf8.encode('after refusal'));
    expect(utf8.decode((await next)!)).toBe('after refusal');
    expect(p.serverTrace.events.filter((e) => e.kind === 'renegotiation').at(-1)).toMatchObject({ phase: 'refused', refusedBy: 'server' });

    const off = await pair({ allowClientRenegotiation: false });
    const offRead = off.server.read();
    await expect(off.client.renegotiate()).rejects.toBeTruthy();
    await off.client.write(utf8.encode('still here'));
    expect(utf8.decode((await offRead)!)).toBe('still here');
  });

  it('starts a renegotiation itself (HelloRequest), and may ask for a client certificate in it', async () => {
    const clientCertificate = { chain: [pki.clientCertDer], privateKey: pki.clientKeyPkcs8 };
    const p = await pair({ clientTrustAnchors: [pki.rootDer] }, { clientCertificate });
    const clientReading = p.client.read();
    await p.server.renegotiate();
    await p.server.write(utf8.encode('renegotiated by the server'));
    expect(utf8.decode((await clientReading)!)).toBe('renegotiated by the server');
    expect(p.serverTrace.events.filter((e) => e.kind === 'renegotiation').map((e) => (e as { phase: string }).phase)).toEqual(['started', 'finished']);
  });
});

describe('TLS 1.2 server against a renegotiation flood', () => {
  it('refuses three renegotiations, then ends the connection with unexpected_message', async () => {
    const p = await pair({ allowClientRenegotiation: false });
    const reading = p.server.read().then(() => 'data', (e) => (e as { code: string }).code);
    for (let i = 0; i < 3; i++) await expect(p.client.renegotiate()).rejects.toBeTruthy();
    await p.client.renegotiate().catch(() => undefined);
    expect(await reading).toBe('UNEXPECTED_MESSAGE');
    expect(p.serverTrace.events.filter((e) => e.kind === 'renegotiation' && e.phase === 'refused')).toHaveLength(3);
    expect(p.serverTrace.events.some((e) => e.kind === 'alert' && e.direction === 'server' && e.name === 'unexpected_message')).toBe(true);
  });
});
