// TLS 1.0 and 1.1 captures (tcpdump of openssl s_client <-> s_server at security level 0, NSS key logs from
// -keylogfile): decrypted with their own PRF, key block and CBC record form, and compared with tshark's decryption of
// the same file: the messages, both Finished checked, the application data each way. TLS 1.0's IVs chain from record
// to record (each is the last cipher block of the one before), so holes in the capture are made on purpose: what can
// be opened is, and a record whose IV was lost is shown encrypted, saying why, never decrypted wrong. Also: a
// ChangeCipherSpec lost from a capture (TLS 1.2 and 1.0), an export RC4 suite named, `tls-lens pcap`, and the import's
// fast way (node:crypto, the reader's buffer) against the slow one.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCapture, type CapturedPacket } from '../../src/capture/capture-file.ts';
import { importCapture } from '../../src/capture/import.ts';
import { parseKeyLog } from '../../src/capture/keylog.ts';
import { decodeStream, listingOf, type DecodedStream } from '../../src/capture/session.ts';
import { scanCapture, type TcpStream } from '../../src/capture/streams.ts';
import { connectionResult } from '../../src/capture/summary.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import type { RecordEvent, TraceEvent } from '../../src/trace/types.ts';
import { usePki } from '../support/pki.ts';
import { isTcp, pcapFile, payloadOf, splitIntoRecords, srcPort, tcpPayloadLength, withPayload } from './frames.ts';
import { byDirection, captureOpenssl, ours, scribbled, traces, tsharkStreams, withNodeCrypto, type CapturedRun, type ClientStep } from './helpers.ts';

const BIN = path.resolve(__dirname, '../../bin/tls-lens.js');
const pki = usePki();
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const AES128 = 'ECDHE-ECDSA-AES128-SHA@SECLEVEL=0';
const AES256 = 'ECDHE-ECDSA-AES256-SHA@SECLEVEL=0';

/** Lines the client types, one record each (TLS 1.0: an empty record, then the line's: OpenSSL's 1/n-1 split). */
const lines = (prefix: string, n: number): ClientStep[] => Array.from({ length: n }, (_, i) => ({ type: `${prefix} ${String(i).padStart(2, '0')} ${'z'.repeat(200)}\n` }));

interface Run {
  run: CapturedRun;
  keyLogText: string;
  streams: TcpStream[];
  decoded: DecodedStream[];
}

async function capture(name: string, serverArgs: string[], clients: { args: string[]; steps?: ClientStep[] }[]): Promise<Run> {
  const run = await captureOpenssl(pki, name, serverArgs, clients);
  dirs.push(run.dir);
  const keyLogText = fs.readFileSync(run.keyLog, 'utf8');
  const scan = await scanCapture(fs.createReadStream(run.pcap));
  expect(scan.streams.length).toBe(clients.length);
  const keyLog = parseKeyLog(keyLogText);
  const verifier = createVerifier({ anchors: [pki.rootDer] });
  const decoded: DecodedStream[] = [];
  for (const s of scan.streams) decoded.push(await decodeStream(s, { keyLog, verifier }));
  return { run, keyLogText, streams: scan.streams, decoded };
}

/** The capture's packets, each copied (the reader reuses its buffer). */
async function packetsOf(pcap: string): Promise<CapturedPacket[]> {
  const frames: CapturedPacket[] = [];
  for await (const item of readCapture([new Uint8Array(fs.readFileSync(pcap))])) if (item.kind === 'packet') frames.push({ ...item, data: item.data.slice() });
  return frames;
}

/** The content types of the records a segment holds, when it holds whole records. */
function recordTypes(frame: Uint8Array): number[] {
  try {
    return splitIntoRecords(frame).map((part) => payloadOf(part)[0]);
  } catch {
    return [];
  }
}

/**
 * The frames with `side`'s segment holding its ChangeCipherSpec cut into one segment per record, and `count`
 * records from the ChangeCipherSpec on left out: the capture lost them, and only them.
 */
function losingCcs(frames: CapturedPacket[], serverPort: number, side: 'client' | 'server', count = 1): { time: number; data: Uint8Array }[] {
  const at = frames.findIndex((f) => isTcp(f.data) && (srcPort(f.data) === serverPort) === (side === 'server') && recordTypes(f.data).includes(20));
  expect(at).toBeGreaterThan(0);
  const parts = splitIntoRecords(frames[at].data);
  const ccs = recordTypes(frames[at].data).indexOf(20);
  const kept = parts.filter((_, k) => k < ccs || k >= ccs + count);
  return frames.flatMap((f, i) => (i === at ? kept.map((data) => ({ time: f.time, data })) : [f]));
}

/** Every stream decoded as tshark decodes it with the same key log; every Finished checked and matching. */
function likeTshark({ run, decoded }: Run, version: '1.0' | '1.1'): void {
  const theirs = tsharkStreams(run.pcap, run.serverPort, run.keyLog);
  expect(theirs.size).toBe(decoded.length);
  decoded.forEach((d, i) => {
    const t = theirs.get(i)!;
    const o = ours(d);
    expect(d.session.version).toBe(version);
    expect(byDirection(o.messages, 'client')).toEqual(byDirection(t.messages, 'client'));
    expect(byDirection(o.messages, 'server')).toEqual(byDirection(t.messages, 'server'));
    // tshark decrypted something, and we decrypted the same.
    expect(t.data.client.length).toBeGreaterThan(0);
    expect(o.data).toEqual(t.data);
    expect(d.session.undecrypted).toEqual([]);
    expect(d.events.filter((e) => e.kind === 'error')).toEqual([]);
    const finished = d.events.flatMap((e) => (e.kind === 'finished' ? [`${e.direction} ${e.ok}`] : []));
    const finishedMessages = d.events.flatMap((e) => (e.kind === 'handshake' && e.name === 'Finished' ? [`${e.direction} true`] : []));
    expect(finishedMessages).toHaveLength(2);
    expect(finished).toEqual(finishedMessages);
  });
}

const records = (d: DecodedStream, side: 'client' | 'server') => d.events.filter((e): e is RecordEvent => e.kind === 'record' && e.direction === side && e.protection !== undefined);
const text = (d: DecodedStream, side: 'client' | 'server') => d.events.flatMap((e) => (e.kind === 'app-data' && e.direction === side ? [Buffer.from(e.bytes, 'hex').toString()] : []));
const notes = (d: DecodedStream) => d.events.flatMap((e) => (e.kind === 'note' ? [e.text] : []));
const errors = (d: DecodedStream) => d.events.flatMap((e: TraceEvent) => (e.kind === 'error' ? [e.code] : []));

describe('TLS 1.0, AES-128-CBC-SHA with encrypt-then-MAC (openssl default)', () => {
  let r: Run;
  const steps: ClientStep[] = [
    ...lines('line', 4),
    { serverType: 'from the server, one\n' },
    { serverType: 'from the server, two\n' },
    { serverType: 'from the server, three\n' },
    // Read by s_client in pieces of up to 16 KiB: several records back to back in the same segments.
    { type: `${'x'.repeat(40_000)}\n` },
    { type: 'after the long one\n' },
  ];
  beforeAll(async () => {
    r = await capture('tls10-etm', ['-tls1', '-cipher', AES128], [{ args: ['-cipher', AES128], steps }]);
  }, 60_000);

  it('is decrypted as tshark decrypts it: messages, both Finished checked, data both ways', () => {
    likeTshark(r, '1.0');
    const d = r.decoded[0];
    expect(d.session.cipherSuite).toBe('TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA');
    const listing = listingOf(r.streams[0], d);
    expect(listing.tls).toBe('TLS 1.0');
    expect(connectionResult(d, listing).version).toBe('TLSv1');
    expect(text(d, 'client').join('')).toContain('line 03 zzz');
    expect(text(d, 'client').join('')).toContain('after the long one');
    expect(text(d, 'server')).toEqual(expect.arrayContaining(['from the server, one\n', 'from the server, three\n']));
    // The keys: the key log's master secret, the key block by the TLS 1.0 PRF, and its IVs (TLS 1.0 only).
    const keys = d.events.flatMap((e) => (e.kind === 'key' ? [`${e.name} ${e.hash}`] : []));
    expect(keys).toEqual(expect.arrayContaining(['master_secret MD5+SHA-1', 'key_block MD5+SHA-1', 'client_write_IV MD5+SHA-1', 'server_write_IV MD5+SHA-1', 'client_verify_data MD5+SHA-1']));
    expect(records(d, 'client')[0].protection!.cipherSuite).toBe('TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA (encrypt-then-MAC)');
  });

  it("chains each record's IV: the cipher block in front of the previous record's MAC", () => {
    const d = r.decoded[0];
    for (const side of ['client', 'server'] as const) {
      const list = records(d, side);
      expect(list.length).toBeGreaterThan(side === 'client' ? 12 : 4);
      const firstIv = d.events.find((e) => e.kind === 'key' && e.name === `${side}_write_IV`);
      expect(list[0].protection!.iv).toBe(firstIv && firstIv.kind === 'key' ? firstIv.output : 'none');
      for (let i = 1; i < list.length; i++) {
        const before = list[i - 1].bytes;
        // 20 bytes of HMAC-SHA1 at the end, the last cipher block in front of them.
        expect(list[i].protection!.iv).toBe(before.slice(before.length - 2 * 36, before.length - 2 * 20));
      }
    }
  });

  it("the import's fast way (node:crypto, from a buffer read into again) decodes it exactly as the slow way", async () => {
    const keyLog = () => parseKeyLog(r.keyLogText);
    const slow = await importCapture([new Uint8Array(fs.readFileSync(r.run.pcap))], { keyLog: keyLog() });
    expect(ours(slow.streams[0].decoded!).data).toEqual(ours(r.decoded[0]).data);
    expect(text(slow.streams[0].decoded!, 'client').join('')).toContain('after the long one');
    for (const size of [1024, 65536]) {
      const fast = await withNodeCrypto(() => importCapture(scribbled(r.run.pcap, size), { keyLog: keyLog() }));
      expect(traces(fast)).toEqual(traces(slow));
    }
  });

  it('tls-lens pcap shows the decrypted data', () => {
    const out = execFileSync('node', [BIN, 'pcap', r.run.pcap, '--keylog', r.run.keyLog], { encoding: 'utf8', timeout: 120_000 });
    expect(out).toContain('| line 00 zzz');
    expect(out).toContain('| from the server, two');
    expect(out).toMatch(/client Finished matches the transcript/);
    const json = JSON.parse(execFileSync('node', [BIN, 'pcap', r.run.pcap, '--keylog', r.run.keyLog, '--json'], { encoding: 'utf8', timeout: 120_000 }));
    expect(json.streams[0]).toMatchObject({ version: 'TLSv1', cipherSuite: 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA', undecrypted: [], errors: [] });
  });

  it('an export RC4 suite is named, and said to be why its records stay encrypted (the key log line is there)', async () => {
    // The same capture with the ServerHello's suite changed to TLS_RSA_EXPORT_WITH_RC4_40_MD5: same length, so the
    // file still parses. (RC4-128 and 3DES suites are decrypted: legacy-ciphers.test.ts; export ones derive their
    // keys their own way.)
    const d = r.decoded[0];
    const sh = d.events.find((e) => e.kind === 'handshake' && e.name === 'ServerHello');
    const message = Buffer.from(sh && sh.kind === 'handshake' ? sh.bytes : '', 'hex');
    const suiteAt = 4 + 2 + 32 + 1 + message[4 + 2 + 32];
    expect(message.readUInt16BE(suiteAt)).toBe(0xc009);
    const file = fs.readFileSync(r.run.pcap);
    const at = file.indexOf(message);
    expect(at).toBeGreaterThan(0);
    file.writeUInt16BE(0x0003, at + suiteAt);
    const scan = await scanCapture([new Uint8Array(file)]);
    const patched = await decodeStream(scan.streams[0], { keyLog: parseKeyLog(r.keyLogText) });
    expect(patched.session.cipherSuite).toBe('TLS_RSA_EXPORT_WITH_RC4_40_MD5');
    expect(patched.session.undecrypted.map((u) => `${u.direction} ${u.reason}`).sort()).toEqual(['client the cipher suite is not one TLS Lens decrypts', 'server the cipher suite is not one TLS Lens decrypts']);
    expect(notes(patched).some((n) => /cipher suite TLS_RSA_EXPORT_WITH_RC4_40_MD5 is not one TLS Lens decrypts/.test(n))).toBe(true);
    expect(patched.events.some((e) => e.kind === 'app-data')).toBe(false);
    expect(errors(patched)).toEqual([]);
  });
});

describe('TLS 1.0, AES-256-CBC-SHA, MAC-then-encrypt: holes in the capture', () => {
  const LINES = 12;
  let r: Run;
  let frames: CapturedPacket[];
  let whole: DecodedStream;
  beforeAll(async () => {
    r = await capture('tls10-mte', ['-tls1', '-cipher', AES256], [{ args: ['-no_etm', '-cipher', AES256], steps: lines('line', LINES) }]);
    whole = r.decoded[0];
    frames = await packetsOf(r.run.pcap);
  }, 60_000);

  /** The frames decoded both ways: WebCrypto, records decrypted ahead; node:crypto, from a buffer read into again. */
  const decode = async (list: { time: number; data: Uint8Array }[]) => {
    const file = path.join(r.run.dir, 'holed.pcap');
    fs.writeFileSync(file, pcapFile(1, list));
    const slow = await importCapture([new Uint8Array(fs.readFileSync(file))], { keyLog: parseKeyLog(r.keyLogText) });
    expect(slow.streams.length).toBe(1);
    const fast = await withNodeCrypto(() => importCapture(scribbled(file, 1024), { keyLog: parseKeyLog(r.keyLogText) }));
    expect(traces(fast)).toEqual(traces(slow));
    return slow.streams[0].decoded!;
  };
  const clientLines = (d: DecodedStream) => text(d, 'client').filter((l) => l.startsWith('line '));
  const without = (d: DecodedStream, ...gone: string[]) => clientLines(d).filter((l) => !gone.some((g) => l.startsWith(g)));
  /** Each typed line's segment: two records (the empty one and the line's). */
  const lineSegments = () => frames.map((f, i) => ({ f, i })).filter(({ f }) => isTcp(f.data) && srcPort(f.data) !== r.run.serverPort && payloadOf(f.data)[0] === 23 && tcpPayloadLength(f.data) > 200 && tcpPayloadLength(f.data) < 400);

  it('the whole capture: as tshark decrypts it, every line, one segment of two records each', () => {
    likeTshark(r, '1.0');
    expect(records(whole, 'client')[0].protection!.cipherSuite).toBe('TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA');
    expect(clientLines(whole)).toHaveLength(LINES);
    expect(lineSegments()).toHaveLength(LINES);
    for (const { f } of lineSegments()) expect(splitIntoRecords(f.data)).toHaveLength(2);
  });

  it('lost segments: the first record after them stays encrypted (its IV was lost), the next opens, the rest decrypts', async () => {
    const segments = lineSegments();
    const lost = [segments[3].i, segments[4].i];
    const d = await decode(frames.filter((_, i) => !lost.includes(i)));
    expect(errors(d)).toEqual(['CAPTURE_GAP']);
    // Four records lost (two lines, two records each); the fifth, line 05's empty record, was found but not opened.
    expect(d.session.gaps).toEqual([{ direction: 'client', bytes: tcpPayloadLength(frames[lost[0]].data) + tcpPayloadLength(frames[lost[1]].data), recordsLost: 4 }]);
    expect(d.session.undecrypted).toEqual([expect.objectContaining({ direction: 'client', records: 1, reason: 'records were lost before them' })]);
    expect(notes(d).some((n) => /is not decrypted: in TLS 1\.0 a record's IV is the last ciphertext block of the record before it, which the capture lost/.test(n))).toBe(true);
    expect(notes(d).some((n) => /^4 client record\(s\) were lost in the gap: the record after it \(after 1 record\(s\) found but not decrypted, their IV lost\)/.test(n))).toBe(true);
    // Nothing shown wrong: every line after the hole is whole, and each record keeps its place in the numbering.
    expect(clientLines(d)).toEqual(without(whole, 'line 03', 'line 04'));
    const seqOf = (x: DecodedStream, prefix: string) => {
      const data = x.events.find((e) => e.kind === 'app-data' && Buffer.from(e.bytes, 'hex').toString().startsWith(prefix));
      return data && data.kind === 'app-data' ? (x.events[data.record!] as RecordEvent).seq : -1;
    };
    expect(seqOf(d, 'line 05')).toBe(seqOf(whole, 'line 05'));
    expect(seqOf(d, 'line 11')).toBe(seqOf(whole, 'line 11'));
  });

  it("a hole starting inside a record: the next line's empty record cannot be opened, its line can", async () => {
    const cut = lineSegments()[6];
    const payload = payloadOf(cut.f.data);
    const head = withPayload(cut.f.data, 0, payload.subarray(0, 9));
    const d = await decode(frames.flatMap((f, i) => (i === cut.i ? [{ time: f.time, data: head }] : [f])));
    expect(d.session.gaps).toEqual([{ direction: 'client', bytes: payload.length - 9, recordsLost: 2 }]);
    expect(d.session.undecrypted).toEqual([expect.objectContaining({ direction: 'client', records: 1, reason: 'records were lost before them' })]);
    expect(clientLines(d)).toEqual(without(whole, 'line 06'));
  });

  it('a hole ending inside a record: the IV is in the bytes left of it, so the next record opens at once', async () => {
    const cut = lineSegments()[6];
    const payload = payloadOf(cut.f.data);
    // Only the last 40 bytes of the segment arrive: the end of line 06's record, its last cipher block included.
    const tail = withPayload(cut.f.data, payload.length - 40, payload.subarray(payload.length - 40));
    const d = await decode(frames.flatMap((f, i) => (i === cut.i ? [{ time: f.time, data: tail }] : [f])));
    expect(d.session.gaps).toEqual([{ direction: 'client', bytes: payload.length - 40, recordsLost: 2 }]);
    expect(d.session.undecrypted).toEqual([]);
    expect(errors(d)).toEqual(['CAPTURE_GAP']);
    expect(clientLines(d)).toEqual(without(whole, 'line 06'));
  });

  it("a lost ChangeCipherSpec: the Finished opens under the new keys at sequence number 0, with the key block's IV", async () => {
    const d = await decode(losingCcs(frames, r.run.serverPort, 'client'));
    expect(d.session.gaps).toEqual([{ direction: 'client', bytes: 6, recordsLost: 1 }]);
    expect(d.session.undecrypted).toEqual([]);
    expect(d.events.flatMap((e) => (e.kind === 'finished' ? [`${e.direction} ${e.ok}`] : []))).toEqual(['client true', 'server true']);
    expect(notes(d).some((n) => /the client's ChangeCipherSpec is missing from the capture, but this record opens under the new keys at sequence number 0/.test(n))).toBe(true);
    expect(clientLines(d)).toEqual(clientLines(whole));
  });
});

for (const [label, clientArgs, suffix] of [
  ['encrypt-then-MAC', [], ' (encrypt-then-MAC)'],
  ['MAC-then-encrypt', ['-no_etm'], ''],
] as const) {
  describe(`TLS 1.1, AES-128-CBC-SHA, ${label}`, () => {
    it('is decrypted as tshark decrypts it; each record carries its own IV', async () => {
      const steps: ClientStep[] = [...lines('line', 3), { serverType: 'from the server\n' }];
      const r = await capture(`tls11-${clientArgs.length}`, ['-tls1_1', '-cipher', AES128], [{ args: [...clientArgs, '-cipher', AES128], steps }]);
      likeTshark(r, '1.1');
      const d = r.decoded[0];
      expect(text(d, 'server')).toEqual(['from the server\n']);
      // No IVs in the key block; each record's IV is its fragment's first block.
      expect(d.events.some((e) => e.kind === 'key' && /_write_IV/.test(e.name))).toBe(false);
      for (const record of records(d, 'client')) {
        expect(record.protection!.cipherSuite).toBe(`TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA${suffix}`);
        expect(record.protection!.iv).toBe(record.bytes.slice(10, 10 + 32));
      }
    }, 60_000);
  });
}

describe('TLS 1.0 resumption and renegotiation', () => {
  it('by session id and by ticket: the abbreviated handshakes decrypt and their Finished check out', async () => {
    const r = await capture('tls10-resume', ['-tls1', '-cipher', AES128], [
      { args: ['-cipher', AES128, '-no_ticket', '-sess_out', '{dir}/id.pem'] },
      { args: ['-cipher', AES128, '-no_ticket', '-sess_in', '{dir}/id.pem'] },
      { args: ['-cipher', AES128, '-sess_out', '{dir}/ticket.pem'] },
      { args: ['-cipher', AES128, '-sess_in', '{dir}/ticket.pem'] },
    ]);
    likeTshark(r, '1.0');
    expect(r.decoded.map((d) => d.session.resumed)).toEqual([false, true, false, true]);
    for (const d of [r.decoded[1], r.decoded[3]]) {
      expect(d.events.some((e) => e.kind === 'handshake' && e.name === 'Certificate')).toBe(false);
      expect(text(d, 'client').join('')).toContain('hello from s_client');
    }
  }, 90_000);

  it("renegotiation: the new keys' first records take the new key block's IVs, both handshakes check out", async () => {
    const steps: ClientStep[] = [{ type: 'before renegotiation\n' }, { type: 'R\n' }, { type: 'after renegotiation\n' }, { serverType: 'server after renegotiation\n' }];
    const r = await capture('tls10-reneg', ['-tls1', '-client_renegotiation', '-cipher', AES128], [{ args: ['-cipher', AES128], steps }]);
    const d = r.decoded[0];
    expect(d.session.renegotiations).toBe(1);
    // likeTshark's checks, with two handshakes: four Finished, each matching.
    const theirs = tsharkStreams(r.run.pcap, r.run.serverPort, r.run.keyLog).get(0)!;
    expect(byDirection(ours(d).messages, 'client')).toEqual(byDirection(theirs.messages, 'client'));
    expect(byDirection(ours(d).messages, 'server')).toEqual(byDirection(theirs.messages, 'server'));
    expect(ours(d).data).toEqual(theirs.data);
    expect(d.events.flatMap((e) => (e.kind === 'finished' ? [`${e.direction} ${e.ok}`] : []))).toEqual(['client true', 'server true', 'client true', 'server true']);
    expect(d.session.undecrypted).toEqual([]);
    expect(errors(d)).toEqual([]);
    expect(text(d, 'client').join('')).toContain('after renegotiation');
    expect(text(d, 'server').join('')).toContain('server after renegotiation');
  }, 60_000);
});

describe('TLS 1.2: a ChangeCipherSpec lost from the capture', () => {
  let r: Run;
  let frames: CapturedPacket[];
  beforeAll(async () => {
    const steps: ClientStep[] = [...lines('line', 2), { serverType: 'from the server\n' }];
    r = await capture('tls12-ccs', ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-GCM-SHA256'], [{ args: [], steps }]);
    frames = await packetsOf(r.run.pcap);
    // The whole capture decrypts, as tshark decrypts it: what each capture with a hole is held to.
    const theirs = tsharkStreams(r.run.pcap, r.run.serverPort, r.run.keyLog).get(0)!;
    expect(ours(r.decoded[0]).data).toEqual(theirs.data);
    expect(text(r.decoded[0], 'server')).toEqual(['from the server\n']);
  }, 60_000);

  const withLost = async (side: 'client' | 'server', count = 1, keyLogText = r.keyLogText) => {
    const scan = await scanCapture([pcapFile(1, losingCcs(frames, r.run.serverPort, side, count))]);
    return decodeStream(scan.streams[0], { keyLog: parseKeyLog(keyLogText) });
  };

  for (const side of ['client', 'server'] as const) {
    it(`the ${side}'s: its next record is tried at sequence number 0 under the new keys, opens, and decryption goes on`, async () => {
      const d = await withLost(side);
      expect(d.session.gaps).toEqual([{ direction: side, bytes: 6, recordsLost: 1 }]);
      expect(errors(d)).toEqual(['CAPTURE_GAP']);
      expect(d.session.undecrypted).toEqual([]);
      expect(notes(d).some((n) => n.startsWith(`the ${side}'s ChangeCipherSpec is missing from the capture, but this record opens under the new keys at sequence number 0`))).toBe(true);
      expect(d.events.flatMap((e) => (e.kind === 'finished' ? [`${e.direction} ${e.ok}`] : []))).toEqual(['client true', 'server true']);
      expect(ours(d).data).toEqual(ours(r.decoded[0]).data);
    });
  }

  it("the server's ChangeCipherSpec and Finished: its next record opens at sequence number 1", async () => {
    const d = await withLost('server', 2);
    expect(d.session.undecrypted).toEqual([]);
    expect(notes(d).some((n) => /the server's ChangeCipherSpec is missing from the capture, but this record opens under the new keys at sequence number 1 \(its authentication tag checked, after 1 record\(s\) under those keys lost with it\)/.test(n))).toBe(true);
    expect(ours(d).data).toEqual(ours(r.decoded[0]).data);

    // When no tag confirms (here: a key log whose master secret is not this session's), nothing is guessed: the
    // server's records stay encrypted, saying its ChangeCipherSpec is missing.
    const [label, random, secret] = r.keyLogText.split('\n').find((l) => l.startsWith('CLIENT_RANDOM '))!.split(' ');
    const wrong = `${label} ${random} ${(secret[0] === '0' ? '1' : '0') + secret.slice(1)}\n`;
    const unconfirmed = await withLost('server', 2, wrong);
    expect(unconfirmed.events.some((e) => e.kind === 'app-data')).toBe(false);
    expect(notes(unconfirmed)).toContain("the server's ChangeCipherSpec is missing from the capture: its records from here on are encrypted, and stay so");
    expect(unconfirmed.session.undecrypted).toContainEqual(expect.objectContaining({ direction: 'server', reason: 'records were lost before them' }));
  });
});
