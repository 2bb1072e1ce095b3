// toHex / fromHex: every byte value, large inputs, accepted separators and rejected input,
// checked against Node's own hex codec.
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/util/bytes.ts';

const nodeHex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

describe('toHex / fromHex', () => {
  it('encodes every byte value as two lower-case digits and decodes it back', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const hex = toHex(all);
    expect(hex).toBe(nodeHex(all));
    expect(hex.slice(0, 6)).toBe('000102');
    expect(hex.slice(-4)).toBe('feff');
    expect(fromHex(hex)).toEqual(all);
    expect(fromHex(hex.toUpperCase())).toEqual(all);
  });

  it('round-trips large inputs (a 16 KiB record, 1 MiB) and views into a larger buffer', () => {
    for (const n of [0, 1, 16 * 1024 + 5, 1 << 20]) {
      const b = new Uint8Array(n);
      for (let i = 0; i < n; i++) b[i] = (i * 131 + (i >> 8)) & 0xff;
      const hex = toHex(b);
      expect(hex.length).toBe(2 * n);
      expect(hex).toBe(nodeHex(b));
      // Compared through Buffer: toEqual over a megabyte is slow.
      expect(Buffer.from(fromHex(hex)).equals(Buffer.from(b))).toBe(true);
    }
    const big = Uint8Array.from({ length: 64 }, (_, i) => i);
    expect(toHex(big.subarray(10, 13))).toBe('0a0b0c');
  });

  it('gives the same digits for views at every alignment and length around the fast-path limits', () => {
    const backing = Uint8Array.from({ length: 40_000 }, (_, i) => (i * 197 + (i >> 7)) & 0xff);
    for (const offset of [0, 1, 2, 3, 5]) {
      for (const n of [0, 1, 2, 3, 62, 63, 64, 65, 66, 127, 1000, 1001, 16384, 16405, 32767, 32768, 32769, 33001]) {
        const view = backing.subarray(offset, offset + n);
        expect(toHex(view), `offset ${offset}, length ${n}`).toBe(nodeHex(view));
      }
    }
  });

  it('gives the same digits once the four-digit table is in use (after 256 KiB of mid-sized inputs)', () => {
    const backing = Uint8Array.from({ length: 40_000 }, (_, i) => (i * 89 + (i >> 6)) & 0xff);
    // 300 KiB in 16 KiB pieces: past the point where toHex builds its table, whatever ran before.
    for (let i = 0; i < 300 / 16; i++) expect(toHex(backing.subarray(i, i + 16384))).toBe(nodeHex(backing.subarray(i, i + 16384)));
    for (const offset of [0, 1, 2, 3, 5]) {
      for (const n of [63, 64, 65, 66, 127, 1000, 1001, 16384, 16405, 32767, 32768, 32769]) {
        const view = backing.subarray(offset, offset + n);
        expect(toHex(view), `offset ${offset}, length ${n}`).toBe(nodeHex(view));
      }
    }
  });

  it('accepts whitespace and colons between digits', () => {
    expect(fromHex('de:ad be\nef')).toEqual(Uint8Array.of(0xde, 0xad, 0xbe, 0xef));
  });

  it('rejects odd lengths and non-hex characters', () => {
    expect(() => fromHex('abc')).toThrow(/invalid hex/);
    expect(() => fromHex('zz')).toThrow(/invalid hex/);
    expect(() => fromHex('0g')).toThrow(/invalid hex/);
    expect(() => fromHex('\u00e90')).toThrow(/invalid hex/);
    expect(() => fromHex('+1')).toThrow(/invalid hex/);
  });
});
