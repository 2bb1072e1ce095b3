import { describe, expect, it } from 'vitest';
import { ratioInterval } from '../../bench/ratio-interval.ts';

// Rounds with a spread like the browser benches': 10-16 ms, a few slow outliers.
const rounds = (n: number, scale: number, seed: number) => {
  let s = seed;
  const next = () => ((s = (s * 16807) % 2147483647) / 2147483647);
  return Array.from({ length: n }, () => scale * (10 + 6 * next() + (next() < 0.1 ? 20 : 0)));
};

describe('ratioInterval', () => {
  it('gives no spread when one contender is the other times a constant', () => {
    const b = rounds(30, 1, 7);
    const r = ratioInterval(b.map((x) => x * 1.25), b, { line: 1.3 });
    expect(r.low).toBeCloseTo(1.25, 2);
    expect(r.high).toBeCloseTo(1.25, 2);
    expect(r.shareUnder).toBe(1);
  });

  it('holds the ratio of the medians inside its interval, and narrows with more rounds', () => {
    const few = ratioInterval(rounds(20, 1.3, 3), rounds(20, 1, 11));
    const many = ratioInterval(rounds(400, 1.3, 3), rounds(400, 1, 11));
    for (const r of [few, many]) {
      expect(r.low).toBeLessThanOrEqual(r.ratio);
      expect(r.high).toBeGreaterThanOrEqual(r.ratio);
    }
    expect(many.high - many.low).toBeLessThan(few.high - few.low);
    expect(many.low).toBeGreaterThan(1.1);
    expect(many.high).toBeLessThan(1.5);
  });

  it('says how often the ratio falls under a line it sits on', () => {
    const r = ratioInterval(rounds(60, 1.3, 5), rounds(60, 1, 9), { line: r0(rounds(60, 1.3, 5), rounds(60, 1, 9)) });
    expect(r.shareUnder).toBeGreaterThan(0.2);
    expect(r.shareUnder).toBeLessThan(0.8);
  });

  it('is the same on every reading of the same rounds', () => {
    const a = rounds(30, 1.2, 1);
    const b = rounds(30, 1, 2);
    expect(ratioInterval(a, b, { line: 1 })).toEqual(ratioInterval(a, b, { line: 1 }));
  });

  it('refuses an empty run', () => {
    expect(() => ratioInterval([], [])).toThrow(/no rounds/);
  });
});

/** The ratio of medians itself, for a line drawn right through it. */
function r0(a: number[], b: number[]) {
  return ratioInterval(a, b).ratio;
}
