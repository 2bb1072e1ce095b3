// The built command (bin/tls-lens.js pcap FILE --keylog K --json) on corrupt files made from a real capture
// (fuzz-seeds.ts): the exit status its help documents (0 read whole; 1 damaged, what was read still shown; 2 usage or
// an unreadable file), stdout one JSON document of the documented shape, stderr one plain line, no stack trace.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tcpSegmentOf } from '../../src/capture/packet.ts';
import { scanCapture } from '../../src/capture/streams.ts';
import { usePki } from '../support/pki.ts';
import { checkPlain } from './fuzz-check.ts';
import { opensslSeeds, type Seed } from './fuzz-seeds.ts';
import { tempDir } from './helpers.ts';

const BIN = path.resolve(__dirname, '../../bin/tls-lens.js');
const pki = usePki();
let pcap: Seed;
let pcapng: Seed;
let dir: string;
const dirs: string[] = [];

beforeAll(async () => {
  const openssl = await opensslSeeds(pki);
  [pcap, pcapng] = openssl.seeds;
  dir = tempDir('fuzz-cli');
  dirs.push(openssl.dir, dir);
  fs.writeFileSync(path.join(dir, 'keys.log'), pcap.keyLog);
  fs.writeFileSync(path.join(dir, 'ca.pem'), pcap.caPem);
}, 120_000);
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', [BIN, 'pcap', ...args], { timeout: 60_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      // bin/tls-lens.js says so on stderr when it first rebuilds a stale bundle: not the command's words.
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr: stderr.replace(/^tls-lens: building the command-line client first .*\n/m, '') }),
    );
  });
}

/** `pcap FILE --keylog K --ca CA --json` on these bytes. */
async function pcapJson(bytes: Uint8Array, name: string, keyLog = path.join(dir, 'keys.log')) {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  const r = await cli([file, '--keylog', keyLog, '--ca', path.join(dir, 'ca.pem'), '--json']);
  const json = JSON.parse(r.stdout);
  checkPlain(json, name);
  expect(r.stderr).not.toMatch(/\n\s+at |Error:|Warning/);
  return { ...r, json };
}

const u32 = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

describe('tls-lens pcap --json on corrupt captures', () => {
  const damaged: [string, () => { bytes: Uint8Array; name: string }, string, number][] = [
    ['cut in the middle of a packet', () => ({ bytes: pcap.bytes.subarray(0, pcap.units[40].start + 30), name: 'cut.pcap' }), 'TRUNCATED', 2],
    ['a wrong magic number', () => ({ bytes: Uint8Array.from(pcap.bytes, (b, i) => (i === 0 ? b ^ 0x40 : b)), name: 'magic.pcap' }), 'WRONG_MAGIC', 0],
    ['a packet claiming 4 GiB', () => ({ bytes: withU32(pcap, pcap.units[40].start + 8, 0xffffffff, true), name: 'absurd.pcap' }), 'ABSURD_LENGTH', 2],
    ['a pcapng block whose closing length differs', () => ({ bytes: withU32(pcapng, pcapng.units[40].end - 4, 0x1234, true), name: 'trailer.pcapng' }), 'CORRUPT', 2],
    ['a pcapng time stamp beyond any date', () => ({ bytes: withU32(pcapng, pcapng.units[40].start + 12, 0xffffffff, true), name: 'time.pcapng' }), 'CORRUPT', 2],
    ['an empty file', () => ({ bytes: new Uint8Array(0), name: 'empty.pcap' }), 'TRUNCATED', 0],
  ];
  for (const [label, make, code, streams] of damaged) {
    it(`${label}: exit 1, the error in JSON with its offset, the streams before it shown`, async () => {
      const { bytes, name } = make();
      const r = await pcapJson(bytes, name);
      expect(r.code, r.stderr).toBe(1);
      expect(Object.keys(r.json)).toEqual(['file', 'packets', 'streams', 'keyLogProblems', 'error']);
      expect(r.json.error.code).toBe(code);
      expect(Object.keys(r.json.error).sort()).toEqual(['code', 'message', 'offset']);
      expect(r.stderr).toBe(`tls-lens pcap: ${r.json.error.message}\n`);
      expect(r.json.streams.length).toBeGreaterThanOrEqual(streams);
      // The first streams, read before the damage, still decoded whole.
      for (const s of r.json.streams.slice(0, streams)) expect(s).toMatchObject({ ok: true, undecrypted: [], errors: [] });
    });
  }

  it('a key log with bad lines (bad hex, a wrong length, CRLF ends): exit 0, each bad line named, the rest used', async () => {
    const lines = pcap.keyLog.trim().split('\n');
    const bad = [...lines.slice(0, -1), lines.at(-1)!.replace(/[0-9a-f]$/, 'g'), 'CLIENT_RANDOM 00ff 1234', 'NOT_A_LABEL a b'].join('\r\n') + '\r\n';
    fs.writeFileSync(path.join(dir, 'bad.keys'), bad);
    const r = await pcapJson(pcap.bytes, 'keys.pcap', path.join(dir, 'bad.keys'));
    expect(r.code).toBe(0);
    expect(r.json.error).toBeUndefined();
    expect(r.json.keyLogProblems.map((p: { line: number; reason: string }) => `${p.line}: ${p.reason}`)).toEqual([
      `${lines.length}: the secret must be 32, 48 or 64 bytes of hex (found 96 characters)`,
      `${lines.length + 1}: the client random must be 32 bytes of hex`,
      `${lines.length + 2}: unknown label NOT_A_LABEL`,
    ]);
    // The last session's line is the bad one: its records stay encrypted, saying which line would open them.
    expect(r.json.streams.map((s: { ok: boolean }) => s.ok)).toEqual([true, true, false]);
    expect(r.json.streams[2].undecrypted[0].needs).toMatch(/^CLIENT_RANDOM [0-9a-f]{64}$/);
  });

  it('not a file, or no key log: exit 2 with a usage error in JSON', async () => {
    const directory = await cli([dir, '--json']);
    expect(directory.code).toBe(2);
    expect(JSON.parse(directory.stdout)).toMatchObject({ ok: false, error: { code: 'UNREADABLE_FILE' } });
    const noKeys = await cli([path.join(dir, 'keys.pcap'), '--keylog', path.join(dir, 'missing.log'), '--json']);
    expect(noKeys.code).toBe(2);
    expect(JSON.parse(noKeys.stdout)).toMatchObject({ ok: false, error: { code: 'UNREADABLE_FILE', message: expect.stringMatching(/^cannot read key log file .*missing\.log/) } });
  });

  it('without --json, a damaged capture ends with the damage in one line, after everything read before it', async () => {
    const file = path.join(dir, 'cut-text.pcap');
    fs.writeFileSync(file, pcap.bytes.subarray(0, pcap.units[40].start + 30));
    const r = await cli([file, '--keylog', path.join(dir, 'keys.log'), '--ca', path.join(dir, 'ca.pem')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✗ TRUNCATED: the capture is damaged: the file ends in the middle of a packet .*; everything before it is shown above\n$/);
    expect(r.stdout.match(/Finished/g)!.length).toBeGreaterThanOrEqual(4);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('--stream N where there is none: a usage error that names the streams there are (never "0..-1")', async () => {
    const file = path.join(dir, 'no-tcp.pcap');
    // The seed with its TCP packets left out: only tcpdump's UDP probes remain.
    const probes = pcap.units.filter((u) => pcap.bytes[u.start + 16 + 23] !== 6).map((u) => pcap.bytes.subarray(u.start, u.end));
    expect(probes.length).toBeGreaterThan(0);
    fs.writeFileSync(file, Buffer.concat([pcap.bytes.subarray(0, pcap.units[0].start), ...probes]));
    const none = await cli([file, '--stream', '1', '--json']);
    expect(none.code).toBe(2);
    expect(JSON.parse(none.stdout).error.message).toBe('there is no stream 1 (the capture has no TCP stream)');
    fs.writeFileSync(path.join(dir, 'three.pcap'), pcap.bytes);
    const three = await cli([path.join(dir, 'three.pcap'), '--stream', '5', '--json']);
    expect(JSON.parse(three.stdout).error.message).toBe('there is no stream 5 (the capture has streams 0 to 2)');
  });

  // Found by the fuzz tests' chunk property: a stream's figures were taken when it was summarised, before the packets
  // after its end (its last ACKs) were read when those came in the file's next 1 MiB block.
  it("each stream's packets and last time in --json count the whole capture, also past the 1 MiB read block its end is in", async () => {
    // The first stream's last packet (its final ACK) pushed into the next read block by copies of a UDP probe.
    const ports = (i: number) => {
      const u = pcap.units[i];
      const seg = tcpSegmentOf(1, pcap.bytes.subarray(u.start + 16, u.end));
      return seg ? [seg.srcPort, seg.dstPort].sort().join('-') : '';
    };
    const first = ports(pcap.units.findIndex((_, i) => ports(i) !== ''));
    const last = pcap.units.findLastIndex((_, i) => ports(i) === first);
    const probe = pcap.units.findIndex((_, i) => ports(i) === '');
    expect(probe).toBeGreaterThanOrEqual(0);
    const unit = (i: number) => pcap.bytes.subarray(pcap.units[i].start, pcap.units[i].end);
    const copies = Math.ceil((1.2 * (1 << 20)) / unit(probe).length);
    const parts = [pcap.bytes.subarray(0, pcap.units[last].start), ...Array.from({ length: copies }, () => unit(probe)), pcap.bytes.subarray(pcap.units[last].start)];
    const bytes = new Uint8Array(Buffer.concat(parts));
    const whole = await scanCapture([bytes]);
    const r = await pcapJson(bytes, 'padded.pcap');
    expect(r.code).toBe(0);
    expect(r.json.streams.map((s: { stream: { packets: number; lastTime: string } }) => [s.stream.packets, s.stream.lastTime])).toEqual(
      whole.streams.map((s) => [s.packets, new Date(s.lastTime).toISOString()]),
    );
  });
});

function withU32(seed: Seed, at: number, value: number, little: boolean): Uint8Array {
  const bytes = seed.bytes.slice();
  u32(bytes).setUint32(at, value, little);
  return bytes;
}
