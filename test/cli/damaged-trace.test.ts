// A saved trace damaged part-way (a field of the wrong type, as a hand edit or another program leaves it) is replayed
// and compared by the CLI as far as it is sound, with the damage said on stderr; one damaged at its first event is
// refused in words. The trace is a real one: the engine against Node's TLS server.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TraceFile } from '../../src/trace/types.ts';
import { recordRealTrace } from '../ui/real-trace.ts';

const BIN = path.resolve(__dirname, '../../bin/tls-lens.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-lens-damaged-trace-'));
let whole: TraceFile;
let damagedAt: number;

beforeAll(async () => {
  const real = await recordRealTrace();
  whole = real.recorder.toFile(real.target);
  damagedAt = whole.events.findIndex((e) => e.kind === 'handshake');
  expect(damagedAt).toBeGreaterThan(0);
  const damaged = structuredClone(whole);
  (damaged.events[damagedAt] as unknown as { fields: unknown }).fields = 'not a list';
  fs.writeFileSync(path.join(dir, 'whole.json'), JSON.stringify(whole));
  fs.writeFileSync(path.join(dir, 'damaged.json'), JSON.stringify(damaged));
  const first = structuredClone(whole);
  (first.events[0] as unknown as { t: unknown }).t = 'soon';
  fs.writeFileSync(path.join(dir, 'first.json'), JSON.stringify(first));
}, 60_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });

describe('a saved trace damaged part-way', () => {
  it('connect --replay shows the events before the damage and says what is damaged', () => {
    const r = run('connect', '--replay', path.join(dir, 'damaged.json'));
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`(recorded ${whole.createdAt}, ${damagedAt} events)`);
    expect(r.stderr).toMatch(new RegExp(`warning: .*damaged\\.json is damaged part-way: event ${damagedAt} \\(“handshake”\\) is damaged: “fields” is text, not a list of decoded fields`));
    const refused = run('connect', '--replay', path.join(dir, 'first.json'), '--json');
    expect(refused.status).toBe(2);
    expect(JSON.parse(refused.stdout).error).toEqual({ code: 'BAD_INPUT', message: expect.stringMatching(/cannot replay .*first\.json: event 0 \(“connection”\) is damaged: “t” is text, not a number/) });
  });

  it('compare takes it as far as it is sound', () => {
    const r = run('compare', path.join(dir, 'whole.json'), path.join(dir, 'damaged.json'), '--json');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).ok).toBe(true);
    expect(r.stderr).toMatch(/warning: ".*damaged\.json" is damaged part-way: event \d+ \(“handshake”\)/);
  });
});
