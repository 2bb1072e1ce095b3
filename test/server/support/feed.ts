// Feed a client's raw bytes to the server in memory (all at once), hang up shortly after, and report how the
// handshake ended and which alert the server sent.
import { acceptTls, type ServerOptions } from '../../../src/tls/server.ts';
import { TraceRecorder } from '../../../src/trace/recorder.ts';
import { memoryPair } from '../../../src/transport/memory.ts';
import type { TestPki } from '../../tls/helpers.ts';
import { serverCertificates } from './server-pki.ts';

export interface FeedOutcome {
  code: string;
  message: string;
  sentAlert?: string;
  trace: TraceRecorder;
}

export async function feedServer(pki: TestPki, bytes: Uint8Array, server: Partial<ServerOptions> = {}): Promise<FeedOutcome> {
  const [c, s] = memoryPair();
  const trace = new TraceRecorder(() => 0);
  const accepting = acceptTls(s, { certificates: [serverCertificates(pki).p256], recorder: trace.emit, timeoutMs: 3000, ...server });
  await c.write(bytes);
  setTimeout(() => void c.close(), 100);
  const result = await accepting.then(
    () => ({ code: 'ok', message: '' }),
    (e) => ({ code: (e as { code: string }).code, message: (e as Error).message }),
  );
  const alert = trace.events.find((e) => e.kind === 'alert' && e.direction === 'server') as { name: string } | undefined;
  return { ...result, sentAlert: alert?.name, trace };
}
