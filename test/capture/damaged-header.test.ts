// A record header damaged in the capture, with no TCP gap (bytes overwritten in the pcap file, nothing fixed up:
// the reader checks no TCP checksum): the direction is read again from the next record header found, the trace
// says how many bytes were skipped, where and why, and under keys how many records that cost (the record after the
// damage tried at the next sequence numbers, its AEAD tag deciding) or that the rest stays encrypted. Real captures
// (tcpdump of openssl s_client <-> s_server, the client typing one line per record), TLS 1.3 and TLS 1.2 AES-GCM,
// through the page's import (both its ways) and `tls-lens pcap --json`.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCapture, type CapturedPacket } from '../../src/capture/capture-file.ts';
import { importCapture } from '../../src/capture/import.ts';
import { parseKeyLog } from '../../src/capture/keylog.ts';
import type { DecodedStream } from '../../src/capture/session.ts';
import { usePki } from '../support/pki.ts';
import { expectPlain } from '../support/plain-words.ts';
import { isTcp, payloadOf, srcPort, tcpPayloadLength } from './frames.ts';
import { captureOpenssl, typedLines, scribbled, traces, withNodeCrypto, type CapturedRun } from './helpers.ts';

const BIN = path.resolve(__dirname, '../../bin/tls-lens.js');
const pki = usePki();
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const LINES = 12;
const lineSteps = typedLines(LINES);

interface Captured {
  run: CapturedRun;
  keyLog: string;
  file: Buffer;
  frames: CapturedPacket[];
  whole: DecodedStream;
}

/** The capture file decoded by the page's import, both ways (they must agree), with the run's key log. */
async function imported(c: { keyLog: string }, file: Uint8Array): Promise<DecodedStream> {
  const slow = await importCapture([file], { keyLog: parseKeyLog(c.keyLog) });
  expect(slow.streams).toHaveLength(1);
  const name = path.join(dirs[0], `scribbled-${Math.random().toString(36).slice(2)}.pcap`);
  fs.writeFileSync(name, file);
  const fast = await withNodeCrypto(() => importCapture(scribbled(name, 1500), { keyLog: parseKeyLog(c.keyLog) }));
  expect(traces(fast)).toEqual(traces(slow));
  return slow.streams[0].decoded!;
}

const clientLines = (d: DecodedStream) => d.events.flatMap((e) => (e.kind === 'app-data' && e.direction === 'client' ? [Buffer.from(e.bytes, 'hex').toString()] : []));
const seqOfLine = (d: DecodedStream, prefix: string) => {
  const data = d.events.find((e) => e.kind === 'app-data' && Buffer.from(e.bytes, 'hex').toString().startsWith(prefix));
  const record = data && data.kind === 'app-data' ? d.events[data.record!] : undefined;
  return record && record.kind === 'record' ? record.seq : undefined;
};
const errors = (d: DecodedStream) => d.events.flatMap((e) => (e.kind === 'error' ? [e] : []));

/** The client's segments that each carry one typed line's record. */
const lineSegments = (c: Captured) =>
  c.frames.map((f, i) => ({ f, i })).filter(({ f }) => isTcp(f.data) && srcPort(f.data) !== c.run.serverPort && payloadOf(f.data)[0] === 23 && tcpPayloadLength(f.data) > 200 && tcpPayloadLength(f.data) < 400);

/** Where line `n`'s record is: its offset in the capture file, its length, and how many client TLS bytes came before it. */
function lineRecord(c: Captured, n: number): { fileAt: number; length: number; streamAt: number } {
  const seg = lineSegments(c)[n];
  const payload = payloadOf(seg.f.data);
  const fileAt = c.file.indexOf(Buffer.from(payload));
  expect(fileAt).toBeGreaterThan(0);
  expect(c.file.indexOf(Buffer.from(payload), fileAt + 1)).toBe(-1);
  // One record per segment.
  expect(5 + ((payload[3] << 8) | payload[4])).toBe(payload.length);
  const streamAt = c.frames.slice(0, seg.i).filter((f) => isTcp(f.data) && srcPort(f.data) !== c.run.serverPort).reduce((sum, f) => sum + tcpPayloadLength(f.data), 0);
  return { fileAt, length: payload.length, streamAt };
}

/** The capture file with bytes of it overwritten, nothing else changed (TCP checksums stay as they were). */
function patched(c: Captured, at: number, bytes: number[]): Buffer {
  const out = Buffer.from(c.file);
  Buffer.from(bytes).copy(out, at);
  expect(out.length).toBe(c.file.length);
  return out;
}

const DAMAGES = [
  { what: 'its content type', offset: 0, bytes: [0x99], why: /its content type 153 is none of TLS's \(20 to 24\)/ },
  { what: 'its version', offset: 1, bytes: [0x09, 0x01], why: /its version 0901 is no TLS version/ },
  { what: 'its length', offset: 3, bytes: [0xff, 0xf0], why: /its length 65520 is more than any record may have/ },
];

for (const [version, serverArgs] of [
  ['TLS 1.3', ['-tls1_3']],
  ['TLS 1.2 (AES-GCM)', ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-GCM-SHA256']],
] as const) {
  describe(`${version}: a damaged record header mid-stream`, () => {
    let c: Captured;
    beforeAll(async () => {
      const run = await captureOpenssl(pki, `damaged-${version.replace(/\W+/g, '-')}`, [...serverArgs], [{ args: [], steps: lineSteps }]);
      dirs.push(run.dir);
      const file = fs.readFileSync(run.pcap);
      const frames: CapturedPacket[] = [];
      for await (const item of readCapture([new Uint8Array(file)])) if (item.kind === 'packet') frames.push({ ...item, data: item.data.slice() });
      const keyLog = fs.readFileSync(run.keyLog, 'utf8');
      c = { run, keyLog, file, frames, whole: undefined as unknown as DecodedStream };
      c.whole = await imported(c, new Uint8Array(file));
    }, 90_000);

    it('the whole capture: every typed line, one record per segment', () => {
      expect(clientLines(c.whole).filter((l) => l.startsWith('line '))).toHaveLength(LINES);
      expect(errors(c.whole)).toEqual([]);
      expect(lineSegments(c)).toHaveLength(LINES);
    });

    for (const damage of DAMAGES) {
      it(`${damage.what} overwritten: the bytes skipped are said, where and why; the record lost is counted, the rest decrypts`, async () => {
        const rec = lineRecord(c, 5);
        const d = await imported(c, new Uint8Array(patched(c, rec.fileAt + damage.offset, damage.bytes)));
        const problems = errors(d);
        // No gap: the packet was read as it is, checksum and all.
        expect(problems.map((e) => e.code)).toEqual(['RECORD_HEADER_DAMAGED']);
        const message = problems[0].message;
        expectPlain(message, 'the damage message');
        expect(message).toMatch(new RegExp(`^${rec.length} bytes of the client's data were skipped from ${rec.streamAt} bytes into its TLS data`));
        expect(message).toMatch(damage.why);
        expect(message).toMatch(/counted by trying that record at the next sequence numbers \(its authentication tag decides\)\.$/);
        expect(d.session.gaps).toEqual([{ direction: 'client', bytes: 0, recordsLost: 1, damaged: { at: rec.streamAt, skipped: rec.length } }]);
        expect(d.events.some((e) => e.kind === 'note' && e.text.startsWith(`1 client record(s) were lost in the ${rec.length} damaged bytes: the record after them opened at sequence number`))).toBe(true);
        // Only line 05 is missing; every record after it opened, at the number it has in the whole capture.
        expect(clientLines(d)).toEqual(clientLines(c.whole).filter((l) => !l.startsWith('line 05')));
        expect(seqOfLine(d, 'line 06')).toBe(seqOfLine(c.whole, 'line 06'));
        expect(seqOfLine(d, 'line 11')).toBe(seqOfLine(c.whole, 'line 11'));
        expect(d.session.undecrypted).toEqual([]);
        // The server's side untouched.
        const serverData = (x: DecodedStream) => x.events.flatMap((e) => (e.kind === 'app-data' && e.direction === 'server' ? [e.bytes] : []));
        expect(serverData(d)).toEqual(serverData(c.whole));
      });
    }

    it('tls-lens pcap --json says the same', () => {
      const rec = lineRecord(c, 3);
      const file = path.join(c.run.dir, 'damaged.pcap');
      fs.writeFileSync(file, patched(c, rec.fileAt, [0x42, 0x42]));
      const out = JSON.parse(execFileSync('node', [BIN, 'pcap', file, '--keylog', c.run.keyLog, '--json'], { encoding: 'utf8', timeout: 120_000 }));
      const s = out.streams[0];
      expect(s.gaps).toEqual([{ direction: 'client', bytes: 0, recordsLost: 1, damaged: { at: rec.streamAt, skipped: rec.length } }]);
      expect(s.undecrypted).toEqual([]);
      expect(s.errors.map((e: { code: string }) => e.code)).toEqual(['RECORD_HEADER_DAMAGED']);
      expect(s.errors[0].message).toMatch(/its content type 66 is none of TLS's/);
      const text = execFileSync('node', [BIN, 'pcap', file, '--keylog', c.run.keyLog], { encoding: 'utf8', timeout: 120_000 });
      expect(text).toContain('line 04');
      expect(text).not.toContain('line 03');
      expect(text).toContain('line 11');
    });

    it('the record after the damage does not open either: said so, the rest stays encrypted, never guessed', async () => {
      const five = lineRecord(c, 5);
      const six = lineRecord(c, 6);
      let file = patched(c, five.fileAt, [0x99]);
      // A byte in the middle of line 06's ciphertext flipped as well: no sequence number opens it.
      file = patched({ ...c, file }, six.fileAt + 100, [file[six.fileAt + 100] ^ 0x01]);
      const d = await imported(c, new Uint8Array(file));
      const problems = errors(d);
      expect(problems.map((e) => e.code)).toEqual(['RECORD_HEADER_DAMAGED', 'RECORDS_LOST']);
      for (const p of problems) expectPlain(p.message, 'a damage message');
      expect(problems[1].message).toMatch(/^after the damaged bytes, the client's next record does not open at sequence numbers \d+\.\.\d+ \(\d+ tried: .*\)\. It and the rest of this direction stay encrypted\./);
      expect(d.session.gaps).toEqual([{ direction: 'client', bytes: 0, recordsLost: null, damaged: { at: five.streamAt, skipped: five.length } }]);
      expect(d.session.undecrypted).toEqual([expect.objectContaining({ direction: 'client', reason: 'records were lost before them' })]);
      // Everything before the damage shown, nothing after it shown as if decrypted.
      expect(clientLines(d).filter((l) => l.startsWith('line '))).toEqual(clientLines(c.whole).filter((l) => /^line 0[0-4]/.test(l)));
    });

    it('a damaged length that still looks possible: the record framed short fails its tag, the rest stays encrypted, said so', async () => {
      const rec = lineRecord(c, 5);
      const shorter = rec.length - 5 - 60;
      const d = await imported(c, new Uint8Array(patched(c, rec.fileAt + 3, [shorter >> 8, shorter & 0xff])));
      const problems = errors(d);
      // The short record fails its tag; the bytes after it are no header, skipped to the next record.
      expect(problems.map((e) => e.code)).toEqual(['KEY_DOES_NOT_DECRYPT', 'RECORD_HEADER_DAMAGED']);
      for (const p of problems) expectPlain(p.message, 'a damage message');
      expect(problems[1].message).toMatch(new RegExp(`^60 bytes of the client's data were skipped from ${rec.streamAt + rec.length - 60} bytes into its TLS data`));
      expect(clientLines(d).filter((l) => l.startsWith('line '))).toEqual(clientLines(c.whole).filter((l) => /^line 0[0-4]/.test(l)));
      expect(d.session.undecrypted).toEqual([expect.objectContaining({ direction: 'client', reason: 'the key did not decrypt' })]);
    });

    it('a damaged header with no record header after it: the rest of the direction is said to be skipped', async () => {
      // The client's last line: what follows it (the close_notify, if any) is damaged too, by the length claimed.
      const last = lineRecord(c, LINES - 1);
      const file = patched(c, last.fileAt, [0x99]);
      const d = await imported(c, new Uint8Array(file));
      const problems = errors(d);
      expect(problems[0].code).toBe('RECORD_HEADER_DAMAGED');
      expectPlain(problems[0].message, 'the damage message');
      expect(clientLines(d).filter((l) => l.startsWith('line '))).toEqual(clientLines(c.whole).filter((l) => l.startsWith('line ')).slice(0, LINES - 1));
      const gap = d.session.gaps.find((g) => g.damaged);
      expect(gap?.damaged?.at).toBe(last.streamAt);
      if (/No record header was found after them/.test(problems[0].message)) {
        // Nothing came after it: every byte from the damage to the end skipped.
        expect(problems.map((e) => e.code)).toEqual(['RECORD_HEADER_DAMAGED']);
      } else {
        // The client's close_notify came after it, found and opened (1 record lost).
        expect(gap?.recordsLost).toBe(1);
      }
      expect(gap!.damaged!.skipped).toBeGreaterThanOrEqual(last.length);
    });
  });
}
