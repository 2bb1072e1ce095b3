// concat / concatAll / append: the joined bytes against Node's Buffer.concat, views into larger buffers, more parts
// than a call could take as arguments, and append's no-copy case.
import { describe, expect, it } from 'vitest';
import { append, concat, concatAll } from '../../src/util/bytes.ts';

const nodeConcat = (parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

describe('concat / concatAll / append', () => {
  it('joins parts in order, views into a larger buffer included', () => {
    const big = Uint8Array.from({ length: 64 }, (_, i) => i);
    const parts = [big.subarray(10, 20), new Uint8Array(0), Uint8Array.of(0xff, 0xfe), big.subarray(60)];
    expect(concat(...parts)).toEqual(nodeConcat(parts));
    expect(concatAll(parts)).toEqual(nodeConcat(parts));
    expect(concatAll([])).toEqual(new Uint8Array(0));
  });

  it('takes more parts than a call could spread as arguments (a long capture\'s blocks)', () => {
    const parts = Array.from({ length: 300_000 }, (_, i) => Uint8Array.of(i & 0xff));
    // Spread as arguments, so many parts overflow the call.
    expect(() => concat(...parts)).toThrow(RangeError);
    const joined = concatAll(parts);
    expect(joined.length).toBe(300_000);
    expect(joined[299_999]).toBe(299_999 & 0xff);
  });

  it('append copies both into a new buffer, or gives back the new bytes when nothing is held', () => {
    const held = Uint8Array.of(1, 2);
    const more = Uint8Array.of(3);
    const joined = append(held, more);
    expect(joined).toEqual(Uint8Array.of(1, 2, 3));
    expect(joined.buffer).not.toBe(held.buffer);
    expect(append(new Uint8Array(0), more)).toBe(more);
    expect(append(held, new Uint8Array(0))).toEqual(held);
  });
});
