// Dumps pasted into `tls-lens decode`: a short last line is padded with spaces up to the ASCII column, whose text
// is hex-like when the bytes are digits or the letters a-f ("bc", "12"). Those characters are not bytes: the
// dump of xxd, xxd -g1, hexdump -C and tshark -x must read back as exactly the bytes dumped.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseHexInput } from '../../src/capture/hex-input.ts';
import { decodePasted } from '../../src/capture/pasted.ts';
import { TCP_FLAGS, pcapFile, tcpFrame } from './frames.ts';
import { tempDir } from './helpers.ts';

const dir = tempDir('hex-ascii');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

// An application data record whose last dump line holds "bc" (xxd) or "9abc" (16 bytes per line, 18 in all).
const record = Buffer.concat([Buffer.from('170303000d', 'hex'), Buffer.from('0123456789abc')]);

describe('a dump whose ASCII column looks like hex', () => {
  for (const tool of [['xxd'], ['xxd', '-g1'], ['hexdump', '-C']]) {
    it(`${tool.join(' ')}: the bytes, not the ASCII`, async () => {
      const file = path.join(dir, 'record.bin');
      fs.writeFileSync(file, record);
      const dump = execFileSync(tool[0], [...tool.slice(1), file]).toString();
      expect(Buffer.from(parseHexInput(dump))).toEqual(record);
      // Decoded: one whole record, no bytes left over.
      const decoded = await decodePasted(parseHexInput(dump));
      expect(decoded.events.filter((e) => e.kind === 'error')).toEqual([]);
    });
  }

  it('tshark -x of a frame ending in "12"', () => {
    // 54 bytes of headers and 12 of payload: the last line of 16 holds only the final "12".
    const payload = Buffer.concat([Buffer.from('15030300020228', 'hex'), Buffer.from('abc12')]);
    const frame = tcpFrame({ src: '10.0.0.1', dst: '10.0.0.2', sport: 50000, dport: 443, seq: 1, ack: 1, flags: TCP_FLAGS.psh, payload });
    expect(frame.length % 16).toBe(2);
    const pcap = path.join(dir, 'frame.pcap');
    fs.writeFileSync(pcap, pcapFile(1, [{ time: 1000, data: frame }]));
    const dump = execFileSync('tshark', ['-r', pcap, '-x'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
    expect(dump.trim().split('\n').pop()).toMatch(/^0040 {2}31 32 {3,}12$/);
    expect(Buffer.from(parseHexInput(dump))).toEqual(Buffer.from(frame));
  });
});
