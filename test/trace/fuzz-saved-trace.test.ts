// Property fuzzing of saved traces as people bring them back: real traces (the project's client against openssl
// s_server: TLS 1.3 with a resumption, TLS 1.2) damaged at the JSON level (events dropped, duplicated, reordered,
// fields deleted or retyped, absurd numbers, bad hex, unknown kinds, a wrong frame) and at the text level
// (truncation, byte flips, a BOM). Read by `connect --replay` and `compare` (their run() in-process), the compare
// model, and the page's loaders (readTraceText + the store's loadReplay, the Compare store: none needs a DOM).
// Properties: each returns in time and never throws; exit status and the --json error shape as the commands' --help
// say; every message is plain words; the walk lines of the events before the first damaged one are still printed;
// JSON output parses. FUZZ_RUNS / FUZZ_SEED as in test/support/fuzz.ts.
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { run as compareRun } from '../../src/cli/compare.ts';
import { run as connectRun } from '../../src/cli/connect.ts';
import { renderEvent } from '../../src/cli/render.ts';
import { parseTraceFrame } from '../../src/trace/recorder.ts';
import { soundPart } from '../../src/trace/trace-check.ts';
import type { TraceEvent, TraceFile } from '../../src/trace/types.ts';
import { compareTraces, connectionsOf } from '../../src/ui/compare/model.ts';
import { useCompare } from '../../src/ui/compare/compare-store.ts';
import { readTraceText } from '../../src/ui/files.ts';
import { useTrace } from '../../src/ui/store.ts';
import { fuzzRunOptions } from '../support/fuzz.ts';
import { expectPlain } from '../support/plain-words.ts';
import { makePki, spawnSServer, type SServer, type TestPki } from '../tls/helpers.ts';

const BIN = path.resolve(__dirname, '../../bin/tls-lens.js');
const TIME_BOUND_MS = 5000;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-lens-fuzz-trace-'));
let pki: TestPki;
const seeds: { name: string; text: string; file: TraceFile }[] = [];

/** A trace written by the built CLI against s_server (exit 0 or 3: the test root may not name 127.0.0.1). */
async function seed(name: string, serverArgs: string[], clientArgs: string[]): Promise<void> {
  const server: SServer = await spawnSServer([...serverArgs, '-cert', pki.leafCert, '-key', pki.leafKey]);
  const out = path.join(dir, `${name}.json`);
  try {
    try {
      execFileSync(process.execPath, [BIN, 'connect', `127.0.0.1:${server.port}`, '--ca', pki.rootPem, '--servername', 'localhost', '--insecure', '--trace', out, ...clientArgs], { timeout: 30_000, stdio: 'pipe' });
    } catch (e) {
      if ((e as { status?: number }).status !== 3) throw e;
    }
  } finally {
    await server.stop();
  }
  const text = fs.readFileSync(out, 'utf8');
  seeds.push({ name, text, file: JSON.parse(text) });
}

beforeAll(async () => {
  pki = makePki();
  await seed('tls13-resumed', ['-tls1_3'], ['--reconnect']);
  await seed('tls12', ['-tls1_2'], ['--tls1.2']);
  expect(connectionsOf(seeds[0].file.events)).toEqual([0, 1]);
}, 60_000);
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  if (pki) fs.rmSync(pki.dir, { recursive: true, force: true });
});

/** run() of a command in-process, with what it wrote to stdout and stderr. */
async function capture(run: (args: string[]) => Promise<number>, args: string[]): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => ((stdout += String(c)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => ((stderr += String(c)), true));
  const start = performance.now();
  try {
    const code = await run(args);
    return { code, stdout, stderr, ms: performance.now() - start };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

// ---- mutations ----

const weird: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, 0, -1, 1e308, -1e308, 2 ** 53 + 1, 4294967296, 'NaN', 'Infinity', '-0', '', 'zz', 'abc', '0x10', '1e999', [], {}, [1, 2], { length: 'x' }, '__proto__', 'constructor', 'toString'),
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.double(),
  fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 4 }), fc.constant(null)), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(fc.integer(), fc.string({ maxLength: 4 })), { maxKeys: 3 }),
);

type Mutation =
  | { op: 'drop' | 'dup' | 'unknown-kind'; at: number }
  | { op: 'swap'; at: number; with: number }
  | { op: 'delete'; at: number; field: number }
  | { op: 'retype'; at: number; field: number; path: number[]; value: unknown }
  | { op: 'reference'; at: number; value: number }
  | { op: 'frame'; field: 'format' | 'version' | 'events' | 'createdAt' | 'target'; value: unknown }
  | { op: 'deep'; at: number; depth: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constantFrom('drop' as const, 'dup' as const, 'unknown-kind' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('swap' as const), at: fc.nat(), with: fc.nat() }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), field: fc.nat() }),
  { arbitrary: fc.record({ op: fc.constant('retype' as const), at: fc.nat(), field: fc.nat(), path: fc.array(fc.nat(), { maxLength: 3 }), value: weird }), weight: 4 },
  fc.record({ op: fc.constant('reference' as const), at: fc.nat(), value: fc.constantFrom(-1, -1e9, 1e9, 2 ** 31, 0.5, 99999) }),
  fc.record({ op: fc.constantFrom('frame' as const), field: fc.constantFrom('format' as const, 'version' as const, 'events' as const, 'createdAt' as const, 'target' as const), value: weird }),
  fc.record({ op: fc.constant('deep' as const), at: fc.nat(), depth: fc.constantFrom(50, 5000, 20000) }),
);

type TextDamage = { op: 'none' } | { op: 'truncate'; at: number } | { op: 'flip'; at: number; byte: number } | { op: 'bom' };
const textDamage: fc.Arbitrary<TextDamage> = fc.oneof(
  { arbitrary: fc.constant({ op: 'none' as const }), weight: 6 },
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.constant({ op: 'bom' as const }),
);

/** A key of a JSON value picked by a number, walking into objects and lists along `path`. */
function walkTo(value: unknown, path: number[]): { parent: Record<string, unknown> | unknown[]; key: string | number } | undefined {
  let parent: Record<string, unknown> | unknown[] | undefined;
  let key: string | number | undefined;
  let cur = value;
  for (const n of path) {
    if (!cur || typeof cur !== 'object') break;
    const keys = Array.isArray(cur) ? cur.map((_, i) => i) : Object.keys(cur);
    if (keys.length === 0) break;
    parent = cur as Record<string, unknown>;
    key = keys[n % keys.length];
    cur = (parent as Record<string | number, unknown>)[key];
  }
  return parent === undefined ? undefined : { parent, key: key! };
}

/** Mutate a parsed trace in place; returns the first event position whose content changed (events.length: none). */
function mutate(file: Record<string, unknown>, m: Mutation): number {
  const events = file.events as Record<string, unknown>[];
  const n = events.length;
  const at = 'at' in m ? m.at % n : 0;
  switch (m.op) {
    case 'drop':
      events.splice(at, 1);
      return at;
    case 'dup':
      events.splice(at, 0, structuredClone(events[at]));
      return at + 1;
    case 'unknown-kind':
      events[at] = { ...events[at], kind: 'from-the-future' };
      return at;
    case 'swap': {
      const j = m.with % n;
      if (j === at) return n;
      [events[at], events[j]] = [events[j], events[at]];
      return Math.min(at, j);
    }
    case 'delete': {
      const keys = Object.keys(events[at]);
      delete events[at][keys[m.field % keys.length]];
      return at;
    }
    case 'retype': {
      const keys = Object.keys(events[at]);
      const hit = walkTo(events[at], [m.field, ...m.path]);
      if (!hit) events[at][keys[m.field % keys.length]] = m.value;
      else (hit.parent as Record<string | number, unknown>)[hit.key] = m.value;
      return at;
    }
    case 'reference': {
      // The numbers that point at other things: an event index, a record, a certificate, a message.
      const e = events[at];
      for (const k of ['index', 'record', 'certificate', 'number', 'seq', 'conn']) if (k in e) e[k] = m.value;
      if (Array.isArray(e.records)) e.records = [m.value];
      if (Array.isArray(e.messages)) e.messages = [m.value];
      return at;
    }
    case 'frame':
      file[m.field] = m.value;
      return 0;
    case 'deep':
      // Written into the text after stringify (JSON.stringify itself recurses): see deepFields.
      events[at].fields = `@deep:${m.depth}@`;
      return at;
  }
}

/** A field tree nested far deeper than any message, as a hand-made file may hold. */
function deepFields(depth: number): string {
  return '[' + '{"name":"x","start":0,"end":1,"children":['.repeat(depth) + ']}'.repeat(depth) + ']';
}

function damageText(text: string, d: TextDamage): string {
  switch (d.op) {
    case 'none':
      return text;
    case 'truncate':
      return text.slice(0, d.at % text.length);
    case 'flip': {
      const i = d.at % text.length;
      return text.slice(0, i) + String.fromCharCode(d.byte) + text.slice(i + 1);
    }
    case 'bom':
      return '\uFEFF' + text;
  }
}

interface Case {
  seed: number;
  mutations: Mutation[];
  text: TextDamage;
}
const caseArb: fc.Arbitrary<Case> = fc.record({ seed: fc.nat(), mutations: fc.array(mutation, { minLength: 1, maxLength: 3 }), text: textDamage });

/** The damaged text, and how many leading events are the seed's own, unchanged (when the text is still JSON). */
function build(c: Case): { text: string; base: TraceFile; intact: number } {
  const base = seeds[c.seed % seeds.length].file;
  const file = structuredClone(base) as unknown as Record<string, unknown>;
  let intact = base.events.length;
  for (const m of c.mutations) {
    // A frame mutation may have replaced the events: nothing left to mutate event by event.
    if (!Array.isArray(file.events) || file.events.length === 0 || file.events.some((e) => !e || typeof e !== 'object')) break;
    intact = Math.min(intact, mutate(file, m));
  }
  const text = damageText(JSON.stringify(file).replace(/"@deep:(\d+)@"/g, (_, d) => deepFields(Number(d))), c.text);
  return { text, base, intact: c.text.op === 'none' ? intact : 0 };
}

/** The walk lines of `events`, as replay prints them without a terminal. */
const walk = (events: TraceEvent[]) => events.flatMap((e) => renderEvent(e, { color: false, verbose: false })).map((l) => l + '\n').join('');

let counter = 0;
function writeCase(text: string): string {
  const f = path.join(dir, `case-${counter++ % 8}.json`);
  fs.writeFileSync(f, text);
  return f;
}

function expectJsonAnswer(stdout: string, code: number, why: string): void {
  const out = JSON.parse(stdout);
  if (code === 0) {
    expect(out.ok, why).toBe(true);
    return;
  }
  expect(code, why).toBe(2);
  expect(out, why).toEqual({ ok: false, error: { code: expect.any(String), message: expect.any(String) } });
  expect(out.error.code, why).not.toBe('INTERNAL_ERROR');
  expectPlain(out.error.message, why);
}

/** What the page does with a dropped file: read it (plain-words error or the sound part), then load the store. */
function pageLoad(text: string, why: string): number {
  let read;
  try {
    read = readTraceText(text, 'dropped.json');
  } catch (e) {
    expect(e, why).toBeInstanceOf(Error);
    expectPlain((e as Error).message, why);
    return -1;
  }
  if (read.problem) expectPlain(read.problem, why);
  useTrace.getState().loadReplay(read.file, 'dropped.json');
  expect(useTrace.getState().events.length, why).toBe(read.file.events.length);
  return read.file.events.length;
}

describe('saved traces, damaged', () => {
  it('connect --replay, compare (CLI and model) and the page loader hold up', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const { text, base, intact } = build(c);
        const why = `${JSON.stringify(c).slice(0, 2000)}`;
        const f = writeCase(text);

        // connect --replay, text then --json.
        const r = await capture(connectRun, ['--replay', f]);
        expect(r.ms, why).toBeLessThan(TIME_BOUND_MS);
        expect([0, 2], why + r.stderr).toContain(r.code);
        if (r.stderr) expectPlain(r.stderr.replace(/^tls-lens connect: (warning: )?/, ''), why);
        // The events before the first damaged one are sound: the file is replayed, their lines first.
        if (intact > 0) expect(r.code, why + r.stderr).toBe(0);
        if (intact > 0) expect(r.stdout, why).toContain(walk(base.events.slice(0, intact)));
        if (r.code !== 0) expect(r.stdout, why).toBe('');
        const rj = await capture(connectRun, ['--replay', f, '--json', '--verbose']);
        expect(rj.code, why).toBe(r.code);
        if (rj.code !== 0) expectJsonAnswer(rj.stdout, rj.code, why);

        // compare against the seed it came from, --json: one JSON answer.
        const seedFile = path.join(dir, `seed-${c.seed % seeds.length}.json`);
        if (!fs.existsSync(seedFile)) fs.writeFileSync(seedFile, seeds[c.seed % seeds.length].text);
        const cj = await capture(compareRun, [f, seedFile, '--json']);
        expect(cj.ms, why).toBeLessThan(TIME_BOUND_MS);
        expectJsonAnswer(cj.stdout, cj.code, why + cj.stderr);
        const ct = await capture(compareRun, [seedFile, f]);
        expect(ct.code, why).toBe(cj.code);

        // The page: the same sound part as the CLI replays.
        const shown = pageLoad(text, why);
        if (r.code === 0) expect(shown, why).toBeGreaterThanOrEqual(0);
        if (intact > 0) expect(shown, why).toBeGreaterThanOrEqual(intact);
        // Anything the page can show, compare takes too.
        if (shown > 0) expect(cj.code, why + cj.stdout).toBe(0);

        // The compare model on each connection of the sound part: no throw but a plain Error, JSON-serialisable.
        if (shown > 0) {
          const events = soundPart(parseTraceFrame(text)).file.events;
          // The page's Compare view takes the same sound part.
          useCompare.getState().load('a', 'dropped.json', events);
          for (const conn of connectionsOf(events)) {
            try {
              JSON.parse(JSON.stringify(compareTraces({ name: 'a', events, conn }, { name: 'b', events: base.events })));
            } catch (e) {
              expect(e, why).toBeInstanceOf(Error);
              expectPlain((e as Error).message, why);
            }
          }
        }
      }),
      fuzzRunOptions(),
    );
  }, 120_000);

  it('a trace of a few MB is read in time (linear)', async () => {
    const base = seeds[0].file;
    const appData = base.events.find((e) => e.kind === 'app-data' || e.kind === 'record')!;
    const many = Array.from({ length: 40_000 }, (_, i) => ({ ...appData, index: base.events.length + i }));
    const big = JSON.stringify({ ...base, events: [...base.events, ...many] });
    expect(big.length).toBeGreaterThan(3_000_000);
    const f = writeCase(big);
    const r = await capture(connectRun, ['--replay', f]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.ms).toBeLessThan(10_000);
    const c = await capture(compareRun, [f, f, '--json']);
    expect(c.code, c.stderr).toBe(0);
    expect(c.ms).toBeLessThan(10_000);
    const start = performance.now();
    expect(pageLoad(big, 'big')).toBe(base.events.length + many.length);
    expect(performance.now() - start).toBeLessThan(10_000);
  }, 60_000);
});
