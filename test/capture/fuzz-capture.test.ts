// Property tests over corrupt captures built from real ones (fuzz-seeds.ts: TLS 1.3, TLS 1.2 GCM and CBC, SMTP
// STARTTLS; pcap, pcapng, pcapng with its key log inside): bytes flipped, overwritten, inserted, deleted or cut off,
// whole packets dropped, duplicated or moved, length fields set to hostile values. For every mutated file:
// - `tls-lens pcap --json` returns within a time bound, with one JSON document of the documented shape, exit status
//   1 exactly when it reports damage, and only plain words;
// - the import it uses, from chunks of any size under node:crypto, returns a JSON-serialisable trace, and nothing
//   the seed held wholly before the first changed byte is lost;
// - hostile length fields cost no allocation near what they claim;
// - the page (WebCrypto) shows the same stream the same way, or says in plain words why it cannot.
// FUZZ_RUNS sets the runs (defaults below keep the file short), FUZZ_SEED/FUZZ_PATH replay one.
import fc from 'fast-check';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileChunks } from '../../src/capture/file-chunks.ts';
import { importCapture, type CaptureImport } from '../../src/capture/import.ts';
import { readCapture } from '../../src/capture/capture-file.ts';
import { tcpSegmentOf } from '../../src/capture/packet.ts';
import type { TraceEvent } from '../../src/trace/types.ts';
import { usePki } from '../support/pki.ts';
import { CLI_MODES, captureFuzzOptions, caseName, checkCliOutcome, checkImport, checkNothingLost, cliJson, contentItems, importWith, timeBound, withinTime } from './fuzz-check.ts';
import { applyMutation, byteMutation, lengthMutation, lengthSites, packetMutation, prefixBefore, type LengthSite, type Mutation } from './fuzz-mutations.ts';
import { checkPage, pageOpen } from './fuzz-page.ts';
import { opensslSeeds, smtpSeeds, type Seed } from './fuzz-seeds.ts';
import { startWatchdog, type Watchdog } from './fuzz-watchdog.ts';
import { payloadOf, pcapFile, withPayload } from './frames.ts';
import { tempDir } from './helpers.ts';

const pki = usePki();
let seeds: Seed[] = [];
const sites = new Map<Seed, LengthSite[]>();
const cleanups: (() => unknown)[] = [];
let dir: string;
let watchdog: Watchdog;

beforeAll(async () => {
  const [openssl, smtp] = await Promise.all([opensslSeeds(pki), smtpSeeds()]);
  seeds = [...openssl.seeds, ...smtp.seeds];
  cleanups.push(() => fs.rmSync(openssl.dir, { recursive: true, force: true }), smtp.cleanup);
  for (const s of seeds) sites.set(s, lengthSites(s));
  dir = tempDir('fuzz');
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  watchdog = startWatchdog(60_000);
}, 120_000);
/** FUZZ_REPORT=1: what the cases ended in (capture errors, the trace's error codes, items compared), printed at the end. */
const outcomes = new Map<string, number>();
const samples = new Map<string, string>();
function tally(r: CaptureImport, ref: CaptureImport): void {
  const count = (k: string, sample = '') => {
    outcomes.set(k, (outcomes.get(k) ?? 0) + 1);
    if (sample && !samples.has(k)) samples.set(k, sample);
  };
  count(r.error ? `capture ${r.error.code}` : 'capture read whole', r.error?.message);
  for (const s of r.streams) for (const e of s.decoded!.events) if (e.kind === 'error') count(`trace ${e.code}`, e.message);
  count(`items kept ${ref.streams.reduce((n, s) => n + contentItems(s.decoded!.events).client.length + contentItems(s.decoded!.events).server.length, 0) > 0 ? '> 0' : '0'}`);
}
afterAll(async () => {
  if (process.env.FUZZ_REPORT) console.log(Object.fromEntries(outcomes), Object.fromEntries(samples));
  await watchdog?.stop();
  for (const c of cleanups) await c();
});

/** The seed's bytes wholly before offset k (whole packets), decoded: what a mutation from k on must not lose. */
const references = new Map<string, Promise<CaptureImport>>();
function reference(seed: Seed, k: number): Promise<CaptureImport> {
  const prefix = prefixBefore(seed, k);
  const key = `${seed.name} ${prefix.units}`;
  let r = references.get(key);
  if (!r) references.set(key, (r = importWith('node', prefix.bytes, seed.keyLog, seed.caPem, 1 << 20)));
  return r;
}

const seedIndex = () => fc.nat({ max: seeds.length - 1 });
/** The CLI's JSON most often; its list, one stream, and the text a terminal shows too. */
const cliMode = fc.oneof({ arbitrary: fc.constant(CLI_MODES[0]), weight: 3 }, fc.constantFrom(...CLI_MODES.slice(1)));
/** Chunk sizes: the CLI's 1 MiB blocks, or small ones that cut every structure somewhere. */
const chunkSize = fc.oneof(fc.constant(1 << 20), fc.integer({ min: 1, max: 4096 }));

/** One mutated file through the CLI and the import: the properties every case must satisfy. */
async function checkCase(seed: Seed, m: Mutation, chunk: number, mode: readonly string[]): Promise<void> {
  const mutated = applyMutation(seed, m, sites.get(seed)!);
  const what = `${seed.name} ${JSON.stringify(m)} chunk ${chunk} pcap ${mode.join(' ')}`;
  const bound = timeBound(mutated.bytes.length);
  watchdog.start(caseName(what));
  try {
    const cli = await withinTime(cliJson(dir, mutated.bytes, seed.keyLog, seed.caPem, mode), bound, `pcap on ${what}`);
    checkCliOutcome(cli, mode);
    const imported = await withinTime(importWith('node', mutated.bytes, seed.keyLog, seed.caPem, chunk), bound, `import of ${what}`);
    checkImport(imported, what);
    if (chunk < mutated.bytes.length) {
      // How the file was cut into chunks changes nothing: the same streams, events and error as read in one piece.
      const whole = await withinTime(importWith('node', mutated.bytes, seed.keyLog, seed.caPem, mutated.bytes.length), bound, `import of ${what} in one piece`);
      sameTrace(imported, whole, what);
    }
    const ref = await reference(seed, mutated.untouchedBefore);
    checkNothingLost(ref, imported, what);
    if (process.env.FUZZ_REPORT) tally(imported, ref);
  } finally {
    watchdog.done();
  }
}

describe('corrupt captures built from real ones', () => {
  it('the seeds decode whole, every stream with keys', async () => {
    expect(seeds.map((s) => s.name)).toEqual(['openssl.pcap', 'openssl.pcapng', 'openssl-dsb.pcapng', 'smtp.pcap', 'smtp.pcapng']);
    for (const seed of seeds) {
      const r = await reference(seed, seed.bytes.length);
      expect(r.error, seed.name).toBeUndefined();
      const tls = r.streams.filter((s) => s.decoded!.session.version);
      expect(tls.length, seed.name).toBe(seed.name.startsWith('openssl') ? 3 : 1);
      for (const s of tls) {
        expect(s.decoded!.session.undecrypted, seed.name).toEqual([]);
        expect(s.decoded!.events.filter((e) => e.kind === 'error'), seed.name).toEqual([]);
      }
      expect(sites.get(seed)!.length).toBeGreaterThan(seed.units.length);
    }
  });

  it('bytes flipped, overwritten, inserted, deleted, cut off', async () => {
    await fc.assert(fc.asyncProperty(seedIndex(), byteMutation, chunkSize, cliMode, (i, m, chunk, mode) => checkCase(seeds[i], m, chunk, mode)), captureFuzzOptions(60));
  }, 600_000);

  it('whole packets dropped, duplicated, moved', async () => {
    await fc.assert(fc.asyncProperty(seedIndex(), packetMutation, chunkSize, cliMode, (i, m, chunk, mode) => checkCase(seeds[i], m, chunk, mode)), captureFuzzOptions(40));
  }, 600_000);

  it('hostile length fields: no allocation near what they claim', async () => {
    await fc.assert(
      fc.asyncProperty(seedIndex(), lengthMutation, chunkSize, cliMode, async (i, m, chunk, mode) => {
        const { largest } = await largestAllocation(() => checkCase(seeds[i], m, chunk, mode));
        // The file's own size, a read block, and the largest TLS record or reassembly buffer the decoder holds
        // are what it may allocate; a claimed length is not.
        expect(largest, `${seeds[i].name} ${JSON.stringify(m)}`).toBeLessThanOrEqual(Math.max(2 * seeds[i].bytes.length, 1 << 20) + (1 << 20));
      }),
      captureFuzzOptions(40),
    );
  }, 600_000);

  it('the page: the same stream decoded the same way (WebCrypto), or a plain-words reason', async () => {
    await fc.assert(
      fc.asyncProperty(seedIndex(), fc.oneof(byteMutation, packetMutation), fc.nat({ max: 7 }), async (i, m, pick) => {
        const seed = seeds[i];
        const mutated = applyMutation(seed, m, sites.get(seed)!);
        const what = `the page on ${seed.name} ${JSON.stringify(m)} stream pick ${pick}`;
        watchdog.start(caseName(what));
        try {
          const bound = timeBound(mutated.bytes.length);
          const view = await withinTime(pageOpen(mutated.bytes, seed.keyLog, pick), bound, what);
          const node = await withinTime(importWith('node', mutated.bytes, seed.keyLog, seed.caPem, 1 << 20), bound, what);
          checkPage(view, node.error, node.streams.length);
          if (view.opened !== undefined) {
            const same = node.streams.find((s) => s.stream.index === view.opened)!;
            expect(contentItems(view.events), what).toEqual(contentItems(same.decoded!.events));
            const errors = (events: TraceEvent[]) => events.flatMap((e) => (e.kind === 'error' ? [`${e.code}: ${e.message}`] : []));
            expect(errors(view.events), what).toEqual(errors(same.decoded!.events));
          }
        } finally {
          watchdog.done();
        }
      }),
      captureFuzzOptions(25),
    );
  }, 600_000);
});

// The failures the properties above found, each as its smallest case, written down from the seeds.
describe('regressions found by the capture fuzz tests', () => {
  const seed = (name: string) => seeds.find((s) => s.name === name)!;
  const u32 = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

  it("a pcapng packet time stamp beyond any date: a CORRUPT error after the streams before it, not a crash (RangeError: Invalid time value)", async () => {
    const s = seed('openssl.pcapng');
    const ref = await reference(s, s.bytes.length);
    // The second stream's first packet: its time stamp's high word made huge (a bit flip or two away).
    const unit = s.units[firstUnitOf(s, ref, 1)];
    const bytes = s.bytes.slice();
    u32(bytes).setUint32(unit.start + 12, 0x78000000, true);
    const cli = checkCliOutcome(await cliJson(dir, bytes, s.keyLog, s.caPem));
    expect(cli.error).toEqual({ code: 'CORRUPT', offset: unit.start + 12, message: `a packet's time stamp lies after the last date there is (more than 275,000 years from 1970) (at byte ${unit.start + 12})` });
    // The first stream, read before it, is shown whole.
    expect(cli.streams.length).toBe(1);
    const imported = await importWith('node', bytes, s.keyLog, s.caPem, 1 << 20);
    checkNothingLost(await reference(s, unit.start), imported, 'time stamp beyond any date');
    expect(contentItems(imported.streams[0].decoded!.events)).toEqual(contentItems(ref.streams[0].decoded!.events));
  });

  it('a packet record claiming 16 MiB in a small file allocates no 16 MiB (the reader gathers what the file holds)', async () => {
    const s = seed('openssl.pcap');
    const bytes = s.bytes.slice();
    u32(bytes).setUint32(s.units[0].start + 8, 0x1000000, true);
    for (const chunk of [1 << 20, 4096]) {
      const { result, largest } = await largestAllocation(() => importWith('node', bytes, s.keyLog, s.caPem, chunk));
      expect(result.error).toMatchObject({ code: 'TRUNCATED', offset: s.units[0].start + 16 });
      expect(largest).toBeLessThan(2 * bytes.length);
    }
    const { largest } = await largestAllocation(async () => checkCliOutcome(await cliJson(dir, bytes, s.keyLog, s.caPem)));
    expect(largest).toBeLessThanOrEqual(1 << 20);
  });

  it('how the file comes in chunks does not change the trace: each stream closes at the time it ended, not at the last packet read before it was finished', async () => {
    for (const s of [seed('openssl.pcap'), seed('openssl.pcapng')]) {
      const whole = await importWith('node', s.bytes, s.keyLog, s.caPem, s.bytes.length);
      for (const chunk of [1, 100, 4096]) sameTrace(await importWith('node', s.bytes, s.keyLog, s.caPem, chunk), whole, `${s.name} in ${chunk}-byte chunks`);
    }
  });

  it("a certificate whose EC public key is no curve point: the ServerKeyExchange check fails in plain words, the same under node:crypto and WebCrypto", async () => {
    const s = seed('openssl.pcap');
    const bytes = s.bytes.slice();
    // The leaf's SubjectPublicKeyInfo point (BIT STRING 03 42 00 04 || X || Y) in the first TLS 1.2 stream's
    // Certificate message, its X changed: no longer a point on P-256.
    const leafAt = Buffer.from(bytes).indexOf(Buffer.from(pki.leafDer));
    const pointAt = Buffer.from(pki.leafDer).indexOf(Buffer.from([0x03, 0x42, 0x00, 0x04]));
    expect(leafAt).toBeGreaterThan(0);
    expect(pointAt).toBeGreaterThan(0);
    bytes[leafAt + pointAt + 4 + 5] ^= 0x01;
    const messages = [];
    for (const way of ['node', 'webcrypto'] as const) {
      const r = await importWith(way, bytes, s.keyLog, s.caPem, 1 << 20);
      checkImport(r, way);
      const errors = r.streams.flatMap((x) => x.decoded!.events.flatMap((e) => (e.kind === 'error' && e.code === 'SERVER_KEY_EXCHANGE_SIGNATURE_FAILED' ? [e.message] : [])));
      expect(errors).toHaveLength(1);
      messages.push(errors[0]);
    }
    expect(messages[0]).toBe("the server's ServerKeyExchange signature does not check out: the signature does not verify with the certificate's key: the P-256 EC public key cannot be used: its bytes do not make a valid key");
    expect(messages[1]).toBe(messages[0]);
  });

  it('a handshake message of an unknown type that never ends is named in plain words ("an unknown handshake type 76 message")', async () => {
    const s = seed('openssl.pcap');
    const bytes = s.bytes.slice();
    // The first ServerHello (a handshake record's first message): its type 2 made 76, its length 16 MiB - 1.
    const site = sites.get(s)!.find((x) => x.what === 'handshake message length' && bytes[x.at - 1] === 2)!;
    bytes[site.at - 1] = 76;
    bytes.set([0xff, 0xff, 0xff], site.at);
    const r = await importWith('node', bytes, s.keyLog, s.caPem, 1 << 20);
    checkImport(r, 'unknown type');
    const errors = r.streams[0].decoded!.events.flatMap((e) => (e.kind === 'error' ? [e.message] : []));
    expect(errors).toContainEqual(expect.stringMatching(/^the server's handshake data ends in the middle of an unknown handshake type 76 message \(\d+ of its 16777215 bytes\)$/));
  });

  it('a handshake message that claims 16 MiB and comes in hundreds of records is gathered in linear time: its bytes copied a few times, not once more per record', async () => {
    const s = seed('openssl.pcap');
    const frames: Uint8Array[] = [];
    for await (const item of readCapture([s.bytes])) if (item.kind === 'packet') frames.push(item.data.slice());
    // The first stream's handshake (SYN, SYN-ACK, ACK), then its ClientHello's packet carrying, instead, a record
    // that begins a ClientHello claiming 16 MiB - 1, and after it 300 more full handshake records continuing it.
    const hello = frames.findIndex((f) => payloadOf(f).length > 0);
    const records = Array.from({ length: 301 }, (_, i) => {
      const record = new Uint8Array(5 + 16384);
      record.set([22, 3, 1, 0x40, 0x00]);
      if (i === 0) record.set([1, 0xff, 0xff, 0xff], 5);
      return withPayload(frames[hello], i * record.length, record);
    });
    const bytes = pcapFile(1, [...frames.slice(0, hello), ...records].map((data, i) => ({ time: 1000 * i, data })));
    const { result, total } = await largestAllocation(() => importWith('node', bytes, '', s.caPem, 1 << 20));
    expect(result.streams[0].decoded!.events.filter((e) => e.kind === 'error').map((e) => e.kind === 'error' && e.message)).toEqual([
      "the client's handshake data ends in the middle of a ClientHello message (4931580 of its 16777215 bytes)",
    ]);
    // Copied once per record, that is 300 times 2.5 MiB on average, it was 740 MB.
    expect(total).toBeLessThan(8 * bytes.length);
  });

  it('a damaged capture read from a file lets go of the file at once (no "Closing file descriptor ... on garbage collection")', async () => {
    const s = seed('openssl.pcap');
    // Reading stops before the file's end: at its first bytes, or at a packet in the middle.
    const wrongMagic = s.bytes.slice();
    wrongMagic[0] ^= 0x40;
    const absurd = s.bytes.slice();
    u32(absurd).setUint32(s.units[5].start + 8, 0xffffffff, true);
    const open = () => fs.readdirSync('/proc/self/fd').length;
    for (const [bytes, code] of [[wrongMagic, 'WRONG_MAGIC'], [absurd, 'ABSURD_LENGTH']] as const) {
      const file = path.join(dir, 'damaged.pcap');
      fs.writeFileSync(file, bytes);
      const before = open();
      const r = await importCapture(fileChunks(file), {});
      expect(r.error).toMatchObject({ code });
      expect(open(), code).toBe(before);
    }
  });
});

/** The TCP ports of a unit's packet, as "a-b" (lower first), or '' for one that is not TCP. */
function tcpPortsOf(seed: Seed, unit: number): string {
  const u = seed.units[unit];
  const frame = seed.bytes.subarray(u.start + (seed.format === 'pcap' ? 16 : 28), u.end);
  const seg = tcpSegmentOf(1, frame);
  return seg ? [seg.srcPort, seg.dstPort].sort((a, b) => a - b).join('-') : '';
}

/** The unit of a stream's first packet. */
function firstUnitOf(seed: Seed, r: CaptureImport, stream: number): number {
  const { client, server } = r.streams[stream].stream;
  const ports = [client.port, server.port].sort((a, b) => a - b).join('-');
  return seed.units.findIndex((_, i) => tcpPortsOf(seed, i) === ports);
}

/** Two imports of one file alike: the same error, streams and events (the first difference named). */
function sameTrace(a: CaptureImport, b: CaptureImport, what: string): void {
  expect(a.error, what).toEqual(b.error);
  expect(a.streams.length, what).toBe(b.streams.length);
  a.streams.forEach((s, i) => {
    const x = s.decoded!.events.map((e) => JSON.stringify(e));
    const y = b.streams[i].decoded!.events.map((e) => JSON.stringify(e));
    const at = x.findIndex((e, k) => e !== y[k]);
    if (at >= 0 || x.length !== y.length) throw new Error(`${what}: stream ${i} differs at event ${at < 0 ? Math.min(x.length, y.length) : at}: ${x[at]?.slice(0, 400)} / in one piece: ${y[at]?.slice(0, 400)}`);
  });
}

/** The largest typed array or ArrayBuffer made while `work` runs, and all of them together (the global constructors watched). */
async function largestAllocation<T>(work: () => Promise<T>): Promise<{ result: T; largest: number; total: number }> {
  const g = globalThis as unknown as Record<'Uint8Array' | 'ArrayBuffer', new (...args: unknown[]) => object>;
  const originals = { Uint8Array: g.Uint8Array, ArrayBuffer: g.ArrayBuffer };
  let largest = 0;
  let total = 0;
  const watched = (ctor: new (...args: unknown[]) => object) =>
    new Proxy(ctor, {
      construct(target, args, newTarget) {
        if (typeof args[0] === 'number') {
          largest = Math.max(largest, args[0]);
          total += args[0];
        }
        return Reflect.construct(target, args, newTarget);
      },
    });
  g.Uint8Array = watched(originals.Uint8Array);
  g.ArrayBuffer = watched(originals.ArrayBuffer);
  try {
    return { result: await work(), largest, total };
  } finally {
    Object.assign(g, originals);
  }
}
