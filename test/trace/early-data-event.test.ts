// The 'early-data' trace event: what our client and server emit at each 0-RTT decision (real handshakes in memory),
// the readers' one wording of it, and the trace checker that guards opened files.
import { describe, expect, it } from 'vitest';
import { TicketKeys } from '../../src/tls/server.ts';
import type { Tls13Session } from '../../src/tls/handshake/options.ts';
import { earlyDataWords } from '../../src/trace/early-data-words.ts';
import { firstDamagedEvent } from '../../src/trace/trace-check.ts';
import type { EarlyDataEvent, TraceEvent } from '../../src/trace/types.ts';
import { utf8 } from '../../src/util/bytes.ts';
import { usePki } from '../support/pki.ts';
import { runInMemory } from '../server/support/in-memory.ts';

const pki = usePki();
const earlyDataEvents = (events: TraceEvent[]) => events.filter((e): e is EarlyDataEvent => e.kind === 'early-data');

async function resumedWithEarlyData(acceptEarlyData: boolean) {
  const ticketKeys = new TicketKeys();
  const first = await runInMemory(pki, { ticketKeys, maxEarlyData: 1000, numTickets: 1, acceptEarlyData: true });
  const session = (first.client!.session ?? (await first.client!.waitForSession(5000))) as Tls13Session;
  await first.client!.close();
  return runInMemory(pki, { ticketKeys, maxEarlyData: 1000, acceptEarlyData }, { session, earlyData: utf8.encode('hello early') });
}

describe('what each side records at its 0-RTT decision', () => {
  it('accepted: the client sent 11 bytes and learns they were read; the server took them, up to its 1000', async () => {
    const r = await resumedWithEarlyData(true);
    expect(earlyDataEvents(r.clientTrace.events).map((e) => [e.side, e.outcome, e.bytes, e.limit])).toEqual([
      ['client', 'sent', 11, 1000],
      ['client', 'accepted', 11, undefined],
    ]);
    expect(earlyDataEvents(r.serverTrace.events).map((e) => [e.side, e.outcome, e.limit])).toEqual([['server', 'accepted', 1000]]);
    expect(firstDamagedEvent(r.clientTrace.events)).toBeUndefined();
    expect(firstDamagedEvent(r.serverTrace.events)).toBeUndefined();
    await r.client!.close();
  });

  it('refused by a server not set up for it: the reason on both sides, and the record the server skipped', async () => {
    const r = await resumedWithEarlyData(false);
    const skippedRecord = r.serverTrace.events.find((e) => e.kind === 'record' && e.direction === 'client' && e.epoch === 'early')!;
    expect(earlyDataEvents(r.serverTrace.events).map((e) => [e.outcome, e.reason, e.record])).toEqual([
      ['refused', 'this server is not set up to accept early data', undefined],
      ['skipped', "it does not open under the client's handshake key", skippedRecord.index],
    ]);
    expect(earlyDataEvents(r.clientTrace.events).map((e) => [e.outcome, e.reason])).toEqual([
      ['sent', undefined],
      ['refused', "the server's EncryptedExtensions has no early_data"],
    ]);
    expect(firstDamagedEvent(r.serverTrace.events)).toBeUndefined();
    await r.client!.close();
  });

  it('not offered, with no ticket to resume: why, and that the bytes go after the handshake', async () => {
    const r = await runInMemory(pki, {}, { earlyData: utf8.encode('no ticket') });
    const [e] = earlyDataEvents(r.clientTrace.events);
    expect(e).toMatchObject({ side: 'client', outcome: 'not-sent', bytes: 9, reason: 'no TLS 1.3 ticket to resume with' });
    expect(earlyDataWords(e)).toBe('early data not sent as 0-RTT: no TLS 1.3 ticket to resume with; its 9 bytes go after the handshake');
    await r.client!.close();
  });
});

describe('the words and the checker', () => {
  it.each([
    [{ side: 'client', outcome: 'sent', bytes: 5, limit: 16384 }, /^0-RTT: 5 bytes of early data sent before the server answered.*\(the ticket allows 16384 bytes\)$/],
    [{ side: 'client', outcome: 'accepted', bytes: 5 }, /^0-RTT accepted: the server read the 5 bytes/],
    [{ side: 'client', outcome: 'refused', bytes: 5, reason: 'the server answered with a HelloRetryRequest' }, /^0-RTT refused: the server answered with a HelloRetryRequest\. The server did not read the 5 bytes/],
    [{ side: 'server', outcome: 'accepted', limit: 16384 }, /^early data accepted: .*up to 16384 bytes are read/],
    [{ side: 'server', outcome: 'refused', reason: 'a replay' }, /^early data refused: a replay$/],
    [
      { side: 'server', outcome: 'skipped', bytes: 28, limit: 16384, record: 7, reason: "it does not open under the client's handshake key" },
      /^early data record of 28 bytes skipped unread: it does not open under the client's handshake key; .* up to 16384 bytes of early data in all \(RFC 8446 §4\.2\.10\)$/,
    ],
  ] as const)('%j', (e, words) => {
    expect(earlyDataWords(e as EarlyDataEvent)).toMatch(words);
  });

  it('an opened trace with a malformed early-data event is named as damaged', () => {
    const base = { index: 0, t: 0, conn: 0, kind: 'early-data', side: 'client' };
    expect(firstDamagedEvent([{ ...base, outcome: 'sent', bytes: 3 }])).toBeUndefined();
    expect(firstDamagedEvent([{ ...base, outcome: 'maybe' }])).toMatchObject({ at: 0, kind: 'early-data' });
    expect(firstDamagedEvent([{ ...base, outcome: 'sent', bytes: 'three' }])).toMatchObject({ at: 0, kind: 'early-data' });
    expect(firstDamagedEvent([{ ...base, side: 'server', outcome: 'skipped', bytes: 28, record: 7 }])).toBeUndefined();
    expect(firstDamagedEvent([{ ...base, side: 'server', outcome: 'skipped', bytes: 28, record: 'seven' }])).toMatchObject({ at: 0, kind: 'early-data' });
  });
});
