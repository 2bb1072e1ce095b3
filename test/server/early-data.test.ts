// 0-RTT with openssl s_client -sess_out/-sess_in -early_data against our server. Not set up for it (RFC 8446
// §4.2.10): a HelloRetryRequest, the early data skipped unread, the handshake completes (resumed), and the summary
// and the trace say the early data was refused and why. Set up for it (acceptEarlyData): accepted and read; the same
// session file again is a replay (§8.1) and gets a 1-RTT handshake.
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
  expect(resumed.connection?.summary.earlyData).toEqual({ offered: true, accepted: false, bytes: 0, refusedBecause: 'this server is not set up to accept early data' });
  // The early data was skipped, never read as application data.
  expect(resumed.received).not.toContain('zero round trip');
  const notes = traces[1].events.filter((e) => e.kind === 'note').map((e) => (e as { text: string }).text);
  expect(traces[1].events.find((e) => e.kind === 'early-data')).toMatchObject({ side: 'server', outcome: 'refused', reason: 'this server is not set up to accept early data' });
  expect(notes.some((t) => t.startsWith('HelloRetryRequest: turning away the early data'))).toBe(true);
  expect(notes.some((t) => t.startsWith('early data skipped unread'))).toBe(true);
});

it('openssl s_client -early_data against a server set up for 0-RTT: accepted; the same session again is a replay, refused', async () => {
  const ticketKeys = new TicketKeys();
  const traces: TraceRecorder[] = [];
  const listener = await startListener((i) => {
    traces[i] = new TraceRecorder(() => 0);
    return { certificates: [serverCertificates(pki).p256], ticketKeys, numTickets: 1, maxEarlyData: 16_384, acceptEarlyData: true, timeoutMs: 10_000, recorder: traces[i].emit };
  });
  const sess = path.join(pki.dir, 'early-data-accepted-session.pem');
  const early = path.join(pki.dir, 'early-data-accepted.txt');
  fs.writeFileSync(early, 'zero round trip please\n');
  const ca = ['-CAfile', pki.rootPem, '-tls1_3'];
  await sClient(listener.port, [...ca, '-sess_out', sess], ['first']);
  const second = await sClient(listener.port, [...ca, '-sess_in', sess, '-early_data', early], ['second']);
  expect(second.output).toContain('Early data was accepted');
  expect(second.output).toContain('Reused, TLSv1.3');
  // Our listener echoes what it reads, upper-cased: the early data came first, before the typed line.
  expect(second.output).toContain('ZERO ROUND TRIP PLEASE');
  const [, resumed] = await listener.settled(2);
  expect(resumed.error).toBeUndefined();
  expect(resumed.connection?.summary).toMatchObject({ resumed: true, helloRetryRequest: false, earlyData: { offered: true, accepted: true, bytes: 23 } });
  expect(resumed.received.startsWith('zero round trip please\n')).toBe(true);
  expect(traces[1].events.some((e) => e.kind === 'handshake' && e.direction === 'client' && e.name === 'EndOfEarlyData')).toBe(true);

  // The same session file (the same ticket, the same early data) once more: what an attacker replaying it would send.
  const replay = await sClient(listener.port, [...ca, '-sess_in', sess, '-early_data', early], ['third']);
  expect(replay.output).toContain('Early data was rejected');
  expect(replay.output).toContain('Reused, TLSv1.3');
  const [, , replayed] = await listener.settled(3);
  expect(replayed.error).toBeUndefined();
  expect(replayed.connection?.summary).toMatchObject({ resumed: true, helloRetryRequest: true, earlyData: { offered: true, accepted: false } });
  expect(replayed.connection?.summary.earlyData?.refusedBecause).toContain('already used for early data');
  expect(replayed.received).not.toContain('zero round trip');
});
