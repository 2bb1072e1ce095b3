// 0-RTT between our client and our server in memory (RFC 8446 §2.3, §4.2.10, §8.1): accepted and read as early
// data, refused (server not set up, replay of a used ticket) and sent again after the handshake, and more early data
// than the ticket allows ending in unexpected_message. Real crypto on both sides; nothing mocked.
import { describe, expect, it } from 'vitest';
import type { TlsClientOptions } from '../../src/tls/client.ts';
import type { Tls13Session } from '../../src/tls/handshake/options.ts';
import { keyLogLines } from '../../src/tls/keylog.ts';
import { TicketKeys, type ServerConnection, type ServerOptions } from '../../src/tls/server.ts';
import type { TraceEvent } from '../../src/trace/types.ts';
import { utf8 } from '../../src/util/bytes.ts';
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

  it('refused by a server not set up for it: a HelloRetryRequest, and the client sends the data again after the handshake', async () => {
    const ticketKeys = new TicketKeys();
    const session = await ticket(ticketKeys);
    const r = await run({ ticketKeys, maxEarlyData: 1024 }, { session, earlyData: utf8.encode('resend me') });
    expect(r.clientError).toBeNull();
    expect(r.client!.summary).toMatchObject({ helloRetryRequest: true, resumed: true, earlyData: { offered: true, accepted: false, bytes: 9, resent: 9 } });
    expect(r.server!.summary.earlyData).toMatchObject({ offered: true, accepted: false, refusedBecause: 'this server is not set up to accept early data' });
    const server = r.server as ServerConnection & { earlyData: Uint8Array | null };
    expect(server.earlyData).toBeNull();
    // Read once, as ordinary application data: the early copy was skipped unread.
    expect(text(await server.read())).toBe('resend me');
    expect(r.clientTrace.events.filter((e) => e.kind === 'early-data').map((e) => e.kind === 'early-data' && [e.outcome, e.bytes, e.reason])).toEqual([
      ['sent', 9, undefined],
      ['refused', 9, 'the server answered with a HelloRetryRequest'],
    ]);
    expect(notes(r.serverTrace.events).some((t) => t.startsWith('early data skipped unread'))).toBe(true);
    await r.client!.close();
  });

  it('a second ClientHello with the same ticket gets no 0-RTT (RFC 8446 §8.1), the handshake continues 1-RTT', async () => {
    const ticketKeys = new TicketKeys();
    const session = await ticket(ticketKeys);
    const server = { ticketKeys, maxEarlyData: 1024, acceptEarlyData: true };
    const first = await run(server, { session, earlyData: utf8.encode('once') });
    expect(first.server!.summary.earlyData?.accepted).toBe(true);
    const again = await run(server, { session, earlyData: utf8.encode('once') });
    expect(again.clientError).toBeNull();
    expect(again.server!.summary.earlyData).toMatchObject({ accepted: false });
    expect(again.server!.summary.earlyData?.refusedBecause).toContain('already used for early data');
    expect(again.client!.summary.earlyData).toMatchObject({ offered: true, accepted: false, resent: 4 });
    expect(text(await again.server!.read())).toBe('once');
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
