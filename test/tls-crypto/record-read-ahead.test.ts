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

  it('trial decryption (RFC 8446 §4.2.10): records that do not open are handed over unopened and use no sequence number; none is decrypted ahead until it is off', async () => {
    const opaque = Uint8Array.of(23, 3, 3, 0, 40, ...payload(40, 17));
    const good = [payload(30, 3), payload(31, 5), payload(32, 7), payload(33, 9)];
    // One chunk: two records that open under no key of ours, then the good ones.
    const wire = concat(opaque, opaque, await sealed(keysA, good));
    const trace = new TraceRecorder();
    const reader = new RecordLayer(scriptedTransport([wire]), trace.emit, { side: 'server' });
    const p = await protector(keysA);
    const decrypt = p.decrypt.bind(p);
    let running = 0;
    let most = 0;
    p.decrypt = (raw) => {
      most = Math.max(most, ++running);
      return decrypt(raw).finally(() => running--);
    };
    reader.setReadProtector(p);
    reader.setTrialDecryption('early');
    for (const seq of [0, 1]) {
      const skipped = (await reader.readRecord())!;
      expect(skipped).toMatchObject({ unopened: true, epoch: 'early', seq, contentType: 23 });
      expect(toHex(skipped.fragment)).toBe(toHex(opaque.subarray(5)));
    }
    // The first good record opens at seq 0: the opaque ones used none. Nothing was decrypted ahead meanwhile.
    expect((await reader.readRecord())!).toMatchObject({ seq: 0, epoch: 'application' });
    expect(most).toBe(0);
    reader.setTrialDecryption(null);
    for (const [i, payloadIn] of good.slice(1).entries()) {
      const rec = (await reader.readRecord())!;
      expect(toHex(rec.fragment)).toBe(toHex(payloadIn));
      expect(rec.seq).toBe(i + 1);
    }
    // Off again, the rest were decrypted side by side.
    expect(most).toBeGreaterThan(1);
    const records = trace.events.filter((e): e is RecordEvent => e.kind === 'record');
    expect(records.map((r) => [r.epoch, r.seq, !!r.protection])).toEqual([
      ['early', 0, false],
      ['early', 1, false],
      ['application', 0, true],
      ['application', 1, true],
      ['application', 2, true],
      ['application', 3, true],
    ]);
  });

  it('trial decryption under new keys: records taken ahead under the old ones wait their turn, and the opaque one uses no number', async () => {
    const opaque = Uint8Array.of(23, 3, 3, 0, 40, ...payload(40, 17));
    const before = [payload(20, 3), payload(21, 5)];
    const after = [payload(22, 7), payload(23, 9)];
    // All in one chunk: read under A, the rest is decrypted ahead with A before B and trial decryption come.
    const wire = concat(await sealed(keysA, before), opaque, await sealed(keysB, after));
    const reader = new RecordLayer(scriptedTransport([wire]), new TraceRecorder().emit, { side: 'server' });
    reader.setReadProtector(await protector(keysA));
    for (const p of before) expect(toHex((await reader.readRecord())!.fragment)).toBe(toHex(p));
    reader.setReadProtector(await protector(keysB));
    reader.setTrialDecryption('early');
    expect((await reader.readRecord())!).toMatchObject({ unopened: true, epoch: 'early', seq: 0 });
    for (const [i, p] of after.entries()) {
      const rec = (await reader.readRecord())!;
      expect(toHex(rec.fragment)).toBe(toHex(p));
      expect(rec.seq).toBe(i);
    }
  });

  it('trial decryption starts with the keys: once a record was read under them, it is refused', async () => {
    const reader = new RecordLayer(scriptedTransport([await sealed(keysA, [payload(10, 3)])]), new TraceRecorder().emit, { side: 'server' });
    reader.setReadProtector(await protector(keysA));
    await reader.readRecord();
    expect(() => reader.setTrialDecryption('early')).toThrow('trial decryption starts with the keys');
  });

  it('with trial decryption off again (or never on), a record that does not open is bad_record_mac', async () => {
    const opaque = Uint8Array.of(23, 3, 3, 0, 40, ...payload(40, 17));
    const reader = new RecordLayer(scriptedTransport([concat(opaque, opaque)]), new TraceRecorder().emit, { side: 'server' });
    reader.setReadProtector(await protector(keysA));
    reader.setTrialDecryption('early');
    expect((await reader.readRecord())!.unopened).toBe(true);
    // A key change ends it too; here it is turned off by hand.
    reader.setTrialDecryption(null);
    await expect(reader.readRecord()).rejects.toMatchObject({ code: 'BAD_RECORD_MAC' });
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
