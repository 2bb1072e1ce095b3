// Our client offering X25519MLKEM768 to a real server that does not know the group (OpenSSL 3.0): the 1216-byte
// share travels in a well-formed ClientHello, the server ignores it and asks for x25519 (HelloRetryRequest) or
// uses an x25519 share we also sent. The hybrid itself is negotiated with Chromium in e2e/serve.spec.ts.
import { afterAll, describe, expect, it } from 'vitest';
import { connectTls } from '../../src/tls/client.ts';
import { connectTcp } from '../../src/transport/tcp.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import { recorder, startSServer, type SServer } from '../tls/helpers.ts';
import { usePki } from '../support/pki.ts';

const pki = usePki();
const servers: SServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

async function handshake(keyShareGroups: ('X25519MLKEM768' | 'x25519')[]) {
  const s = await startSServer(pki, ['-groups', 'X25519']);
  servers.push(s);
  const rec = recorder();
  const transport = await connectTcp('127.0.0.1', s.port);
  const conn = await connectTls(
    transport,
    { serverName: 'localhost', verifier: createVerifier({ anchors: [pki.rootDer] }), timeoutMs: 10_000, groups: ['X25519MLKEM768', 'x25519'], keyShareGroups },
    rec.emit,
  );
  await conn.close();
  return { conn, rec };
}

describe('offering X25519MLKEM768 to a server without it', () => {
  it('gets a HelloRetryRequest for x25519 when the hybrid is the only share', async () => {
    const { conn, rec } = await handshake(['X25519MLKEM768']);
    expect(conn.summary.helloRetryRequest).toBe(true);
    expect(conn.summary.group).toBe('x25519');
    const hellos = rec.events.filter((e) => e.kind === 'handshake' && e.name === 'ClientHello');
    // The first ClientHello carries the 1216-byte hybrid share (plus headers), the second only x25519.
    expect((hellos[0] as { bytes: string }).bytes.length / 2).toBeGreaterThan(1216);
    expect((hellos[1] as { bytes: string }).bytes.length / 2).toBeLessThan(600);
  });

  it('uses the x25519 share sent beside the hybrid one, with no retry', async () => {
    const { conn, rec } = await handshake(['X25519MLKEM768', 'x25519']);
    expect(conn.summary.helloRetryRequest).toBeFalsy();
    const kx = rec.events.find((e) => e.kind === 'key-exchange') as { group: string; parts?: unknown; sharedSecret: string };
    expect(kx.group).toBe('x25519');
    expect(kx.parts).toBeUndefined();
    expect(kx.sharedSecret.length).toBe(64);
  });
});
