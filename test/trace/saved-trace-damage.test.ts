// Regressions found by fuzz-saved-trace.test.ts, each with its shrunk input as constructed JSON: saved traces that
// crashed, refused too much or spoke in engine words when read by connect --replay, compare and the page's loader.
import { afterAll, describe, expect, it, vi } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run as compareRun } from '../../src/cli/compare.ts';
import { run as connectRun } from '../../src/cli/connect.ts';
import { parseTraceFrame } from '../../src/trace/recorder.ts';
import { soundPart } from '../../src/trace/trace-check.ts';
import { compareTraces } from '../../src/ui/compare/model.ts';
import { readTraceText } from '../../src/ui/files.ts';
import { expectPlain } from '../support/plain-words.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-lens-trace-damage-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const start = { kind: 'connection', index: 0, t: 0, conn: 0, phase: 'start', serverName: 'example.test' };
const hello = (name = 'ClientHello', fields: unknown = []) => ({ kind: 'handshake', index: 1, t: 1, conn: 0, direction: 'client', epoch: 'plaintext', msgType: 1, name, bytes: '0100', fields, records: [] });
const trace = (events: unknown[], frame: Record<string, unknown> = {}) => JSON.stringify({ format: 'tls-lens-trace', version: 1, createdAt: '2026-01-01T00:00:00.000Z', target: 'example.test:443', events, ...frame });

function file(text: string): string {
  const f = path.join(dir, `t${fs.readdirSync(dir).length}.json`);
  fs.writeFileSync(f, text);
  return f;
}

/** run() of a command in-process, with what it wrote. */
async function capture(run: (args: string[]) => Promise<number>, args: string[]) {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => ((stdout += String(c)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => ((stderr += String(c)), true));
  try {
    return { code: await run(args), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('saved traces the fuzzer broke', () => {
  it('a file that is not JSON is refused in plain words, saying where it breaks', async () => {
    const cut = trace([start]).slice(0, 40);
    const r = await capture(connectRun, ['--replay', file(cut), '--json']);
    expect(r.code).toBe(2);
    const { error } = JSON.parse(r.stdout);
    expect(error.code).toBe('BAD_INPUT');
    expect(error.message).toMatch(/this file is not JSON \(it (ends too soon|breaks at line 1, column \d+)\)/);
    expectPlain(error.message, cut);
    expect(() => readTraceText('{"format": 1,\n}', 'x.json')).toThrow('this file is not JSON (it breaks at line 2, column 1)');
    expect(() => readTraceText('{"format": tls}', 'x.json')).toThrow('this file is not JSON (it does not parse)');
  });

  it('a file saved with a byte-order mark is read', async () => {
    const r = await capture(connectRun, ['--replay', file('\uFEFF' + trace([start]))]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('▶ connection 0');
  });

  it('an event of a kind this reader does not know is passed over by the walk', async () => {
    const r = await capture(connectRun, ['--replay', file(trace([start, { kind: '', index: 1, t: 1, conn: 0 }, { ...start, index: 2, conn: 1 }]))]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('▶ connection 0 (server name example.test)\n▶ connection 1 (server name example.test)');
  });

  it('a version that is not a number is named in words', () => {
    for (const [version, words] of [[{}, 'the trace version is an object, not a number'], ['NaN', 'the trace version is text, not a number'], [undefined, 'this trace has no version field'], [2, 'unsupported trace version 2']] as const) {
      expect(() => parseTraceFrame(trace([start], { version }))).toThrow(words);
      try {
        parseTraceFrame(trace([start], { version }));
      } catch (e) {
        expectPlain((e as Error).message, String(version));
      }
    }
  });

  it('a field tree nested deeper than the stack goes is compared', () => {
    const depth = 100_000;
    // Written as text: JSON.stringify itself recurses.
    const deep = '[' + '{"name":"x","start":0,"end":1,"children":['.repeat(depth) + ']}'.repeat(depth) + ']';
    const text = trace([start, { ...hello('Certificate', '@deep@'), direction: 'server', msgType: 11 }]).replace('"@deep@"', deep);
    const { file: sound, problem } = soundPart(parseTraceFrame(text));
    expect(problem).toBeUndefined();
    const c = compareTraces({ name: 'a', events: sound.events }, { name: 'b', events: sound.events });
    expect(c.a.certificates.count).toBe(0);
  });

  it('a message named like an Object property ("constructor") is compared as any unknown message', async () => {
    const f = file(trace([start, hello('constructor')]));
    const r = await capture(compareRun, [f, f]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/other +→ constructor/);
  });

  it('a pause at a breakpoint named "constructor" is kept as it is, not taken for damage', () => {
    const pause = { kind: 'pause', index: 1, t: 1, conn: 0, breakpoint: 'constructor' };
    const { file: sound, problem } = soundPart(parseTraceFrame(trace([start, pause])));
    expect(problem).toBeUndefined();
    expect(sound.events[1]).toEqual(pause);
  });

  it('an event that is not an object, or has no kind, ends the sound part instead of refusing the file', async () => {
    for (const bad of [[], null, 7, { index: 1, t: 1, conn: 0 }, { kind: [], index: 1, t: 1, conn: 0 }]) {
      const f = file(trace([start, bad, hello()]));
      const r = await capture(connectRun, ['--replay', f]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('(recorded 2026-01-01T00:00:00.000Z, 1 events)\n▶ connection 0');
      expect(r.stderr).toMatch(/is damaged part-way: event 1 \(“no kind”\) is damaged: .*; the 1 event before it is shown/);
      expectPlain(r.stderr.replace(/^.*warning: /, ''), JSON.stringify(bad));
      const c = await capture(compareRun, [f, f, '--json']);
      expect(c.code, c.stderr).toBe(0);
      expect(readTraceText(fs.readFileSync(f, 'utf8'), 'x.json').file.events).toHaveLength(1);
    }
    // Damaged at the first event: refused in words.
    const r = await capture(connectRun, ['--replay', file(trace([null, start])), '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error.message).toMatch(/event 0 \(“no kind”\) is damaged: it is null, not an event; nothing before it can be shown/);
  });
});
