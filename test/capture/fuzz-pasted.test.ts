// Property fuzzing of hex pasted into the page's paste box and `tls-lens decode`: records of real openssl handshakes
// (fuzz-pasted-seeds.ts) written in every form the paste box reads, then damaged as people and tools damage text
// (characters inserted, deleted or replaced, look-alike and invisible characters, offsets garbled, ASCII columns
// damaged, lines lost or doubled, cut mid-byte). Properties: nothing throws; what could not be read is named with its
// line and column in plain words; the bytes of the lines before the damage are still read and decoded; the CLI's
// JSON equals the page function's; reading stays linear in the size of the paste. FUZZ_RUNS / FUZZ_SEED as in
// test/support/fuzz.ts.
import fc from 'fast-check';
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readHexInput } from '../../src/capture/hex-input.ts';
import { decodePastedText, pastedJson } from '../../src/capture/pasted.ts';
import { fuzzRunOptions } from '../support/fuzz.ts';
import { expectPlain } from '../support/plain-words.ts';
import { pasteSeeds, type PasteSeed } from './fuzz-pasted-seeds.ts';
import { tempDir } from './helpers.ts';

let seeds: PasteSeed[];
let cleanup: () => void;
/** Each seed in each form, the dumps made by the real tools. */
let forms: { seed: number; form: string; text: string }[];

const FORMS = ['plain', 'lines', 'spaced', '0x', 'c-array', 'colon', 'xxd', 'xxd-g1', 'hexdump', 'wireshark', 'tshark'] as const;
type Form = (typeof FORMS)[number];
const DUMPS = new Set<Form>(['xxd', 'xxd-g1', 'hexdump', 'wireshark', 'tshark']);

const h2 = (b: number) => b.toString(16).padStart(2, '0');
const ascii = (row: Uint8Array) => String.fromCharCode(...[...row].map((b) => (b >= 0x20 && b < 0x7f ? b : 0x2e)));

/** Wireshark's "Copy as Hex Dump" (3 spaces after the offset) and tshark -x (2), each padding a short last line. */
function wiresharkDump(bytes: Uint8Array, gap: string): string {
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += 16) {
    const row = bytes.subarray(i, i + 16);
    const hex = [...row].map(h2).join(' ').padEnd(47, ' ');
    lines.push(`${i.toString(16).padStart(4, '0')}${gap}${hex}   ${ascii(row)}`);
  }
  return lines.join('\n') + '\n';
}

function formOf(bytes: Uint8Array, form: Form, file: string): string {
  const hex = Buffer.from(bytes).toString('hex');
  const rows = (n: number) => Array.from({ length: Math.ceil(bytes.length / n) }, (_, i) => [...bytes.subarray(i * n, i * n + n)]);
  switch (form) {
    case 'plain':
      return hex;
    case 'lines':
      return hex.replace(/.{60}/g, '$&\n');
    case 'spaced':
      return rows(16).map((r) => r.map(h2).join(' ')).join('\n');
    case '0x':
      return rows(12).map((r) => r.map((b) => `0x${h2(b)}`).join(', ')).join(',\n');
    case 'c-array':
      return `char peer0_0[] = { /* Packet 4 */\n${rows(8).map((r) => r.map((b) => `0x${h2(b)}`).join(', ')).join(',\n')} };\n`;
    case 'colon':
      return [...bytes].map(h2).join(':');
    case 'xxd':
      return execFileSync('xxd', [file], { maxBuffer: 1 << 28 }).toString();
    case 'xxd-g1':
      return execFileSync('xxd', ['-g1', file], { maxBuffer: 1 << 28 }).toString();
    case 'hexdump':
      return execFileSync('hexdump', ['-C', file], { maxBuffer: 1 << 28 }).toString();
    case 'wireshark':
      return wiresharkDump(bytes, '   ');
    case 'tshark':
      return wiresharkDump(bytes, '  ');
  }
}

beforeAll(async () => {
  ({ seeds, cleanup } = await pasteSeeds());
  const dir = tempDir('fuzz-pasted-forms');
  forms = [];
  seeds.forEach((s, i) => {
    const file = path.join(dir, `seed-${i}.bin`);
    fs.writeFileSync(file, s.bytes);
    for (const form of FORMS) forms.push({ seed: i, form, text: formOf(s.bytes, form, file) });
  });
  fs.rmSync(dir, { recursive: true, force: true });
}, 60_000);
afterAll(() => cleanup?.());

/** Characters people and tools slip in: look-alikes of hex digits, invisible spaces, separators, line ends. */
const CHARS = ['0', 'a', 'F', '7', 'g', 'O', 'l', 'I', 'x', '.', '|', '*', ',', ':', '"', ' ', '\t', '\n', '\r', '\u041e', '\u0430', '\uff10', '\uff46', '\u200b', '\u00a0', '\ufeff', '\u2013', 'é', '😀'];

type Mutation =
  | { op: 'insert' | 'replace'; at: number; ch: string }
  | { op: 'delete' | 'cut'; at: number }
  | { op: 'offset'; line: number; kind: 'garble' | 'shift' | 'drop' }
  | { op: 'ascii'; line: number; text: string }
  | { op: 'drop-line' | 'dup-line'; line: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constantFrom('insert' as const, 'replace' as const), at: fc.nat(), ch: fc.constantFrom(...CHARS) }),
  fc.record({ op: fc.constantFrom('delete' as const, 'cut' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('offset' as const), line: fc.nat(), kind: fc.constantFrom('garble' as const, 'shift' as const, 'drop' as const) }),
  fc.record({ op: fc.constant('ascii' as const), line: fc.nat(), text: fc.constantFrom('abc', '12', '  |', 'ff ff', '', '||', 'dead beef') }),
  fc.record({ op: fc.constantFrom('drop-line' as const, 'dup-line' as const), line: fc.nat() }),
);

/** The text damaged, and the character position from which it differs from the original. */
function mutate(text: string, m: Mutation): { text: string; at: number } {
  if (text.length === 0) return { text: m.op === 'insert' ? m.ch : text, at: 0 };
  const lines = text.split('\n');
  const lineStart = (k: number) => lines.slice(0, k).reduce((n, l) => n + l.length + 1, 0);
  const k = 'line' in m ? m.line % lines.length : 0;
  const line = lines[k];
  switch (m.op) {
    case 'insert': {
      const at = m.at % (text.length + 1);
      return { text: text.slice(0, at) + m.ch + text.slice(at), at };
    }
    case 'replace': {
      const at = m.at % text.length;
      return { text: text.slice(0, at) + m.ch + text.slice(at + 1), at };
    }
    case 'delete': {
      const at = m.at % text.length;
      return { text: text.slice(0, at) + text.slice(at + 1), at };
    }
    case 'cut': {
      const at = m.at % text.length;
      return { text: text.slice(0, at), at };
    }
    case 'offset': {
      const off = /^\s*[0-9a-fA-F]{4,8}/.exec(line);
      if (!off) return { text, at: text.length };
      const digits = off[0].trim();
      const replaced = m.kind === 'drop' ? '' : m.kind === 'garble' ? digits.replace(/.$/, 'Z') : (parseInt(digits, 16) + 0x100).toString(16).padStart(digits.length, '0');
      lines[k] = line.replace(digits, replaced);
      return { text: lines.join('\n'), at: lineStart(k) };
    }
    case 'ascii': {
      // The end of the line: the ASCII column of a dump, the last bytes of other forms.
      const cut = Math.max(0, line.length - 6);
      lines[k] = line.slice(0, cut) + m.text;
      return { text: lines.join('\n'), at: lineStart(k) + cut };
    }
    case 'drop-line':
      lines.splice(k, 1);
      return { text: lines.join('\n'), at: lineStart(k) };
    case 'dup-line':
      lines.splice(k, 0, line);
      return { text: lines.join('\n'), at: lineStart(k + 1) };
  }
}

/** The bytes of the whole lines of `text` before the line holding position `at`. */
function bytesOfLinesBefore(text: string, at: number): Uint8Array {
  const start = text.lastIndexOf('\n', at - 1) + 1;
  // A line end made of "\r\n" is one: the "\r" belongs to the line before.
  const r = readHexInput(text.slice(0, start));
  return r.problem ? new Uint8Array(0) : r.bytes;
}

const startsWith = (a: Uint8Array, prefix: Uint8Array) => prefix.length <= a.length && Buffer.from(a.subarray(0, prefix.length)).equals(Buffer.from(prefix));

/** How many whole records `bytes` begins with. */
function wholeRecords(bytes: Uint8Array): number {
  let n = 0;
  for (let p = 0; p + 5 <= bytes.length && p + 5 + ((bytes[p + 3] << 8) | bytes[p + 4]) <= bytes.length; n++) p += 5 + ((bytes[p + 3] << 8) | bytes[p + 4]);
  return n;
}

async function checkCase(index: number, ms: Mutation[]): Promise<void> {
  const f = forms[index % forms.length];
  const seed = seeds[f.seed];
  // Each mutation changes the text only from its position on: the first change is the least of them.
  let text = f.text;
  let at = Infinity;
  for (const m of ms) {
    const r = mutate(text, m);
    text = r.text;
    at = Math.min(at, r.at);
  }
  const m = ms;
  const why = `${seed.name} as ${f.form}, ${JSON.stringify(m)}:\n${text.slice(Math.max(0, at - 80), at + 80)}`;
  const read = readHexInput(text);
  const result = await decodePastedText(text);
  expect(result.bytes, why).toBe(read.bytes.length);
  // Named with where, in plain words.
  if (read.problem) {
    expect(read.problem.line, why).toBeGreaterThanOrEqual(1);
    expect(read.problem.column, why).toBeGreaterThanOrEqual(1);
    if (read.problem.message !== 'no hex bytes found') expect(read.problem.message, why).toMatch(/^line \d+, column \d+: /);
    expect(result.error?.code, why).toBe('NOT_HEX');
  }
  if (result.error) expectPlain(result.error.message, why);
  // The lines before the damage are read as they were.
  const before = bytesOfLinesBefore(f.text, Math.min(at, f.text.length));
  expect(startsWith(read.bytes, before), `${why}\nlost or changed bytes before the damage`).toBe(true);
  if (result.decoding) {
    const json = JSON.stringify(pastedJson(result));
    expect(JSON.parse(json)).toBeTruthy();
    for (const e of result.decoding.events) {
      if (e.kind === 'error') expectPlain(e.message, why);
      if (e.kind === 'note') expectPlain(e.text, why);
    }
    // Every whole record before the damage is shown.
    if (result.decoding.what === 'records') {
      const shown = result.decoding.events.filter((e) => e.kind === 'record').length;
      expect(shown, `${why}\nrecords before the damage not shown`).toBeGreaterThanOrEqual(wholeRecords(before));
    }
  } else if (before.length >= 5 && wholeRecords(before) > 0) {
    // Whole records were read before the damage: they must have been decoded and shown.
    expect.fail(`${why}\nnothing decoded: ${result.error?.message}`);
  }
}

describe('pasted hex fuzzing', () => {
  it('the forms read back as the seeds', async () => {
    for (const f of forms) {
      const r = readHexInput(f.text);
      expect(r.problem, `${f.form}: ${r.problem?.message}`).toBeUndefined();
      expect(Buffer.from(r.bytes).equals(Buffer.from(seeds[f.seed].bytes)), f.form).toBe(true);
    }
  });

  it('damaged pastes: no throw, the problem with line and column in plain words, nothing before it lost', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.array(mutationArb, { minLength: 1, maxLength: 3 }), async (i, ms) => checkCase(i, ms)),
      { ...fuzzRunOptions(), numRuns: Number(process.env.FUZZ_RUNS ?? 300) },
    );
  }, 120_000);

  it('damaged bytes in any form the page writes itself: decoded as far as they go, in plain words', async () => {
    const own: Form[] = ['plain', 'lines', 'spaced', '0x', 'c-array', 'colon', 'wireshark', 'tshark'];
    const edit = fc.array(fc.record({ at: fc.nat(), value: fc.constantFrom(0x00, 0x01, 0x03, 0x14, 0x15, 0x16, 0x17, 0x18, 0x7f, 0x80, 0xfe, 0xff) }), { minLength: 1, maxLength: 4 });
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.constantFrom(...own), edit, fc.nat(), fc.boolean(), async (i, form, edits, cut, from) => {
        const seed = seeds[i % seeds.length];
        const bytes = seed.bytes.slice(0, cut % 3 === 0 ? seed.bytes.length : 1 + (cut % seed.bytes.length));
        for (const e of edits) bytes[e.at % bytes.length] = e.value;
        const text = formOf(bytes, form, '');
        const why = `${seed.name} as ${form}, ${JSON.stringify(edits)} cut ${cut}`;
        const r = await decodePastedText(text, from ? { from: 'client' } : {});
        expect(r.bytes, why).toBe(bytes.length);
        if (r.error) {
          expect(r.error.code, why).toBe('NOT_TLS');
          expectPlain(r.error.message, why);
        }
        for (const e of r.decoding?.events ?? []) {
          if (e.kind === 'error') expectPlain(e.message, why);
          if (e.kind === 'note') expectPlain(e.text, why);
        }
        JSON.stringify(pastedJson(r));
      }),
      { ...fuzzRunOptions(), numRuns: Number(process.env.FUZZ_RUNS ?? 300) },
    );
  }, 120_000);

  it('tls-lens decode - --json prints what the page function gives', async () => {
    const BIN = path.resolve(__dirname, '../../bin/tls-lens.js');
    const cases = fc.sample(fc.tuple(fc.nat(), mutationArb), { numRuns: 6, seed: Number(process.env.FUZZ_SEED ?? 20261207) });
    cases.push([forms.findIndex((f) => f.form === 'xxd'), { op: 'replace', at: 200, ch: '\u041e' }]);
    cases.push([forms.findIndex((f) => f.form === 'hexdump'), { op: 'cut', at: 301 }]);
    for (const [i, m] of cases) {
      const f = forms[i % forms.length];
      const { text } = mutate(f.text, m);
      const out = await new Promise<{ code: number; stdout: string }>((resolve) => {
        const child = execFile(process.execPath, [BIN, 'decode', '-', '--json'], { timeout: 60_000, maxBuffer: 64 << 20 }, (err, stdout) => resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout }));
        child.stdin!.end(text);
      });
      const page = JSON.parse(JSON.stringify(pastedJson(await decodePastedText(text))));
      const why = `${f.form} ${JSON.stringify(m)}`;
      expect(JSON.parse(out.stdout), why).toEqual(page);
      expect([0, 1, 2], why).toContain(out.code);
    }
  }, 120_000);

  it('reading and decoding stay linear: 4x the paste takes about 4x the time', async () => {
    // The TLS 1.2 server flight, repeated: records after records, in three forms.
    const flight = seeds.find((s) => s.name.startsWith('TLS 1.2 server flight'))!.bytes;
    const sized = (bytes: number) => Buffer.concat(Array.from({ length: Math.ceil(bytes / flight.length) }, () => Buffer.from(flight)));
    const dir = tempDir('fuzz-pasted-big');
    try {
      for (const form of ['plain', 'spaced', 'xxd'] as Form[]) {
        const time = async (bytes: Buffer) => {
          const file = path.join(dir, 'big.bin');
          fs.writeFileSync(file, bytes);
          const text = formOf(bytes, form, file);
          // A damaged character near the end: everything before it is still read and decoded.
          // (In a dump: in the hex of the last line, not its ASCII column, which is not read.)
          const at = form === 'xxd' ? text.lastIndexOf('\n', text.length - 2) + 13 : text.length - 20;
          const damaged = text.slice(0, at) + 'Z' + text.slice(at + 1);
          const started = performance.now();
          const r = await decodePastedText(damaged);
          const ms = performance.now() - started;
          expect(r.error?.code).toBe('NOT_HEX');
          expect(r.bytes).toBeGreaterThan(bytes.length - 20);
          expect(r.error?.line).toBe(damaged.slice(0, at).split('\n').length);
          expect(r.decoding?.what).toBe('records');
          return { ms, chars: text.length };
        };
        await time(sized(20_000)); // warm up
        const small = await time(sized(form === 'xxd' ? 150_000 : 300_000));
        const large = await time(sized(form === 'xxd' ? 600_000 : 1_200_000));
        const ratio = large.ms / small.ms;
        if (process.env.FUZZ_REPORT) console.log(form, small, large, ratio.toFixed(2));
        // 4x the input; a quadratic step would give ~16x. Generous for a loaded machine.
        expect(ratio, `${form}: ${small.chars} chars in ${small.ms.toFixed(0)} ms, ${large.chars} in ${large.ms.toFixed(0)} ms`).toBeLessThan(9);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
