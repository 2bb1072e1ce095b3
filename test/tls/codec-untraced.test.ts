// Writer and Reader without a field tree (how messages are sent and first decoded) take shorter paths than with one
// (src/tls/codec): the bytes, values and errors must be the same either way.
import { describe, expect, it } from 'vitest';
import { Reader } from '../../src/tls/codec/reader.ts';
import { Writer } from '../../src/tls/codec/writer.ts';

function write(tracing: boolean, body: (w: Writer) => void): Uint8Array | string {
  const w = new Writer(tracing);
  try {
    body(w);
    return w.finish();
  } catch (e) {
    return `${(e as Error).constructor.name}: ${(e as Error).message}`;
  }
}

function read<T>(tracing: boolean, bytes: Uint8Array, body: (r: Reader) => T): T | string {
  try {
    return body(new Reader(bytes, [], 0, bytes.length, 'test', tracing));
  } catch (e) {
    return `${(e as Error).constructor.name}: ${(e as Error).message}`;
  }
}

describe('codec without a field tree', () => {
  it('writes the same bytes for integers at every size and edge, nested vectors and opaques', () => {
    const body = (w: Writer) => {
      w.u8('a', 0);
      w.u8('b', 255);
      w.u16('c', 0x1234);
      w.u24('d', 0xfffffe);
      w.u32('e', 0xffffffff);
      w.u32('f', 0x80000001);
      w.vector('outer', 2, undefined, () => {
        w.opaque('inner', 1, Uint8Array.of(9, 8, 7));
        w.vector('deep', 3, undefined, () => w.opaque('big', 2, new Uint8Array(300).fill(5)));
        w.lengthPrefixed(1, () => w.u16('g', 7));
      });
      w.opaque('empty', 2, new Uint8Array(0));
    };
    const untraced = write(false, body);
    expect(untraced).toEqual(write(true, body));
    expect((untraced as Uint8Array).subarray(0, 17)).toEqual(Uint8Array.of(0, 255, 0x12, 0x34, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xff, 0x80, 0, 0, 1, 0x01, 0x38));
  });

  it('refuses the same values with the same errors', () => {
    const bad: [string, (w: Writer) => void][] = [
      ['negative', (w) => w.u8('x', -1)],
      ['too big for u8', (w) => w.u8('x', 256)],
      ['too big for u16', (w) => w.u16('x', 0x10000)],
      ['too big for u24', (w) => w.u24('x', 0x1000000)],
      ['too big for u32', (w) => w.u32('x', 2 ** 32)],
      ['fraction', (w) => w.u16('x', 1.5)],
      ['NaN', (w) => w.u16('x', NaN)],
      ['opaque too long', (w) => w.opaque('x', 1, new Uint8Array(256))],
      ['vector too long', (w) => w.vector('list', 1, undefined, () => w.opaque('v', 2, new Uint8Array(300)))],
      ['prefixed too long', (w) => w.lengthPrefixed(1, () => w.opaque('v', 2, new Uint8Array(300)))],
    ];
    for (const [what, body] of bad) {
      const untraced = write(false, body);
      expect(typeof untraced, what).toBe('string');
      expect(untraced, what).toEqual(write(true, body));
    }
    expect(write(false, bad[8][1])).toBe('RangeError: list is too long for a 1-byte length');
    expect(write(false, bad[9][1])).toBe('RangeError: contents too long for a 1-byte length');
  });

  it('reads the same values, and fails on short or bounded input with the same alerts', () => {
    const ok = Uint8Array.of(0, 5, 2, 1, 2, 0, 0, 1, 7);
    const body = (r: Reader) => [r.vector('list', 2, undefined, (s) => [s.opaque('item', 1), s.u16('n')]), r.opaque('tail', 1)];
    expect(read(false, ok, body)).toEqual(read(true, ok, body));
    expect(read(false, ok, body)).toEqual([[Uint8Array.of(1, 2), 0], Uint8Array.of(7)]);
    const inputs = [Uint8Array.of(0, 9, 1), Uint8Array.of(0, 2, 5), Uint8Array.of(0, 1, 2, 3), Uint8Array.of(1)];
    for (const bytes of inputs) {
      for (const body of [(r: Reader): unknown => r.vector('list', 2, undefined, (s) => s.u16('n')), (r: Reader): unknown => r.opaque('thing', 2, undefined, undefined, { min: 2, max: 3 })]) {
        const untraced = read(false, bytes, body);
        expect(untraced).toEqual(read(true, bytes, body));
      }
    }
    expect(read(false, Uint8Array.of(0, 9, 1), (r) => r.vector('list', 2, undefined, (s) => s.u16('n')))).toBe('TlsAlertError: test: list contents needs 9 byte(s) but only 1 remain (at byte 2)');
    expect(read(false, Uint8Array.of(0, 1, 2), (r) => r.opaque('thing', 2, undefined, undefined, { min: 2 }))).toMatch(/thing is shorter than 2 bytes/);
  });
});
