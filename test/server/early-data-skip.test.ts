// Skipping refused 0-RTT data (RFC 8446 §4.2.10) at the layers that do it, with real keys and records: the record
// layer's trial decryption (a record that does not open is handed over unopened and uses no sequence number), the
// message reader and the server's EarlyDataSkipper (each record skipped traced, the budget counted as OpenSSL counts,
// unexpected_message past it, skipping over at the first record that opens), and bad_record_mac wherever no skipping
// is under way.
import { describe, expect, it } from 'vitest';
import { recordChannel } from '../../src/tls/handshake/channel.ts';
import { HandshakeDecoder } from '../../src/tls/handshake/decoder.ts';
import { MessageReader } from '../../src/tls/handshake/message-reader.ts';
import { encodeHandshake } from '../../src/tls/messages/handshake.ts';
import { RecordLayer } from '../../src/tls/record/record-layer.ts';
import { Tls13RecordProtector } from '../../src/tls/record/tls13-protector.ts';
import { EarlyDataSkipper } from '../../src/tls/server/early-data13.ts';
import { suiteByCode } from '../../src/tls/suites.ts';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import type { EarlyDataEvent, TraceEvent } from '../../src/trace/types.ts';
import { memoryPair } from '../../src/transport/memory.ts';

const suite = suiteByCode(0x1301)!;
const key = new Uint8Array(16).fill(7);
const iv = new Uint8Array(12).fill(9);
const finished = encodeHandshake({ type: 'finished', verifyData: new Uint8Array(32).fill(0x5a) }).bytes;

/** A record that opens under no key of ours: what 0-RTT data looks like to a server without the early keys. */
function opaqueRecord(length: number): Uint8Array {
  const r = new Uint8Array(5 + length);
  r.set([23, 3, 3, length >> 8, length & 0xff]);
  r.set(crypto.getRandomValues(new Uint8Array(Math.min(length, 65536))), 5);
  return r;
}

/** A client writing under its handshake keys, and a server reading them, with or without skipping. */
async function pair(skip: 'trial-decryption' | 'after-hello-retry' | null, limit = 1000) {
  const [c, s] = memoryPair();
  const trace = new TraceRecorder(() => 0);
  const writer = new RecordLayer(c, () => -1, { side: 'client' });
  const channel = recordChannel(s, trace.emit, { side: 'server' });
  const reader = new MessageReader(channel, trace.emit, new HandshakeDecoder(), 'client');
  if (skip !== 'after-hello-retry') {
    writer.setWriteProtector(await Tls13RecordProtector.create(suite, key, iv, 'handshake'));
    await channel.setReadKeys(suite, { key, iv }, 'handshake');
  }
  if (skip) reader.skipper = new EarlyDataSkipper(skip, limit, trace.emit, channel);
  return { c, writer, reader, trace };
}

const skipped = (events: TraceEvent[]) => events.filter((e): e is EarlyDataEvent => e.kind === 'early-data' && e.outcome === 'skipped');
const notes = (events: TraceEvent[]) => events.filter((e) => e.kind === 'note').map((e) => (e as { text: string }).text);

describe('trial decryption under the client handshake keys', () => {
  it('records that do not open are skipped and use no sequence number: the first that opens is read at seq 0', async () => {
    const { c, writer, reader, trace } = await pair('trial-decryption');
    await c.write(opaqueRecord(100));
    await c.write(opaqueRecord(40));
    // The Finished in two records (seq 0 and 1 on the client's side): both open only if the skipped ones used no number.
    await writer.writeRecord(22, finished.subarray(0, 10));
    await writer.writeRecord(22, finished.subarray(10));
    const m = await reader.nextHandshake();
    expect(m.name).toBe('Finished');
    const events = trace.events;
    const records = events.filter((e) => e.kind === 'record');
    expect(records.map((e) => e.kind === 'record' && [e.epoch, e.seq, !!e.protection])).toEqual([
      ['early', 0, false],
      ['early', 1, false],
      ['handshake', 0, true],
      ['handshake', 1, true],
    ]);
    // Each skipped record named, with its size, the keys it failed under and the limit; then the count.
    expect(skipped(events).map((e) => [e.bytes, e.limit, e.record, e.reason])).toEqual([
      [100, 1000, records[0].index, "it does not open under the client's handshake key"],
      [40, 1000, records[1].index, "it does not open under the client's handshake key"],
    ]);
    expect(notes(events)).toContain("early data skipping over at a record that opened under the client's handshake key, the start of its second flight: 2 records of 0-RTT data skipped unread, 140 bytes (108 counted against the limit: the tags aside, as OpenSSL counts) (RFC 8446 §4.2.10)");
  });

  it('once a record has opened, skipping is over: a record that does not open then is bad_record_mac', async () => {
    const { c, writer, reader, trace } = await pair('trial-decryption');
    await c.write(opaqueRecord(60));
    await writer.writeRecord(22, finished.subarray(0, 10));
    await c.write(opaqueRecord(60));
    await expect(reader.nextHandshake()).rejects.toMatchObject({ code: 'BAD_RECORD_MAC' });
    expect(skipped(trace.events)).toHaveLength(1);
    // The record that failed is in the trace, as it arrived, under the keys it failed.
    expect(trace.events.filter((e) => e.kind === 'record').map((e) => e.kind === 'record' && e.epoch)).toEqual(['early', 'handshake', 'handshake']);
  });

  it('more than max_early_data_size (and OpenSSL’s 104 bytes for record overhead) is unexpected_message; what was read stays in the trace', async () => {
    const { c, reader, trace } = await pair('trial-decryption', 1000);
    // Counted without the 16-byte tags: 600 + 500 = 1100 <= 1104, then 5 more is too many.
    await c.write(opaqueRecord(616));
    await c.write(opaqueRecord(516));
    await c.write(opaqueRecord(21));
    const e = await reader.nextHandshake().catch((x) => x);
    expect(e).toMatchObject({ code: 'UNEXPECTED_MESSAGE' });
    expect(e.message).toContain('after 2 records of 0-RTT data skipped unread, 1132 bytes (1100 counted against the limit');
    expect(e.message).toContain('a record of 21 bytes would pass the 1000-byte max_early_data_size');
    expect(skipped(trace.events).map((x) => x.bytes)).toEqual([616, 516]);
    expect(trace.events.filter((x) => x.kind === 'record')).toHaveLength(3);
  });

  it('with no skipping (no early data offered), a record that does not open is bad_record_mac at once', async () => {
    const { c, reader, trace } = await pair(null);
    await c.write(opaqueRecord(60));
    await expect(reader.nextHandshake()).rejects.toMatchObject({ code: 'BAD_RECORD_MAC' });
    expect(skipped(trace.events)).toEqual([]);
  });
});

describe('after a HelloRetryRequest', () => {
  it('application_data in the clear is skipped until the second ClientHello; a handshake record ends it', async () => {
    const { c, writer, reader, trace } = await pair('after-hello-retry');
    await c.write(opaqueRecord(50));
    await writer.writeRecord(22, finished);
    expect((await reader.nextHandshake()).name).toBe('Finished');
    expect(skipped(trace.events).map((e) => [e.bytes, e.reason])).toEqual([[50, 'it came in the clear as application_data after the HelloRetryRequest, before the second ClientHello']]);
    expect(notes(trace.events).some((t) => t.startsWith('early data skipping over at the second ClientHello: 1 record of 0-RTT data skipped unread, 50 bytes'))).toBe(true);
  });
});
