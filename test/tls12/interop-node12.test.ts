// TLS 1.2 interop against Node's own `tls` server (maxVersion TLSv1.2), started here on 127.0.0.1.
import tls from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { connect12 } from './helpers12.ts';
import { expectEcho, nodeEchoServers } from '../support/node-echo.ts';
import { usePki } from '../support/pki.ts';

const pki = usePki();
const echoServers = nodeEchoServers();
afterAll(async () => {
  await echoServers.closeAll();
});

async function nodeServer(opts: tls.TlsOptions = {}) {
  const seen: { resumed: boolean; cipher: string; version: string | null }[] = [];
  const port = await echoServers.start(pki, { maxVersion: 'TLSv1.2', ...opts }, (s) => {
    seen.push({ resumed: s.isSessionReused(), cipher: s.getCipher().name, version: s.getProtocol() });
  });
  return { port, seen };
}

describe('TLS 1.2 against Node\'s tls server', () => {
  for (const [suite, openssl] of [
    ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'ECDHE-ECDSA-AES128-GCM-SHA256'],
    ['TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'ECDHE-ECDSA-AES256-GCM-SHA384'],
    ['TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-ECDSA-CHACHA20-POLY1305'],
  ]) {
    it(`${suite}: handshake and a 40 KiB echo over several records`, async () => {
      const { port, seen } = await nodeServer({ ciphers: openssl });
      const { conn } = await connect12(pki, port, { suites: [suite] });
      expect(conn.summary.cipherSuite).toBe(suite);
      expect(conn.summary.certificate.verified).toBe(true);
      await expectEcho(conn, 'x'.repeat(40 * 1024));
      await conn.close();
      expect(seen[0]).toMatchObject({ cipher: openssl, version: 'TLSv1.2' });
    });
  }

  it('the same ClientHello offering 1.3 and 1.2 gets 1.2 from a 1.2-only Node server', async () => {
    const { port, seen } = await nodeServer();
    const { conn } = await connect12(pki, port, { versions: ['TLS1.3', 'TLS1.2'] });
    expect(conn.summary.version).toBe('TLSv1.2');
    await expectEcho(conn, 'hello');
    await conn.close();
    expect(seen[0].version).toBe('TLSv1.2');
  });

  it('resumption with Node\'s session ticket', async () => {
    const { port, seen } = await nodeServer();
    const first = await connect12(pki, port);
    await expectEcho(first.conn, 'one');
    const session = first.conn.session;
    expect(session).toBeDefined();
    await first.conn.close();
    const second = await connect12(pki, port, { session });
    expect(second.conn.summary.resumed).toBe(true);
    expect(second.conn.summary.tls12!.resumedBy).toBe('ticket');
    await expectEcho(second.conn, 'two');
    await second.conn.close();
    expect(seen.map((s) => s.resumed)).toEqual([false, true]);
  });
});
