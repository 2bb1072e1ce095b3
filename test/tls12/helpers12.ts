// TLS 1.2 test fixtures: `openssl s_server -tls1_2` on 127.0.0.1 with its stdin held open (typing `r` renegotiates),
// and a client connection with the x509 verifier trusting the test root.
import { connectTls, type TlsClientOptions } from '../../src/tls/client.ts';
import type { TraceRecorder } from '../../src/trace/recorder.ts';
import { connectTcp } from '../../src/transport/tcp.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import { recorder, spawnSServer, type SServer, type TestPki } from '../tls/helpers.ts';

export type SServer12 = SServer;

/** `anyVersion`: leave out -tls1_2, so the server also speaks TLS 1.3. */
export function startSServer12(pki: TestPki, extra: string[], opts: { rsa?: boolean; anyVersion?: boolean } = {}): Promise<SServer12> {
  const cert = opts.rsa ? pki.rsaCert : pki.leafCert;
  const key = opts.rsa ? pki.rsaKey : pki.leafKey;
  return spawnSServer([...(opts.anyVersion ? [] : ['-tls1_2']), '-cert', cert, '-key', key, '-CAfile', pki.rootPem, ...extra]);
}

export async function connect12(pki: TestPki, port: number, options: Partial<TlsClientOptions> = {}, rec: TraceRecorder = recorder()) {
  const transport = await connectTcp('127.0.0.1', port);
  const conn = await connectTls(transport, { serverName: 'localhost', verifier: createVerifier({ anchors: [pki.rootDer] }), timeoutMs: 10_000, versions: ['TLS1.2'], ...options }, rec.emit);
  return { conn, rec };
}

export { waitFor } from '../support/wait.ts';
