// Read-ahead decryption: the record layer starts decrypting the next buffered record early. It
// must give the same results as reading one by one: across a key change, for bufferedBytes, and
// for a record that fails authentication.
import { describe, expect, it } from 'vitest';
import { RecordLayer } from '../../src/tls/record/record-layer.ts';
import { TlsAlertError } from '../../src/tls/record/alerts.ts';
import { Tls13RecordProtector } from '../../src/tls/record/tls13-protector.ts';
import { TLS13_SUITES } from '../../src/tls/suites.ts';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import type { RecordEvent } from '../../src/trace/types.ts';
import { concat, toHex } from '../../src/util/bytes.ts';
import { joined, scriptedTransport } from './transports.ts';

const suite = TLS13_SUITES[0x1301];
const keysA = { key: new Uint8Array(16).fill(0xa), iv: new Uint8Array(12).fill(1) };
const keysB = { key: new Uint8Array(16).fill(0xb), iv: new Uint8Array(12).fill(2) };
const protector = (k: { key: Uint8Array; iv: Uint8Array }) => Tls13RecordProtector.create(suite, k.key, k.iv, 'application');

async function sealed(keys: typeof keysA, payloads: Uint8Array[]): Promise<Uint8Array> {
  const out = scriptedTransport([]);
  const writer = new RecordLayer(out, new TraceRecorder().emit, { side: 'server' });
  writer.setWriteProtector(await protector(keys));
  for (const p of payloads) await writer.writeRecord(23, p);
  return joined(out);
}

const payload = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * seed) & 0xff);

describe('record read-ahead', () => {
  it('reads records that cross a key change, all arriving in one chunk', async () => {
    const before = [payload(100, 3), payload(16384, 5)];
    const after = [payload(7, 11), payload(3000, 13)];
    const wire = concat(await sealed(keysA, before), await sealed(keysB, after));
    const trace = new TraceRecorder();
    const reader = new RecordLayer(scriptedTransport([wire]), trace.emit, { side: 'client' });
    reader.setReadProtector(await protector(keysA));
    for (const p of before) expect(toHex((await reader.readRecord())!.fragment)).toBe(toHex(p));
    // The next record (under B) may already have been tried with A: it must still count as buffered.
    expect(reader.bufferedBytes).toBe(wire.length - (await sealed(keysA, before)).length);
    reader.setReadProtector(await protector(keysB));
    for (const [i, p] of after.entries()) {
      const rec = (await reader.readRecord())!;
      expect(toHex(rec.fragment)).toBe(toHex(p));
      expect(rec.seq).toBe(i);
    }
    expect(await reader.readRecord()).toBeNull();
    const records = trace.events.filter((e): e is RecordEvent => e.kind === 'record');
    expect(records.map((r) => r.seq)).toEqual([0, 1, 0, 1]);
  });

  it('starts decrypting every buffered record under new keys at the first read (a whole server flight at once)', async () => {
    const payloads = [payload(40, 3), payload(900, 5), payload(80, 7), payload(36, 9)];
    const wire = await sealed(keysA, payloads);
    const reader = new RecordLayer(scriptedTransport([wire]), new TraceRecorder().emit, { side: 'client' });
    const p = await protector(keysA);
    // The real decryption, counted: how many run at the same time.
    const decrypt = p.decrypt.bind(p);
    let running = 0;
    let most = 0;
    p.decrypt = (raw) => {
      most = Math.max(most, ++running);
      return decrypt(raw).finally(() => running--);
    };
    reader.setReadProtector(p);
    for (const [i, expected] of payloads.entries()) {
      const rec = (await reader.readRecord())!;
      expect(toHex(rec.fragment)).toBe(toHex(expected));
      expect(rec.seq).toBe(i);
    }
    expect(most).toBe(payloads.length);
  });

  it('reports a record that fails authentication when it is read, after the good one before it', async () => {
    const wire = await sealed(keysA, [payload(50, 3), payload(60, 7)]);
    wire[wire.length - 1] ^= 1; // corrupt the second record's tag
    const trace = new TraceRecorder();
    const reader = new RecordLayer(scriptedTransport([wire]), trace.emit, { side: 'client' });
    reader.setReadProtector(await protector(keysA));
    expect(toHex((await reader.readRecord())!.fragment)).toBe(toHex(payload(50, 3)));
    const failure = await reader.readRecord().then(() => null, (e) => e);
    expect(failure).toBeInstanceOf(TlsAlertError);
    expect((failure as TlsAlertError).code).toBe('BAD_RECORD_MAC');
    const records = trace.events.filter((e): e is RecordEvent => e.kind === 'record');
    expect(records).toHaveLength(2);
    expect(records[1].seq).toBe(1);
  });
});
