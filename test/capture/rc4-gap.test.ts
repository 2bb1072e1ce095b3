// RC4 after records were lost (TCP packets dropped from the capture, or a record header damaged in it): RC4's one
// keystream runs across a direction's records, so the record found after the loss is tried at each count of
// records the bytes in between could hold (the keystream run on by those bytes less a 5-byte header each, the
// sequence number by the count), and only its MAC decides. Real captures of GnuTLS peers (gnutls-cli <->
// gnutls-serv --echo, gnutls-capture.ts) with a long transfer, packets removed from the pcap written again; where
// nothing fits (the record after the gap damaged too, more records lost than tried) the old words stay.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCapture, type CapturedPacket } from '../../src/capture/capture-file.ts';
import { importCapture } from '../../src/capture/import.ts';
import { parseKeyLog } from '../../src/capture/keylog.ts';
import type { DecodedStream } from '../../src/capture/session.ts';
import type { RecordEvent } from '../../src/trace/types.ts';
import { usePki } from '../support/pki.ts';
import { expectPlain } from '../support/plain-words.ts';
import { isTcp, pcapFile, payloadOf, srcPort, tcpPayloadLength, withPayload } from './frames.ts';
import { captureGnutls } from './gnutls-capture.ts';
import { scribbled, traces, withNodeCrypto, type CapturedRun } from './helpers.ts';

const BIN = path.resolve(__dirname, '../../bin/tls-lens.js');
const pki = usePki();
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A long transfer: lines of many lengths, each a record each way (gnutls-serv echoes each). */
const LINES = Array.from({ length: 40 }, (_, i) => `line ${String(i).padStart(2, '0')} ${'abcdefghij'[i % 10].repeat(((i * 397) % 2900) + 10)}`);
const SENT = LINES.map((l) => `${l}\n`);

interface Run {
  run: CapturedRun;
  keyLog: string;
  frames: CapturedPacket[];
  whole: DecodedStream;
}

/** The file decoded by the page's import, both ways (they must agree). */
async function imported(r: { keyLog: string; run: CapturedRun }, file: Uint8Array): Promise<DecodedStream> {
  const slow = await importCapture([file], { keyLog: parseKeyLog(r.keyLog) });
  expect(slow.streams).toHaveLength(1);
  const name = path.join(r.run.dir, `scribbled-${Math.random().toString(36).slice(2)}.pcap`);
  fs.writeFileSync(name, file);
  const fast = await withNodeCrypto(() => importCapture(scribbled(name, 1024), { keyLog: parseKeyLog(r.keyLog) }));
  expect(traces(fast)).toEqual(traces(slow));
  return slow.streams[0].decoded!;
}

async function capture(name: string, priority: string): Promise<Run> {
  const run = await captureGnutls(name, { priority, cert: pki.rsaCert, key: pki.rsaKey, caFile: pki.rootPem, lines: LINES });
  dirs.push(run.dir);
  const file = new Uint8Array(fs.readFileSync(run.pcap));
  const frames: CapturedPacket[] = [];
  for await (const item of readCapture([file])) if (item.kind === 'packet') frames.push({ ...item, data: item.data.slice() });
  const keyLog = fs.readFileSync(run.keyLog, 'utf8');
  const r: Run = { run, keyLog, frames, whole: undefined as unknown as DecodedStream };
  r.whole = await imported(r, file);
  return r;
}

const text = (d: DecodedStream, side: 'client' | 'server') => d.events.flatMap((e) => (e.kind === 'app-data' && e.direction === side ? [Buffer.from(e.bytes, 'hex').toString()] : []));
const errors = (d: DecodedStream) => d.events.flatMap((e) => (e.kind === 'error' ? [e] : []));
const notes = (d: DecodedStream) => d.events.flatMap((e) => (e.kind === 'note' ? [e.text] : []));
/** The server's echo segments, one record each, in order. */
const echoes = (r: Run) => r.frames.map((f, i) => ({ f, i })).filter(({ f }) => isTcp(f.data) && srcPort(f.data) === r.run.serverPort && payloadOf(f.data)[0] === 23);
const seqOfEcho = (d: DecodedStream, n: number) => {
  const data = d.events.find((e) => e.kind === 'app-data' && e.direction === 'server' && Buffer.from(e.bytes, 'hex').toString() === SENT[n]);
  const rec = data && data.kind === 'app-data' ? d.events[data.record!] : undefined;
  return rec && rec.kind === 'record' ? rec.seq : undefined;
};

/** The capture written again without the frames at `drop`, the others changed by `change`. */
function rewritten(r: Run, name: string, drop: number[], change: (f: CapturedPacket, i: number) => Uint8Array = (f) => f.data): string {
  const file = path.join(r.run.dir, `${name}.pcap`);
  fs.writeFileSync(file, pcapFile(1, r.frames.flatMap((f, i) => (drop.includes(i) ? [] : [{ time: f.time, data: change(f, i) }]))));
  return file;
}

for (const [version, suite, priority] of [
  ['1.2', 'TLS_ECDHE_RSA_WITH_RC4_128_SHA', 'NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+ARCFOUR-128:-MAC-ALL:+SHA1:-KX-ALL:+ECDHE-RSA'],
  ['1.1', 'TLS_RSA_WITH_RC4_128_MD5', 'NORMAL:-VERS-ALL:+VERS-TLS1.1:-CIPHER-ALL:+ARCFOUR-128:-MAC-ALL:+MD5:-KX-ALL:+RSA'],
] as const) {
  describe(`TLS ${version}, ${suite}: packets dropped in the middle of a long transfer`, () => {
    let r: Run;
    beforeAll(async () => {
      r = await capture(`rc4-gap-${version}`, priority);
    }, 120_000);

    it('the whole capture decrypts, one record per echo segment', () => {
      expect(r.whole.session.cipherSuite).toBe(suite);
      expect(errors(r.whole)).toEqual([]);
      expect(text(r.whole, 'server')).toEqual(SENT);
      expect(text(r.whole, 'client')).toEqual(SENT);
      expect(echoes(r)).toHaveLength(LINES.length);
    });

    it('two echo segments dropped: the keystream is picked up again, the 2 records lost counted, the rest decrypts', async () => {
      const e = echoes(r);
      const lost = [e[17].i, e[18].i];
      const d = await imported(r, fs.readFileSync(rewritten(r, 'two-dropped', lost)));
      const problems = errors(d);
      expect(problems.map((p) => p.code)).toEqual(['CAPTURE_GAP']);
      expectPlain(problems[0].message, 'the gap message');
      const bytes = tcpPayloadLength(r.frames[lost[0]].data) + tcpPayloadLength(r.frames[lost[1]].data);
      expect(problems[0].message).toMatch(new RegExp(`^${bytes} bytes from the server are missing from the capture here: .*RC4 is a stream cipher whose keystream runs on from one record to the next`));
      expect(d.session.gaps).toEqual([{ direction: 'server', bytes, recordsLost: 2 }]);
      expect(notes(d).some((n) => n.startsWith(`2 server record(s) were lost in the gap: the record after it opened at sequence number ${seqOfEcho(r.whole, 19)}, RC4's keystream ${bytes - 10} bytes on (its MAC checked)`))).toBe(true);
      expect(text(d, 'server')).toEqual(SENT.filter((_, n) => n !== 17 && n !== 18));
      expect(text(d, 'client')).toEqual(SENT);
      expect(seqOfEcho(d, 39)).toBe(seqOfEcho(r.whole, 39));
      expect(d.session.undecrypted).toEqual([]);
      // Every server record after the gap opened, its MAC checked.
      const after = d.events.filter((ev): ev is RecordEvent => ev.kind === 'record' && ev.direction === 'server' && ev.epoch === 'application');
      expect(after.every((rec) => rec.protection !== undefined)).toBe(true);
    });

    it('a segment cut after its first 9 bytes: those count among the bytes between, and the next record opens', async () => {
      const cut = echoes(r)[25];
      const payload = payloadOf(cut.f.data);
      const d = await imported(r, fs.readFileSync(rewritten(r, 'cut', [], (f, i) => (i === cut.i ? withPayload(f.data, 0, payload.subarray(0, 9)) : f.data))));
      expect(d.session.gaps).toEqual([{ direction: 'server', bytes: payload.length - 9, recordsLost: 1 }]);
      expect(text(d, 'server')).toEqual(SENT.filter((_, n) => n !== 25));
      expect(seqOfEcho(d, 26)).toBe(seqOfEcho(r.whole, 26));
    });
  });
}

describe('RC4 losses that cannot be recovered, and a damaged header (TLS 1.2, TLS_ECDHE_RSA_WITH_RC4_128_SHA)', () => {
  let r: Run;
  beforeAll(async () => {
    r = await capture('rc4-gap-bad', 'NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+ARCFOUR-128:-MAC-ALL:+SHA1:-KX-ALL:+ECDHE-RSA');
  }, 120_000);

  const oldWords = (d: DecodedStream) => {
    const problems = errors(d);
    expect(problems.map((p) => p.code)).toEqual(['CAPTURE_GAP']);
    expectPlain(problems[0].message, 'the gap message');
    expect(problems[0].message).toMatch(/missing from the capture here, and the rest of the server's records cannot be decrypted/);
    expect(problems[0].message).toMatch(/RC4 is a stream cipher whose keystream runs on from one record to the next/);
    expect(d.session.gaps).toEqual([expect.objectContaining({ direction: 'server', recordsLost: null })]);
    expect(d.session.undecrypted).toEqual([expect.objectContaining({ direction: 'server', reason: 'records were lost before them' })]);
    expect(text(d, 'client')).toEqual(SENT);
    return problems[0].message;
  };

  it('the record right after the gap damaged too: no count fits, the old words, the rest stays encrypted', async () => {
    const e = echoes(r);
    const next = e[11];
    const file = rewritten(r, 'gap-then-damaged', [e[10].i], (f, i) => {
      if (i !== next.i) return f.data;
      const copy = f.data.slice();
      const at = copy.length - tcpPayloadLength(copy) + 5 + 3;
      copy[at] ^= 0x01;
      return copy;
    });
    const d = await imported(r, fs.readFileSync(file));
    expect(oldWords(d)).toMatch(/\(The record after them was tried with 1 to \d+ records lost, the keystream run on past each count's bytes: its MAC checked with none\.\)$/);
    expect(text(d, 'server')).toEqual(SENT.slice(0, 10));
    expect(d.session.undecrypted[0].records).toBe(LINES.length - 11 + 1);
  });

  it('more records lost than are tried (the segments after the gap claim 2 MB more lost): the old words, never a guess', async () => {
    const e = echoes(r);
    const lost = e[10].i;
    const delta = 2_000_000;
    const file = rewritten(r, 'beyond-bound', [lost], (f, i) => (i > lost && isTcp(f.data) && srcPort(f.data) === r.run.serverPort ? withPayload(f.data, delta, payloadOf(f.data)) : f.data));
    const d = await imported(r, fs.readFileSync(file));
    expect(oldWords(d)).toMatch(/tried with \d+ to \d+ records lost/);
    expect(d.session.gaps[0].bytes).toBe(delta + tcpPayloadLength(r.frames[lost].data));
    expect(text(d, 'server')).toEqual(SENT.slice(0, 10));
  });

  it('a damaged record header under RC4: the bytes skipped said, the keystream picked up past them', async () => {
    const e = echoes(r);
    const target = e[20];
    const file = rewritten(r, 'damaged', [], (f, i) => {
      if (i !== target.i) return f.data;
      const copy = f.data.slice();
      copy[copy.length - tcpPayloadLength(copy)] = 0x07;
      return copy;
    });
    const d = await imported(r, fs.readFileSync(file));
    const problems = errors(d);
    expect(problems.map((p) => p.code)).toEqual(['RECORD_HEADER_DAMAGED']);
    const length = tcpPayloadLength(r.frames[target.i].data);
    expect(problems[0].message).toMatch(new RegExp(`^${length} bytes of the server's data were skipped from \\d+ bytes into its TLS data: .*its content type 7 is none of TLS's`));
    expect(d.session.gaps).toEqual([{ direction: 'server', bytes: 0, recordsLost: 1, damaged: { at: expect.any(Number), skipped: length } }]);
    expect(notes(d).some((n) => n.startsWith(`1 server record(s) were lost in the ${length} damaged bytes`))).toBe(true);
    expect(text(d, 'server')).toEqual(SENT.filter((_, n) => n !== 20));
  });

  it('tls-lens pcap --json: the records lost counted, nothing left encrypted', () => {
    const e = echoes(r);
    const lost = [e[30].i, e[31].i, e[32].i];
    const file = rewritten(r, 'cli', lost);
    const out = JSON.parse(execFileSync('node', [BIN, 'pcap', file, '--keylog', r.run.keyLog, '--json'], { encoding: 'utf8', timeout: 120_000 }));
    const s = out.streams[0];
    expect(s.cipherSuite).toBe('TLS_ECDHE_RSA_WITH_RC4_128_SHA');
    expect(s.gaps).toEqual([{ direction: 'server', bytes: lost.reduce((n, i) => n + tcpPayloadLength(r.frames[i].data), 0), recordsLost: 3 }]);
    expect(s.undecrypted).toEqual([]);
    const shown = execFileSync('node', [BIN, 'pcap', file, '--keylog', r.run.keyLog], { encoding: 'utf8', timeout: 120_000 });
    // Each line twice (the client's and the server's echo), but for the three echoes lost.
    expect(shown.match(/\| line 31/g)).toHaveLength(1);
    expect(shown.match(/\| line 33/g)).toHaveLength(2);
    expect(shown.match(/\| line 39/g)).toHaveLength(2);
  });
});
