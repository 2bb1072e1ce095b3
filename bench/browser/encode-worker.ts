// The worker half of bench/browser/worker-encode.ts: real handshakes through the project's bridge with the app's
// engine adapter (src/worker/engine-adapter.ts: its verifier over the public roots plus the given anchor), and the
// cost of turning their events into what the page gets, timed on whole batches of handshakes (a Worker's clock
// moves in 100 µs steps): each variant on its own handshakes' fresh events (every part made when first read).
import { runEngine } from '../../src/worker/engine-adapter.ts';
import { FirstFlightTransport } from '../../src/transport/first-flight.ts';
import { BRIDGE_SUBPROTOCOL } from '../../src/transport/bridge-protocol.ts';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import type { TraceEvent } from '../../src/trace/types.ts';
import { decodeEvents, encodeEvent, encodeEvents, type ConnectRequest, type EventsJson } from '../../src/worker/messages.ts';
import { setHostHex } from '../../src/util/bytes.ts';
import { nativeHex } from '../../src/worker/native-hex.ts';

interface Job {
  url: string;
  anchorPem: string;
  serverName: string;
  /** Handshakes per batch. */
  batch: number;
  /** Batches per variant (the first is a warm-up). */
  batches: number;
}

const scope = self as unknown as { onmessage: ((e: { data: Job }) => void) | null; postMessage(m: unknown): void };

async function handshake(job: Job): Promise<TraceEvent[]> {
  const recorder = new TraceRecorder(() => performance.now());
  const req: ConnectRequest = { target: 'bench', serverName: job.serverName, clientCert: 'none', breakpoints: { afterEachMessage: false, serverAuth: false, clientCertRequest: false }, anchorsPem: [job.anchorPem], bridgeUrl: job.url };
  const session = await runEngine(req, new FirstFlightTransport(job.url, { protocols: BRIDGE_SUBPROTOCOL }), recorder, async () => 'continue');
  await session.close().catch(() => {});
  return recorder.events;
}

/** Every hex part made when first read, read. */
function readHex(e: TraceEvent): void {
  if (e.kind === 'record') {
    void e.bytes;
    if (e.protection) for (const k of ['nonce', 'iv', 'aad', 'ciphertext', 'tag', 'plaintext'] as const) void e.protection[k];
  } else if (e.kind === 'handshake' || e.kind === 'app-data') void e.bytes;
  else if (e.kind === 'key') {
    void e.context;
    void e.output;
    for (const i of e.inputs) void i.value;
  } else if (e.kind === 'cert-result') {
    void e.chain;
    for (const p of e.path) void p.der;
  }
}

/** The rest made when first read: field trees, fingerprints. */
function readRest(e: TraceEvent): void {
  if (e.kind === 'record' || e.kind === 'handshake') void e.fields;
  if (e.kind === 'cert-result') for (const p of e.path) void p.sha256;
}

type Variant = (events: TraceEvent[]) => void;

/** As the worker encodes a connection offering TLS 1.3 (this harness's). */
const tls13 = { offersTls13: true };

/** µs per handshake of each step, by event kind, over `job.batch` handshakes' events at once. */
async function measure(job: Job, steps: Record<string, Variant>): Promise<Record<string, Record<string, number>>> {
  const out: Record<string, Record<string, number>> = {};
  for (let b = 0; b < job.batches; b++) {
    const all: TraceEvent[][] = [];
    for (let i = 0; i < job.batch; i++) all.push(await handshake(job));
    const byKind = new Map<string, TraceEvent[]>();
    for (const events of all) for (const e of events) byKind.set(e.kind, [...(byKind.get(e.kind) ?? []), e]);
    for (const [step, run] of Object.entries(steps)) {
      for (const [kind, events] of byKind) {
        const t0 = performance.now();
        run(events);
        const us = ((performance.now() - t0) * 1000) / job.batch;
        if (b === 0) continue;
        const row = (out[step] ??= {});
        row[kind] = (row[kind] ?? 0) + us / (job.batches - 1);
      }
    }
  }
  for (const row of Object.values(out)) {
    for (const k of Object.keys(row)) row[k] = Math.round(row[k]);
    row.total = Object.values(row).reduce((a, b) => a + b, 0);
  }
  return out;
}

/** Each event as plain data with every field tree in it: the encoding before session 11 (messages.ts then). */
function eagerPlainEvent(e: TraceEvent): TraceEvent {
  if (e.kind === 'record') return e.protection ? { ...e, protection: { ...e.protection } } : { ...e };
  if (e.kind === 'app-data' || e.kind === 'handshake') return { ...e };
  if (e.kind === 'cert-result') return { ...e, path: e.path.map((p) => ({ ...p })) };
  if (e.kind === 'key') return { ...e, inputs: e.inputs.map((i) => ({ ...i })) };
  return e;
}

/** A handshake's events as one message to the page, fresh, now (encodeEvents, decodeEvents) and with every tree in
 * it (as before session 11): µs per handshake in the worker and on the page, and characters, in alternated
 * batches. */
async function messages(job: Job): Promise<Record<string, Record<string, number>>> {
  const native = nativeHex();
  // Now: the browser's hex (when it has one), the trees the page makes left to it; before: toHex's own, every tree.
  const ways = {
    now: { hex: native, encode: (events: TraceEvent[]) => encodeEvents(events, tls13) as string, decode: (text: string) => decodeEvents(text as EventsJson) },
    before: { hex: null, encode: (events: TraceEvent[]) => JSON.stringify(events.map(eagerPlainEvent)), decode: (text: string) => JSON.parse(text) as TraceEvent[] },
  };
  const out: Record<string, Record<string, number[]>> = {};
  for (let b = 0; b < 2 * job.batches; b++) {
    const [name, way] = Object.entries(ways)[b % 2];
    const all: TraceEvent[][] = [];
    for (let i = 0; i < job.batch; i++) all.push(await handshake(job));
    setHostHex(way.hex);
    const t0 = performance.now();
    const texts = all.map(way.encode);
    const t1 = performance.now();
    setHostHex(null);
    for (const text of texts) way.decode(text);
    const t2 = performance.now();
    if (b < 2) continue;
    const row = (out[name] ??= { encodeUs: [], decodeUs: [], chars: [] });
    row.encodeUs.push(((t1 - t0) * 1000) / job.batch);
    row.decodeUs.push(((t2 - t1) * 1000) / job.batch);
    row.chars.push(texts.reduce((n, t) => n + t.length, 0) / job.batch);
  }
  const mid = (xs: number[]) => Math.round([...xs].sort((a, b) => a - b)[xs.length >> 1]);
  return Object.fromEntries(Object.entries(out).map(([k, row]) => [k, Object.fromEntries(Object.entries(row).map(([m, xs]) => [m, mid(xs)]))]));
}

scope.onmessage = async ({ data: job }) => {
  try {
    // As the app does it, each event encoded fresh.
    const asNow = await measure(job, { encodeEvent: (es) => es.forEach((e) => encodeEvent(e, tls13)) });
    // The same in parts: the hex, then field trees and fingerprints, then the JSON of what is made.
    const parts = await measure(job, { hex: (es) => es.forEach(readHex), rest: (es) => es.forEach(readRest), json: (es) => es.forEach((e) => encodeEvent(e, tls13)) });
    // The JSON of the same events once they are plain data (parsed from their JSON): V8's floor for this text.
    const parsed = new Map<TraceEvent, unknown>();
    const plain = await measure(job, { encodeAndParse: (es) => es.forEach((e) => parsed.set(e, JSON.parse(encodeEvent(e, tls13)))), parsedJson: (es) => es.forEach((e) => JSON.stringify(parsed.get(e))) });
    // The same data with each string made anew (flat) stringifies at the floor: the engine's strings (slices of hex,
    // concatenations) are what keeps V8's JSON.stringify off its fast path, not the objects' shapes.
    const deep = (v: unknown, leaf: (x: unknown) => unknown): unknown => (Array.isArray(v) ? v.map((x) => deep(x, leaf)) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, deep(x, leaf)])) : leaf(v));
    const copies = new Map<TraceEvent, [unknown, unknown]>();
    const strings = await measure(job, {
      copy: (es) => es.forEach((e) => copies.set(e, [deep(e, (x) => x), deep(e, (x) => (typeof x === 'string' ? JSON.parse(JSON.stringify(x)) : x))])),
      sameStringsJson: (es) => es.forEach((e) => JSON.stringify(copies.get(e)![0])),
      newStringsJson: (es) => es.forEach((e) => JSON.stringify(copies.get(e)![1])),
    });
    // With the browser's own hex encoder behind toHex.
    const native = nativeHex();
    let withNativeHex = null;
    if (native) {
      setHostHex(native);
      withNativeHex = await measure(job, { encodeEvent: (es) => es.forEach((e) => encodeEvent(e, tls13)), hexNative: (es) => es.forEach(readHex) });
      setHostHex(null);
    }
    scope.postMessage({ asNow, parts, plain, strings, nativeHex: withNativeHex, messages: await messages(job) });
  } catch (e) {
    scope.postMessage({ error: (e as Error).stack ?? String(e) });
  }
};
