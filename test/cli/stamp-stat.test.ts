// How a start stats the files its build stamp lists (scripts/cli-stamp.cjs, chooseStat): through Node's fs binding,
// which makes no garbage, only when it answers exactly as fs.statSync does; otherwise through fs.statSync. Either
// way the answers (size, mtime to the nanosecond, a missing file) are fs.statSync's. The whole check, a stale build
// rebuilt, runs in test/cli/build-freshness.test.ts.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

type StatInto = (file: string) => boolean;
type Binding = { stat(file: string, bigint: boolean, req: undefined, throwIfNoEntry: boolean): Float64Array | undefined };
const { chooseStat, STATTED } = createRequire(import.meta.url)('../../scripts/cli-stamp.cjs') as {
  chooseStat(probe: string, binding?: Binding | null): StatInto;
  STATTED: Float64Array;
};

let dir: string;
const files: string[] = [];

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-lens-stamp-stat-'));
  for (const [name, size] of [['empty', 0], ['small', 17], ['larger', 70_000]] as const) {
    const file = path.join(dir, name);
    fs.writeFileSync(file, Buffer.alloc(size, 0x61));
    files.push(file);
  }
  // An mtime with a fraction of a millisecond, as an edit leaves it.
  fs.utimesSync(files[1], 1_700_000_000.123456, 1_700_000_000.123456);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** What statInto answers for each file, next to what fs.statSync says. */
function answers(statInto: StatInto) {
  return [...files, path.join(dir, 'missing')].map((file) => {
    const st = fs.statSync(file, { throwIfNoEntry: false });
    return { got: statInto(file) ? [STATTED[0], STATTED[1]] : null, want: st ? [st.size, st.mtimeMs] : null };
  });
}

describe('the build stamp stat', () => {
  it("uses Node's fs binding here, and answers as fs.statSync does", () => {
    let calls = 0;
    const real = (process as unknown as { binding(name: string): Binding }).binding('fs');
    const counting: Binding = { stat: (...args) => (calls++, real.stat(...args)) };
    const statInto = chooseStat(files[0], counting);
    const before = calls;
    for (const { got, want } of answers(statInto)) expect(got).toEqual(want);
    expect(calls - before).toBe(files.length + 1);
  });

  it('falls back to fs.statSync without the binding, or when it answers otherwise', () => {
    const wrongLayout: Binding = { stat: () => new Float64Array(14).fill(1) };
    const throwing: Binding = {
      stat: () => {
        throw new Error('not this binding');
      },
    };
    for (const binding of [null, wrongLayout, throwing]) {
      for (const { got, want } of answers(chooseStat(files[1], binding))) expect(got).toEqual(want);
    }
  });
});
