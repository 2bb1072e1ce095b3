// How far a bench's ratio of medians can be trusted. On this shared 2-core machine one run's median ratio moves by
// ±0.1 between runs of the same code, so "within 1.3x" or "faster than subtls" read off one median says little.
// A paired bootstrap over the rounds (each round ran both contenders back to back, under the same load) gives the
// range the ratio would take over runs like this one, and how often it falls on the goal's side of its line.

import { median } from './common.ts';

export interface RatioInterval {
  /** The ratio of the medians, as the bench reports it. */
  ratio: number;
  /** The middle 95% of the resampled ratios. */
  low: number;
  high: number;
  /** The share of resampled runs whose ratio is under the goal's line, when one is given. */
  shareUnder?: number;
  line?: number;
  rounds: number;
}

/** A small seeded generator (mulberry32): the same rounds give the same interval on every reading. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * median(numer) / median(denom) with its 95% interval: the rounds resampled with replacement, a round's two
 * figures kept together. `line`: also the share of resamples under it (e.g. 1.3 for "within 1.3x", 1 for "faster").
 */
export function ratioInterval(numer: number[], denom: number[], options: { line?: number; resamples?: number; seed?: number } = {}): RatioInterval {
  const n = Math.min(numer.length, denom.length);
  if (n === 0) throw new Error('ratioInterval: no rounds');
  const resamples = options.resamples ?? 4000;
  const random = seeded(options.seed ?? 1);
  const ratios: number[] = [];
  const a: number[] = new Array(n);
  const b: number[] = new Array(n);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) {
      const k = Math.floor(random() * n);
      a[i] = numer[k];
      b[i] = denom[k];
    }
    ratios.push(median(a) / median(b));
  }
  ratios.sort((x, y) => x - y);
  const at = (q: number) => ratios[Math.min(resamples - 1, Math.floor(q * resamples))];
  const r3 = (x: number) => +x.toFixed(3);
  const out: RatioInterval = { ratio: r3(median(numer.slice(0, n)) / median(denom.slice(0, n))), low: r3(at(0.025)), high: r3(at(0.975)), rounds: n };
  if (options.line !== undefined) {
    out.line = options.line;
    out.shareUnder = +(ratios.filter((x) => x < options.line!).length / resamples).toFixed(3);
  }
  return out;
}
