// A 1 GiB capture read as a stream (generated on the fly, never held whole): listing its streams keeps memory
// bounded, and the figures (packets, bytes each way) are exact.
import { describe, expect, it } from 'vitest';
import { scanCapture } from '../../src/capture/streams.ts';

const GIB = 1024 ** 3;
const PAYLOAD = 65_000;

/** pcap header, then Ethernet/IPv4/TCP packets of one connection (client -> server data), as 1 MiB chunks. */
function* hugeCapture(totalBytes: number): Generator<Uint8Array> {
  const header = Buffer.from('d4c3b2a10200040000000000000000000000040001000000', 'hex');
  yield header;
  const frameLength = 14 + 20 + 20 + PAYLOAD;
  const record = Buffer.alloc(16 + frameLength, 0x61);
  record.writeUInt32LE(0, 4);
  record.writeUInt32LE(frameLength, 8);
  record.writeUInt32LE(frameLength, 12);
  const f = 16;
  record.fill(0, f, f + 54);
  record.writeUInt16BE(0x0800, f + 12);
  record[f + 14] = 0x45;
  record.writeUInt16BE(40 + PAYLOAD, f + 16);
  record[f + 22] = 64;
  record[f + 23] = 6;
  Buffer.from([10, 0, 0, 1, 10, 0, 0, 2]).copy(record, f + 26);
  record.writeUInt16BE(50000, f + 34);
  record.writeUInt16BE(443, f + 36);
  record[f + 46] = 0x50;
  record[f + 47] = 0x18;
  const perChunk = Math.floor((1 << 20) / record.length);
  let written = header.length;
  let seq = 1000;
  let second = 1_700_000_000;
  while (written < totalBytes) {
    const chunk = Buffer.alloc(perChunk * record.length);
    for (let i = 0; i < perChunk; i++) {
      record.writeUInt32LE(second++, 0);
      record.writeUInt32BE(seq >>> 0, f + 38);
      seq += PAYLOAD;
      record.copy(chunk, i * record.length);
    }
    written += chunk.length;
    yield chunk;
  }
}

describe('a 1 GiB capture', () => {
  it('is listed streaming, with memory bounded', async () => {
    const before = process.memoryUsage().rss;
    let peak = before;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    const scan = await scanCapture(hugeCapture(GIB), { keep: () => false });
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage().rss);
    expect(scan.error).toBeUndefined();
    expect(scan.streams.length).toBe(1);
    expect(scan.streams[0].bytes.client).toBe(scan.packets * PAYLOAD);
    expect(scan.packets * (16 + 54 + PAYLOAD)).toBeGreaterThan(GIB - (1 << 21));
    expect(scan.streams[0].complete).toBe(false);
    // Far below the file's size: the reader holds one block and the stream its 64 KiB prefix.
    expect(peak - before).toBeLessThan(200 * 1024 * 1024);
  }, 180_000);
});
