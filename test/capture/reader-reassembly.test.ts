// The capture reader and TCP reassembly on a real tcpdump capture (TLS 1.2, data both ways) and on variants of it:
// other link types (Linux cooked SLL/SLL2 from tcpdump -i any, raw IP, BSD loopback, VLAN, IPv6), segments out of
// order, retransmitted, overlapping or lost; and bad input: wrong magic, truncation, absurd lengths, corrupt
// blocks, garbage and wrong key logs, fuzzed files. Every variant must decode to the same messages, or say plainly
// what is wrong while keeping what could be read.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { readCapture, type CapturedPacket } from '../../src/capture/capture-file.ts';
import { parseKeyLog } from '../../src/capture/keylog.ts';
import { decodeStream, type DecodedStream } from '../../src/capture/session.ts';
import { scanCapture } from '../../src/capture/streams.ts';
import { fuzzRunOptions } from '../support/fuzz.ts';
import { usePki } from '../support/pki.ts';
import { spawnSServer } from '../tls/helpers.ts';
import { ipOf, isTcp, payloadOf, pcapFile, srcPort, tcpPayloadLength, withPayload } from './frames.ts';
import { captureOpenssl, runSClient, startTcpdump, tempDir, withoutGaps, type CapturedRun } from './helpers.ts';

const BIN = path.resolve(__dirname, '../../bin/tls-lens.js');
const pki = usePki();
let run: CapturedRun;
let keyLogText: string;
let original: Uint8Array;
let frames: CapturedPacket[];
let reference: string[];
const dirs: string[] = [];

beforeAll(async () => {
  const steps = [{ type: 'hello from s_client\n' }, { serverType: 'hello from s_server\n' }, { type: 'x'.repeat(3000) + '\n' }];
  run = await captureOpenssl(pki, 'reader', ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-GCM-SHA256'], [{ args: [], steps }]);
  dirs.push(run.dir);
  keyLogText = fs.readFileSync(run.keyLog, 'utf8');
  original = new Uint8Array(fs.readFileSync(run.pcap));
  frames = [];
  for await (const item of readCapture([original])) if (item.kind === 'packet') frames.push({ ...item, data: item.data.slice() });
  reference = summary(await decodeOnly(original));
}, 60_000);
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

async function decodeOnly(file: Uint8Array, keyLog = keyLogText): Promise<DecodedStream> {
  const scan = await scanCapture([file]);
  expect(scan.error).toBeUndefined();
  expect(scan.streams.length).toBe(1);
  return decodeStream(scan.streams[0], { keyLog: parseKeyLog(keyLog) });
}

/** What must not change between variants: each handshake message and each piece of application data, in order. */
function summary(d: DecodedStream): string[] {
  const out: string[] = [];
  for (const e of d.events) {
    if (e.kind === 'handshake') out.push(`${e.direction} ${e.name} ${e.bytes.length / 2}`);
    if (e.kind === 'app-data') out.push(`${e.direction} data ${Buffer.from(e.bytes, 'hex').toString().slice(0, 20)} ${e.bytes.length / 2}`);
  }
  return out;
}

// ---------- writing variants ----------

/** IPv4 -> IPv6 (addresses ::ffff:a.b.c.d), same TCP segment. */
function toIpv6(frame: Uint8Array): Uint8Array {
  const ip = ipOf(frame);
  const ihl = (ip[0] & 15) * 4;
  const tcp = ip.subarray(ihl, (ip[2] << 8) | ip[3]);
  const out = new Uint8Array(14 + 40 + tcp.length);
  out.set(frame.subarray(0, 12), 0);
  out[12] = 0x86;
  out[13] = 0xdd;
  const v6 = out.subarray(14);
  v6[0] = 0x60;
  v6[4] = tcp.length >> 8;
  v6[5] = tcp.length & 0xff;
  v6[6] = 6;
  v6[7] = 64;
  v6.set([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...ip.subarray(12, 16)], 8);
  v6.set([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...ip.subarray(16, 20)], 24);
  v6.set(tcp, 40);
  return out;
}

describe('link types and IP versions', () => {
  const variants: [string, number, (f: Uint8Array) => Uint8Array][] = [
    ['raw IPv4 (LINKTYPE_RAW)', 101, (f) => f.subarray(14)],
    ['BSD loopback, host order (LINKTYPE_NULL)', 0, (f) => new Uint8Array([2, 0, 0, 0, ...f.subarray(14)])],
    ['BSD loopback, network order (LINKTYPE_LOOP)', 108, (f) => new Uint8Array([0, 0, 0, 2, ...f.subarray(14)])],
    ['Ethernet with two VLAN tags (802.1ad + 802.1Q)', 1, (f) => new Uint8Array([...f.subarray(0, 12), 0x88, 0xa8, 0, 10, 0x81, 0x00, 0, 100, ...f.subarray(12)])],
    ['IPv6 over Ethernet', 1, toIpv6],
    ['raw IPv6 (LINKTYPE_IPV6)', 229, (f) => toIpv6(f).subarray(14)],
  ];
  for (const [name, linkType, transform] of variants) {
    it(name, async () => {
      const file = pcapFile(linkType, frames.map((f) => ({ time: f.time, data: transform(f.data) })));
      expect(summary(await decodeOnly(file))).toEqual(reference);
    });
  }

  /** A TCP/IP frame's IP payload (TCP header and data) in pieces of about a third, multiples of 8 bytes. */
  const pieces = (data: Uint8Array): { offset: number; bytes: Uint8Array }[] => {
    const third = Math.max(8, Math.floor(data.length / 3 / 8) * 8);
    const out = [];
    for (let offset = 0; offset < data.length; offset += third) out.push({ offset, bytes: data.subarray(offset, Math.min(data.length, offset + third)) });
    return out;
  };
  /** The order fragments are sent in: last first, then the first, then the others (and the second twice). */
  const scrambled = <T,>(list: T[]): T[] => (list.length < 3 ? [...list].reverse() : [list[list.length - 1], list[0], ...list.slice(1, -1), list[1]]);

  it('IPv4 fragments: every TCP segment of more than 100 bytes sent as fragments, out of order, one twice', async () => {
    const out: { time: number; data: Uint8Array }[] = [];
    frames.forEach((f, i) => {
      const ip = ipOf(f.data);
      const ihl = (ip[0] & 15) * 4;
      const datagram = ip.subarray(ihl, (ip[2] << 8) | ip[3]);
      if (ip[9] !== 6 || datagram.length < 120) return out.push(f);
      const parts = pieces(datagram);
      for (const [k, part] of scrambled(parts.map((p, k) => [k, p] as const))) {
        const frame = new Uint8Array(14 + ihl + part.bytes.length);
        frame.set(f.data.subarray(0, 14 + ihl), 0);
        frame.set(part.bytes, 14 + ihl);
        const dv = new DataView(frame.buffer);
        dv.setUint16(16, ihl + part.bytes.length);
        dv.setUint16(18, 0x4000 + i); // identification: one per datagram
        dv.setUint16(20, (k < parts.length - 1 ? 0x2000 : 0) | (part.offset / 8));
        out.push({ time: f.time, data: frame });
      }
    });
    expect(out.length).toBeGreaterThan(frames.length + 4);
    expect(summary(await decodeOnly(pcapFile(1, out)))).toEqual(reference);
  });

  it('IPv6 fragment headers: the same, over IPv6', async () => {
    const out: { time: number; data: Uint8Array }[] = [];
    frames.forEach((f, i) => {
      const v6 = toIpv6(f.data);
      const datagram = v6.subarray(14 + 40);
      if (ipOf(f.data)[9] !== 6 || datagram.length < 120) return out.push({ time: f.time, data: v6 });
      const parts = pieces(datagram);
      for (const [k, part] of scrambled(parts.map((p, k) => [k, p] as const))) {
        const frame = new Uint8Array(14 + 40 + 8 + part.bytes.length);
        frame.set(v6.subarray(0, 14 + 40), 0);
        const dv = new DataView(frame.buffer);
        dv.setUint16(14 + 4, 8 + part.bytes.length);
        frame[14 + 6] = 44; // next header: fragment
        frame[14 + 40] = 6; // after it: TCP
        dv.setUint16(14 + 42, part.offset | (k < parts.length - 1 ? 1 : 0));
        dv.setUint32(14 + 44, 0x10000 + i);
        frame.set(part.bytes, 14 + 48);
        out.push({ time: f.time, data: frame });
      }
    });
    expect(out.length).toBeGreaterThan(frames.length + 4);
    expect(summary(await decodeOnly(pcapFile(1, out)))).toEqual(reference);
  });

  it('a fragment that never completes: its data is a gap, not guessed', async () => {
    const big = frames.findIndex((f) => ipOf(f.data)[9] === 6 && tcpPayloadLength(f.data) > 1000);
    const f = frames[big];
    const ip = ipOf(f.data);
    const ihl = (ip[0] & 15) * 4;
    const first = new Uint8Array(14 + ihl + 64);
    first.set(f.data.subarray(0, 14 + ihl + 64), 0);
    const dv = new DataView(first.buffer);
    dv.setUint16(16, ihl + 64);
    dv.setUint16(20, 0x2000); // more fragments follow (they never come)
    const list = frames.map((g, i) => (i === big ? { time: g.time, data: first } : g));
    const scan = await scanCapture([pcapFile(1, list)]);
    expect(scan.streams[0].gaps).toBe(1);
  });

  for (const [name, args] of [['Linux cooked v2 (tcpdump -i any)', []], ['Linux cooked v1 (tcpdump -i any -y LINUX_SLL)', ['-y', 'LINUX_SLL']]] as const) {
    it(`${name}, real capture`, async () => {
      const { pcap, keys } = await withoutGaps(async () => {
        const dir = tempDir('any');
        dirs.push(dir);
        const pcap = path.join(dir, 'any.pcap');
        const keys = path.join(dir, 'keys.log');
        const server = await spawnSServer(['-tls1_3', '-cert', pki.leafCert, '-key', pki.leafKey]);
        const dump = await startTcpdump(pcap, server.port, ['-i', 'any', ...args]);
        try {
          await runSClient(server.port, ['-keylogfile', keys, '-CAfile', pki.rootPem], [{ type: 'over any\n' }], server);
        } finally {
          await dump.stop();
          await server.stop();
        }
        return { pcap, keys };
      }, (r) => r.pcap);
      const bytes = new Uint8Array(fs.readFileSync(pcap));
      const linkType = Buffer.from(bytes).readUInt32LE(20);
      expect(linkType).toBe(args.length ? 113 : 276);
      const d = await decodeOnly(bytes, fs.readFileSync(keys, 'utf8'));
      expect(d.session.version).toBe('1.3');
      expect(d.events.filter((e) => e.kind === 'error')).toEqual([]);
      expect(d.session.undecrypted).toEqual([]);
      expect(summary(d).some((s) => s.includes('data over any'))).toBe(true);
    });
  }
});

describe('TCP reassembly', () => {
  const clientPort = () => srcPort(frames.find((f) => isTcp(f.data) && srcPort(f.data) !== run.serverPort)!.data);
  const dataFrames = () => frames.map((f, i) => ({ f, i })).filter(({ f }) => isTcp(f.data) && tcpPayloadLength(f.data) > 0);

  it('out-of-order segments: each data segment cut in three, the pieces sent last first', async () => {
    const list = frames.flatMap((f) => {
      const payload = payloadOf(f.data);
      if (payload.length < 3) return [{ time: f.time, data: f.data }];
      const a = Math.floor(payload.length / 3);
      const b = Math.floor((2 * payload.length) / 3);
      return [
        { time: f.time, data: withPayload(f.data, b, payload.subarray(b)) },
        { time: f.time, data: withPayload(f.data, a, payload.subarray(a, b)) },
        { time: f.time, data: withPayload(f.data, 0, payload.subarray(0, a)) },
      ];
    });
    expect(list.length).toBeGreaterThan(frames.length + 10);
    expect(summary(await decodeOnly(pcapFile(1, list)))).toEqual(reference);
  });

  it('the two directions recorded out of order (as captures on several interfaces do): ordered by their acks', async () => {
    const list = frames.map((f) => ({ time: f.time, data: f.data }));
    const data = dataFrames();
    let swaps = 0;
    for (let k = 0; k + 1 < data.length; k++) {
      const [a, b] = [data[k], data[k + 1]];
      if (srcPort(a.f.data) !== srcPort(b.f.data)) {
        [list[a.i], list[b.i]] = [list[b.i], list[a.i]];
        swaps++;
        k++;
      }
    }
    expect(swaps).toBeGreaterThan(0);
    expect(summary(await decodeOnly(pcapFile(1, list)))).toEqual(reference);
  });

  it('retransmitted segments: every data segment sent twice, the copy later', async () => {
    const list = frames.flatMap((f) => (tcpPayloadLength(f.data) > 0 ? [{ time: f.time, data: f.data }, { time: f.time + 0.5, data: f.data }] : [{ time: f.time, data: f.data }]));
    const scan = await scanCapture([pcapFile(1, list)]);
    expect(scan.streams[0].retransmittedSegments).toBe(dataFrames().length);
    expect(summary(await decodeOnly(pcapFile(1, list)))).toEqual(reference);
  });

  it('overlapping segments: each data segment cut in two pieces that share bytes', async () => {
    const list = frames.flatMap((f) => {
      const payload = payloadOf(f.data);
      if (payload.length < 4) return [{ time: f.time, data: f.data }];
      const a = Math.ceil(payload.length * 0.6);
      const b = Math.floor(payload.length * 0.3);
      // The later piece first, then the earlier one that overlaps it.
      return [{ time: f.time, data: withPayload(f.data, b, payload.subarray(b)) }, { time: f.time, data: withPayload(f.data, 0, payload.subarray(0, a)) }];
    });
    expect(summary(await decodeOnly(pcapFile(1, list)))).toEqual(reference);
  });

  it('a lost segment is reported as a gap, and what comes after is still shown', async () => {
    const big = dataFrames().filter(({ f }) => tcpPayloadLength(f.data) > 1000 && srcPort(f.data) === clientPort());
    const lost = big[0].i; // a segment of the 3000-byte write
    const list = frames.filter((_, i) => i !== lost).map((f) => ({ time: f.time, data: f.data }));
    const scan = await scanCapture([pcapFile(1, list)]);
    expect(scan.streams[0].gaps).toBe(1);
    const d = await decodeStream(scan.streams[0], { keyLog: parseKeyLog(keyLogText) });
    const gap = d.events.find((e) => e.kind === 'error' && e.code === 'CAPTURE_GAP');
    expect(gap && gap.kind === 'error' && gap.message).toMatch(new RegExp(`^${tcpPayloadLength(frames[lost].data)} bytes from the client are missing`));
    // Everything before the gap is decoded as before.
    const before = summary(d);
    expect(before.slice(0, reference.length - 1)).toEqual(reference.slice(0, reference.length - 1).filter((s) => before.includes(s)));
    expect(before).toContain(reference.find((s) => s.includes('hello from s_server')));
  });
});

describe('bad input: a clear error with its offset, and what could be read is kept', () => {
  const cli = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile('node', [BIN, ...args], { timeout: 60_000 }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr })),
    );

  it('wrong magic: not a capture', async () => {
    const scan = await scanCapture([new TextEncoder().encode('GET / HTTP/1.1\r\nHost: example\r\n\r\n')]);
    expect(scan.error).toMatchObject({ code: 'WRONG_MAGIC', offset: 0 });
    expect(scan.error!.message).toMatch(/not a pcap or pcapng capture: it starts with 47 45 54 20/);
    const file = path.join(run.dir, 'text.pcap');
    fs.writeFileSync(file, 'hello, this is text');
    const r = await cli(['pcap', file, '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'WRONG_MAGIC', offset: 0 });
    expect(r.stderr).toMatch(/not a pcap or pcapng capture/);
  });

  it('truncated anywhere: the packets before the cut are kept, the error says where', async () => {
    for (let cut = 1; cut < original.length; cut += 97) {
      const scan = await scanCapture([original.subarray(0, cut)]);
      const complete = frames.filter((f) => f.offset + 16 + f.data.length <= cut).length;
      expect(scan.packets).toBe(complete);
      if (scan.error) {
        expect(scan.error.code).toBe('TRUNCATED');
        expect(scan.error.offset).toBeLessThanOrEqual(cut);
      } else expect(frames.some((f) => f.offset === cut) || cut === original.length).toBe(true);
      for (const s of scan.streams) await decodeStream(s, { keyLog: parseKeyLog(keyLogText) });
    }
  });

  it('absurd lengths in pcap and pcapng', async () => {
    const bad = original.slice();
    new DataView(bad.buffer).setUint32(24 + 8, 0x7fffffff, true);
    const scan = await scanCapture([bad]);
    expect(scan.error).toMatchObject({ code: 'ABSURD_LENGTH', offset: 32 });
    expect(scan.error!.message).toMatch(/claims 2147483647 captured bytes/);

    const ng = path.join(run.dir, 'secrets.pcapng');
    await new Promise((r) => execFile('editcap', ['--inject-secrets', `tls,${run.keyLog}`, run.pcap, ng], r));
    const file = new Uint8Array(fs.readFileSync(ng));
    const shbLength = new DataView(file.buffer).getUint32(4, true);
    const huge = file.slice();
    new DataView(huge.buffer).setUint32(shbLength + 4, 0xfffffff0, true);
    expect((await scanCapture([huge])).error).toMatchObject({ code: 'ABSURD_LENGTH', offset: shbLength + 4 });
    const corrupt = file.slice();
    const second = new DataView(corrupt.buffer).getUint32(shbLength + 4, true);
    new DataView(corrupt.buffer).setUint32(shbLength + second - 4, second + 4, true);
    expect((await scanCapture([corrupt])).error).toMatchObject({ code: 'CORRUPT' });
    expect((await scanCapture([file])).error).toBeUndefined();
  });

  it('the obsolete Packet Block (type 2) reads as the Enhanced one it was rewritten from', async () => {
    const ng = path.join(run.dir, 'obsolete.pcapng');
    await new Promise((r) => execFile('editcap', ['-F', 'pcapng', run.pcap, ng], r));
    const file = new Uint8Array(fs.readFileSync(ng));
    const view = new DataView(file.buffer);
    // Interface 0 as a 32-bit id and as a 16-bit id with a zero drop count are the same bytes: only the type changes.
    const old = file.slice();
    const oldView = new DataView(old.buffer);
    let rewritten = 0;
    for (let at = 0; at < file.length; at += view.getUint32(at + 4, true)) {
      if (view.getUint32(at, true) !== 6) continue;
      expect(view.getUint32(at + 8, true)).toBe(0);
      oldView.setUint32(at, 2, true);
      rewritten++;
    }
    expect(rewritten).toBeGreaterThan(5);
    const packets = async (bytes: Uint8Array) => {
      const out: { time: number; data: string }[] = [];
      for await (const item of readCapture([bytes])) if (item.kind === 'packet') out.push({ time: item.time, data: Buffer.from(item.data).toString('hex') });
      return out;
    };
    const enhanced = await packets(file);
    expect(enhanced).toHaveLength(rewritten);
    expect(await packets(old)).toEqual(enhanced);
  });

  it('garbage key log lines are listed by line number; the good lines still decrypt', async () => {
    const text = `garbage line\nCLIENT_RANDOM nothex 00\n# a comment\n${keyLogText}SERVER_TRAFFIC_SECRET_0 ${'ab'.repeat(32)} 1234\nBOGUS_LABEL ${'ab'.repeat(32)} ${'cd'.repeat(32)}\n`;
    const log = parseKeyLog(text);
    expect(log.problems.map((p) => p.line)).toEqual([1, 2, 4 + keyLogText.split('\n').length - 1, 5 + keyLogText.split('\n').length - 1]);
    expect(log.problems[0].reason).toMatch(/three fields/);
    expect(log.problems[1].reason).toMatch(/client random/);
    expect(summary(await decodeOnly(original, text))).toEqual(reference);
  });

  it('a handshake altered on the way (one byte of the certificate): the recomputed Finished of both sides say so', async () => {
    const ok = await decodeOnly(original);
    expect(ok.events.filter((e) => e.kind === 'finished').map((e) => e.kind === 'finished' && e.ok)).toEqual([true, true]);
    const leaf = Buffer.from(pki.leafDer);
    const at = frames.findIndex((f) => Buffer.from(f.data).includes(leaf));
    expect(at).toBeGreaterThan(0);
    const altered = frames.map((f, i) => {
      if (i !== at) return f;
      const data = f.data.slice();
      const where = Buffer.from(data).indexOf(leaf) + leaf.length - 5; // inside the certificate's signature
      data[where] ^= 0x01;
      return { ...f, data };
    });
    const d = await decodeOnly(pcapFile(1, altered.map((f) => ({ time: f.time, data: f.data }))));
    // The records still decrypt (the keys do not depend on the certificate), but neither Finished matches.
    expect(d.session.undecrypted).toEqual([]);
    expect(d.events.filter((e) => e.kind === 'finished').map((e) => e.kind === 'finished' && `${e.direction} ${e.ok}`)).toEqual(['client false', 'server false']);
    expect(d.events.filter((e) => e.kind === 'error').map((e) => e.kind === 'error' && e.code)).toEqual(['FINISHED_MISMATCH', 'FINISHED_MISMATCH']);
  });

  it('no key: encrypted records shown as such, naming the key log line; a wrong key is reported, not skipped', async () => {
    const none = await decodeOnly(original, '');
    const line = keyLogText.split('\n').find((l) => l.startsWith('CLIENT_RANDOM'))!;
    const [label, random, secret] = line.split(' ');
    expect(none.session.undecrypted.map((u) => [u.direction, u.needs, u.reason])).toEqual([
      ['client', `${label} ${random}`, 'no key in the key log'],
      ['server', `${label} ${random}`, 'no key in the key log'],
    ]);
    expect(none.events.some((e) => e.kind === 'note' && e.text.includes(`${label} ${random} would open them`))).toBe(true);
    expect(none.events.filter((e) => e.kind === 'handshake').map((e) => (e.kind === 'handshake' ? e.name : ''))).toEqual(['ClientHello', 'ServerHello', 'Certificate', 'ServerKeyExchange', 'ServerHelloDone', 'ClientKeyExchange', 'NewSessionTicket']);

    const wrongSecret = secret.slice(0, -2) + (secret.endsWith('00') ? '01' : '00');
    const wrong = await decodeOnly(original, `${label} ${random} ${wrongSecret}\n`);
    const errors = wrong.events.filter((e) => e.kind === 'error' && e.code === 'KEY_DOES_NOT_DECRYPT');
    expect(errors.length).toBe(2);
    expect(wrong.session.undecrypted.every((u) => u.reason === 'the key did not decrypt')).toBe(true);
    expect(wrong.events.filter((e) => e.kind === 'app-data')).toEqual([]);
  });

  it('fuzzed captures (fast-check): never a crash or a hang; errors carry a code', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(original.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 12 }), fc.nat(original.length), async (edits, cut) => {
        const bytes = original.slice(0, Math.max(cut, 24));
        for (const [at, value] of edits) if (at < bytes.length) bytes[at] = value;
        const started = Date.now();
        const scan = await scanCapture([bytes]);
        if (scan.error) expect(['WRONG_MAGIC', 'TRUNCATED', 'ABSURD_LENGTH', 'CORRUPT', 'UNSUPPORTED']).toContain(scan.error.code);
        for (const s of scan.streams) {
          const d = await decodeStream(s, { keyLog: parseKeyLog(keyLogText) });
          for (const e of d.events) if (e.kind === 'error') expect(e.code).toMatch(/^[A-Z_]+$/);
        }
        expect(Date.now() - started).toBeLessThan(5000);
      }),
      fuzzRunOptions(),
    );
  });
});
