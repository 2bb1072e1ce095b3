// Real clients against our server over TCP on 127.0.0.1, TLS 1.2: openssl s_client (each record cipher family,
// client certificate, -sess_out/-sess_in and -reconnect resumption, `R` refused cleanly), and Node's `tls`
// client for both versions (tickets, client certificates).
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { SessionCache12, TicketKeys, type ServerConnection12, type ServerOptions } from '../../src/tls/server.ts';
import { usePki } from '../support/pki.ts';
import { listenersStoppedAfterEach, type TestListener } from './support/listener.ts';
import { sClient } from './support/s-client.ts';
import { serverCertificates } from './support/server-pki.ts';

const pki = usePki();
const startListener = listenersStoppedAfterEach();

async function listen(options: Partial<ServerOptions> = {}): Promise<TestListener> {
  return startListener(() => ({ certificates: [serverCertificates(pki).p256, serverCertificates(pki).rsa], timeoutMs: 10_000, ...options }));
}

const ca = () => ['-CAfile', pki.rootPem, '-verify_return_error'];

describe('openssl s_client against our TLS 1.2 server', () => {
  it.each(['ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-AES128-SHA256', 'ECDHE-ECDSA-AES256-SHA'])('%s', async (cipher) => {
    const l = await listen();
    const run = await sClient(l.port, ['-tls1_2', '-cipher', cipher, ...ca()], ['hello tls12']);
    expect(run.output).toContain(`Cipher is ${cipher}`);
    expect(run.output).toContain('Verify return code: 0 (ok)');
    expect(run.output).toContain('HELLO TLS12');
    expect(run.output).toMatch(/Extended master secret: yes/);
    const [a] = await l.settled(1);
    expect(a.connection?.summary.version).toBe('TLSv1.2');
  });

  it('client certificate required', async () => {
    const l = await listen({ clientAuth: 'require', clientTrustAnchors: [pki.rootDer] });
    const run = await sClient(l.port, ['-tls1_2', '-cert', pki.clientCert, '-key', pki.clientKey, ...ca()], ['with cert']);
    expect(run.output).toContain('WITH CERT');
    const [a] = await l.settled(1);
    expect(a.connection?.summary.clientCertificate?.verified).toBe(true);
  });

  it('resumption by ticket (-sess_out/-sess_in) and by session id (-reconnect, -no_ticket)', async () => {
    const l = await listen({ ticketKeys: new TicketKeys(), sessionCache: new SessionCache12() });
    const sess = path.join(pki.dir, 'openssl12-session.pem');
    await sClient(l.port, ['-tls1_2', '-sess_out', sess, ...ca()], ['first']);
    const second = await sClient(l.port, ['-tls1_2', '-sess_in', sess, ...ca()], ['second']);
    expect(second.output).toContain('Reused, TLSv1.2');
    const reconnect = await sClient(l.port, ['-tls1_2', '-no_ticket', '-reconnect', ...ca()]);
    expect(reconnect.output.match(/Reused, TLSv1\.2/g)?.length).toBe(5);
    const all = await l.settled(8);
    expect(all[1].connection?.summary.resumed).toBe(true);
    expect(all.slice(3).every((a) => a.connection?.summary.resumed)).toBe(true);
  });

  it('R: a renegotiation the client starts is accepted (RFC 5746), and data goes on', async () => {
    const l = await listen();
    const run = await sClient(l.port, ['-tls1_2', ...ca()], ['before', 'R', 'after']);
    expect(run.output).toContain('RENEGOTIATING');
    expect(run.output).toContain('AFTER');
    const [a] = await l.settled(1);
    expect(a.received).toContain('after');
    expect((a.connection as ServerConnection12).renegotiations).toBe(1);
  });

  it('a renegotiation the server starts (HelloRequest): s_client follows it', async () => {
    const listener = await startListener(
      () => ({ certificates: [serverCertificates(pki).p256], timeoutMs: 10_000 }),
      async (c) => {
        await c.renegotiate();
        await c.write(new TextEncoder().encode('renegotiated by the server\n'));
      },
    );
    const run = await sClient(listener.port, ['-tls1_2', ...ca()], ['ping']);
    expect(run.output).toContain('renegotiated by the server');
    const [a] = await listener.settled(1);
    expect(a.error).toBeUndefined();
    expect((a.connection as ServerConnection12).renegotiations).toBe(1);
  });
});

function nodeClient(port: number, options: tls.ConnectionOptions): Promise<{ socket: tls.TLSSocket; sessions: Buffer[] }> {
  return new Promise((resolve, reject) => {
    const sessions: Buffer[] = [];
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: fs.readFileSync(pki.rootPem), ...options });
    socket.on('session', (s) => sessions.push(s));
    socket.once('secureConnect', () => resolve({ socket, sessions }));
    socket.once('error', reject);
  });
}

async function nodeEcho(socket: tls.TLSSocket, text: string): Promise<string> {
  socket.write(text);
  return new Promise((resolve) => socket.once('data', (d) => resolve(d.toString())));
}

describe("Node's tls client against our server", () => {
  it.each(['TLSv1.3', 'TLSv1.2'] as const)('%s: handshake, echo, and resumption with the session Node kept', async (version) => {
    const l = await listen({ ticketKeys: new TicketKeys() });
    const first = await nodeClient(l.port, { minVersion: version, maxVersion: version });
    expect(first.socket.getProtocol()).toBe(version);
    expect(await nodeEcho(first.socket, 'node says hi')).toBe('NODE SAYS HI');
    // The tickets came before the echo; wait for Node's 'session' event all the same (bounded), not a fixed time.
    for (const end = Date.now() + 15_000; first.sessions.length === 0 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 20));
    expect(first.sessions.length).toBeGreaterThan(0);
    first.socket.end();
    const second = await nodeClient(l.port, { minVersion: version, maxVersion: version, session: first.sessions.at(-1) });
    expect(second.socket.isSessionReused()).toBe(true);
    expect(await nodeEcho(second.socket, 'again')).toBe('AGAIN');
    second.socket.end();
    const all = await l.settled(2);
    expect(all[1].connection?.summary.resumed).toBe(true);
  });

  it('TLSv1.2: renegotiate() from the client, and a HelloRequest from the server, both followed', async () => {
    const l = await listen();
    const c = await nodeClient(l.port, { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' });
    expect(await nodeEcho(c.socket, 'one')).toBe('ONE');
    await new Promise<void>((resolve, reject) => c.socket.renegotiate({}, (err) => (err ? reject(err) : resolve())));
    expect(await nodeEcho(c.socket, 'two')).toBe('TWO');
    const [a] = await l.settled(1, 100);
    expect((a.connection as ServerConnection12).renegotiations).toBe(1);
    const serverStarted = (a.connection as ServerConnection12).renegotiate();
    expect(await nodeEcho(c.socket, 'three')).toBe('THREE');
    await serverStarted;
    expect((a.connection as ServerConnection12).renegotiations).toBe(2);
    c.socket.end();
  });

  it.each(['TLSv1.3', 'TLSv1.2'] as const)('%s: a client certificate, required and verified', async (version) => {
    const l = await listen({ clientAuth: 'require', clientTrustAnchors: [pki.rootDer] });
    const c = await nodeClient(l.port, { minVersion: version, maxVersion: version, cert: fs.readFileSync(pki.clientCert), key: fs.readFileSync(pki.clientKey) });
    expect(await nodeEcho(c.socket, 'with cert')).toBe('WITH CERT');
    c.socket.end();
    const [a] = await l.settled(1);
    expect(a.connection?.summary.clientCertificate?.verified).toBe(true);
  });
});
