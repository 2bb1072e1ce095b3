// A TLS 1.3 client that hangs up right after its Finished: the handshake is complete, so acceptTls resolves (the
// tickets it could not deliver noted in the trace) instead of rejecting with CLOSED.
import net from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { connectTls } from '../../src/tls/client.ts';
import { acceptTls, type ServerConnection } from '../../src/tls/server.ts';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import { socketTransport } from '../../src/transport/tcp.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import { usePki } from '../support/pki.ts';
import { serverCertificates } from './support/server-pki.ts';

const pki = usePki();
let server: net.Server | null = null;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = null;
});

it.each(['reset', 'close_notify then close'])('the client hangs up (%s) right after its Finished: acceptTls resolves, the trace says the tickets were not sent', async (how) => {
  const outcomes: Promise<{ connection?: ServerConnection; error?: { code: string; message: string }; trace: TraceRecorder }>[] = [];
  // The server has read the client's Finished (a reset would drop it unread otherwise), then waits until the client
  // is gone: the hang-up comes before the tickets, every time.
  let finishedRead: () => void = () => undefined;
  const serverHasFinished = new Promise<void>((r) => (finishedRead = r));
  let clientGone: () => void = () => undefined;
  const hungUp = new Promise<void>((r) => (clientGone = r));
  const afterMessage = async (name: string, direction: 'client' | 'server') => {
    if (direction !== 'client' || name !== 'Finished') return;
    finishedRead();
    await hungUp;
  };
  let serverSocketClosed: Promise<unknown> = Promise.resolve();
  server = net.createServer((socket) => {
    serverSocketClosed = new Promise((r) => socket.once('close', r));
    const trace = new TraceRecorder(() => 0);
    outcomes.push(
      acceptTls(socketTransport(socket), { certificates: [serverCertificates(pki).p256], recorder: trace.emit, timeoutMs: 10_000, numTickets: 4, hooks: { afterMessage } }).then(
        (connection) => ({ connection, trace }),
        (e) => ({ error: { code: (e as { code: string }).code, message: (e as Error).message }, trace }),
      ),
    );
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  const client = await connectTls(socketTransport(socket), { serverName: 'localhost', verifier: createVerifier({ anchors: [pki.rootDer] }), timeoutMs: 10_000, versions: ['TLS1.3'] }, () => -1);
  expect(client.summary.version).toBe('TLSv1.3');
  await serverHasFinished;
  // Gone at once, without close_notify, as `openssl s_client -reconnect` and scanners do; or after close_notify.
  if (how === 'reset') socket.resetAndDestroy();
  else {
    await client.close();
    socket.destroy();
  }
  await serverSocketClosed;
  clientGone();
  const outcome = await outcomes[0];
  expect(outcome.error, outcome.error?.message).toBeUndefined();
  expect(outcome.connection?.summary.version).toBe('TLSv1.3');
  const notes = outcome.trace.events.filter((e) => e.kind === 'note').map((e) => (e as { text: string }).text);
  expect(notes.some((t) => /^0 of 4 tickets sent: the client hung up/.test(t)), notes.join('\n')).toBe(true);
  await outcome.connection?.close({ waitForPeerMs: 0 });
});
