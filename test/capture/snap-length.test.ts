// A capture made with a small snapshot length (tcpdump -s 96, as engineers often capture): each packet longer than
// 96 bytes keeps only its first 96, and its record header (pcap orig_len, pcapng EPB original length) says how long
// it was. The import must say so once for the capture (the page's import result, `pcap` text and --json), once in
// each stream, and name the cut in each gap it made, in pcap and pcapng alike. tshark counts the cut packets.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importCapture, type CaptureImport } from '../../src/capture/import.ts';
import { parseKeyLog } from '../../src/capture/keylog.ts';
import { listingOf } from '../../src/capture/session.ts';
import { spawnSServer } from '../tls/helpers.ts';
import { usePki } from '../support/pki.ts';
import { expectPlain } from '../support/plain-words.ts';
import { runSClient, startTcpdump, tempDir, typedLines } from './helpers.ts';

const BIN = path.resolve(__dirname, '../../bin/tls-lens.js');
const pki = usePki();
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const SNAP = 96;
const CUT_MESSAGE = new RegExp(`^\\d+ packets were cut to the capture's snapshot length \\(${SNAP} bytes; tcpdump -s\\): the bytes after each cut are missing`);

interface Run {
  dir: string;
  pcap: string;
  pcapng: string;
  keyLog: string;
  port: number;
}

let run: Run;
beforeAll(async () => {
  const dir = tempDir('snap-length');
  dirs.push(dir);
  const keyLog = path.join(dir, 'keys.log');
  const pcap = path.join(dir, 'cut.pcap');
  const server = await spawnSServer(['-cert', pki.leafCert, '-key', pki.leafKey, '-CAfile', pki.rootPem, '-tls1_3']);
  const dump = await startTcpdump(pcap, server.port, ['-s', String(SNAP)]);
  try {
    await runSClient(server.port, ['-keylogfile', keyLog, '-CAfile', pki.rootPem], typedLines(4), server);
  } finally {
    await dump.stop();
    await server.stop();
  }
  const pcapng = path.join(dir, 'cut.pcapng');
  execFileSync('editcap', ['-F', 'pcapng', pcap, pcapng]);
  run = { dir, pcap, pcapng, keyLog, port: server.port };
}, 60_000);

/** The frames tshark finds shorter in the file than on the wire. */
function tsharkCut(file: string): number[] {
  const out = execFileSync('tshark', ['-r', file, '-Y', 'frame.len > frame.cap_len', '-T', 'fields', '-e', 'frame.cap_len'], { encoding: 'utf8', timeout: 60_000 });
  return out.split('\n').filter(Boolean).map(Number);
}

const importFile = (file: string) => importCapture(fs.createReadStream(file), { keyLog: parseKeyLog(fs.readFileSync(run.keyLog, 'utf8')) });
const errors = (r: CaptureImport) => r.streams[0].decoded!.events.flatMap((e) => (e.kind === 'error' ? [e] : []));
const notes = (r: CaptureImport) => r.streams[0].decoded!.events.flatMap((e) => (e.kind === 'note' ? [e.text] : []));

for (const format of ['pcap', 'pcapng'] as const) {
  describe(`a ${format} captured with tcpdump -s ${SNAP}`, () => {
    const file = () => (format === 'pcap' ? run.pcap : run.pcapng);

    it('the import says once that packets were cut, how many, and to what length', async () => {
      const cut = tsharkCut(file());
      expect(cut.length).toBeGreaterThan(4);
      expect(new Set(cut)).toEqual(new Set([SNAP]));
      const r = await importFile(file());
      expect(r.truncated).toEqual({ packets: cut.length, snapLength: SNAP, message: expect.stringMatching(CUT_MESSAGE) });
      expect(r.truncated!.message.startsWith(`${cut.length} packets were cut`)).toBe(true);
      expectPlain(r.truncated!.message, 'the capture-wide truncation message');
      // The stream says it too, once, and its listing counts its cut packets.
      expect(r.streams).toHaveLength(1);
      const { stream, decoded } = r.streams[0];
      const said = notes(r).filter((t) => /cut to the capture's snapshot length/.test(t));
      expect(said).toHaveLength(1);
      expect(said[0]).toMatch(new RegExp(`^${cut.length} of this stream's packets were cut to the capture's snapshot length \\(${SNAP} bytes; tcpdump -s\\): the ${stream.truncated!.bytes} bytes after the cuts are missing`));
      expectPlain(said[0], 'the stream note');
      expect(listingOf(stream, decoded!).truncatedPackets).toBe(cut.length);
    });

    it('each gap the cuts made names them; session.gaps says how many of its bytes were cut', async () => {
      const r = await importFile(file());
      const gaps = errors(r).filter((e) => e.code === 'CAPTURE_GAP');
      expect(gaps.length).toBeGreaterThan(0);
      for (const e of gaps) {
        expect(e.message).toMatch(/^\d+ bytes from the (client|server) are missing from the capture here \(the packet that carried them was cut to the capture's snapshot length\)/);
        expectPlain(e.message, 'a gap message');
      }
      const session = r.streams[0].decoded!.session;
      expect(session.gaps.length).toBe(gaps.length);
      for (const g of session.gaps) expect(g.cut).toBe(g.bytes);
      // Every byte the cuts took is in a gap, and nothing else is.
      expect(session.gaps.reduce((n, g) => n + g.bytes, 0)).toBe(r.streams[0].stream.truncated!.bytes);
    });

    it('tls-lens pcap says it in its text once, and in --json as `truncated`', async () => {
      const r = await importFile(file());
      const text = execFileSync('node', [BIN, 'pcap', file(), '--keylog', run.keyLog], { encoding: 'utf8', timeout: 120_000 });
      expect(text.split(r.truncated!.message)).toHaveLength(2);
      expect(text).toMatch(new RegExp(`${r.truncated!.packets} packet\\(s\\) cut short`));
      const out = JSON.parse(execFileSync('node', [BIN, 'pcap', file(), '--keylog', run.keyLog, '--json'], { encoding: 'utf8', timeout: 120_000 }));
      expect(out.truncated).toEqual(r.truncated);
      // The existing fields are all still there.
      expect(Object.keys(out)).toEqual(['file', 'packets', 'streams', 'keyLogProblems', 'truncated']);
      expect(out.streams[0].stream.truncatedPackets).toBe(r.truncated!.packets);
      expect(out.streams[0].gaps).toEqual(r.streams[0].decoded!.session.gaps);
      expect(out.streams[0].error.message).toMatch(/cut to the capture's snapshot length/);
    });
  });
}

describe('a cut packet and a lost one in the same hole', () => {
  it('the gap says how many of its bytes the cut took and that the rest were not captured', async () => {
    // Frame numbers of the client's cut data packets (the typed lines, one each), by tshark.
    const lines = execFileSync('tshark', ['-r', run.pcap, '-Y', `tcp.dstport == ${run.port} && frame.len > frame.cap_len`, '-T', 'fields', '-e', 'frame.number', '-e', 'tcp.len', '-e', 'frame.len', '-e', 'frame.cap_len'], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\t').map(Number));
    const [lostFrame, lostLength] = lines[lines.length - 2];
    const [, , beforeLen, beforeCap] = lines[lines.length - 3];
    const holed = path.join(run.dir, 'holed.pcap');
    execFileSync('editcap', [run.pcap, holed, String(lostFrame)]);
    const r = await importFile(holed);
    const cutBefore = beforeLen - beforeCap;
    const mixed = r.streams[0].decoded!.session.gaps.filter((g) => g.cut !== g.bytes);
    expect(mixed).toEqual([{ direction: 'client', bytes: cutBefore + lostLength, recordsLost: null, cut: cutBefore }]);
    const said = errors(r).filter((e) => e.code === 'CAPTURE_GAP' && e.message.startsWith(`${cutBefore + lostLength} bytes`));
    expect(said).toHaveLength(1);
    expect(said[0].message).toContain(`(${cutBefore} of them were cut off a packet by the capture's snapshot length; the rest were not captured)`);
  });
});
