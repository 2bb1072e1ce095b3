// 0-RTT refused cleanly (RFC 8446 §4.2.10): openssl s_client resumes with a ticket that allows early data and
// sends some; our server answers with a HelloRetryRequest, skips the early data unread, and the handshake completes
// (resumed). The summary and the trace say the early data was refused.
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { TicketKeys } from '../../src/tls/server.ts';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import { usePki } from '../support/pki.ts';
import { listenersStoppedAfterEach } from './support/listener.ts';
import { sClient } from './support/s-client.ts';
import { serverCertificates } from './support/server-pki.ts';

const pki = usePki();
const startListener = listenersStoppedAfterEach();

it('openssl s_client -early_data with a resumed session: early data refused, handshake completes', async () => {
  const ticketKeys = new TicketKeys();
  const traces: TraceRecorder[] = [];
  const listener = await startListener((i) => {
    traces[i] = new TraceRecorder(() => 0);
    return { certificates: [serverCertificates(pki).p256], ticketKeys, numTickets: 1, maxEarlyData: 16_384, timeoutMs: 10_000, recorder: traces[i].emit };
  });
  const sess = path.join(pki.dir, 'early-data-session.pem');
  const early = path.join(pki.dir, 'early-data.txt');
  fs.writeFileSync(early, 'zero round trip please\n');
  const ca = ['-CAfile', pki.rootPem, '-tls1_3'];
  const first = await sClient(listener.port, [...ca, '-sess_out', sess], ['first']);
  expect(first.output).toContain('Max Early Data: 16384');
  const second = await sClient(listener.port, [...ca, '-sess_in', sess, '-early_data', early], ['second']);
  expect(second.output).toContain('Early data was rejected');
  expect(second.output).toContain('Reused, TLSv1.3');
  expect(second.output).toContain('SECOND');
  const [, resumed] = await listener.settled(2);
  expect(resumed.error).toBeUndefined();
  expect(resumed.connection?.summary).toMatchObject({ resumed: true, helloRetryRequest: true, earlyDataRefused: true });
  // The early data was skipped, never read as application data.
  expect(resumed.received).not.toContain('zero round trip');
  const notes = traces[1].events.filter((e) => e.kind === 'note').map((e) => (e as { text: string }).text);
  expect(notes.some((t) => t.startsWith('HelloRetryRequest: turning away the early data'))).toBe(true);
  expect(notes.some((t) => t.startsWith('early data skipped unread'))).toBe(true);
});
