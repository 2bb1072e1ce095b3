// Property tests over corrupt key logs given with real captures (fuzz-seeds.ts: TLS 1.3, TLS 1.2 GCM and CBC, SMTP
// STARTTLS): bad hex, wrong lengths, wrong labels, secrets of other sessions, lines dropped, doubled or garbled, and
// CRLF, CR and LF line ends mixed. For every key log:
// - `tls-lens pcap --json` returns within a time bound, in the documented shape, with plain words (each problem line
//   named with a reason);
// - a session whose secrets the key log still gives as before decodes exactly as before; every other session
//   still shows everything in clear, and every record it does not open is counted in `undecrypted`, never lost
//   silently;
// - the page lists the same problems and shows the same stream.
import fc from 'fast-check';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaptureImport } from '../../src/capture/import.ts';
import { parseKeyLog, type KeyLog } from '../../src/capture/keylog.ts';
import type { TraceEvent } from '../../src/trace/types.ts';
import { useCapture } from '../../src/ui/capture/capture-file.ts';
import { usePki } from '../support/pki.ts';
import { captureFuzzOptions, caseName, checkAccounted, checkCliOutcome, checkImport, cliJson, contentItems, importWith, timeBound, withinTime } from './fuzz-check.ts';
import { checkPage, pageOpen } from './fuzz-page.ts';
import { opensslSeeds, smtpSeeds, type Seed } from './fuzz-seeds.ts';
import { startWatchdog, type Watchdog } from './fuzz-watchdog.ts';
import { tempDir } from './helpers.ts';

const pki = usePki();
let seeds: Seed[] = [];
const decoded = new Map<Seed, CaptureImport>();
const cleanups: (() => unknown)[] = [];
let dir: string;
let watchdog: Watchdog;

beforeAll(async () => {
  const [openssl, smtp] = await Promise.all([opensslSeeds(pki), smtpSeeds()]);
  // The key log is the same for each form of a capture: one form of each.
  seeds = [openssl.seeds[0], smtp.seeds[0]];
  cleanups.push(() => fs.rmSync(openssl.dir, { recursive: true, force: true }), smtp.cleanup);
  for (const s of seeds) decoded.set(s, await importWith('node', s.bytes, s.keyLog, s.caPem, s.bytes.length));
  dir = tempDir('fuzz-keylog');
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  watchdog = startWatchdog(60_000);
}, 120_000);
afterAll(async () => {
  await watchdog?.stop();
  for (const c of cleanups) await c();
});

// ---------- key log mutations ----------

type LineOp =
  | { op: 'bad-hex'; line: number; field: 1 | 2; at: number; char: string }
  | { op: 'length'; line: number; field: 1 | 2; delta: number }
  | { op: 'label'; line: number; label: string }
  /** The line's secret said to be another session's (another line's client random, or one no session has). */
  | { op: 'other-session'; line: number; from: number; unknown: boolean }
  | { op: 'swap-secrets'; line: number; with: number }
  | { op: 'drop'; line: number }
  | { op: 'double'; line: number }
  | { op: 'garbage'; line: number; text: string }
  | { op: 'spaces'; line: number; before: string; after: string };

interface KeyLogMutation {
  ops: LineOp[];
  /** Each line's end: LF, CRLF, a lone CR, or (the last line) none; cycled through the lines. */
  ends: ('\n' | '\r\n' | '\r')[];
  bom: boolean;
  finalNewline: boolean;
}

const LABELS = [
  'CLIENT_RANDOM', 'CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_TRAFFIC_SECRET_0', 'SERVER_TRAFFIC_SECRET_0',
  'CLIENT_TRAFFIC_SECRET_1', 'CLIENT_EARLY_TRAFFIC_SECRET', 'EXPORTER_SECRET', 'EARLY_EXPORTER_SECRET', 'RSA', 'PMS_CLIENT_RANDOM',
  'CLIENT_TRAFFIC_SECRET_N', 'client_random', 'SERVER_TRAFFIC_SECRET_99999999999999999999', 'CLIENT-RANDOM', '',
];

const lineOp: fc.Arbitrary<LineOp> = fc.oneof(
  fc.record({ op: fc.constant('bad-hex' as const), line: fc.nat(), field: fc.constantFrom(1 as const, 2 as const), at: fc.nat(), char: fc.constantFrom('g', 'z', 'G', '-', '\u00e9', '\u0000', '\t', '０') }),
  fc.record({ op: fc.constant('length' as const), line: fc.nat(), field: fc.constantFrom(1 as const, 2 as const), delta: fc.integer({ min: -40, max: 40 }).filter((d) => d !== 0) }),
  fc.record({ op: fc.constant('label' as const), line: fc.nat(), label: fc.constantFrom(...LABELS) }),
  fc.record({ op: fc.constant('other-session' as const), line: fc.nat(), from: fc.nat(), unknown: fc.boolean() }),
  fc.record({ op: fc.constant('swap-secrets' as const), line: fc.nat(), with: fc.nat() }),
  fc.record({ op: fc.constant('drop' as const), line: fc.nat() }),
  fc.record({ op: fc.constant('double' as const), line: fc.nat() }),
  fc.record({ op: fc.constant('garbage' as const), line: fc.nat(), text: fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 80 }), fc.constant('\u0000'.repeat(300))) }),
  fc.record({ op: fc.constant('spaces' as const), line: fc.nat(), before: fc.constantFrom('', ' ', '\t', ' \t '), after: fc.constantFrom('', ' ', '\t', '\u00a0') }),
);

const keyLogMutation: fc.Arbitrary<KeyLogMutation> = fc.record({
  ops: fc.array(lineOp, { minLength: 1, maxLength: 5 }),
  ends: fc.array(fc.constantFrom('\n' as const, '\r\n' as const, '\r' as const), { minLength: 1, maxLength: 4 }),
  bom: fc.boolean(),
  finalNewline: fc.boolean(),
});

/** The seed's key log changed as `m` says. */
function mutateKeyLog(text: string, m: KeyLogMutation): string {
  const lines = text.split('\n').filter((l) => l !== '');
  const fields = (i: number) => lines[i].split(' ');
  for (const op of m.ops) {
    if (lines.length === 0) break;
    const i = op.line % lines.length;
    const f = fields(i);
    const set = (parts: string[]) => (lines[i] = parts.join(' '));
    switch (op.op) {
      case 'bad-hex': {
        if (f.length < 3) break;
        const s = f[op.field];
        const at = op.at % Math.max(1, s.length);
        f[op.field] = s.slice(0, at) + op.char + s.slice(at + 1);
        set(f);
        break;
      }
      case 'length':
        if (f.length < 3) break;
        f[op.field] = op.delta < 0 ? f[op.field].slice(0, op.delta) : f[op.field] + 'ab'.repeat(op.delta).slice(0, op.delta);
        set(f);
        break;
      case 'label':
        f[0] = op.label;
        set(f);
        break;
      case 'other-session': {
        if (f.length < 3) break;
        f[1] = op.unknown ? 'ab'.repeat(32) : (fields(op.from % lines.length)[1] ?? f[1]);
        set(f);
        break;
      }
      case 'swap-secrets': {
        const j = op.with % lines.length;
        const g = fields(j);
        if (f.length < 3 || g.length < 3) break;
        [f[2], g[2]] = [g[2], f[2]];
        set(f);
        lines[j] = g.join(' ');
        break;
      }
      case 'drop':
        lines.splice(i, 1);
        break;
      case 'double':
        lines.splice(i, 0, lines[i]);
        break;
      case 'garbage':
        lines.splice(i, 0, op.text.replace(/[\r\n]/g, ' '));
        break;
      case 'spaces':
        lines[i] = op.before + lines[i].replace(/ /g, op.after === '\u00a0' ? ' ' : ` ${op.after}`) + op.after;
        break;
    }
  }
  const body = lines.map((l, i) => l + (i < lines.length - 1 || m.finalNewline ? m.ends[i % m.ends.length] : '')).join('');
  return (m.bom ? '\ufeff' : '') + body;
}

// ---------- properties ----------

/** A session's secrets as the key log gives them, by label. */
function secretsOf(log: KeyLog, random: string): string {
  const entry = log.byRandom.get(random);
  return entry ? JSON.stringify([...entry].map(([label, s]) => [label, Buffer.from(s.secret).toString('hex')]).sort()) : '';
}

const clientRandomOf = (events: TraceEvent[]) => {
  const hello = events.find((e) => e.kind === 'handshake' && e.msgType === 1);
  return hello && hello.kind === 'handshake' ? hello.bytes.slice(12, 76) : null;
};

/** What a stream shows in clear, per direction: records in clear, handshake messages in clear, preamble lines. */
function inClear(events: TraceEvent[]): string[] {
  return events.flatMap((e) =>
    (e.kind === 'record' && e.epoch === 'plaintext') || (e.kind === 'handshake' && e.epoch === 'plaintext') || e.kind === 'preamble' ? [`${e.kind} ${'direction' in e ? e.direction : ''} ${'bytes' in e ? e.bytes : ''}`] : [],
  );
}

describe('corrupt key logs with real captures', () => {
  it('key log mutations: plain words, nothing in clear lost, sessions with intact secrets decoded as before', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: seeds.length - 1 }), keyLogMutation, async (i, m) => {
        const seed = seeds[i];
        const keyLog = mutateKeyLog(seed.keyLog, m);
        const what = `${seed.name} key log ${JSON.stringify(keyLog)}`;
        const bound = timeBound(seed.bytes.length + keyLog.length);
        watchdog.start(caseName(what));
        try {
          const cli = checkCliOutcome(await withinTime(cliJson(dir, seed.bytes, keyLog, seed.caPem), bound, `pcap --json with ${what}`));
          expect(cli.error).toBeUndefined();
          const imported = await withinTime(importWith('node', seed.bytes, keyLog, seed.caPem, seed.bytes.length), bound, `import with ${what}`);
          checkImport(imported, what);
          const before = parseKeyLog(seed.keyLog);
          const after = parseKeyLog(keyLog);
          decoded.get(seed)!.streams.forEach((ref, k) => {
            const events = imported.streams[k].decoded!.events;
            const random = clientRandomOf(ref.decoded!.events);
            const intact = random !== null && secretsOf(before, random) === secretsOf(after, random);
            if (intact) expect(contentItems(events), `${what}: stream ${k}, whose secrets are intact`).toEqual(contentItems(ref.decoded!.events));
            else expect(inClear(events), `${what}: stream ${k}, what is in clear`).toEqual(inClear(ref.decoded!.events));
            checkAccounted(events, imported.streams[k].decoded!.session.undecrypted, `${what}: stream ${k}`);
          });
        } finally {
          watchdog.done();
        }
      }),
      captureFuzzOptions(100),
    );
  }, 600_000);

  it('the page: the same problems listed, the same stream shown', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: seeds.length - 1 }), keyLogMutation, fc.nat({ max: 7 }), async (i, m, pick) => {
        const seed = seeds[i];
        const keyLog = mutateKeyLog(seed.keyLog, m);
        const what = `the page on ${seed.name} with key log ${JSON.stringify(keyLog)}`;
        watchdog.start(caseName(what));
        try {
          const bound = timeBound(seed.bytes.length + keyLog.length);
          const view = await withinTime(pageOpen(seed.bytes, keyLog, pick), bound, what);
          const node = await withinTime(importWith('node', seed.bytes, keyLog, seed.caPem, seed.bytes.length), bound, what);
          checkPage(view, node.error, node.streams.length);
          expect(useCapture.getState().keyLogProblems.map((p) => p.reason)).toEqual(parseKeyLog(keyLog).problems.map((p) => p.reason));
          const same = node.streams.find((s) => s.stream.index === view.opened)!;
          expect(contentItems(view.events), what).toEqual(contentItems(same.decoded!.events));
        } finally {
          watchdog.done();
        }
      }),
      captureFuzzOptions(20),
    );
  }, 600_000);
});
