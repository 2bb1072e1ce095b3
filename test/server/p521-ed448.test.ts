// Our server with a P-521 or an Ed448 certificate against `openssl s_client` (OpenSSL 3.0) and Node's tls client,
// TLS 1.3 and 1.2, under each crypto provider (WebCrypto with @noble/curves for Ed448, as in the browser; node:crypto,
// as `tls-lens serve`); and client certificates with those keys, which our CertificateRequest must offer.
import fs from 'node:fs';
import tls from 'node:tls';
import { expect, it } from 'vitest';
import type { ServerCertificate, ServerOptions } from '../../src/tls/server.ts';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import { describeEachProvider } from '../crypto/providers.ts';
import { useCurvePki, type CurveFamily } from '../support/curve-pki.ts';
import { listenersStoppedAfterEach, type TestListener } from './support/listener.ts';
import { sClient } from './support/s-client.ts';

const pki = useCurvePki();
const startListener = listenersStoppedAfterEach();

type Kind = 'p521' | 'ed448';
const VERSIONS = [
  ['TLS1.3', '-tls1_3', 'TLSv1.3'],
  ['TLS1.2', '-tls1_2', 'TLSv1.2'],
] as const;

const certificate = (f: CurveFamily): ServerCertificate => ({ chain: [f.server.der], key: f.server.pkcs8 });

function listen(kind: Kind, options: Partial<ServerOptions> = {}): Promise<TestListener> {
  return startListener(() => ({ certificates: [certificate(pki[kind])], timeoutMs: 10_000, ...options }));
}

function nodeClient(port: number, options: tls.ConnectionOptions): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ...options });
    socket.once('secureConnect', () => resolve(socket));
    socket.once('error', reject);
  });
}

async function nodeEcho(socket: tls.TLSSocket, text: string): Promise<string> {
  socket.write(text);
  const answer = await new Promise<string>((resolve) => socket.once('data', (d) => resolve(d.toString())));
  socket.end();
  return answer;
}

describeEachProvider(() => {
  for (const [version, flag, protocol] of VERSIONS) {
    for (const [kind, scheme, opensslType] of [['p521', 'ecdsa_secp521r1_sha512', 'ECDSA'], ['ed448', 'ed448', 'ed448']] as const) {
      it(`${version}, ${kind} certificate: s_client verifies it and its ${opensslType} signature`, async () => {
        const l = await listen(kind);
        const run = await sClient(l.port, [flag, '-CAfile', pki[kind].rootPem, '-verify_return_error'], ['hello']);
        expect(run.output).toContain('Verify return code: 0 (ok)');
        expect(run.output).toContain(`Peer signature type: ${opensslType}\n`);
        expect(run.output).toContain('HELLO');
        const [a] = await l.settled(1);
        expect(a.error).toBeUndefined();
        expect(a.connection?.summary).toMatchObject({ version: protocol, signatureScheme: scheme });
      });

      it(`${version}, ${kind} certificate: Node's tls client authorizes it`, async () => {
        const l = await listen(kind);
        const socket = await nodeClient(l.port, { minVersion: protocol, maxVersion: protocol, ca: fs.readFileSync(pki[kind].rootPem) });
        expect(socket.authorized).toBe(true);
        expect(socket.getProtocol()).toBe(protocol);
        expect(await nodeEcho(socket, 'node')).toBe('NODE');
        const [a] = await l.settled(1);
        expect(a.connection?.summary.signatureScheme).toBe(scheme);
      });

      it(`${version}, ${kind} client certificate, required: s_client signs with ${scheme}, verified`, async () => {
        const trace = new TraceRecorder(() => 0);
        const l = await listen('p521', { clientAuth: 'require', clientTrustAnchors: [pki[kind].rootDer], recorder: trace.emit });
        const client = pki[kind].client;
        // TLS 1.2 names the hash, not the curve: s_client would pick SHA-256 for a P-521 key unless told otherwise.
        const sha512 = version === 'TLS1.2' && kind === 'p521' ? ['-client_sigalgs', 'ECDSA+SHA512'] : [];
        const run = await sClient(l.port, [flag, '-CAfile', pki.p521.rootPem, '-cert', client.cert, '-key', client.key, ...sha512], ['with cert']);
        expect(run.output).toContain('WITH CERT');
        const [a] = await l.settled(1);
        expect(a.error).toBeUndefined();
        expect(a.connection?.summary.clientCertificate?.verified).toBe(true);
        const verified = trace.events.find((e) => e.kind === 'signature' && e.subject.startsWith('client CertificateVerify'));
        expect(verified).toMatchObject({ scheme, ok: true });
      });
    }
  }
});
