// The decoder entries the fuzz tests drive, and what every result of them must satisfy.
// - the CLI: `tls-lens pcap FILE --keylog K --ca CA --json`, its `run` called in-process (src/cli/pcap.ts: node:crypto,
//   the file read in reused 1 MiB blocks), stdout and stderr caught;
// - the import both use (importCapture) from a source cut into chunks of any size and scribbled over once the next
//   is asked for, under node:crypto (records opened at once from the reader's buffer) or WebCrypto (the page's way);
// - the page: src/ui/capture/capture-file.ts as its controls call it (key log added, capture opened, a stream opened),
//   its stores read afterwards.
import fs from 'node:fs';
import path from 'node:path';
import { expect, vi } from 'vitest';
import { importCapture, type CaptureImport } from '../../src/capture/import.ts';
import { parseKeyLog } from '../../src/capture/keylog.ts';
import { run as pcapCommand } from '../../src/cli/pcap.ts';
import { nodeCryptoProvider } from '../../src/crypto/node-provider.ts';
import { setCryptoProvider } from '../../src/crypto/provider.ts';
import { webCryptoProvider } from '../../src/crypto/webcrypto-provider.ts';
import type { Side, TraceEvent } from '../../src/trace/types.ts';
import { setHostHex } from '../../src/util/bytes.ts';
import { createVerifier } from '../../src/x509/verifier.ts';

/** How long one decode may take: a base for a loaded machine, and more per byte of input. */
export const timeBound = (bytes: number) => 8000 + bytes / 100;

/** `work`, or a failure naming `what` when it has not settled within `ms` (a hang is a bug). */
export async function withinTime<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms (a hang)`)), ms)));
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

// ---------- the CLI, in-process ----------

export interface CliOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** The ways the fuzz tests run `pcap`: its JSON, the JSON list, one stream's JSON, and the text a terminal shows. */
export const CLI_MODES = [['--json'], ['--json', '--list'], ['--json', '--stream', '1'], [], ['--verbose']] as const;

/** `tls-lens pcap FILE [--keylog K] --ca CA --json` (or `mode`) on these bytes, in this process. */
export async function cliJson(dir: string, bytes: Uint8Array, keyLog: string, caPem: string, mode: readonly string[] = ['--json']): Promise<CliOutcome> {
  const file = path.join(dir, 'case.pcap');
  const keys = path.join(dir, 'case.keys');
  const ca = path.join(dir, 'ca.pem');
  fs.writeFileSync(file, bytes);
  fs.writeFileSync(keys, keyLog);
  fs.writeFileSync(ca, caPem);
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += chunk.toString()), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += chunk.toString()), true));
  try {
    const code = await pcapCommand([file, ...(keyLog ? ['--keylog', keys] : []), '--ca', ca, ...mode]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    // The command installs node:crypto and Buffer's hex for the process: the page's way is WebCrypto.
    setCryptoProvider(webCryptoProvider);
    setHostHex(null);
  }
}

const ERROR_CODES = ['WRONG_MAGIC', 'TRUNCATED', 'ABSURD_LENGTH', 'CORRUPT', 'UNSUPPORTED'];

/**
 * What `pcap` promises in `mode`: with --json one JSON document, its shape, the exit status that goes with it, plain
 * words; as text, the damage said last in one line, and on stderr. `--stream 1` where there is none: a usage error.
 */
export function checkCliOutcome(r: CliOutcome, mode: readonly string[] = ['--json']): { streams: unknown[]; error?: { code: string; message: string; offset: number } } {
  if (!mode.includes('--json')) {
    expect([0, 1], r.stderr).toContain(r.code);
    for (const bad of NOT_PLAIN) expect(r.stdout + r.stderr).not.toMatch(bad);
    if (r.code === 1) expect(r.stdout).toMatch(/\n✗ [A-Z_]+: the capture is damaged: .*; everything before it is shown above\n$/);
    expect(r.stderr).toBe(r.code === 1 ? `tls-lens pcap: ${/✗ [A-Z_]+: the capture is damaged: (.*); everything before/.exec(r.stdout)![1]}\n` : '');
    return { streams: [] };
  }
  if (r.code === 2) {
    expect(mode).toContain('--stream');
    expect(JSON.parse(r.stdout)).toEqual({ ok: false, error: { code: 'BAD_OPTION_VALUE', message: expect.stringMatching(/^there is no stream 1 \(the capture has (no TCP stream|only stream 0)\)$/) } });
    return { streams: [] };
  }
  let json: { file: string; packets: number; streams: unknown[]; keyLogProblems: unknown[]; error?: { code: string; message: string; offset: number } };
  try {
    json = JSON.parse(r.stdout);
  } catch {
    throw new Error(`stdout is not one JSON document (exit ${r.code}): ${r.stdout.slice(0, 500)}\nstderr: ${r.stderr.slice(0, 500)}`);
  }
  expect(Object.keys(json).filter((k) => k !== 'error' && k !== 'truncated')).toEqual(['file', 'packets', 'streams', 'keyLogProblems']);
  expect(Number.isInteger(json.packets)).toBe(true);
  // Packets cut short (captured length less than the original): counted among the packets, said in words.
  if ('truncated' in json) {
    const t = json.truncated as { packets: number; snapLength: number; message: string };
    expect(Object.keys(t)).toEqual(['packets', 'snapLength', 'message']);
    expect(Number.isInteger(t.packets) && t.packets > 0 && t.packets <= json.packets).toBe(true);
    expect(Number.isInteger(t.snapLength) && t.snapLength >= 0).toBe(true);
  }
  expect(r.code, r.stderr).toBe(json.error ? 1 : 0);
  if (json.error) {
    expect(Object.keys(json.error).sort()).toEqual(['code', 'message', 'offset']);
    expect(ERROR_CODES).toContain(json.error.code);
    expect(Number.isInteger(json.error.offset) && json.error.offset >= 0).toBe(true);
    // stderr says the same in one line.
    expect(r.stderr).toBe(`tls-lens pcap: ${json.error.message}\n`);
  } else expect(r.stderr).toBe('');
  checkPlain(json, 'pcap --json');
  return json;
}

// ---------- the import ----------

/** The bytes as a source handing out `size`-byte chunks of one buffer, scribbled over as soon as the next is asked for. */
export async function* scribbledChunks(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  const buffer = new Uint8Array(Math.max(1, Math.min(size, bytes.length)));
  for (let at = 0; at < bytes.length; at += size) {
    const n = Math.min(size, bytes.length - at);
    buffer.set(bytes.subarray(at, at + n));
    yield buffer.subarray(0, n);
    buffer.fill(0xee);
  }
}

/** importCapture as the CLI calls it (node:crypto) or as the page does (WebCrypto), from chunks of `chunk` bytes. */
export async function importWith(way: 'node' | 'webcrypto', bytes: Uint8Array, keyLog: string, caPem: string, chunk: number): Promise<CaptureImport> {
  const before = setCryptoProvider(way === 'node' ? nodeCryptoProvider : webCryptoProvider);
  try {
    return await importCapture(scribbledChunks(bytes, chunk), { keyLog: parseKeyLog(keyLog), verifier: verifierFor(caPem) });
  } finally {
    setCryptoProvider(before);
  }
}

const verifiers = new Map<string, ReturnType<typeof createVerifier>>();
function verifierFor(caPem: string) {
  let v = verifiers.get(caPem);
  if (!v) {
    const der = new Uint8Array(Buffer.from(caPem.replace(/-----[^-]+-----|\s+/g, ''), 'base64'));
    verifiers.set(caPem, (v = createVerifier({ anchors: [der] })));
  }
  return v;
}

/** An import's streams: JSON-serialisable, plain words, and the error (if any) in the documented shape. */
export function checkImport(r: CaptureImport, what: string): void {
  if (r.error) {
    expect(ERROR_CODES).toContain(r.error.code);
    expect(Number.isInteger(r.error.offset)).toBe(true);
  }
  for (const s of r.streams) {
    checkPlain({ stream: s.stream, events: s.decoded?.events ?? [], session: s.decoded?.session }, `${what} stream ${s.stream.index}`, ['chunks']);
    const events = s.decoded!.events;
    // A saved trace is the events as JSON: they survive the round trip.
    expect(JSON.parse(JSON.stringify(events)).length).toBe(events.length);
    checkAccounted(events, s.decoded!.session.undecrypted, `${what} stream ${s.stream.index}`);
  }
}

/** Every record under keys that did not open is counted in the session's `undecrypted`, per direction: none lost silently. */
export function checkAccounted(events: TraceEvent[], undecrypted: { direction: string; records: number }[], what: string): void {
  for (const side of ['client', 'server']) {
    const unopened = events.filter((e) => e.kind === 'record' && e.direction === side && e.epoch !== 'plaintext' && !e.protection).length;
    const counted = undecrypted.filter((u) => u.direction === side).reduce((n, u) => n + u.records, 0);
    expect(counted, `${what}: ${side} records not opened vs counted in undecrypted`).toBe(unopened);
  }
}

// ---------- what must hold of every result ----------

/** Text a person must never read: JavaScript's own words, stack frames, values that did not become text. */
const NOT_PLAIN = [
  /\bundefined\b/,
  /\bNaN\b/,
  /\bInfinity\b/,
  /\[object \w+\]/,
  /\n\s+at /,
  /\bat \S+ \(\S+:\d+:\d+\)/,
  /\b(?:Type|Range|Reference|Syntax|Internal)Error\b/,
  /Cannot read propert|is not a function|is not iterable|Invalid (?:time|array|typed array) (?:value|length)|outside the bounds|Offset is outside|Maximum call stack|Array buffer allocation failed/,
];

/** Every number finite, every string free of JavaScript's own words, all the way down (keys in `skip` left out). */
export function checkPlain(value: unknown, where: string, skip: string[] = []): void {
  const seen = new Set<unknown>();
  const walk = (v: unknown, at: string): void => {
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw new Error(`${where}: ${at} is ${v}`);
    } else if (typeof v === 'string') {
      for (const bad of NOT_PLAIN) if (bad.test(v)) throw new Error(`${where}: ${at} is not plain words (${bad}): ${JSON.stringify(v.slice(0, 300))}`);
    } else if (typeof v === 'bigint' || typeof v === 'function' || typeof v === 'symbol') {
      throw new Error(`${where}: ${at} is a ${typeof v}, which JSON cannot hold`);
    } else if (v instanceof Uint8Array) {
      return;
    } else if (v && typeof v === 'object') {
      if (seen.has(v)) return;
      seen.add(v);
      for (const [k, x] of Object.entries(v)) if (!skip.includes(k) && x !== undefined) walk(x, `${at}.${k}`);
    }
  };
  walk(value, '$');
}

/**
 * What a stream showed, per direction, in order: each record (with what it opened to), handshake message,
 * alert, piece of application data and preamble line. Compared between a seed's prefix and a mutated file.
 */
export function contentItems(events: TraceEvent[]): Record<Side, string[]> {
  const out: Record<Side, string[]> = { client: [], server: [] };
  for (const e of events) {
    if (e.kind === 'record') out[e.direction].push(`record ${e.bytes}${e.protection ? ` opened ${e.protection.plaintext}` : ''}`);
    else if (e.kind === 'handshake') out[e.direction].push(`handshake ${e.msgType} ${e.bytes}`);
    else if (e.kind === 'alert') out[e.direction].push(`alert ${e.level} ${e.description}`);
    else if (e.kind === 'app-data') out[e.direction].push(`data ${e.bytes}`);
    else if (e.kind === 'preamble') out[e.direction].push(`preamble ${e.bytes}`);
  }
  return out;
}

/**
 * Nothing lost: every item `reference` (the seed's bytes before K, decoded) showed for a stream is shown, in the
 * same order, at the start of that stream's items in `mutated`.
 */
export function checkNothingLost(reference: CaptureImport, mutated: CaptureImport, what: string): void {
  for (const ref of reference.streams) {
    const want = contentItems(ref.decoded!.events);
    if (want.client.length + want.server.length === 0) continue;
    const got = mutated.streams.find((s) => s.stream.index === ref.stream.index);
    if (!got) throw new Error(`${what}: stream ${ref.stream.index} (${want.client.length + want.server.length} items before the change) is gone`);
    const have = contentItems(got.decoded!.events);
    for (const side of ['client', 'server'] as const) {
      for (let i = 0; i < want[side].length; i++) {
        if (have[side][i] !== want[side][i]) {
          throw new Error(`${what}: stream ${ref.stream.index}, ${side} item ${i} of ${want[side].length} before the change is lost: wanted ${want[side][i].slice(0, 120)}, got ${(have[side][i] ?? 'nothing').slice(0, 120)}`);
        }
      }
    }
  }
}

/**
 * fast-check options for the capture fuzz tests: FUZZ_RUNS runs (`defaultRuns` unless set), always with a seed so
 * a hang can be reported with it; FUZZ_SEED (and FUZZ_PATH) replay a run fast-check reported.
 */
export function captureFuzzOptions(defaultRuns: number): { numRuns: number; seed: number; path?: string } {
  const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) | 0;
  fuzzSeed = seed;
  return { numRuns: Number(process.env.FUZZ_RUNS ?? defaultRuns), seed, ...(process.env.FUZZ_PATH ? { path: process.env.FUZZ_PATH } : {}) };
}

let fuzzSeed = 0;
/** The case about to run, as the watchdog prints it if it hangs: the seed that replays its property, and the input. */
export const caseName = (what: string) => `FUZZ_SEED=${fuzzSeed}: ${what}`;
