// The worker half of bench/browser/worker-encode.ts: real handshakes through the project's bridge with the app's
// engine adapter (src/worker/engine-adapter.ts: its verifier over the public roots plus the given anchor), and the
// cost of turning their events into what the page gets, timed on whole batches of handshakes (a Worker's clock
// moves in 100 µs steps): each variant on its own handshakes' fresh events (every part made when first read).
import { runEngine } from '../../src/worker/engine-adapter.ts';
import { FirstFlightTransport } from '../../src/transport/first-flight.ts';
import { BRIDGE_SUBPROTOCOL } from '../../src/transport/bridge-protocol.ts';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import type { TraceEvent } from '../../src/trace/types.ts';
import { encodeEvent, type ConnectRequest } from '../../src/worker/messages.ts';
import { setHostHex } from '../../src/util/bytes.ts';

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

scope.onmessage = async ({ data: job }) => {
  try {
    // As the app does it, each event encoded fresh.
    const asNow = await measure(job, { encodeEvent: (es) => es.forEach((e) => encodeEvent(e, tls13)) });
    // The same in parts: the hex, then field trees and fingerprints, then the JSON of what is made.
    const parts = await measure(job, { hex: (es) => es.forEach(readHex), rest: (es) => es.forEach(readRest), json: (es) => es.forEach((e) => encodeEvent(e, tls13)) });
    // The JSON of the same events once they are plain data (parsed from their JSON): V8's floor for this text.
    const parsed = new Map<TraceEvent, unknown>();
    const plain = await measure(job, { encodeAndParse: (es) => es.forEach((e) => parsed.set(e, JSON.parse(encodeEvent(e, tls13)))), parsedJson: (es) => es.forEach((e) => JSON.stringify(parsed.get(e))) });
    // Why the engine's objects stringify slower than plain data: the same objects copied (new maps, the same strings).
    const copied = new Map<TraceEvent, unknown>();
    const copy = (v: unknown): unknown => (Array.isArray(v) ? v.map(copy) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, copy(x)])) : v);
    const flat = (v: unknown): unknown => (typeof v === 'string' ? (v.length > 0 ? String.fromCharCode(...[v.charCodeAt(0)]) + v.slice(1) : v) : v);
    void flat;
    const maps = await measure(job, { made: (es) => es.forEach((e) => (readHex(e), readRest(e))), copy: (es) => es.forEach((e) => copied.set(e, copy(e))), copiedJson: (es) => es.forEach((e) => JSON.stringify(copied.get(e))), madeJson: (es) => es.forEach((e) => JSON.stringify(e)) });
    // With the browser's own hex encoder behind toHex.
    const native = (Uint8Array.prototype as { toHex?: () => string }).toHex;
    let nativeHex = null;
    if (native) {
      setHostHex((b) => native.call(b));
      nativeHex = await measure(job, { encodeEvent: (es) => es.forEach((e) => encodeEvent(e, tls13)), hexNative: (es) => es.forEach(readHex) });
      setHostHex(null);
    }
    scope.postMessage({ asNow, parts, plain, maps, nativeHex });
  } catch (e) {
    scope.postMessage({ error: (e as Error).stack ?? String(e) });
  }
};
