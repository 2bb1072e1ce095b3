// Our client against our server in memory (src/transport/memory.ts), both outcomes settled and both traces kept:
// the server presents the test PKI's P-256 leaf, the client trusts its root and names localhost.
import { connectTls, type TlsClientOptions, type TlsConnection } from '../../../src/tls/client.ts';
import { acceptTls, type ServerConnection, type ServerOptions } from '../../../src/tls/server.ts';
import { TraceRecorder } from '../../../src/trace/recorder.ts';
import { memoryPair } from '../../../src/transport/memory.ts';
import { createVerifier } from '../../../src/x509/verifier.ts';
import type { TestPki } from '../../tls/helpers.ts';
import { serverCertificates } from './server-pki.ts';

export interface InMemoryRun {
  client: TlsConnection | null;
  server: ServerConnection | null;
  clientError: { code?: string; receivedAlert?: string; message?: string } | null;
  serverError: { code?: string; message?: string } | null;
  clientTrace: TraceRecorder;
  serverTrace: TraceRecorder;
}

export async function runInMemory(pki: TestPki, server: Partial<ServerOptions>, client: Partial<TlsClientOptions> = {}): Promise<InMemoryRun> {
  const [c, s] = memoryPair();
  const serverTrace = new TraceRecorder(() => 0);
  const clientTrace = new TraceRecorder(() => 0);
  const accepting = acceptTls(s, { certificates: [serverCertificates(pki).p256], recorder: serverTrace.emit, timeoutMs: 10_000, ...server });
  const connecting = connectTls(c, { serverName: 'localhost', verifier: createVerifier({ anchors: [pki.rootDer] }), timeoutMs: 10_000, ...client }, clientTrace.emit);
  const [sr, cr] = await Promise.allSettled([accepting, connecting]);
  return {
    server: sr.status === 'fulfilled' ? sr.value : null,
    client: cr.status === 'fulfilled' ? cr.value : null,
    serverError: sr.status === 'rejected' ? sr.reason : null,
    clientError: cr.status === 'rejected' ? cr.reason : null,
    clientTrace,
    serverTrace,
  };
}
