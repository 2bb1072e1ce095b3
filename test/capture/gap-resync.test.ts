// After a hole in a capture, under keys: records are found again at the next plausible record header, and the
// records lost are counted by trying the next sequence numbers (the AEAD tag decides). Real captures (tcpdump of
// openssl s_client <-> s_server, the client typing one line per record) with segments taken out; what follows
// the hole must decode exactly as in the whole capture, which tshark decodes the same way.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCapture, type CapturedPacket } from '../../src/capture/capture-file.ts';
import { parseKeyLog } from '../../src/capture/keylog.ts';
import { decodeStream, type DecodedStream } from '../../src/capture/session.ts';
import { scanCapture } from '../../src/capture/streams.ts';
import { usePki } from '../support/pki.ts';
import { isTcp, pcapFile, payloadOf, srcPort, tcpPayloadLength, withPayload } from './frames.ts';
import { captureOpenssl, typedLines, tsharkStreams, type CapturedRun } from './helpers.ts';

const BIN = path.resolve(__dirname, '../../bin/tls-lens.js');
const pki = usePki();
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const LINES = 12;
const lineSteps = typedLines(LINES);

interface Captured {
  run: CapturedRun;
  keyLog: string;
  frames: CapturedPacket[];
}

async function capture(name: string, serverArgs: string[]): Promise<Captured> {
  const run = await captureOpenssl(pki, name, serverArgs, [{ args: [], steps: lineSteps }]);
  dirs.push(run.dir);
  const frames: CapturedPacket[] = [];
  for await (const item of readCapture([new Uint8Array(fs.readFileSync(run.pcap))])) if (item.kind === 'packet') frames.push({ ...item, data: item.data.slice() });
  return { run, keyLog: fs.readFileSync(run.keyLog, 'utf8'), frames };
}

async function decode(c: Captured, frames: { time: number; data: Uint8Array }[]): Promise<DecodedStream> {
  const scan = await scanCapture([pcapFile(1, frames)]);
  expect(scan.streams.length).toBe(1);
  return decodeStream(scan.streams[0], { keyLog: parseKeyLog(c.keyLog) });
}

const clientLines = (d: DecodedStream) => d.events.flatMap((e) => (e.kind === 'app-data' && e.direction === 'client' ? [Buffer.from(e.bytes, 'hex').toString()] : []));
const seqOfLine = (d: DecodedStream, prefix: string) => {
  const data = d.events.find((e) => e.kind === 'app-data' && Buffer.from(e.bytes, 'hex').toString().startsWith(prefix));
  const record = data && data.kind === 'app-data' ? d.events[data.record!] : undefined;
  return record && record.kind === 'record' ? record.seq : undefined;
};
const lineSegments = (c: Captured) =>
  c.frames.map((f, i) => ({ f, i })).filter(({ f }) => isTcp(f.data) && srcPort(f.data) !== c.run.serverPort && payloadOf(f.data)[0] === 23 && tcpPayloadLength(f.data) > 200 && tcpPayloadLength(f.data) < 400);

for (const [version, serverArgs] of [
  ['TLS 1.3', ['-tls1_3']],
  ['TLS 1.2 (GCM)', ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-GCM-SHA256']],
] as const) {
  describe(`${version}: decryption goes on after a hole`, () => {
    let c: Captured;
    let whole: DecodedStream;
    beforeAll(async () => {
      c = await capture(`gap-${version.replace(/\W+/g, '-')}`, [...serverArgs]);
      whole = await decode(c, c.frames);
    }, 60_000);

    it('the whole capture: every typed line, as tshark decrypts them', () => {
      const lines = clientLines(whole);
      expect(lines.filter((l) => l.startsWith('line '))).toHaveLength(LINES);
      const theirs = Buffer.from(tsharkStreams(c.run.pcap, c.run.serverPort, c.run.keyLog).get(0)!.data.client, 'hex').toString();
      expect(lines.join('')).toBe(theirs);
      // One record per line, each in its own segment: what the holes below rely on.
      expect(lineSegments(c)).toHaveLength(LINES);
    });

    it('a lost segment holding whole records: the records lost are counted, the rest decrypts', async () => {
      const segments = lineSegments(c);
      const lost = [segments[3].i, segments[4].i];
      const d = await decode(c, c.frames.filter((_, i) => !lost.includes(i)));
      expect(d.events.filter((e) => e.kind === 'error').map((e) => e.kind === 'error' && e.code)).toEqual(['CAPTURE_GAP']);
      expect(d.session.gaps).toEqual([{ direction: 'client', bytes: tcpPayloadLength(c.frames[lost[0]].data) + tcpPayloadLength(c.frames[lost[1]].data), recordsLost: 2 }]);
      expect(d.events.some((e) => e.kind === 'note' && /^2 client record\(s\) were lost in the gap/.test(e.text))).toBe(true);
      const expected = clientLines(whole).filter((l) => !l.startsWith('line 03') && !l.startsWith('line 04'));
      expect(clientLines(d)).toEqual(expected);
      expect(d.session.undecrypted).toEqual([]);
      // tls-lens pcap --json says the same.
      const file = path.join(c.run.dir, 'holed.pcap');
      fs.writeFileSync(file, pcapFile(1, c.frames.filter((_, i) => !lost.includes(i))));
      const out = JSON.parse(execFileSync('node', [BIN, 'pcap', file, '--keylog', c.run.keyLog, '--json'], { encoding: 'utf8', timeout: 120_000 }));
      expect(out.streams[0].gaps).toEqual(d.session.gaps);
      expect(out.streams[0].undecrypted).toEqual([]);
    });

    it('a hole that starts inside a record: resynchronised at the next record, which opens at the next number', async () => {
      const segments = lineSegments(c);
      const cut = segments[6];
      const payload = payloadOf(cut.f.data);
      // The segment's first 9 bytes arrive (a record header and a little), the rest is lost.
      const head = withPayload(cut.f.data, 0, payload.subarray(0, 9));
      const frames = c.frames.flatMap((f, i) => (i === cut.i ? [{ time: f.time, data: head }] : [f]));
      const d = await decode(c, frames);
      expect(d.session.gaps).toEqual([{ direction: 'client', bytes: payload.length - 9, recordsLost: 1 }]);
      expect(clientLines(d)).toEqual(clientLines(whole).filter((l) => !l.startsWith('line 06')));
      // The record after the hole has the sequence number it has in the whole capture.
      expect(seqOfLine(d, 'line 07')).toBe(seqOfLine(whole, 'line 07'));
    });

    it('a hole bigger than the numbers tried: said plainly, the rest stays encrypted, never guessed', async () => {
      const segments = lineSegments(c);
      const lost = segments[2].i;
      // The client's later segments claim 2 MB more were lost than really were: at least 2 MB / 18 KB records
      // are then missing, more than the 2 that are, so no number tried can be right.
      const delta = 2_000_000;
      const frames = c.frames.flatMap((f, i) => {
        if (i === lost) return [];
        const later = i > lost && isTcp(f.data) && srcPort(f.data) !== c.run.serverPort;
        return [later ? { time: f.time, data: withPayload(f.data, delta, payloadOf(f.data)) } : f];
      });
      const d = await decode(c, frames);
      const errors = d.events.flatMap((e) => (e.kind === 'error' ? [e] : []));
      expect(errors.map((e) => e.code)).toEqual(['CAPTURE_GAP', 'RECORDS_LOST']);
      expect(errors[1].message).toMatch(/does not open at sequence numbers \d+\.\.\d+ \(64 tried/);
      expect(d.session.gaps).toEqual([{ direction: 'client', bytes: delta + tcpPayloadLength(c.frames[lost].data), recordsLost: null }]);
      expect(d.session.undecrypted).toEqual([expect.objectContaining({ direction: 'client', reason: 'records were lost before them', records: LINES - 3 + 1 })]);
      // Before the hole everything is shown; after it, no client line is shown as if decrypted.
      expect(clientLines(d).filter((l) => l.startsWith('line '))).toEqual(clientLines(whole).filter((l) => l.startsWith('line 00') || l.startsWith('line 01')));
    });
  });
}
