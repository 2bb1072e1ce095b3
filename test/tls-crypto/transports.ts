// Minimal transports for record-layer tests: one replays fixed chunks, one records writes.
import type { Transport } from '../../src/transport/types.ts';
import { concat } from '../../src/util/bytes.ts';

/** Delivers `chunks` one read at a time, then end of stream. Writes are collected. */
export function scriptedTransport(chunks: Uint8Array[]): Transport & { written: Uint8Array[]; reads: number } {
  const queue = chunks.map((c) => Uint8Array.from(c));
  const t = {
    written: [] as Uint8Array[],
    reads: 0,
    async write(data: Uint8Array) {
      t.written.push(Uint8Array.from(data));
    },
    async read() {
      t.reads++;
      return queue.shift() ?? null;
    },
    async close() {},
  };
  return t;
}

/** Split `bytes` into chunks at the given cut points. */
export function cut(bytes: Uint8Array, points: number[]): Uint8Array[] {
  const sorted = [...new Set(points.filter((p) => p > 0 && p < bytes.length))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let last = 0;
  for (const p of [...sorted, bytes.length]) {
    out.push(bytes.slice(last, p));
    last = p;
  }
  return out;
}

export function joined(t: { written: Uint8Array[] }): Uint8Array {
  return concat(...t.written);
}
