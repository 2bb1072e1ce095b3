// Measuring pieces bench/tls.ts and bench/tls12.ts share: medians, the Node TLS echo server both measure
// against, Node's own client as the reference, the crypto providers compared, and the full/resumed handshake and
// throughput loops (every provider and Node's client in each round).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { makePki } from '../test/tls/helpers.ts';
import type { TlsConnection, TlsSession } from '../src/tls/client.ts';
import { TraceRecorder } from '../src/trace/recorder.ts';
import { createVerifier } from '../src/x509/verifier.ts';
import { nodeCryptoProvider } from '../src/crypto/node-provider.ts';
import { setCryptoProvider, type CryptoProvider } from '../src/crypto/provider.ts';
import { webCryptoProvider } from '../src/crypto/webcrypto-provider.ts';
import type { CertificateVerifier } from '../src/tls/verifier.ts';

/** Rounded to two decimals, for printed figures. */
export const r2 = (n: number) => +n.toFixed(2);

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return +(s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2).toFixed(3);
};

/**
 * The browser benches' pause before each handshake (TLS_LENS_BENCH_GAP_MS, default 5 ms). A WebSocket the page opens
 * just after another of its WebSockets to the same bridge closed waits 2-3 ms longer: back to back, each browser
 * contender that followed another paid that, while one that followed Node's `tls` (another process) or started a
 * round did not, so a fixed order favoured whichever followed Node's. From 5 ms on the order no longer shows
 * (docs/engine-browser.md, session 16).
 */
export const BROWSER_GAP_MS = Number(process.env.TLS_LENS_BENCH_GAP_MS ?? 5);
export const pauseBeforeHandshake = (): Promise<void> => (BROWSER_GAP_MS > 0 ? new Promise((r) => setTimeout(r, BROWSER_GAP_MS)) : Promise.resolve());

/**
 * A recorder that drops events: the engine still builds every event, but the hex of a record's bytes is
 * encoded only when something reads it (trace/lazy-hex.ts), and nothing does here.
 */
export const quietRecorder = () => Object.assign(new TraceRecorder(), { emit: () => 0 }) as TraceRecorder;

/**
 * A recorder that serialises every event to JSON as it comes, as `--trace` and the browser Worker (posting each
 * event to the page) do: every record's hex is encoded. For the cost of a trace that is read.
 */
export const serialisingRecorder = () => {
  let bytes = 0;
  return Object.assign(new TraceRecorder(), { emit: (e: object) => ((bytes += JSON.stringify(e).length), 0) }) as TraceRecorder;
};

export interface EchoServer {
  port: number;
  /** The test root, PEM, for Node's client. */
  ca: Buffer;
  /** The same root as the engine's trust anchor. */
  verifier: CertificateVerifier;
  close(): void;
}

/** Where the echo server runs: its own process unless BENCH_ECHO=inprocess (see ECHO_SERVER_NOTE). */
const ECHO_IN_PROCESS = process.env.BENCH_ECHO === 'inprocess';

/**
 * A local Node TLS server echoing every byte, with a fresh test PKI; `options` picks versions and suites. It runs
 * in a child process (bench/echo-server.ts), as any real server is another process: this process's CPU time is
 * then the client's alone, and the server's work does not queue on the client's thread. BENCH_ECHO=inprocess runs
 * it here instead, as the figures of sessions before the sixth were measured.
 */
export async function startEchoServer(options: tls.TlsOptions): Promise<EchoServer> {
  const pki = makePki();
  const common = { ca: fs.readFileSync(pki.rootPem), verifier: createVerifier({ anchors: [pki.rootDer] }) };
  if (ECHO_IN_PROCESS) {
    const server = tls.createServer({ key: fs.readFileSync(pki.leafKey), cert: fs.readFileSync(pki.leafCert), ...options }, (s) => {
      s.on('error', () => undefined);
      s.pipe(s);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    return {
      port: (server.address() as { port: number }).port,
      ...common,
      close() {
        server.close();
        fs.rmSync(pki.dir, { recursive: true, force: true });
      },
    };
  }
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./echo-server.ts', import.meta.url)), JSON.stringify({ key: pki.leafKey, cert: pki.leafCert, options })], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(Number(out.trim()));
    });
    child.once('exit', (code) => reject(new Error(`the echo server exited (${code}) before listening`)));
  });
  return {
    port,
    ...common,
    close() {
      child.stdin!.end();
      fs.rmSync(pki.dir, { recursive: true, force: true });
    },
  };
}

/** CPU time (user + system, ms) this process spends in `fn`, with its result. */
export async function cpuTimed<T>(fn: () => Promise<T>): Promise<{ result: T; cpuMs: number }> {
  const before = process.cpuUsage();
  const result = await fn();
  const used = process.cpuUsage(before);
  return { result, cpuMs: (used.user + used.system) / 1000 };
}

/** Where the echo server ran, for the printed figures. */
export const ECHO_SERVER_NOTE = ECHO_IN_PROCESS
  ? 'echo server in this process (BENCH_ECHO=inprocess, as before session 6): CPU figures include the server\'s share of each connection (the same work for every client), and its work shares the client\'s thread'
  : 'echo server in a child process (the default; BENCH_ECHO=inprocess runs it here): CPU figures are the client\'s alone; wall figures are what a client gets from a server on another core, capped by that server\'s speed (then the CPU ratio tells the clients apart)';

export interface NodeConnection {
  socket: tls.TLSSocket;
  ms: number;
  /** Resolves with the session Node's client can resume. */
  ticket: Promise<Buffer>;
}

/** Node's own TLS client to the echo server, timed to the end of its handshake. */
export function nodeConnect(server: EchoServer, options: tls.ConnectionOptions, session?: Buffer): Promise<NodeConnection> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let gotTicket: (b: Buffer) => void;
    const ticket = new Promise<Buffer>((r) => (gotTicket = r));
    const socket = tls.connect({ host: '127.0.0.1', port: server.port, servername: 'localhost', ca: server.ca, ...options, session }, () =>
      resolve({ socket, ms: performance.now() - t0, ticket }),
    );
    socket.on('session', (s) => gotTicket(s));
    socket.once('error', reject);
  });
}

/** MB/s of `payload` bytes written in `record`-sized chunks over Node's TLS socket and echoed back. */
export async function nodeThroughput(socket: tls.TLSSocket, payload: number, record: number): Promise<number> {
  const chunk = Buffer.alloc(record, 0x61);
  const t0 = performance.now();
  let received = 0;
  const done = new Promise<void>((resolve) =>
    socket.on('data', (d: Buffer) => {
      received += d.length;
      if (received >= payload) resolve();
    }),
  );
  for (let sent = 0; sent < payload; sent += record) {
    if (!socket.write(chunk)) await new Promise((r) => socket.once('drain', r));
  }
  await done;
  const seconds = (performance.now() - t0) / 1000;
  socket.end();
  return +(payload / 1e6 / seconds).toFixed(1);
}

/** The crypto providers the benches compare, each against Node's `tls` in the same rounds; BENCH_PROVIDER_NAMES
 * (e.g. "node") keeps only those named. */
export const BENCH_PROVIDERS: readonly CryptoProvider[] = [webCryptoProvider, nodeCryptoProvider].filter(
  (p) => !process.env.BENCH_PROVIDER_NAMES || process.env.BENCH_PROVIDER_NAMES.split(',').includes(p.name),
);

/**
 * Run `fn` with `provider` installed. The benches switch between whole connections only: a connection keeps the
 * keys its provider made, and the shared functions (hashes, randomness) give the same results under either.
 */
export async function withProvider<T>(provider: CryptoProvider, fn: () => Promise<T>): Promise<T> {
  setCryptoProvider(provider);
  return fn();
}

export interface HandshakeClients {
  engine(session?: TlsSession): Promise<{ conn: TlsConnection; ms: number }>;
  /** The session a full engine handshake leaves to resume. */
  engineSession(conn: TlsConnection): Promise<TlsSession | undefined> | TlsSession | undefined;
  node(session?: Buffer): Promise<NodeConnection>;
}

type Figures = { nodeTls: number } & Record<string, { engine: number; ratio: number } | number>;

export interface HandshakeFigures {
  /** Median ms; ratio = engine / Node's tls. */
  fullHandshakeMs: Figures;
  resumedHandshakeMs: Figures;
  /** Median CPU ms of this process per handshake (see ECHO_SERVER_NOTE); ratio = engine / Node's tls. */
  fullHandshakeCpuMs: Figures;
  resumedHandshakeCpuMs: Figures;
  /** Unmeasured rounds before the medians above. */
  warmupRounds: number;
  /** Each client's first full handshake in this process (cold JIT for the engine), if there was a warm-up. */
  firstFullHandshakeMs: Figures | null;
}

/**
 * Unmeasured rounds before the measured ones, as the throughput runs have warm-up runs: without them the median of
 * a few dozen rounds mixes in the engine's first rounds on a cold JIT, which Node's native client does not have.
 * The first (cold) full handshake of each client is reported apart, in `firstFullHandshakeMs`.
 */
export const HANDSHAKE_WARMUP_ROUNDS = Number(process.env.BENCH_WARMUP ?? 20);

/**
 * Median ms (and CPU ms) of `rounds` full and resumed handshakes by the engine under each provider and by Node's
 * client, all in every round, in turn (paired on a loaded machine), after `warmup` unmeasured rounds; a failed
 * resumption throws.
 */
export async function compareHandshakes(rounds: number, clients: HandshakeClients, providers = BENCH_PROVIDERS, warmup = HANDSHAKE_WARMUP_ROUNDS): Promise<HandshakeFigures> {
  const times = () => new Map<string, number[]>([...providers.map((p): [string, number[]] => [p.name, []]), ['nodeTls', []]]);
  const full = times();
  const resumed = times();
  const fullCpu = times();
  const resumedCpu = times();
  const first = times();
  const oneRound = async (record: (figures: Map<string, number[]>, name: string, value: number) => void) => {
    for (const provider of providers) {
      await withProvider(provider, async () => {
        const one = await cpuTimed(() => clients.engine());
        record(full, provider.name, one.result.ms);
        record(fullCpu, provider.name, one.cpuMs);
        const session = await clients.engineSession(one.result.conn);
        await one.result.conn.close();
        const again = await cpuTimed(() => clients.engine(session));
        if (!again.result.conn.summary.resumed) throw new Error('engine did not resume');
        record(resumed, provider.name, again.result.ms);
        record(resumedCpu, provider.name, again.cpuMs);
        await again.result.conn.close();
      });
    }
    const n = await cpuTimed(() => clients.node());
    record(full, 'nodeTls', n.result.ms);
    record(fullCpu, 'nodeTls', n.cpuMs);
    const ticket = await n.result.ticket;
    n.result.socket.end();
    const nr = await cpuTimed(() => clients.node(ticket));
    if (!nr.result.socket.isSessionReused()) throw new Error('node did not resume');
    record(resumed, 'nodeTls', nr.result.ms);
    record(resumedCpu, 'nodeTls', nr.cpuMs);
    nr.result.socket.end();
  };
  for (let i = 0; i < warmup; i++) {
    await oneRound((figures, name, value) => {
      if (i === 0 && figures === full) first.get(name)!.push(value);
    });
  }
  for (let i = 0; i < rounds; i++) await oneRound((figures, name, value) => figures.get(name)!.push(value));
  const figures = (all: Map<string, number[]>): Figures => {
    const nodeTls = median(all.get('nodeTls')!);
    const out: Figures = { nodeTls };
    for (const p of providers) {
      const engine = median(all.get(p.name)!);
      out[p.name] = { engine, ratio: +(engine / nodeTls).toFixed(2) };
    }
    return out;
  };
  return {
    fullHandshakeMs: figures(full),
    resumedHandshakeMs: figures(resumed),
    fullHandshakeCpuMs: figures(fullCpu),
    resumedHandshakeCpuMs: figures(resumedCpu),
    warmupRounds: warmup,
    firstFullHandshakeMs: warmup > 0 ? figures(first) : null,
  };
}
/**
 * MB/s of `payload` bytes written in `record`-sized chunks over an engine connection and echoed back; the
 * connection is closed afterwards. Up to `inFlight` writes are pending at once, as a streaming writer would
 * keep them (the record layer keeps them in order); 1 writes one record at a time.
 */
export async function engineThroughput(conn: TlsConnection, payload: number, record: number, inFlight: number): Promise<number> {
  const chunk = new Uint8Array(record).fill(0x61);
  const t0 = performance.now();
  let received = 0;
  const reader = (async () => {
    while (received < payload) {
      const d = await conn.read();
      if (!d) break;
      received += d.length;
    }
  })();
  const pending: Promise<void>[] = [];
  for (let sent = 0; sent < payload; sent += record) {
    pending.push(conn.write(chunk));
    if (pending.length >= inFlight) await pending.shift();
  }
  await Promise.all(pending);
  await reader;
  const seconds = (performance.now() - t0) / 1000;
  await conn.close();
  return +(payload / 1e6 / seconds).toFixed(1);
}

export interface EngineThroughput {
  engine: number;
  /** nodeTls / engine */
  ratio: number;
  /** Median CPU ms of this process per MB moved (see ECHO_SERVER_NOTE). */
  cpuMsPerMB: number;
  /** engine CPU / Node's tls CPU, per MB. */
  cpuRatio: number;
  /** The engine with every trace event serialised to JSON as it is emitted. */
  engineTraceSerialised: number;
  engineRuns: number[];
  /** Node's fastest measured run / the engine's fastest: each client at its best (Node's client runs in two modes on
   * this machine, ~250 and ~500-900 MB/s, whichever server it talks to; the medians mostly catch the first). */
  bestRatio: number;
  /** Node's first run / the engine's first: both cold, in a fresh process (what a short transfer gets). */
  firstRunRatio: number;
}

export type ThroughputFigures = {
  nodeTls: number;
  nodeTlsCpuMsPerMB: number;
  nodeRuns: number[];
  warmupRuns: number;
  firstRunMBps: Record<string, number>;
  warmupMBps: Record<string, number[]>;
} & Record<string, EngineThroughput | number | number[] | Record<string, number> | Record<string, number[]>>;

/** Unmeasured runs of every client before the measured rounds (BENCH_THROUGHPUT_WARMUP, default 6: 96 MiB, past the
 * ~100 MB over which V8 compiles the engine's record path; with 3 the measured runs fell inside it, docs/node-throughput.md). */
const THROUGHPUT_WARMUP = Number(process.env.BENCH_THROUGHPUT_WARMUP ?? 6);

/** Measured runs of every client (BENCH_THROUGHPUT_RUNS, default 5), for the benches that call compareThroughput. */
export const THROUGHPUT_RUNS = Number(process.env.BENCH_THROUGHPUT_RUNS ?? 5);

/** How compareThroughput's figures were taken, for the benches' notes. */
export const THROUGHPUT_NOTE =
  'throughput medians follow the same unmeasured warm-up runs of every client (warmupRuns, past the runs in which V8 compiles the record path; their figures are warmupMBps, the first, cold run of each firstRunMBps and firstRunRatio), and the rounds rotate who goes first; bestRatio sets the fastest measured runs of both clients side by side';

/**
 * Throughput of the engine under each provider and of Node's client, MB/s and CPU ms per MB: THROUGHPUT_WARMUP
 * unmeasured runs of every client in turn first, then `runs` rounds with every client in turn, medians reported;
 * then one run of the engine with its trace serialised, per provider. Why several warm-up runs: both sides of the
 * exchange warm up over the first ~50-100 MB, our engine's record path (V8) and the echo server's Node streams alike:
 * run after run on a fresh server, Node's own client went 89-124 -> 145-195 MB/s and ours 67 -> 150-215 MB/s (session
 * 12). With one warm-up the measured rounds caught both mid-ramp, the clients that run first in a round the most.
 * Every client gets the same warm-up and the rounds rotate who goes first; the first, cold run of each is printed
 * apart (`firstRunMBps`, `firstRunRatio`), so what a short transfer in a fresh process gets stays in view, and so are
 * the warm-up's runs (`warmupMBps`: where each client's JIT and the server's get going).
 */
export async function compareThroughput(
  runs: number,
  clients: { engine(rec: TraceRecorder): Promise<TlsConnection>; node(): Promise<tls.TLSSocket> },
  payload: number,
  record: number,
  inFlight: number,
  providers = BENCH_PROVIDERS,
): Promise<ThroughputFigures> {
  const engineOnce = (provider: CryptoProvider, rec: TraceRecorder) =>
    withProvider(provider, async () => {
      const conn = await clients.engine(rec);
      return cpuTimed(() => engineThroughput(conn, payload, record, inFlight));
    });
  const nodeOnce = async () => {
    const socket = await clients.node();
    return cpuTimed(() => nodeThroughput(socket, payload, record));
  };
  type Run = { result: number; cpuMs: number };
  const engineRuns = new Map<string, Run[]>(providers.map((p) => [p.name, []]));
  const nodeRuns: Run[] = [];
  const contenders: { name: string; run: () => Promise<Run>; measured: Run[] }[] = [
    ...providers.map((p) => ({ name: p.name, run: () => engineOnce(p, quietRecorder()), measured: engineRuns.get(p.name)! })),
    { name: 'nodeTls', run: nodeOnce, measured: nodeRuns },
  ];
  const warmupMBps: Record<string, number[]> = Object.fromEntries(contenders.map((c) => [c.name, []]));
  for (let w = 0; w < Math.max(1, THROUGHPUT_WARMUP); w++) for (const c of contenders) warmupMBps[c.name].push((await c.run()).result);
  const firstRunMBps = Object.fromEntries(contenders.map((c) => [c.name, warmupMBps[c.name][0]]));
  for (let i = 0; i < runs; i++)
    for (let k = 0; k < contenders.length; k++) {
      const c = contenders[(i + k) % contenders.length];
      c.measured.push(await c.run());
    }
  const mb = payload / 1e6;
  const nodeTls = median(nodeRuns.map((r) => r.result));
  const nodeCpu = median(nodeRuns.map((r) => r.cpuMs)) / mb;
  const nodeBest = Math.max(...nodeRuns.map((r) => r.result));
  const out: ThroughputFigures = { nodeTls, nodeTlsCpuMsPerMB: +nodeCpu.toFixed(2), nodeRuns: nodeRuns.map((r) => r.result), warmupRuns: Math.max(1, THROUGHPUT_WARMUP), firstRunMBps, warmupMBps };
  for (const provider of providers) {
    const runsOf = engineRuns.get(provider.name)!;
    const engine = median(runsOf.map((r) => r.result));
    const cpu = median(runsOf.map((r) => r.cpuMs)) / mb;
    out[provider.name] = {
      engine,
      ratio: +(nodeTls / engine).toFixed(2),
      cpuMsPerMB: +cpu.toFixed(2),
      cpuRatio: +(cpu / nodeCpu).toFixed(2),
      engineTraceSerialised: (await engineOnce(provider, serialisingRecorder())).result,
      engineRuns: runsOf.map((r) => r.result),
      bestRatio: +(nodeBest / Math.max(...runsOf.map((r) => r.result))).toFixed(2),
      firstRunRatio: +(firstRunMBps.nodeTls / firstRunMBps[provider.name]).toFixed(2),
    };
  }
  return out;
}
