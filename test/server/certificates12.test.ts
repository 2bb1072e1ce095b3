// What our server signs with and asks for, checked by openssl s_client: RSA PKCS#1 v1.5 ServerKeyExchange
// signatures in TLS 1.2 for a client that offers only those, a client's PKCS#1 v1.5 CertificateVerify checked,
// certificate_authorities in the CertificateRequest of both versions, and an ECDSA certificate presented only
// on a curve the client lists (RFC 8422 §5.1).
import { describe, expect, it } from 'vitest';
import { connectTls } from '../../src/tls/client.ts';
import { SignatureScheme } from '../../src/tls/messages/constants.ts';
import { acceptTls, type ServerOptions } from '../../src/tls/server.ts';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import { memoryPair } from '../../src/transport/memory.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import { usePki } from '../support/pki.ts';
import { listenersStoppedAfterEach, type TestListener } from './support/listener.ts';
import { sClient } from './support/s-client.ts';
import { rsaClientCertificate, serverCertificates } from './support/server-pki.ts';

const pki = usePki();
const startListener = listenersStoppedAfterEach();

async function listen(options: Partial<ServerOptions> = {}, which: ('p256' | 'rsa' | 'p384')[] = ['p256', 'rsa']): Promise<TestListener> {
  const certs = serverCertificates(pki);
  return startListener(() => ({ certificates: which.map((w) => certs[w]), timeoutMs: 10_000, ...options }));
}

const ca = () => ['-CAfile', pki.rootPem, '-verify_return_error'];

describe('RSA PKCS#1 v1.5 signatures in TLS 1.2', () => {
  it.each([
    ['ECDHE-RSA-AES128-GCM-SHA256', 'RSA+SHA256', 'SHA256', 'rsa_pkcs1_sha256'],
    ['ECDHE-RSA-AES256-GCM-SHA384', 'RSA+SHA384', 'SHA384', 'rsa_pkcs1_sha384'],
    ['DHE-RSA-AES128-GCM-SHA256', 'RSA+SHA512', 'SHA512', 'rsa_pkcs1_sha512'],
  ])('%s with -sigalgs %s: the ServerKeyExchange is signed with PKCS#1 v1.5 and verifies', async (cipher, sigalgs, digest, scheme) => {
    const l = await listen();
    const run = await sClient(l.port, ['-tls1_2', '-cipher', cipher, '-sigalgs', sigalgs, ...ca()], ['pkcs1']);
    expect(run.output).toContain(`Cipher is ${cipher}`);
    expect(run.output).toContain('Verify return code: 0 (ok)');
    expect(run.output).toMatch(/Peer signature type: RSA\n/);
    expect(run.output).toContain(`Peer signing digest: ${digest}`);
    expect(run.output).toContain('PKCS1');
    const [a] = await l.settled(1);
    expect(a.connection?.summary.signatureScheme).toBe(scheme);
  });

  it('our client offering no RSA-PSS verifies the server\'s PKCS#1 v1.5 ServerKeyExchange (in memory)', async () => {
    const [c, s] = memoryPair();
    const clientTrace = new TraceRecorder(() => 0);
    const accepting = acceptTls(s, { certificates: [serverCertificates(pki).rsa], timeoutMs: 10_000 });
    // TLS 1.2 adds the PKCS#1 v1.5 schemes to what the client offers; with ECDSA the only other one, they are all an RSA key can use.
    const client = await connectTls(c, { serverName: 'localhost', verifier: createVerifier({ anchors: [pki.rootDer] }), timeoutMs: 10_000, versions: ['TLS1.2'], signatureSchemes: [SignatureScheme.ecdsa_secp256r1_sha256] }, clientTrace.emit);
    const server = await accepting;
    expect(server.summary.signatureScheme).toBe('rsa_pkcs1_sha256');
    const checked = clientTrace.events.find((e) => e.kind === 'signature' && e.subject === 'ServerKeyExchange') as { ok: boolean; scheme: string } | undefined;
    expect(checked).toMatchObject({ ok: true, scheme: 'rsa_pkcs1_sha256' });
    await client.close();
  });

  it('a client offering RSA-PSS too gets RSA-PSS (PKCS#1 v1.5 only when nothing better is offered)', async () => {
    const l = await listen();
    const run = await sClient(l.port, ['-tls1_2', '-cipher', 'ECDHE-RSA-AES128-GCM-SHA256', '-sigalgs', 'RSA+SHA256:RSA-PSS+SHA256', ...ca()], ['pss']);
    expect(run.output).toContain('Peer signature type: RSA-PSS');
    const [a] = await l.settled(1);
    expect(a.connection?.summary.signatureScheme).toBe('rsa_pss_rsae_sha256');
  });

  it('TLS 1.3 never signs with PKCS#1 v1.5: a client offering only that gets handshake_failure', async () => {
    const l = await listen({}, ['rsa']);
    const run = await sClient(l.port, ['-tls1_3', '-sigalgs', 'RSA+SHA256', ...ca()]);
    expect(run.output).toMatch(/handshake failure/);
    const [a] = await l.settled(1);
    expect(a.error?.code).toBe('HANDSHAKE_FAILURE');
  });

  it('a client certificate with an RSA key, CertificateVerify signed with rsa_pkcs1_sha256: checked and accepted', async () => {
    const client = rsaClientCertificate(pki);
    const l = await listen({ clientAuth: 'require', clientTrustAnchors: [pki.rootDer] });
    const run = await sClient(l.port, ['-tls1_2', '-cert', client.cert, '-key', client.key, '-client_sigalgs', 'RSA+SHA256', ...ca()], ['rsa client']);
    expect(run.output).toContain('RSA CLIENT');
    const [a] = await l.settled(1);
    expect(a.connection?.summary.clientCertificate?.verified).toBe(true);
  });
});

describe('certificate_authorities in the CertificateRequest', () => {
  it.each([['-tls1_3'], ['-tls1_2']])('%s: openssl s_client sees the names of the --ca anchors', async (version) => {
    const l = await listen({ clientAuth: 'request', clientTrustAnchors: [pki.rootDer] });
    const run = await sClient(l.port, [version, ...ca()], ['names']);
    expect(run.output).toMatch(/Acceptable client certificate CA names\nCN = TLS Lens Test Root\n/);
    expect(run.output).toContain('NAMES');
  });

  it('no anchors, no names: the extension is left out (TLS 1.3)', async () => {
    const l = await listen({ clientAuth: 'request' });
    const run = await sClient(l.port, ['-tls1_3', ...ca()], ['none']);
    expect(run.output).toMatch(/No client certificate CA names sent/);
  });
});

describe('TLS 1.2: an ECDSA certificate only on a curve the client lists (RFC 8422 §5.1)', () => {
  it('a client listing only X25519 gets the RSA certificate, not the P-256 one', async () => {
    const l = await listen();
    const run = await sClient(l.port, ['-tls1_2', '-groups', 'X25519', ...ca()], ['rsa chosen']);
    expect(run.output).toMatch(/Cipher is ECDHE-RSA-/);
    expect(run.output).toContain('Verify return code: 0 (ok)');
    const [a] = await l.settled(1);
    expect(a.connection?.summary.cipherSuite).toMatch(/_RSA_/);
  });

  it('with only a P-256 certificate, that client gets handshake_failure and the reason in words', async () => {
    const l = await listen({}, ['p256']);
    const run = await sClient(l.port, ['-tls1_2', '-groups', 'X25519', ...ca()]);
    expect(run.output).toMatch(/handshake failure/);
    const [a] = await l.settled(1);
    expect(a.error?.code).toBe('HANDSHAKE_FAILURE');
    expect(a.error?.message).toMatch(/curve P-256 is not in the client's supported_groups \(RFC 8422 §5\.1\)/);
  });

  it('a P-384 certificate for a client listing P-384 among its groups', async () => {
    const l = await listen({}, ['p384']);
    const run = await sClient(l.port, ['-tls1_2', '-groups', 'X25519:P-384', ...ca()], ['p384']);
    expect(run.output).toMatch(/Cipher is ECDHE-ECDSA-/);
    expect(run.output).toContain('P384');
  });
});
