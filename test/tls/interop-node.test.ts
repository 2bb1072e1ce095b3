// Interop against Node's own `tls` server (OpenSSL inside Node), started here on 127.0.0.1.
import fs from 'node:fs';
import tls from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { Tls13Connection, connectTls, type TlsClientOptions } from '../../src/tls/client.ts';
import { connectTcp } from '../../src/transport/tcp.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import { recorder } from './helpers.ts';
import { expectEcho, nodeEchoServers } from '../support/node-echo.ts';
import { usePki } from '../support/pki.ts';

const pki = usePki();
const echoServers = nodeEchoServers();

afterAll(async () => {
  await echoServers.closeAll();
});

/** An echo server; `seen` collects what each connection learnt about its client. */
async function nodeServer(opts: tls.TlsOptions = {}) {
  const seen: { authorized: boolean; peerCN?: string; resumed: boolean; socket: tls.TLSSocket }[] = [];
  const port = await echoServers.start(pki, { minVersion: 'TLSv1.3', ...opts }, (s) => {
    const peer = s.getPeerCertificate();
    seen.push({ authorized: s.authorized, peerCN: String(peer?.subject?.CN ?? ''), resumed: s.isSessionReused(), socket: s });
  });
  return { port, seen };
}

// The server chain is verified for real by the x509 module against the test root.
async function connect(port: number, options: Partial<TlsClientOptions> = {}) {
  const rec = recorder();
  const conn = await connectTls(await connectTcp('127.0.0.1', port), { serverName: 'localhost', verifier: createVerifier({ anchors: [pki.rootDer] }), timeoutMs: 10_000, ...options }, rec.emit);
  return { conn, rec };
}

describe('Node tls server interop', () => {
  for (const suite of ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256']) {
    it(`${suite}: handshake and echo`, async () => {
      const { port } = await nodeServer({ ciphers: suite });
      const { conn } = await connect(port);
      expect(conn.summary.cipherSuite).toBe(suite);
      await expectEcho(conn, `echo over ${suite}`);
      await conn.close();
    });
  }

  for (const [curve, name] of [['X25519', 'x25519'], ['P-256', 'secp256r1'], ['P-384', 'secp384r1']] as const) {
    it(`group ${name}: offered as the key share, no retry`, async () => {
      const { port } = await nodeServer({ ecdhCurve: curve });
      const { conn } = await connect(port, { keyShareGroups: [name] });
      expect(conn.summary.group).toBe(name);
      expect(conn.summary.helloRetryRequest).toBe(false);
      await expectEcho(conn, 'x');
      await conn.close();
    });
  }

  it('HelloRetryRequest when the server only takes P-384', async () => {
    const { port } = await nodeServer({ ecdhCurve: 'P-384' });
    const { conn } = await connect(port);
    expect(conn.summary.helloRetryRequest).toBe(true);
    expect(conn.summary.group).toBe('secp384r1');
    await expectEcho(conn, 'after retry');
    await conn.close();
  });

  it('keying material exporter: the same bytes as Node\'s exportKeyingMaterial on the server side', async () => {
    const { port, seen } = await nodeServer();
    const { conn } = await connect(port);
    await expectEcho(conn, 'x');
    const context = new TextEncoder().encode('context');
    if (!(conn instanceof Tls13Connection)) throw new Error('expected a TLS 1.3 connection');
    const ours = await conn.exportKeyingMaterial('EXPERIMENTAL tls-lens', context, 32);
    const theirs = seen.at(-1)!.socket.exportKeyingMaterial(32, 'EXPERIMENTAL tls-lens', Buffer.from(context));
    expect(Buffer.from(ours).toString('hex')).toBe(theirs.toString('hex'));
    await conn.close();
  });

  it('ALPN: the server picks one of the offered protocols', async () => {
    const { port } = await nodeServer({ ALPNProtocols: ['h2', 'http/1.1'] });
    const { conn } = await connect(port, { alpn: ['http/1.1'] });
    expect(conn.summary.alpn).toBe('http/1.1');
    await conn.close();
  });

  it('client certificate requested and verified by the server', async () => {
    const { port, seen } = await nodeServer({ requestCert: true, rejectUnauthorized: true, ca: [fs.readFileSync(pki.rootPem)] });
    const { conn } = await connect(port, { clientCertificate: { chain: [pki.clientCertDer], privateKey: pki.clientKeyPkcs8 } });
    await expectEcho(conn, 'authenticated');
    expect(seen.at(-1)).toMatchObject({ authorized: true, peerCN: 'TLS Lens test client' });
    await conn.close();
  });

  it('client certificate required but none given: the server refuses', async () => {
    const { port } = await nodeServer({ requestCert: true, rejectUnauthorized: true, ca: [fs.readFileSync(pki.rootPem)] });
    await expect(connect(port).then(({ conn }) => conn.read())).rejects.toMatchObject({ code: 'CERTIFICATE_REQUIRED' });
  });

  it('tickets and resumption', async () => {
    const { port, seen } = await nodeServer();
    const first = await connect(port);
    const session = await first.conn.waitForSession(15_000);
    expect(session).toBeDefined();
    await first.conn.close();
    const second = await connect(port, { session });
    expect(second.conn.summary.resumed).toBe(true);
    await expectEcho(second.conn, 'resumed');
    expect(seen.at(-1)!.resumed).toBe(true);
    await second.conn.close();
  });
});
