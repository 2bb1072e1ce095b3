// The record layer: RFC 8448 record protection, framing across chunk boundaries, limits and alerts.
import { describe, expect, it } from 'vitest';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import type { RecordEvent } from '../../src/trace/types.ts';
import { concat, fromHex, toHex } from '../../src/util/bytes.ts';
import { TlsAlertError } from '../../src/tls/record/alerts.ts';
import { RecordLayer } from '../../src/tls/record/record-layer.ts';
import { Tls13RecordProtector } from '../../src/tls/record/tls13-protector.ts';
import { suiteByCode, type Tls13Suite } from '../../src/tls/suites.ts';
import { S3 } from './rfc8448.fixture.ts';
import { cut, joined, scriptedTransport } from './transports.ts';
import { describeEachProvider } from '../crypto/providers.ts';

const h = fromHex;
const AES128 = suiteByCode(0x1301)!;
const serverHandshakePayload = () => concat(h(S3.encryptedExtensions), h(S3.certificate), h(S3.certificateVerify), h(S3.serverFinished));

const serverHs = () => Tls13RecordProtector.create(AES128, h(S3.serverHandshakeKey), h(S3.serverHandshakeIv), 'handshake');
const clientHs = () => Tls13RecordProtector.create(AES128, h(S3.clientHandshakeKey), h(S3.clientHandshakeIv), 'handshake');
const serverAp = () => Tls13RecordProtector.create(AES128, h(S3.serverApplicationKey), h(S3.serverApplicationIv), 'application');
const clientAp = () => Tls13RecordProtector.create(AES128, h(S3.clientApplicationKey), h(S3.clientApplicationIv), 'application');

async function expectAlert(p: Promise<unknown>, code: string, alert: number) {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, `expected ${code}`).toBeInstanceOf(TlsAlertError);
  expect((err as TlsAlertError).code).toBe(code);
  expect((err as TlsAlertError).alert).toBe(alert);
  return err as TlsAlertError;
}

describeEachProvider((_provider) => {
  describe('TLS 1.3 record protection against RFC 8448 §3', () => {
    it('encrypts the server handshake flight to the exact record of the RFC', async () => {
      const p = await serverHs();
      const sealed = await p.encrypt(22, serverHandshakePayload());
      expect(toHex(sealed.bytes)).toBe(S3.serverHandshakeRecord);
      expect(sealed.seq).toBe(0n);
      expect(toHex(sealed.details.nonce)).toBe(S3.serverHandshakeIv); // seq 0: nonce = iv
      expect(toHex(sealed.details.aad)).toBe('17030302a2');
    });

    it('encrypts the client Finished, the ticket, application data and the close_notify alert exactly', async () => {
      expect(toHex((await (await clientHs()).encrypt(22, h(S3.clientFinished))).bytes)).toBe(S3.clientFinishedRecord);
      const sap = await serverAp();
      expect(toHex((await sap.encrypt(22, h(S3.newSessionTicket))).bytes)).toBe(S3.newSessionTicketRecord);
      expect(toHex((await sap.encrypt(23, h(S3.applicationPayload))).bytes)).toBe(S3.serverApplicationRecord);
      const cap = await clientAp();
      expect(toHex((await cap.encrypt(23, h(S3.applicationPayload))).bytes)).toBe(S3.clientApplicationRecord);
      expect(toHex((await cap.encrypt(21, h('0100'))).bytes)).toBe(S3.clientAlertRecord);
    });

    it('reads the RFC server records through the record layer, decrypted, with trace events', async () => {
      const trace = new TraceRecorder(() => 0);
      const wire = concat(h(S3.serverHelloRecord), h(S3.serverHandshakeRecord));
      const rl = new RecordLayer(scriptedTransport(cut(wire, [3, 90, 100, 101, 400])), trace.emit, { side: 'client' });

      const sh = await rl.readRecord();
      expect(sh).toMatchObject({ contentType: 22, epoch: 'plaintext', seq: 0 });
      expect(toHex(sh!.fragment)).toBe(S3.serverHello);

      rl.setReadProtector(await serverHs());
      const flight = await rl.readRecord();
      expect(flight).toMatchObject({ contentType: 22, epoch: 'handshake', seq: 0 });
      expect(toHex(flight!.fragment)).toBe(toHex(serverHandshakePayload()));
      expect(await rl.readRecord()).toBeNull();

      const events = trace.events.filter((e): e is RecordEvent => e.kind === 'record');
      expect(events).toHaveLength(2);
      expect(events[0]).toMatchObject({ direction: 'server', epoch: 'plaintext', seq: 0, contentType: 22, bytes: S3.serverHelloRecord });
      expect(events[0].fields.map((f) => [f.name, f.start, f.end])).toEqual([
        ['content_type', 0, 1],
        ['legacy_record_version', 1, 3],
        ['length', 3, 5],
        ['fragment', 5, 95],
      ]);
      const ev = events[1];
      expect(ev).toMatchObject({ direction: 'server', epoch: 'handshake', contentType: 23, bytes: S3.serverHandshakeRecord });
      expect(ev.index).toBe(flight!.eventIndex);
      expect(ev.fields.map((f) => [f.name, f.start, f.end])).toEqual([
        ['content_type', 0, 1],
        ['legacy_record_version', 1, 3],
        ['length', 3, 5],
        ['encrypted_record', 5, 679 - 16],
        ['auth_tag', 679 - 16, 679],
      ]);
      expect(ev.protection).toMatchObject({
        cipherSuite: 'TLS_AES_128_GCM_SHA256',
        nonce: S3.serverHandshakeIv,
        iv: S3.serverHandshakeIv,
        aad: '17030302a2',
        innerContentType: 22,
        paddingLength: 0,
        plaintext: toHex(serverHandshakePayload()),
        tag: S3.serverHandshakeRecord.slice(-32),
      });
      expect(ev.protection!.ciphertext).toBe(S3.serverHandshakeRecord.slice(10, -32));
    });

    it('writes the client records of the RFC through the record layer, with seq and nonce per epoch', async () => {
      const trace = new TraceRecorder(() => 0);
      const t = scriptedTransport([]);
      const rl = new RecordLayer(t, trace.emit, { side: 'client' });
      rl.legacyRecordVersion = 0x0301;
      await rl.writeRecord(22, h(S3.clientHello));
      rl.legacyRecordVersion = 0x0303;
      rl.setWriteProtector(await clientHs());
      const [finIndex] = await rl.writeRecord(22, h(S3.clientFinished));
      rl.setWriteProtector(await clientAp());
      await rl.writeRecord(23, h(S3.applicationPayload));
      await rl.writeRecord(21, h('0100'));
      expect(toHex(joined(t))).toBe(S3.clientHelloRecord + S3.clientFinishedRecord + S3.clientApplicationRecord + S3.clientAlertRecord);
      const events = trace.events.filter((e): e is RecordEvent => e.kind === 'record');
      expect(events.map((e) => [e.direction, e.epoch, e.seq])).toEqual([
        ['client', 'plaintext', 0],
        ['client', 'handshake', 0],
        ['client', 'application', 0],
        ['client', 'application', 1],
      ]);
      expect(events[1].index).toBe(finIndex);
      // seq 1: the last IV byte is XORed with 1.
      const iv = h(S3.clientApplicationIv);
      iv[11] ^= 1;
      expect(events[3].protection?.nonce).toBe(toHex(iv));
    });
  });

  describe('padding and inner content type', () => {
    it('adds padding on write and strips it on read, reporting its length', async () => {
      const trace = new TraceRecorder(() => 0);
      const out = scriptedTransport([]);
      const writer = new RecordLayer(out, trace.emit, { side: 'server' });
      writer.setWriteProtector(await serverAp());
      await writer.writeRecord(23, h('68656c6c6f'), { padding: 100 });
      expect(joined(out).length).toBe(5 + 5 + 1 + 100 + 16);

      const reader = new RecordLayer(scriptedTransport([joined(out)]), trace.emit, { side: 'client' });
      reader.setReadProtector(await serverAp());
      const rec = await reader.readRecord();
      expect(toHex(rec!.fragment)).toBe('68656c6c6f');
      expect(rec!.contentType).toBe(23);
      const ev = trace.events.at(-1) as RecordEvent;
      expect(ev.protection).toMatchObject({ paddingLength: 100, innerContentType: 23, plaintext: '68656c6c6f' });
    });

    it('refuses an inner plaintext that is all zeros (no content type) with unexpected_message', async () => {
      const w = await serverAp();
      // Encrypt a "content" of zeros with inner type 0: on the wire it is indistinguishable from all padding.
      const sealed = await w.encrypt(0, new Uint8Array(8));
      const rl = new RecordLayer(scriptedTransport([sealed.bytes]), () => 0);
      rl.setReadProtector(await serverAp());
      await expectAlert(rl.readRecord(), 'UNEXPECTED_MESSAGE', 10);
    });

    it('refuses an encrypted change_cipher_spec', async () => {
      const sealed = await (await serverAp()).encrypt(20, h('01'));
      const rl = new RecordLayer(scriptedTransport([sealed.bytes]), () => 0);
      rl.setReadProtector(await serverAp());
      await expectAlert(rl.readRecord(), 'UNEXPECTED_MESSAGE', 10);
    });
  });

  describe('bad records', () => {
    it('a flipped bit gives bad_record_mac, and the failing record is still in the trace', async () => {
      const trace = new TraceRecorder(() => 0);
      const bad = h(S3.serverHandshakeRecord);
      bad[200] ^= 0x80;
      const rl = new RecordLayer(scriptedTransport([bad]), trace.emit);
      rl.setReadProtector(await serverHs());
      const err = await expectAlert(rl.readRecord(), 'BAD_RECORD_MAC', 20);
      expect(err.message).toMatch(/failed authentication/);
      const ev = trace.events.at(-1) as RecordEvent;
      expect(ev).toMatchObject({ kind: 'record', bytes: toHex(bad), epoch: 'handshake' });
      expect(ev.protection).toBeUndefined();
    });

    it('the right record under the wrong keys gives bad_record_mac; so does a fragment shorter than the tag', async () => {
      const rl = new RecordLayer(scriptedTransport([h(S3.serverHandshakeRecord)]), () => 0);
      rl.setReadProtector(await clientHs());
      await expectAlert(rl.readRecord(), 'BAD_RECORD_MAC', 20);
      const short = new RecordLayer(scriptedTransport([h('170303000a00000000000000000000')]), () => 0);
      short.setReadProtector(await serverHs());
      await expectAlert(short.readRecord(), 'BAD_RECORD_MAC', 20);
    });

    it('a replayed record (second copy under the next sequence number) fails', async () => {
      const rec = h(S3.serverHandshakeRecord);
      const rl = new RecordLayer(scriptedTransport([rec, rec]), () => 0);
      rl.setReadProtector(await serverHs());
      expect((await rl.readRecord())?.contentType).toBe(22);
      await expectAlert(rl.readRecord(), 'BAD_RECORD_MAC', 20);
    });

    it('record_overflow: plaintext longer than 2^14, ciphertext longer than 2^14 + 256', async () => {
      const plainHeader = h('1603034001'); // 16385 bytes
      const rl = new RecordLayer(scriptedTransport([plainHeader]), () => 0);
      const e = await expectAlert(rl.readRecord(), 'RECORD_OVERFLOW', 22);
      expect(e.message).toMatch(/16385 bytes exceeds the limit of 16384/);
      // Exactly 2^14 + 256 is allowed (fails later as bad_record_mac); one more is an overflow.
      const okSize = new RecordLayer(scriptedTransport([concat(h('1703034100'), new Uint8Array(0x4100))]), () => 0);
      okSize.setReadProtector(await serverAp());
      await expectAlert(okSize.readRecord(), 'BAD_RECORD_MAC', 20);
      const tooBig = new RecordLayer(scriptedTransport([h('1703034101')]), () => 0);
      tooBig.setReadProtector(await serverAp());
      await expectAlert(tooBig.readRecord(), 'RECORD_OVERFLOW', 22);
    });

    it('a record longer than our record_size_limit is an overflow', async () => {
      const rl = new RecordLayer(scriptedTransport([concat(h('1703030101'), new Uint8Array(257))]), () => 0, { maxReadPlaintext: 256 });
      await expectAlert(rl.readRecord(), 'RECORD_OVERFLOW', 22);
    });

    it('unknown content type and non-TLS bytes: unexpected_message with a hint', async () => {
      const http = new TextEncoder().encode('HTTP/1.1 400 Bad Request\r\n\r\n');
      const e = await expectAlert(new RecordLayer(scriptedTransport([http]), () => 0).readRecord(), 'UNEXPECTED_MESSAGE', 10);
      expect(e.message).toMatch(/HTTP\/.*not be speaking TLS/);
      await expectAlert(new RecordLayer(scriptedTransport([h('1803030001ff')]), () => 0).readRecord(), 'UNEXPECTED_MESSAGE', 10);
    });

    it('a record version whose first byte is not 3 is protocol_version', async () => {
      await expectAlert(new RecordLayer(scriptedTransport([h('1602030001ff')]), () => 0).readRecord(), 'PROTOCOL_VERSION', 70);
      await expectAlert(new RecordLayer(scriptedTransport([h('1605030001ff')]), () => 0).readRecord(), 'PROTOCOL_VERSION', 70);
    });

    it('any {03,XX} record version is read (RFC 8446 §5.1 ignores it; RFC 5246 §E.1 accepts it)', async () => {
      for (const version of ['0300', '0304', '03ff']) {
        const record = await new RecordLayer(scriptedTransport([h(`16${version}0001ff`)]), () => 0).readRecord();
        expect(record?.fragment).toEqual(h('ff'));
      }
    });

    it('an end of stream inside a record is a truncation (decode_error); at a boundary it is a clean null', async () => {
      await expectAlert(new RecordLayer(scriptedTransport([h('1603')]), () => 0).readRecord(), 'TRUNCATED_RECORD', 50);
      await expectAlert(new RecordLayer(scriptedTransport([h('1603030005aabb')]), () => 0).readRecord(), 'TRUNCATED_RECORD', 50);
      expect(await new RecordLayer(scriptedTransport([]), () => 0).readRecord()).toBeNull();
    });

    it('empty handshake records are refused; empty application data is allowed', async () => {
      await expectAlert(new RecordLayer(scriptedTransport([h('1603030000')]), () => 0).readRecord(), 'EMPTY_RECORD', 10);
      const rl = new RecordLayer(scriptedTransport([h('1703030000')]), () => 0);
      expect(await rl.readRecord()).toMatchObject({ contentType: 23, fragment: new Uint8Array(0) });
    });

    it('an unprotected handshake record after keys are installed is unexpected_message', async () => {
      const rl = new RecordLayer(scriptedTransport([h(S3.serverHelloRecord)]), () => 0);
      rl.setReadProtector(await serverHs());
      await expectAlert(rl.readRecord(), 'UNEXPECTED_MESSAGE', 10);
    });

    it('an unprotected alert before anything arrived under the handshake keys is the alert of a peer that never had our keys', async () => {
      const rl = new RecordLayer(scriptedTransport([h('15030300020228')]), () => 0);
      rl.setReadProtector(await serverHs());
      expect(await rl.readRecord()).toMatchObject({ contentType: 21, epoch: 'plaintext', fragment: h('0228') });
    });

    it('an unprotected alert once records came under the keys is refused, naming the alert, and kept in the trace', async () => {
      const sealed = await (await serverHs()).encrypt(22, h(S3.encryptedExtensions));
      const trace = new TraceRecorder(() => 0);
      const rl = new RecordLayer(scriptedTransport([sealed.bytes, h('15030300020228')]), trace.emit);
      rl.setReadProtector(await serverHs());
      expect(await rl.readRecord()).toMatchObject({ contentType: 22, epoch: 'handshake' });
      const e = await expectAlert(rl.readRecord(), 'UNEXPECTED_MESSAGE', 10);
      expect(e.message).toMatch(/fatal handshake_failure/);
      const ev = trace.events.at(-1) as RecordEvent;
      expect(ev.fields.map((f) => f.name)).toEqual(['content_type', 'legacy_record_version', 'length', 'fragment']);
      expect(ev.fields[3].value).toBe('fatal handshake_failure');
    });

    it('an unprotected alert under application keys is refused', async () => {
      const rl = new RecordLayer(scriptedTransport([h('15030300020228')]), () => 0);
      rl.setReadProtector(await serverAp());
      await expectAlert(rl.readRecord(), 'UNEXPECTED_MESSAGE', 10);
    });

    it('the sequence number never wraps', async () => {
      const p = await serverAp();
      p.setSequenceForTest((1n << 64n) - 1n);
      await expectAlert(p.encrypt(23, h('00')), 'SEQUENCE_OVERFLOW', 80);
    });
  });

  describe('framing', () => {
    it('reassembles records split byte by byte and merged many per chunk', async () => {
      const w = scriptedTransport([]);
      const writer = new RecordLayer(w, () => 0, { side: 'server' });
      await writer.writeRecord(22, h(S3.serverHello));
      writer.setWriteProtector(await serverHs());
      await writer.writeRecord(22, serverHandshakePayload());
      await writer.writeRecord(21, h('0100'));
      const wire = joined(w);

      const bytewise = Array.from(wire, (b) => Uint8Array.of(b));
      for (const chunks of [bytewise, [wire], cut(wire, [1, 5, 6, 94, 95, 96, 500])]) {
        const rl = new RecordLayer(scriptedTransport(chunks), () => 0);
        expect(toHex((await rl.readRecord())!.fragment)).toBe(S3.serverHello);
        rl.setReadProtector(await serverHs());
        expect(toHex((await rl.readRecord())!.fragment)).toBe(toHex(serverHandshakePayload()));
        expect(await rl.readRecord()).toMatchObject({ contentType: 21, fragment: h('0100'), seq: 1 });
        expect(await rl.readRecord()).toBeNull();
      }
    });

    it('delivers the middlebox-compatibility change_cipher_spec as a plaintext record even under handshake keys', async () => {
      const wire = concat(h('140303000101'), h(S3.serverHandshakeRecord));
      const rl = new RecordLayer(scriptedTransport([wire]), () => 0);
      rl.setReadProtector(await serverHs());
      expect(await rl.readRecord()).toMatchObject({ contentType: 20, fragment: h('01'), epoch: 'plaintext' });
      expect(await rl.readRecord()).toMatchObject({ contentType: 22, epoch: 'handshake', seq: 0 });
    });

    it('writes the compatibility change_cipher_spec record', async () => {
      const t = scriptedTransport([]);
      const rl = new RecordLayer(t, () => 0);
      rl.setWriteProtector(await clientHs());
      await rl.writeChangeCipherSpec();
      expect(toHex(joined(t))).toBe('140303000101');
    });

    it.each([
      ['plaintext', null],
      ['protected', 'aes'],
    ] as const)('fragments %s writes at the configured maximum and the reader puts them back together', async (_label, mode) => {
      const trace = new TraceRecorder(() => 0);
      const t = scriptedTransport([]);
      const rl = new RecordLayer(t, trace.emit, { maxFragmentLength: 100 });
      if (mode) rl.setWriteProtector(await clientAp());
      const data = Uint8Array.from({ length: 1050 }, (_, i) => i & 0xff);
      const indices = await rl.writeRecord(23, data);
      expect(indices).toHaveLength(11);
      const reader = new RecordLayer(scriptedTransport([joined(t)]), () => 0, { side: 'server' });
      if (mode) reader.setReadProtector(await clientAp());
      const parts: Uint8Array[] = [];
      for (let r = await reader.readRecord(); r; r = await reader.readRecord()) {
        expect(r.fragment.length).toBeLessThanOrEqual(100);
        parts.push(r.fragment);
      }
      expect(toHex(concat(...parts))).toBe(toHex(data));
    });

    it('keeps wire order equal to sequence order when writes are not awaited one by one', async () => {
      const t = scriptedTransport([]);
      const rl = new RecordLayer(t, () => 0);
      rl.setWriteProtector(await clientAp());
      const writes = Array.from({ length: 30 }, (_, i) => rl.writeRecord(23, Uint8Array.of(i), { padding: (i * 37) % 200 }));
      const failed = rl.writeRecord(22, new Uint8Array(0));
      writes.push(rl.writeRecord(23, Uint8Array.of(30)));
      await expect(failed).rejects.toThrow(/empty handshake/);
      await Promise.all(writes);
      const reader = new RecordLayer(scriptedTransport([joined(t)]), () => 0, { side: 'server' });
      reader.setReadProtector(await clientAp());
      for (let i = 0; i <= 30; i++) expect(await reader.readRecord()).toMatchObject({ fragment: Uint8Array.of(i), seq: i });
      expect(await reader.readRecord()).toBeNull();
    });

    it('refuses a second readRecord while one is pending', async () => {
      let release: (v: Uint8Array | null) => void = () => {};
      const slow = { write: async () => {}, close: async () => {}, read: () => new Promise<Uint8Array | null>((r) => (release = r)) };
      const rl = new RecordLayer(slow, () => 0);
      const first = rl.readRecord();
      await expect(rl.readRecord()).rejects.toThrow(/still pending/);
      release(null);
      expect(await first).toBeNull();
    });

    it('fragments at 2^14 by default', async () => {
      const t = scriptedTransport([]);
      const rl = new RecordLayer(t, () => 0);
      rl.setWriteProtector(await clientAp());
      const indices = await rl.writeRecord(23, new Uint8Array((1 << 14) * 2 + 1));
      expect(indices).toHaveLength(3);
      const wire = joined(t);
      expect((wire[3] << 8) | wire[4]).toBe((1 << 14) + 1 + 16);
    });

    it('never pads past the inner plaintext limit', async () => {
      const p = await clientAp();
      const sealed = await p.encrypt(23, new Uint8Array(1 << 14), 500);
      expect(sealed.details.paddingLength).toBe(0);
      expect(sealed.bytes.length).toBe(5 + (1 << 14) + 1 + 16);
    });

    it('works the same with AES-256-GCM/SHA-384 and ChaCha20-Poly1305 suites', async () => {
      for (const code of [0x1302, 0x1303]) {
        const suite = suiteByCode(code) as Tls13Suite;
        const key = new Uint8Array(suite.keyLength).fill(3);
        const iv = new Uint8Array(12).fill(9);
        const t = scriptedTransport([]);
        const w = new RecordLayer(t, () => 0);
        w.setWriteProtector(await Tls13RecordProtector.create(suite, key, iv, 'application'));
        await w.writeRecord(23, h('0102030405'), { padding: 3 });
        await w.writeRecord(21, h('0100'));
        const r = new RecordLayer(scriptedTransport(cut(joined(t), [7, 30])), () => 0, { side: 'server' });
        r.setReadProtector(await Tls13RecordProtector.create(suite, key, iv, 'application'));
        expect(await r.readRecord()).toMatchObject({ contentType: 23, fragment: h('0102030405') });
        expect(await r.readRecord()).toMatchObject({ contentType: 21, fragment: h('0100'), seq: 1 });
      }
    });

    it('refuses to send an empty handshake record and keys of the wrong size', async () => {
      await expect(new RecordLayer(scriptedTransport([]), () => 0).writeRecord(22, new Uint8Array(0))).rejects.toThrow(/empty handshake/);
      await expect(Tls13RecordProtector.create(AES128, new Uint8Array(32), new Uint8Array(12), 'handshake')).rejects.toThrow(/16-byte key/);
    });
  });
});
