// Our client with P-521 and Ed448 keys against `openssl s_server` (OpenSSL 3.0), TLS 1.3 and 1.2, under each crypto
// provider (WebCrypto, the browser's, with @noble/curves for Ed448; node:crypto, the CLI's): server certificates
// with those keys (chains signed with P-521 ECDSA and Ed448), the P-521 key exchange, and client certificates.
import { afterAll, expect, it } from 'vitest';
import { connectTls, type TlsClientOptions } from '../../src/tls/client.ts';
import { connectTcp } from '../../src/transport/tcp.ts';
import { utf8 } from '../../src/util/bytes.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import { describeEachProvider } from '../crypto/providers.ts';
import { useCurvePki, type CurveFamily } from '../support/curve-pki.ts';
import { recorder, spawnSServer, type SServer } from './helpers.ts';
import { waitFor } from '../support/wait.ts';

const pki = useCurvePki();
const servers: SServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

type Kind = 'p521' | 'ed448';
type Version = 'TLS1.3' | 'TLS1.2';

async function sServer(kind: Kind, version: Version, extra: string[] = []): Promise<SServer> {
  const leaf = pki[kind].server;
  const s = await spawnSServer([version === 'TLS1.3' ? '-tls1_3' : '-tls1_2', '-cert', leaf.cert, '-key', leaf.key, '-CAfile', pki.bothRootsPem, ...extra]);
  servers.push(s);
  return s;
}

async function connect(s: SServer, family: CurveFamily, version: Version, options: Partial<TlsClientOptions> = {}) {
  const rec = recorder();
  const transport = await connectTcp('127.0.0.1', s.port);
  const conn = await connectTls(transport, { serverName: 'localhost', verifier: createVerifier({ anchors: [family.rootDer] }), timeoutMs: 10_000, versions: [version], ...options }, rec.emit);
  return { conn, rec };
}


/** A line each way through s_server, then close. */
async function exchange(s: SServer, conn: Awaited<ReturnType<typeof connect>>['conn'], tag: string) {
  await conn.write(utf8.encode(`ping ${tag}\n`));
  await waitFor(() => s.output().includes(`ping ${tag}`));
  s.type(`pong ${tag}\n`);
  expect(utf8.decode((await conn.read())!)).toBe(`pong ${tag}\n`);
  await conn.close();
}

const signatureOf = (rec: ReturnType<typeof recorder>, subject: string) => rec.events.find((e) => e.kind === 'signature' && e.subject === subject) as { scheme: string; ok: boolean } | undefined;

describeEachProvider(() => {
  it('TLS 1.3, P-521 server certificate: ecdsa_secp521r1_sha512 CertificateVerify, P-521-signed chain verified', async () => {
    const s = await sServer('p521', 'TLS1.3');
    const { conn } = await connect(s, pki.p521, 'TLS1.3');
    expect(conn.summary.signatureScheme).toBe('ecdsa_secp521r1_sha512');
    expect(conn.summary.certificate.verified).toBe(true);
    await exchange(s, conn, 'p521-13');
  });

  it('TLS 1.3, Ed448 server certificate: ed448 CertificateVerify, Ed448-signed chain verified', async () => {
    const s = await sServer('ed448', 'TLS1.3');
    const { conn, rec } = await connect(s, pki.ed448, 'TLS1.3');
    expect(conn.summary.signatureScheme).toBe('ed448');
    expect(conn.summary.certificate.verified).toBe(true);
    expect(rec.events.find((e) => e.kind === 'cert-check' && e.check === 'signature' && e.certificate === 0)).toMatchObject({ ok: true, detail: expect.stringMatching(/^Ed448 signature verified/) });
    await exchange(s, conn, 'ed448-13');
  });

  it('TLS 1.2, P-521 server certificate: accepted only because secp521r1 is in supported_groups; ServerKeyExchange signed with SHA-512', async () => {
    // OpenSSL, as RFC 8422 §5.1 asks, signs with an ECDSA key only for a client that lists the key's curve.
    const s = await sServer('p521', 'TLS1.2', ['-sigalgs', 'ECDSA+SHA512']);
    const { conn, rec } = await connect(s, pki.p521, 'TLS1.2');
    expect(conn.summary.cipherSuite).toMatch(/^TLS_ECDHE_ECDSA_/);
    expect(conn.summary.certificate.verified).toBe(true);
    expect(signatureOf(rec, 'ServerKeyExchange')).toMatchObject({ scheme: 'ecdsa_secp521r1_sha512', ok: true });
    await exchange(s, conn, 'p521-12');
  });

  it('TLS 1.2, Ed448 server certificate with an ECDHE_ECDSA suite: ed448 ServerKeyExchange', async () => {
    const s = await sServer('ed448', 'TLS1.2');
    const { conn, rec } = await connect(s, pki.ed448, 'TLS1.2');
    expect(conn.summary.cipherSuite).toMatch(/^TLS_ECDHE_ECDSA_/);
    expect(conn.summary.certificate.verified).toBe(true);
    expect(signatureOf(rec, 'ServerKeyExchange')).toMatchObject({ scheme: 'ed448', ok: true });
    await exchange(s, conn, 'ed448-12');
  });

  it('secp521r1 key exchange: a HelloRetryRequest for it in TLS 1.3, the ServerKeyExchange curve in TLS 1.2', async () => {
    const s13 = await sServer('p521', 'TLS1.3', ['-groups', 'P-521']);
    const a = await connect(s13, pki.p521, 'TLS1.3');
    expect(a.conn.summary).toMatchObject({ group: 'secp521r1', helloRetryRequest: true });
    await exchange(s13, a.conn, 'ecdhe-13');
    const s12 = await sServer('p521', 'TLS1.2', ['-groups', 'P-521']);
    const b = await connect(s12, pki.p521, 'TLS1.2');
    expect(b.conn.summary.group).toBe('secp521r1');
    await exchange(s12, b.conn, 'ecdhe-12');
  });

  for (const version of ['TLS1.3', 'TLS1.2'] as const) {
    for (const [kind, scheme, opensslType] of [['p521', 'ecdsa_secp521r1_sha512', 'ECDSA'], ['ed448', 'ed448', 'ed448']] as const) {
      it(`${version}, client certificate with a ${kind} key, required by s_server: signed ${scheme}`, async () => {
        const s = await sServer('p521', version, ['-Verify', '1', ...(version === 'TLS1.2' && kind === 'p521' ? ['-client_sigalgs', 'ECDSA+SHA512'] : [])]);
        const client = pki[kind].client;
        const { conn, rec } = await connect(s, pki.p521, version, { clientCertificate: { chain: [client.der], privateKey: client.pkcs8 } });
        expect(conn.summary.clientCertificateSent).toBe(true);
        expect(signatureOf(rec, 'client CertificateVerify')).toMatchObject({ scheme, ok: true });
        await exchange(s, conn, `client-${kind}`);
        expect(s.output()).toContain(`TLS Lens ${kind} test client`);
        expect(s.output()).toContain(`Peer signature type: ${opensslType}\n`);
      });
    }
  }
});
