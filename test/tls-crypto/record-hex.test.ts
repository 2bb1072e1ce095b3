// lazyHexOfPart / fragmentHex: the trace reuses a record's hex for parts that are views into the record, and
// falls back to encoding anything else (copies, other buffers, views outside the record).
import { describe, expect, it } from 'vitest';
import { RecordLayer } from '../../src/tls/record/record-layer.ts';
import { protectedRecordFields } from '../../src/tls/record/record-fields.ts';
import { lazyHexOfPart } from '../../src/trace/lazy-hex.ts';
import { Tls13RecordProtector } from '../../src/tls/record/tls13-protector.ts';
import { TLS13_SUITES } from '../../src/tls/suites.ts';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import { toHex } from '../../src/util/bytes.ts';
import { cut, joined, scriptedTransport } from './transports.ts';

describe('lazyHexOfPart', () => {
  const backing = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff);
  const record = backing.subarray(20, 280);
  const recordHex = () => toHex(record);

  it('gives the same digits as toHex for views inside the record, at any offset', () => {
    for (const [s, e] of [[0, 5], [5, 244], [244, 260], [0, 260], [100, 100]]) {
      const part = record.subarray(s, e);
      expect(lazyHexOfPart(part, record, recordHex)()).toBe(toHex(part));
    }
  });

  it('encodes copies and views that reach outside the record on their own', () => {
    const copy = record.slice(5, 50);
    expect(lazyHexOfPart(copy, record, recordHex)()).toBe(toHex(copy));
    const before = backing.subarray(10, 30); // starts before the record
    expect(lazyHexOfPart(before, record, recordHex)()).toBe(toHex(before));
    const after = backing.subarray(270, 290); // ends after it
    expect(lazyHexOfPart(after, record, recordHex)()).toBe(toHex(after));
  });
});

describe('ReceivedRecord.fragmentHex', () => {
  it('is the hex of the decrypted fragment, the same string as the record event plaintext, at any chunking', async () => {
    const suite = TLS13_SUITES[0x1301];
    const key = new Uint8Array(16).fill(1);
    const iv = new Uint8Array(12).fill(2);
    // Write three records (one of them a full 16 KiB), then read them back through chunk boundaries.
    const out = scriptedTransport([]);
    const writer = new RecordLayer(out, new TraceRecorder().emit, { side: 'server' });
    writer.setWriteProtector(await Tls13RecordProtector.create(suite, key, iv, 'application'));
    const payloads = [Uint8Array.of(1, 2, 3), Uint8Array.from({ length: 16384 }, (_, i) => i & 0xff), new Uint8Array(0)];
    for (const p of payloads) await writer.writeRecord(23, p);
    const wire = joined(out);
    const trace = new TraceRecorder();
    const reader = new RecordLayer(scriptedTransport(cut(wire, [7, 30, 5000, 16400, wire.length - 3])), trace.emit, { side: 'client' });
    reader.setReadProtector(await Tls13RecordProtector.create(suite, key, iv, 'application'));
    for (const p of payloads) {
      const rec = (await reader.readRecord())!;
      expect(rec.fragmentHex()).toBe(toHex(p));
      const event = trace.events[rec.eventIndex] as { protection?: { plaintext: string } };
      expect(event.protection?.plaintext).toBe(rec.fragmentHex());
    }
    expect(await reader.readRecord()).toBeNull();
  });
});

describe('record events encode their hex when first read', () => {
  it('serialise (JSON, structured clone, spread) with the same hex as the bytes on the wire', async () => {
    const suite = TLS13_SUITES[0x1301];
    const out = scriptedTransport([]);
    const trace = new TraceRecorder();
    const writer = new RecordLayer(out, trace.emit, { side: 'client' });
    writer.setWriteProtector(await Tls13RecordProtector.create(suite, new Uint8Array(16).fill(3), new Uint8Array(12).fill(4), 'application'));
    const data = Uint8Array.from({ length: 3000 }, (_, i) => (i * 13) & 0xff);
    await writer.writeRecord(23, data);
    const wire = joined(out);
    const event = trace.events[0];
    for (const copy of [JSON.parse(JSON.stringify(event)), structuredClone(event), { ...event }]) {
      expect(Object.getOwnPropertyDescriptor(copy, 'bytes')?.value).toBe(toHex(wire));
      expect(copy.protection.plaintext).toBe(toHex(data));
      expect(copy.protection.ciphertext + copy.protection.tag).toBe(toHex(wire.subarray(5)));
      expect(copy.protection.aad).toBe(toHex(wire.subarray(0, 5)));
      // The field tree (built when first read) is the one protectedRecordFields gives for the record on the wire.
      expect(copy.fields).toEqual(protectedRecordFields(wire, 16));
      // The same keys, in the same order, as a plain object literal would have (saved traces read the same).
      expect(Object.keys(copy)).toEqual(['kind', 'direction', 'epoch', 'seq', 'contentType', 'bytes', 'fields', 'protection', 'index', 't', 'conn']);
      expect(Object.keys(copy.protection)).toEqual(['cipherSuite', 'nonce', 'iv', 'aad', 'ciphertext', 'tag', 'plaintext', 'innerContentType', 'paddingLength']);
    }
  });
});

describe("a protected record's protection details", () => {
  it('are made when first read, then kept: the same object each time, and a value set replaces them', async () => {
    const out = scriptedTransport([]);
    const trace = new TraceRecorder();
    const writer = new RecordLayer(out, trace.emit, { side: 'client' });
    writer.setWriteProtector(await Tls13RecordProtector.create(TLS13_SUITES[0x1301], new Uint8Array(16).fill(5), new Uint8Array(12).fill(6), 'application'));
    await writer.writeRecord(23, Uint8Array.of(9, 8, 7));
    const event = trace.events[0] as { protection?: { plaintext: string; nonce: string } };
    // An accessor until read: a host that never reads a record's details (no trace kept) never makes them.
    expect(typeof Object.getOwnPropertyDescriptor(event, 'protection')?.get).toBe('function');
    const first = event.protection!;
    expect(first.plaintext).toBe('090807');
    expect(event.protection).toBe(first);
    const replaced = { ...first, plaintext: '' };
    event.protection = replaced;
    expect(event.protection).toBe(replaced);
  });
});
