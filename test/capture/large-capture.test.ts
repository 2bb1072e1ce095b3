// A 1 GiB capture read as a stream (generated on the fly, never held whole): listing its streams and importing
// it whole (every record decoded) both keep memory bounded, and the figures (packets, bytes each way, records)
// are exact.
import { describe, expect, it } from 'vitest';
import { importCapture } from '../../src/capture/import.ts';
import { scanCapture } from '../../src/capture/streams.ts';
import { S3 } from '../tls-crypto/rfc8448.fixture.ts';

const GIB = 1024 ** 3;
const PAYLOAD = 65_000;

/**
 * pcap header, then Ethernet/IPv4/TCP packets of one connection (client -> server data), as 1 MiB chunks. Each
 * packet's payload comes from `payload(i)` (the same length each time).
 */
function* hugeCapture(totalBytes: number, payload: (i: number) => Uint8Array = () => new Uint8Array(PAYLOAD).fill(0x61), first?: Uint8Array): Generator<Uint8Array> {
  const header = Buffer.from('d4c3b2a10200040000000000000000000000040001000000', 'hex');
  yield header;
  const frame = (data: Uint8Array) => {
    const frameLength = 14 + 20 + 20 + data.length;
    const record = Buffer.alloc(16 + frameLength);
    record.writeUInt32LE(frameLength, 8);
    record.writeUInt32LE(frameLength, 12);
    const f = 16;
    record.writeUInt16BE(0x0800, f + 12);
    record[f + 14] = 0x45;
    record.writeUInt16BE(40 + data.length, f + 16);
    record[f + 22] = 64;
    record[f + 23] = 6;
    Buffer.from([10, 0, 0, 1, 10, 0, 0, 2]).copy(record, f + 26);
    record.writeUInt16BE(50000, f + 34);
    record.writeUInt16BE(443, f + 36);
    record[f + 46] = 0x50;
    record[f + 47] = 0x18;
    record.set(data, f + 54);
    return record;
  };
  let written = header.length;
  let seq = 1000;
  let second = 1_700_000_000;
  let i = 0;
  const next = (data: Uint8Array) => {
    const r = frame(data);
    r.writeUInt32LE(second++, 0);
    r.writeUInt32BE(seq >>> 0, 16 + 38);
    seq += data.length;
    return r;
  };
  if (first) {
    const r = next(first);
    written += r.length;
    yield r;
  }
  const perChunk = Math.floor((1 << 20) / (16 + 54 + PAYLOAD));
  while (written < totalBytes) {
    const chunk = Buffer.concat(Array.from({ length: perChunk }, () => next(payload(i++))));
    written += chunk.length;
    yield chunk;
  }
}

/** Peak RSS growth while `work` runs (sampled every 50 ms). */
async function peakGrowth<T>(work: () => Promise<T>): Promise<{ result: T; growth: number }> {
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, growth: peak - before };
  } finally {
    clearInterval(timer);
  }
}

describe('a 1 GiB capture', () => {
  it('is listed streaming, with memory bounded', async () => {
    const { result: scan, growth } = await peakGrowth(() => scanCapture(hugeCapture(GIB), { keep: () => false }));
    expect(scan.error).toBeUndefined();
    expect(scan.streams.length).toBe(1);
    expect(scan.streams[0].bytes.client).toBe(scan.packets * PAYLOAD);
    expect(scan.packets * (16 + 54 + PAYLOAD)).toBeGreaterThan(GIB - (1 << 21));
    expect(scan.streams[0].complete).toBe(false);
    // Far below the file's size: the reader holds one block and the stream its 64 KiB prefix.
    expect(growth).toBeLessThan(200 * 1024 * 1024);
  }, 180_000);

  it('of TLS records is imported whole, every record decoded, with memory bounded', async () => {
    // A ClientHello (RFC 8448 §3), then four 16,245-byte application data records in every packet.
    const RECORD = 65_000 / 4;
    const records = new Uint8Array(PAYLOAD);
    for (let r = 0; r < 4; r++) records.set([23, 3, 3, (RECORD - 5) >> 8, (RECORD - 5) & 0xff], r * RECORD);
    const hello = Buffer.from(S3.clientHelloRecord.replace(/\s+/g, ''), 'hex');
    let recordEvents = 0;
    let summarised = 0;
    let shownBytes = 0;
    let packets = 0;
    const { result, growth } = await peakGrowth(() =>
      importCapture(hugeCapture(GIB, () => records, hello), {
        onStream(stream, d) {
          packets = stream.packets;
          for (const e of d.events) {
            if (e.kind !== 'record' || e.contentType !== 23) continue;
            recordEvents++;
            if (e.summarised) summarised++;
            else shownBytes += e.bytes.length / 2 - 5;
          }
          expect(d.events.filter((e) => e.kind === 'error')).toEqual([]);
          expect(d.events.find((e) => e.kind === 'handshake')).toMatchObject({ name: 'ClientHello', direction: 'client' });
        },
      }),
    );
    expect(result.error).toBeUndefined();
    expect(result.streams.length).toBe(1);
    // Every record of every packet after the ClientHello's, each one event; all but the first 64 KiB summarised.
    expect(recordEvents).toBe((packets - 1) * 4);
    expect(shownBytes).toBeGreaterThanOrEqual(64 * 1024);
    expect(shownBytes).toBeLessThan(64 * 1024 + RECORD);
    expect(summarised).toBe(recordEvents - shownBytes / (RECORD - 5));
    // The data is never held: what grows is one small event per record (~66,000 of them).
    console.log(`1 GiB import: ${recordEvents} records, peak RSS growth ${(growth / 2 ** 20).toFixed(0)} MiB`);
    expect(growth).toBeLessThan(300 * 1024 * 1024);
  }, 300_000);
});
