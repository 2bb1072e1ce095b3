// TLS 1.3 with the RFC 7919 finite-field groups (RFC 8446 §4.2.8.1): our client against `openssl s_server`, with the
// share in the first ClientHello and after a HelloRetryRequest, and the padding of Y and of the shared secret Z to
// the prime's size, which TLS 1.2 DHE does not do for Z.
import { afterAll, describe, expect, it } from 'vitest';
import { importKeyShare, generateKeyShare } from '../../src/crypto/key-exchange.ts';
import { connectTls, type TlsClientOptions } from '../../src/tls/client.ts';
import { TlsAlertError } from '../../src/tls/record/alerts.ts';
import { connectTcp } from '../../src/transport/tcp.ts';
import { toHex, utf8 } from '../../src/util/bytes.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import { usePki } from '../support/pki.ts';
import { waitFor } from '../support/wait.ts';
import { recorder, startSServer, type SServer } from './helpers.ts';

const pki = usePki();
const servers: SServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

async function server(groups: string): Promise<SServer> {
  const s = await startSServer(pki, ['-groups', groups]);
  servers.push(s);
  return s;
}

async function connect(s: SServer, options: Partial<TlsClientOptions>) {
  const rec = recorder();
  const transport = await connectTcp('127.0.0.1', s.port);
  const conn = await connectTls(transport, { serverName: 'localhost', verifier: createVerifier({ anchors: [pki.rootDer] }), timeoutMs: 10_000, versions: ['TLS1.3'], ...options }, rec.emit);
  return { conn, rec };
}

const keyExchange = (rec: ReturnType<typeof recorder>) => rec.events.find((e) => e.kind === 'key-exchange') as { group: string; clientShare: string; serverShare: string; sharedSecret: string } | undefined;

describe('openssl s_server with finite-field groups only', () => {
  it('ffdhe2048 share in the first ClientHello: no retry, 256-byte shares and secret, data both ways', async () => {
    const s = await server('ffdhe2048');
    const { conn, rec } = await connect(s, { groups: ['ffdhe2048'] });
    expect(conn.summary.group).toBe('ffdhe2048');
    expect(conn.summary.helloRetryRequest).toBe(false);
    expect(conn.summary.certificate.verified).toBe(true);
    const kx = keyExchange(rec)!;
    expect(kx.group).toBe('ffdhe2048');
    expect([kx.clientShare.length, kx.serverShare.length, kx.sharedSecret.length]).toEqual([512, 512, 512]);
    await conn.write(utf8.encode('ping ffdhe\n'));
    await waitFor(() => s.output().includes('ping ffdhe'));
    s.type('pong ffdhe\n');
    expect(utf8.decode((await conn.read())!)).toBe('pong ffdhe\n');
    await conn.close();
  });

  it('an x25519 share first: the server asks for ffdhe3072 in a HelloRetryRequest, and the handshake completes in it', async () => {
    const s = await server('ffdhe3072');
    const { conn, rec } = await connect(s, { groups: ['x25519', 'ffdhe3072'] });
    expect(conn.summary.helloRetryRequest).toBe(true);
    expect(conn.summary.group).toBe('ffdhe3072');
    expect(keyExchange(rec)!.sharedSecret.length).toBe(2 * 384);
    await conn.close();
  });

  it('ffdhe4096', async () => {
    const s = await server('ffdhe4096');
    const { conn } = await connect(s, { groups: ['ffdhe4096'] });
    expect(conn.summary.group).toBe('ffdhe4096');
    expect(conn.summary.certificate.verified).toBe(true);
    await conn.close();
  });
});

describe('finite-field key shares', () => {
  it('two fresh ffdhe2048 shares agree on the secret', async () => {
    const a = await generateKeyShare('ffdhe2048');
    const b = await generateKeyShare('ffdhe2048');
    expect(a.publicKey.length).toBe(256);
    expect(toHex(await a.computeSharedSecret(b.publicKey))).toBe(toHex(await b.computeSharedSecret(a.publicKey)));
  });

  it('Z keeps its leading zero bytes (RFC 8446 §7.4.1), unlike TLS 1.2 DHE', async () => {
    // An exponent whose g^x mod p happens to start with a zero byte; against the peer value Y = g = 2, Z = g^x.
    const exponent = Uint8Array.from(Buffer.from('01000000000000000000000000000000000000000000000000000001b0', 'hex'));
    const share = await importKeyShare('ffdhe2048', exponent);
    expect(share.publicKey[0]).toBe(0);
    const two = new Uint8Array(256);
    two[255] = 2;
    const z = await share.computeSharedSecret(two);
    expect(z.length).toBe(256);
    expect(toHex(z)).toBe(toHex(share.publicKey));
  });

  it.each([
    ['1', (() => { const y = new Uint8Array(256); y[255] = 1; return y; })(), /out of range/],
    ['p - 1', null, /out of range/],
    ['the wrong length', new Uint8Array(255).fill(7), /must be 256 bytes/],
  ])('a peer share of %s is illegal_parameter', async (_name, bad, message) => {
    const share = await generateKeyShare('ffdhe2048');
    const { FFDHE_GROUPS, bigIntToBytes } = await import('../../src/crypto/ffdhe.ts');
    const y = bad ?? bigIntToBytes(FFDHE_GROUPS.ffdhe2048.p - 1n, 256);
    const err = await share.computeSharedSecret(y).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(TlsAlertError);
    expect((err as TlsAlertError).code).toBe('ILLEGAL_PARAMETER');
    expect((err as Error).message).toMatch(message);
  });
});
