// pcapng's if_tsoffset (an Interface Description Block option): the interface's timestamps count from that many
// seconds after the epoch. A real capture made pcapng by editcap, its IDB given the option: every packet's time
// must be tshark's (frame.time_epoch), so the stream's times and the certificate checks' "now" are the capture's.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCapture } from '../../src/capture/capture-file.ts';
import { scanCapture } from '../../src/capture/streams.ts';
import { usePki } from '../support/pki.ts';
import { captureOpenssl } from './helpers.ts';

const pki = usePki();
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** The same pcapng (little-endian, as editcap writes it) with if_tsoffset added to each Interface Description Block. */
function withTsOffset(file: Buffer, seconds: bigint): Buffer {
  const out: Buffer[] = [];
  for (let at = 0; at < file.length; ) {
    const type = file.readUInt32LE(at);
    const length = file.readUInt32LE(at + 4);
    const block = file.subarray(at, at + length);
    at += length;
    if (type !== 1) {
      out.push(block);
      continue;
    }
    // Fixed part (link type, reserved, snap length), then the options up to opt_endofopt.
    const body = block.subarray(8, length - 4);
    const opts: Buffer[] = [];
    for (let p = 8; p + 4 <= body.length; ) {
      const code = body.readUInt16LE(p);
      const size = (body.readUInt16LE(p + 2) + 3) & ~3;
      if (code === 0) break;
      opts.push(body.subarray(p, p + 4 + size));
      p += 4 + size;
    }
    const offset = Buffer.alloc(12);
    offset.writeUInt16LE(14, 0);
    offset.writeUInt16LE(8, 2);
    offset.writeBigInt64LE(seconds, 4);
    const newBody = Buffer.concat([body.subarray(0, 8), ...opts, offset, Buffer.alloc(4)]);
    const head = Buffer.alloc(8);
    head.writeUInt32LE(1, 0);
    head.writeUInt32LE(newBody.length + 12, 4);
    const tail = Buffer.alloc(4);
    tail.writeUInt32LE(newBody.length + 12, 0);
    out.push(head, newBody, tail);
  }
  return Buffer.concat(out);
}

describe('pcapng if_tsoffset', () => {
  it('every packet time is the interface offset plus its timestamp, as tshark reads it', async () => {
    const run = await captureOpenssl(pki, 'tsoffset', ['-tls1_3'], [{ args: [] }]);
    dirs.push(run.dir);
    const pcapng = path.join(run.dir, 'plain.pcapng');
    execFileSync('editcap', ['-F', 'pcapng', run.pcap, pcapng]);
    const shifted = path.join(run.dir, 'shifted.pcapng');
    fs.writeFileSync(shifted, withTsOffset(fs.readFileSync(pcapng), -86_400n * 365n));
    const theirs = execFileSync('tshark', ['-r', shifted, '-T', 'fields', '-e', 'frame.time_epoch'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim().split('\n').map(Number);
    const ours: number[] = [];
    for await (const item of readCapture(fs.createReadStream(shifted))) if (item.kind === 'packet') ours.push(item.time / 1000);
    expect(ours.length).toBe(theirs.length);
    ours.forEach((t, i) => expect(Math.abs(t - theirs[i])).toBeLessThan(1e-3));
    // A year before the unshifted capture.
    const plain = await scanCapture(fs.createReadStream(pcapng));
    const scan = await scanCapture(fs.createReadStream(shifted));
    expect(plain.streams[0].firstTime - scan.streams[0].firstTime).toBeCloseTo(365 * 86_400_000, -1);
  }, 60_000);
});
