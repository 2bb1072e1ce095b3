// 0-RTT with openssl s_client -sess_out/-sess_in -early_data against our server. Not set up for it (RFC 8446
// §4.2.10): no early_data in EncryptedExtensions and no HelloRetryRequest, the early data skipped unread by trial
// decryption, the handshake completes (resumed), and the summary and the trace say the early data was refused and
// why. Set up for it (acceptEarlyData): accepted and read; the same session file again is a replay (§8.1) and gets a
// resumed handshake without 0-RTT, the same way.
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { TicketKeys } from '../../src/tls/server.ts';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import type { TraceEvent } from '../../src/trace/types.ts';
import { usePki } from '../support/pki.ts';
import { listenersStoppedAfterEach } from './support/listener.ts';
import { sClient } from './support/s-client.ts';
import { serverCertificates } from './support/server-pki.ts';

const pki = usePki();
const notes = (events: TraceEvent[]) => events.filter((e) => e.kind === 'note').map((e) => (e as { text: string }).text);
const handshakeNames = (events: TraceEvent[]) => events.flatMap((e) => (e.kind === 'handshake' ? [e.name] : []));
const skipped = (events: TraceEvent[]) => events.filter((e) => e.kind === 'early-data' && e.outcome === 'skipped');
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
  expect(resumed.connection?.summary).toMatchObject({ resumed: true, helloRetryRequest: false, earlyDataRefused: true });
  expect(resumed.connection?.summary.earlyData).toEqual({ offered: true, accepted: false, bytes: 0, refusedBecause: 'this server is not set up to accept early data' });
  // The early data was skipped, never read as application data.
  expect(resumed.received).not.toContain('zero round trip');
  const events = traces[1].events;
  expect(events.find((e) => e.kind === 'early-data')).toMatchObject({ side: 'server', outcome: 'refused', reason: 'this server is not set up to accept early data' });
  // One ClientHello, no HelloRetryRequest, no EndOfEarlyData: s_client's early record was skipped by trial decryption.
  expect(handshakeNames(events).filter((n) => n === 'ClientHello' || n === 'HelloRetryRequest' || n === 'EndOfEarlyData')).toEqual(['ClientHello']);
  expect(skipped(events)).toHaveLength(1);
  expect(skipped(events)[0]).toMatchObject({ side: 'server', reason: "it does not open under the client's handshake key" });
  expect(notes(events)).toContainEqual(expect.stringMatching(/^early data skipping over at a record that opened under the client's handshake key.*: 1 record of 0-RTT data skipped unread/));
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
  expect(replayed.connection?.summary).toMatchObject({ resumed: true, helloRetryRequest: false, earlyData: { offered: true, accepted: false } });
  expect(replayed.connection?.summary.earlyData?.refusedBecause).toContain('already used for early data');
  // Skipped, not read: the only data read is the line typed after the handshake.
  expect(replayed.received).not.toContain('zero round trip');
  expect(replay.output).toContain('THIRD');
  expect(handshakeNames(traces[2].events).filter((n) => n === 'ClientHello' || n === 'HelloRetryRequest')).toEqual(['ClientHello']);
  expect(notes(traces[2].events).filter((t) => t.startsWith('PSK identity 0 accepted'))).toHaveLength(1);
  expect(skipped(traces[2].events)).toHaveLength(1);
});
