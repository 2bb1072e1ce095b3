// The worker half of bench/browser/worker-encode.ts: real handshakes through the project's bridge with the app's
// engine adapter (src/worker/engine-adapter.ts: its verifier over the public roots plus the given anchor), and the
// cost of turning their events into what the page gets, timed on whole batches of handshakes (a Worker's clock
// moves in 100 µs steps): each variant on its own handshakes' fresh events (every part made when first read), the
// browser's own hex encoder behind toHex as in the app's worker.
import { runEngine } from '../../src/worker/engine-adapter.ts';
import { FirstFlightTransport } from '../../src/transport/first-flight.ts';
import { BRIDGE_SUBPROTOCOL } from '../../src/transport/bridge-protocol.ts';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import type { TraceEvent } from '../../src/trace/types.ts';
import { eventsForPage, eventsFromWorker, type ConnectRequest, type EventsForPage } from '../../src/worker/messages.ts';
import { useNativeHex } from '../../src/worker/native-hex.ts';

useNativeHex();

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

/** A port whose postMessage serialises as the worker's post to the page does (nothing reads the other end). */
const { port1: toNowhere } = new MessageChannel();

/** A handshake's events as one message to the page, fresh, alternated: now (eventsForPage, posted as objects; on
 * the page, the structured clone's copy and eventsFromWorker) against before session 13 (the same plain events as
 * one JSON string; on the page, JSON.parse). µs per handshake: `postUs` in the worker (making what is posted and
 * the post's serialisation), on the page's side `pageCopyUs` (now: a structuredClone's round trip stands for the
 * copy the page receives, so it holds a serialisation too; JSON: JSON.parse) and `pageReadUs` (eventsFromWorker),
 * and for the JSON its characters. */
async function messages(job: Job): Promise<Record<string, Record<string, number>>> {
  const ways = {
    now: { post: (events: TraceEvent[]) => eventsForPage(events, tls13) as unknown, copy: (m: unknown) => structuredClone(m) as EventsForPage },
    json: { post: (events: TraceEvent[]) => JSON.stringify(eventsForPage(events, tls13)) as unknown, copy: (m: unknown) => JSON.parse(m as string) as EventsForPage },
  };
  const out: Record<string, Record<string, number[]>> = {};
  for (let b = 0; b < 2 * job.batches; b++) {
    const [name, way] = Object.entries(ways)[b % 2];
    const all: TraceEvent[][] = [];
    for (let i = 0; i < job.batch; i++) all.push(await handshake(job));
    const t0 = performance.now();
    const posted = all.map(way.post);
    for (const m of posted) toNowhere.postMessage({ type: 'status', events: m });
    const t1 = performance.now();
    const copies = posted.map(way.copy);
    const t2 = performance.now();
    for (const events of copies) eventsFromWorker(events);
    const t3 = performance.now();
    if (b < 2) continue;
    const row = (out[name] ??= { postUs: [], pageCopyUs: [], pageReadUs: [] });
    row.postUs.push(((t1 - t0) * 1000) / job.batch);
    row.pageCopyUs.push(((t2 - t1) * 1000) / job.batch);
    row.pageReadUs.push(((t3 - t2) * 1000) / job.batch);
    if (typeof posted[0] === 'string') (row.chars ??= []).push((posted as string[]).reduce((n, t) => n + t.length, 0) / job.batch);
  }
  const mid = (xs: number[]) => Math.round([...xs].sort((a, b) => a - b)[xs.length >> 1]);
  return Object.fromEntries(Object.entries(out).map(([k, row]) => [k, Object.fromEntries(Object.entries(row).map(([m, xs]) => [m, mid(xs)]))]));
}

scope.onmessage = async ({ data: job }) => {
  try {
    // As the app does it: each batch of events made plain and posted.
    const asNow = await measure(job, { post: (es) => toNowhere.postMessage(eventsForPage(es, tls13)) });
    // The same in parts: the hex, then field trees and fingerprints, then the plain copies and their post.
    const parts = await measure(job, { hex: (es) => es.forEach(readHex), rest: (es) => es.forEach(readRest), post: (es) => toNowhere.postMessage(eventsForPage(es, tls13)) });
    // Before session 13: the same plain copies as JSON (the engine's sliced strings keep V8's JSON.stringify off its
    // fast path).
    const json = await measure(job, { json: (es) => toNowhere.postMessage(JSON.stringify(eventsForPage(es, tls13))) });
    scope.postMessage({ asNow, parts, json, messages: await messages(job) });
  } catch (e) {
    scope.postMessage({ error: (e as Error).stack ?? String(e) });
  }
};
