// A server that refuses our (empty) Certificate sends its alert and hangs up before reading the rest of our
// flight; our next write then fails. The alert it sent is the real reason and must be what we report
// (connectTls reads what is left for it: peerAlert in src/tls/client.ts).
import { afterAll, expect, it } from 'vitest';
import { connectTls } from '../../src/tls/client.ts';
import { connectTcp } from '../../src/transport/tcp.ts';
import type { Transport } from '../../src/transport/types.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import { recorder } from '../tls/helpers.ts';
import { usePki } from '../support/pki.ts';
import { startSServer12, type SServer12 } from './helpers12.ts';

const pki = usePki();
const servers: SServer12[] = [];
afterAll(() => Promise.all(servers.map((s) => s.stop())));

/**
 * TCP as it behaves when the server hangs up with our data unread: its answer is already here, and our next write
 * fails (reset). The wrapper reads ahead to see the server's end, waits a little before each write so the answer
 * to the previous one can arrive, and fails writes after the server has closed.
 */
function resetOnWriteAfterHangup(inner: Transport, delayMs: number): Transport {
  const received: (Uint8Array | null)[] = [];
  let wake = null as (() => void) | null;
  let serverClosed = false;
  void (async () => {
    for (;;) {
      const chunk = await inner.read().catch(() => null);
      received.push(chunk);
      wake?.();
      if (chunk === null) {
        serverClosed = true;
        return;
      }
    }
  })();
  return {
    write: async (data) => {
      await new Promise((r) => setTimeout(r, delayMs));
      if (serverClosed) throw new Error('write ECONNRESET');
      return inner.write(data);
    },
    read: async () => {
      while (received.length === 0) await new Promise<void>((r) => (wake = r));
      return received.shift()!;
    },
    close: () => inner.close(),
  };
}

it('TLS 1.2, client certificate required, none sent: the server\'s alert is reported although our later write failed', async () => {
  const s = await startSServer12(pki, ['-Verify', '1']);
  servers.push(s);
  const rec = recorder();
  const transport = resetOnWriteAfterHangup(await connectTcp('127.0.0.1', s.port), 150);
  const err = await connectTls(transport, { serverName: 'localhost', verifier: createVerifier({ anchors: [pki.rootDer] }), timeoutMs: 10_000, versions: ['TLS1.2'] }, rec.emit).then(
    () => null,
    (e) => e,
  );
  expect(err).not.toBeNull();
  expect(err.receivedAlert).toBe('handshake_failure');
  const alert = rec.events.find((e) => e.kind === 'alert' && e.direction === 'server');
  expect(alert).toMatchObject({ level: 'fatal', name: 'handshake_failure' });
  const errors = rec.events.filter((e) => e.kind === 'error');
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatchObject({ code: err.code });
});
