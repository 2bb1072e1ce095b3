// `tsx bench/tls-phases.ts [rounds]`: one TLS 1.3 handshake's steps in Node with a microsecond clock, the engine as a
// browser Worker runs it (WebCrypto provider, key shares made ahead), against `openssl s_server` over TCP. A Worker's
// clock moves in 100 µs steps (bench/browser/engine-bench.ts), too coarse for a change of tens of µs; this splits
// the engine's own work at the same trace events, medians and means of many rounds. With TLS_LENS_BENCH_BASE_SRC
// (the src/ folder of another checkout) that engine takes turns with this one, round by round.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makePki, spawnSServer } from '../test/tls/helpers.ts';
import { median } from './common.ts';
import { milestonesOf, roundSteps, serverFlightSteps } from './handshake-milestones.ts';
import type { TraceEvent } from '../src/trace/types.ts';

const rounds = Number(process.argv[2] ?? 300);
const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src');
const base = process.env.TLS_LENS_BENCH_BASE_SRC;

interface Engine {
  connect(): Promise<{ events: TraceEvent[]; t0: number; done: number }>;
}

async function load(src: string, port: number, anchor: Uint8Array): Promise<Engine> {
  const at = (file: string) => import(path.join(src, file));
  const [client, tcp, recorder, verifier, shares] = await Promise.all(['tls/client.ts', 'transport/tcp.ts', 'trace/recorder.ts', 'x509/verifier.ts', 'crypto/key-exchange.ts'].map(at));
  const v = verifier.createVerifier({ anchors: [anchor] });
  return {
    async connect() {
      // A base checkout from before session 16 kept key shares ahead in a Worker: it does so here too, as it did there.
      shares.keepKeySharesAhead?.(true);
      const rec = new recorder.TraceRecorder(() => performance.now());
      const t0 = performance.now();
      const conn = await client.connectTls(tcp.connectTcp('127.0.0.1', port), { serverName: 'localhost', verifier: v }, rec.emit);
      const done = performance.now();
      const events = rec.events.slice();
      await conn.close();
      return { events, t0: t0 - (rec as unknown as { start: number }).start, done: done - (rec as unknown as { start: number }).start };
    },
  };
}

/** The same steps as engine-bench.ts's phasesOf, in µs (the ClientHello made counted from the connection's start). */
function phases({ events, t0, done }: { events: TraceEvent[]; t0: number; done: number }): Record<string, number> {
  const m = milestonesOf(events, done);
  const us = (n: number) => Math.round(n * 1000);
  const p = {
    clientHelloMade: us(m.made - t0),
    ...roundSteps(serverFlightSteps(m, done), us),
    serverFlightToDone: us(done - m.answered),
  };
  return { ...p, work: p.clientHelloMade + p.serverFlightToDone };
}

const pki = makePki();
const server = await spawnSServer(['-tls1_3', '-cert', pki.leafCert, '-key', pki.leafKey]);
try {
  const anchor = new Uint8Array(pki.rootDer);
  const engines: [string, Engine][] = [['this', await load(here, server.port, anchor)]];
  if (base) engines.unshift(['base', await load(path.resolve(base), server.port, anchor)]);
  for (const [, e] of engines) for (let i = 0; i < 30; i++) await e.connect();
  const all: Record<string, Record<string, number>[]> = {};
  for (let i = 0; i < rounds; i++) {
    // Alternate who goes first: the second of two back-to-back handshakes runs on a warmer machine.
    const order = i % 2 ? [...engines].reverse() : engines;
    for (const [name, e] of order) (all[name] ??= []).push(phases(await e.connect()));
  }
  const summary = (list: Record<string, number>[], f: (xs: number[]) => number) => Object.fromEntries(Object.keys(list[0]).map((k) => [k, Math.round(f(list.map((p) => p[k])))]));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const report: Record<string, unknown> = { rounds, unit: 'µs', medians: {}, means: {} };
  for (const [name, list] of Object.entries(all)) {
    (report.medians as Record<string, unknown>)[name] = summary(list, median);
    (report.means as Record<string, unknown>)[name] = summary(list, mean);
  }
  if (all.base) report.pairedWorkMinusBase = { median: median(all.this.map((p, i) => p.work - all.base[i].work)), mean: Math.round(mean(all.this.map((p, i) => p.work - all.base[i].work))) };
  console.log(JSON.stringify(report, null, 1));
} finally {
  await server.stop();
}
