// 0-RTT between our client and our server in memory (RFC 8446 §2.3, §4.2.10, §8.1): accepted and read as early
// data; refused (server not set up, replay of a used ticket) with no HelloRetryRequest, the early records skipped by
// trial decryption and the data sent again after the handshake; more early data than the ticket allows, or than a
// refusing server skips, ending in unexpected_message; a record that does not open where nothing is skipped ending in
// bad_record_mac. Real crypto on both sides; nothing mocked.
import { describe, expect, it } from 'vitest';
import { connectTls, type TlsClientOptions } from '../../src/tls/client.ts';
import type { Tls13Session } from '../../src/tls/handshake/options.ts';
import { keyLogLines } from '../../src/tls/keylog.ts';
import { acceptTls, TicketKeys, type ServerConnection, type ServerOptions } from '../../src/tls/server.ts';
import type { EarlyDataEvent, TraceEvent } from '../../src/trace/types.ts';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import { memoryPair } from '../../src/transport/memory.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import { serverCertificates } from './support/server-pki.ts';
import { utf8 } from '../../src/util/bytes.ts';
import type { Transport } from '../../src/transport/types.ts';
import { usePki } from '../support/pki.ts';
import { runInMemory } from './support/in-memory.ts';

const pki = usePki();

const run = (server: Partial<ServerOptions>, client: Partial<TlsClientOptions> = {}) => runInMemory(pki, server, client);

/** A ticket announcing early data, from a first connection to a server with these ticket keys. */
async function ticket(ticketKeys: TicketKeys, maxEarlyData = 1024): Promise<Tls13Session> {
  const first = await run({ ticketKeys, maxEarlyData, numTickets: 1 });
  const session = (first.client!.session ?? (await first.client!.waitForSession(5000))) as Tls13Session;
  expect(session.maxEarlyData).toBe(maxEarlyData);
  return session;
}

const skippedEvents = (events: TraceEvent[]) => events.filter((e): e is EarlyDataEvent => e.kind === 'early-data' && e.outcome === 'skipped');

/** The client's writes, with the n-th protected record (outer type application_data, from 1) damaged in its tag. */
function damaging(t: Transport, n: number): Transport {
  let seen = 0;
  return {
    ...t,
    write(data: Uint8Array) {
      const copy = data.slice();
      for (let at = 0; at + 5 <= copy.length; at += 5 + ((copy[at + 3] << 8) | copy[at + 4])) {
        const end = at + 5 + ((copy[at + 3] << 8) | copy[at + 4]);
        if (copy[at] === 23 && ++seen === n) copy[end - 1] ^= 0x01;
      }
      return t.write(copy);
    },
    read: () => t.read(),
    close: () => t.close(),
  };
}

/** runInMemory with the client's n-th protected record damaged on its way. */
async function runDamaged(server: Partial<ServerOptions>, client: Partial<TlsClientOptions>, n: number) {
  const [c, s] = memoryPair();
  const serverTrace = new TraceRecorder(() => 0);
  const accepting = acceptTls(s, { certificates: [serverCertificates(pki).p256], recorder: serverTrace.emit, timeoutMs: 5_000, ...server });
  const connecting = connectTls(damaging(c, n), { serverName: 'localhost', verifier: createVerifier({ anchors: [pki.rootDer] }), timeoutMs: 5_000, ...client }, () => -1);
  const [sr] = await Promise.allSettled([accepting, connecting]);
  return { server: sr.status === 'fulfilled' ? sr.value : null, serverError: sr.status === 'rejected' ? (sr.reason as { code?: string }) : null, serverTrace };
}

const notes = (events: TraceEvent[]) => events.filter((e) => e.kind === 'note').map((e) => (e as { text: string }).text);
const text = (data: Uint8Array | null) => (data ? utf8.decode(data) : null);

describe('0-RTT, our client with our server', () => {
  it('accepted: the server reads the early data before the handshake ends, and read() gives it first', async () => {
    const ticketKeys = new TicketKeys();
    const session = await ticket(ticketKeys);
    const r = await run({ ticketKeys, maxEarlyData: 1024, acceptEarlyData: true }, { session, earlyData: utf8.encode('GET / early') });
    expect(r.clientError).toBeNull();
    expect(r.client!.summary.earlyData).toEqual({ offered: true, accepted: true, bytes: 11, resent: 0 });
    expect(r.server!.summary).toMatchObject({ resumed: true, helloRetryRequest: false, earlyData: { offered: true, accepted: true, bytes: 11 } });
    const server = r.server as ServerConnection & { earlyData: Uint8Array | null };
    expect(text(server.earlyData)).toBe('GET / early');
    expect(text(await server.read())).toBe('GET / early');
    // After the handshake, ordinary data comes next, under the application keys.
    await r.client!.write(utf8.encode('after'));
    expect(text(await server.read())).toBe('after');
    // The server's trace: the early record under the early keys, EndOfEarlyData read under them, and why it took them.
    const s = r.serverTrace.events;
    expect(s.some((e) => e.kind === 'record' && e.direction === 'client' && e.epoch === 'early')).toBe(true);
    expect(s.some((e) => e.kind === 'handshake' && e.name === 'EndOfEarlyData' && e.epoch === 'early')).toBe(true);
    expect(s.some((e) => e.kind === 'key' && e.name === 'client_early_traffic_secret')).toBe(true);
    expect(s.find((e) => e.kind === 'early-data')).toMatchObject({ side: 'server', outcome: 'accepted', limit: expect.any(Number) });
    // Both sides derived the same client_early_traffic_secret, and both key logs name it.
    const line = (events: TraceEvent[]) => keyLogLines(events).find((l) => l.startsWith('CLIENT_EARLY_TRAFFIC_SECRET '));
    expect(line(r.clientTrace.events)).toBeDefined();
    expect(line(r.clientTrace.events)).toBe(line(s));
    await r.client!.close();
  });

  it('refused by a server not set up for it: no HelloRetryRequest, the early record skipped, and the client sends the data again after the handshake', async () => {
    const ticketKeys = new TicketKeys();
    const session = await ticket(ticketKeys);
    const r = await run({ ticketKeys, maxEarlyData: 1024 }, { session, earlyData: utf8.encode('resend me') });
    expect(r.clientError).toBeNull();
    expect(r.client!.summary).toMatchObject({ helloRetryRequest: false, resumed: true, earlyData: { offered: true, accepted: false, bytes: 9, resent: 9 } });
    expect(r.server!.summary).toMatchObject({ helloRetryRequest: false, resumed: true, earlyDataRefused: true });
    expect(r.server!.summary.earlyData).toEqual({ offered: true, accepted: false, bytes: 0, refusedBecause: 'this server is not set up to accept early data' });
    const server = r.server as ServerConnection & { earlyData: Uint8Array | null };
    expect(server.earlyData).toBeNull();
    // Read once, as ordinary application data: the early copy was skipped unread.
    expect(text(await server.read())).toBe('resend me');
    expect(r.clientTrace.events.filter((e) => e.kind === 'early-data').map((e) => e.kind === 'early-data' && [e.outcome, e.bytes, e.reason])).toEqual([
      ['sent', 9, undefined],
      ['refused', 9, "the server's EncryptedExtensions has no early_data"],
    ]);
    // The server's EncryptedExtensions leaves early_data out; its trace shows the record it could not open, skipped.
    const ee = r.serverTrace.events.find((e) => e.kind === 'handshake' && e.name === 'EncryptedExtensions');
    expect(JSON.stringify(ee && ee.kind === 'handshake' ? ee.fields : [])).not.toContain('early_data');
    expect(skippedEvents(r.serverTrace.events)).toHaveLength(1);
    expect(notes(r.serverTrace.events)).toContainEqual(expect.stringMatching(/^early data skipping over at a record that opened under the client's handshake key.*: 1 record of 0-RTT data skipped unread/));
    await r.client!.close();
  });

  it('a replayed ticket (its second use) gets a resumed handshake without 0-RTT (RFC 8446 §8.1): no HelloRetryRequest, the early data skipped, sent again and echoed', async () => {
    const ticketKeys = new TicketKeys();
    const session = await ticket(ticketKeys);
    const server = { ticketKeys, maxEarlyData: 1024, acceptEarlyData: true };
    const first = await run(server, { session, earlyData: utf8.encode('once') });
    expect(first.server!.summary.earlyData?.accepted).toBe(true);
    const again = await run(server, { session, earlyData: utf8.encode('once') });
    expect(again.clientError).toBeNull();
    expect(again.server!.summary).toMatchObject({ resumed: true, helloRetryRequest: false, earlyDataRefused: true, earlyData: { offered: true, accepted: false, bytes: 0 } });
    expect(again.server!.summary.earlyData?.refusedBecause).toContain('already used for early data');
    expect(again.client!.summary).toMatchObject({ resumed: true, helloRetryRequest: false, earlyData: { offered: true, accepted: false, bytes: 4, resent: 4 } });
    // One ClientHello, so one PSK accepted; no HelloRetryRequest anywhere.
    const s = again.serverTrace.events;
    expect(notes(s).filter((t) => t.startsWith('PSK identity 0 accepted'))).toHaveLength(1);
    expect(s.filter((e) => e.kind === 'handshake' && (e.name === 'ClientHello' || e.name === 'HelloRetryRequest')).map((e) => e.kind === 'handshake' && e.name)).toEqual(['ClientHello']);
    // The early record, skipped by trial decryption: traced as it arrived (under the early keys the server does not
    // have), named by its 'early-data' event, counted when the client's Finished opened.
    const [skip] = skippedEvents(s);
    expect(skip).toMatchObject({ side: 'server', bytes: 4 + 17, limit: 16_384, reason: "it does not open under the client's handshake key" });
    const skippedRecord = s[skip.record!];
    expect(skippedRecord).toMatchObject({ kind: 'record', direction: 'client', epoch: 'early', seq: 0, contentType: 23 });
    expect(skippedRecord.kind === 'record' && skippedRecord.protection).toBeUndefined();
    expect(notes(s)).toContain("early data skipping over at a record that opened under the client's handshake key, the start of its second flight: 1 record of 0-RTT data skipped unread, 21 bytes (5 counted against the limit: the tags aside, as OpenSSL counts) (RFC 8446 §4.2.10)");
    // The client's Finished, its first record under the handshake keys, opened at seq 0.
    expect(s.find((e) => e.kind === 'record' && e.direction === 'client' && e.epoch === 'handshake')).toMatchObject({ seq: 0, protection: { innerContentType: 22 } });
    // The data, sent again after the handshake, is read once and echoed.
    const data = await again.server!.read();
    expect(text(data)).toBe('once');
    await again.server!.write(data!);
    expect(text(await again.client!.read())).toBe('once');
    await again.client!.close();
  });

  it('a ticket whose age the client counts a minute off from the server\'s gets no 0-RTT (RFC 8446 §8.3)', async () => {
    const ticketKeys = new TicketKeys();
    const session = await ticket(ticketKeys);
    // The client believes it got the ticket a minute earlier than it did: its obfuscated_ticket_age says so.
    const r = await run({ ticketKeys, maxEarlyData: 1024, acceptEarlyData: true }, { session: { ...session, receivedAt: session.receivedAt - 60_000 }, earlyData: utf8.encode('stale') });
    expect(r.clientError).toBeNull();
    expect(r.server!.summary.earlyData).toMatchObject({ offered: true, accepted: false });
    expect(r.server!.summary.earlyData?.refusedBecause).toMatch(/^the ticket's age as the client counts it is 60 s off from the server's/);
    expect(r.client!.summary.earlyData).toMatchObject({ accepted: false, resent: 5 });
    expect(text(await r.server!.read())).toBe('stale');
  });

  it('more early data than the ticket allows is unexpected_message (RFC 8446 §4.2.10)', async () => {
    const ticketKeys = new TicketKeys();
    const session = await ticket(ticketKeys, 100);
    // The client is told the ticket allows more than the server sealed into it.
    const r = await run({ ticketKeys, maxEarlyData: 100, acceptEarlyData: true }, { session: { ...session, maxEarlyData: 5000 }, earlyData: new Uint8Array(400).fill(0x61) });
    expect(r.serverError?.code).toBe('UNEXPECTED_MESSAGE');
    expect((r.serverError as Error).message).toContain('more early data than the ticket\'s max_early_data_size of 100 bytes');
    const alerts = r.serverTrace.events.filter((e) => e.kind === 'alert' && e.direction === 'server');
    expect(alerts.map((e) => (e as { name: string }).name)).toContain('unexpected_message');
  });

  it('a key share missing: the HelloRetryRequest refuses the early data, the record on its way is skipped in the clear until the second ClientHello', async () => {
    const ticketKeys = new TicketKeys();
    const session = await ticket(ticketKeys);
    // The client's only share is for x25519; a server taking only secp384r1 must ask again, and early data cannot
    // follow a HelloRetryRequest (RFC 8446 §4.2.10).
    const r = await run({ ticketKeys, maxEarlyData: 1024, acceptEarlyData: true, groups: ['secp384r1'] }, { session, earlyData: utf8.encode('after the retry') });
    expect(r.clientError).toBeNull();
    expect(r.client!.summary).toMatchObject({ helloRetryRequest: true, resumed: true, earlyData: { offered: true, accepted: false, resent: 15, reason: 'the server answered with a HelloRetryRequest' } });
    expect(r.server!.summary).toMatchObject({ helloRetryRequest: true, resumed: true, earlyDataRefused: true, earlyData: { offered: true, accepted: false, refusedBecause: 'a HelloRetryRequest was needed for the key share' } });
    const s = r.serverTrace.events;
    const [skip] = skippedEvents(s);
    expect(skip).toMatchObject({ reason: 'it came in the clear as application_data after the HelloRetryRequest, before the second ClientHello' });
    expect(s[skip.record!]).toMatchObject({ kind: 'record', direction: 'client', epoch: 'plaintext', contentType: 23 });
    expect(notes(s)).toContainEqual(expect.stringMatching(/^early data skipping over at the second ClientHello: 1 record of 0-RTT data skipped unread/));
    expect(text(await r.server!.read())).toBe('after the retry');
    await r.client!.close();
  });

  it('more early data than a refusing server skips is unexpected_message, as OpenSSL ends it; the trace keeps what was read', async () => {
    const ticketKeys = new TicketKeys();
    const session = await ticket(ticketKeys, 100);
    // The client is told the ticket allows far more: 20000 bytes go as two early records (16384 + 3616). The server
    // skips up to 16384 bytes (and OpenSSL's 104 for record overhead), counting each record's ciphertext less its tag.
    const r = await run({ ticketKeys, maxEarlyData: 100 }, { session: { ...session, maxEarlyData: 100_000 }, earlyData: new Uint8Array(20_000).fill(0x61) });
    expect(r.serverError?.code).toBe('UNEXPECTED_MESSAGE');
    expect(r.serverError?.message).toContain('more early data than this server skips: after 1 record of 0-RTT data skipped unread, 16401 bytes (16385 counted against the limit');
    const s = r.serverTrace.events;
    expect(s.filter((e) => e.kind === 'alert' && e.direction === 'server').map((e) => (e as { name: string }).name)).toEqual(['unexpected_message']);
    expect(skippedEvents(s).map((e) => e.bytes)).toEqual([16_401]);
    // Both early records are in the trace, as they arrived: the one skipped and the one that passed the limit.
    expect(s.filter((e) => e.kind === 'record' && e.direction === 'client' && e.epoch === 'early').map((e) => e.kind === 'record' && e.bytes.length / 2 - 5)).toEqual([16_401, 3_633]);
    expect(s.find((e) => e.kind === 'early-data' && e.outcome === 'refused')).toMatchObject({ reason: 'this server is not set up to accept early data' });
  });

  it('a record that does not open is bad_record_mac when nothing is skipped: no early data offered, or after the handshake', async () => {
    // No early data: the client's Finished, its first protected record, damaged.
    const plain = await runDamaged({}, {}, 1);
    expect(plain.serverError?.code).toBe('BAD_RECORD_MAC');
    expect(plain.serverTrace.events.some((e) => e.kind === 'early-data')).toBe(false);

    // Early data refused and skipped (protected record 1); the Finished (2) opens and ends the skipping; the data sent
    // again after the handshake (3, under the application keys) is damaged.
    const ticketKeys = new TicketKeys();
    const session = await ticket(ticketKeys);
    const refused = await runDamaged({ ticketKeys, maxEarlyData: 1024 }, { session, earlyData: utf8.encode('resend me') }, 3);
    expect(refused.serverError).toBeNull();
    expect(skippedEvents(refused.serverTrace.events)).toHaveLength(1);
    await expect(refused.server!.read()).rejects.toMatchObject({ code: 'BAD_RECORD_MAC' });
  });

  it('early data within a ticket that allows less: only the allowed bytes go as 0-RTT, the rest after the handshake', async () => {
    const ticketKeys = new TicketKeys();
    const session = await ticket(ticketKeys, 8);
    const r = await run({ ticketKeys, maxEarlyData: 8, acceptEarlyData: true }, { session, earlyData: utf8.encode('0123456789ab') });
    expect(r.client!.summary.earlyData).toEqual({ offered: true, accepted: true, bytes: 8, resent: 4 });
    const server = r.server as ServerConnection & { earlyData: Uint8Array | null };
    expect(text(server.earlyData)).toBe('01234567');
    expect(text(await server.read())).toBe('01234567');
    expect(text(await server.read())).toBe('89ab');
  });
});
