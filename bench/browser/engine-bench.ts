// The engine's own browser benchmark (issue 15), smaller and quicker than bench/browser.ts (no app build, no app
// rounds): the engine bundled into a Worker (engine-worker.ts), subtls in a Worker (subtls-worker.ts) and Node's
// `tls`, each through the project's own bridge (server/bridge, in a TLS Lens server of its own process without the
// lab) to one `openssl s_server -WWW`. Rounds alternate between the three, so machine load hits them alike.
// Prints JSON: handshake medians and ratios, MB/s of a large response, and where one engine handshake's time goes
// (its trace events' times). With TLS_LENS_BENCH_PROFILE=FILE it also writes CPU profiles of the engine's Worker
// (FILE.handshake.cpuprofile over the handshake rounds, FILE.read.cpuprofile over the large responses; open them
// in Chromium's DevTools) and prints their top self-time functions and total sampled time. With
// TLS_LENS_BENCH_TRACE=1 the rounds run under Chromium tracing and traceStepMeansUs splits each step in µs of wall
// and CPU time (performance.mark per event; a diagnosis aid, see TRACE below).
// Run: npm run bench:browser-engine. TLS_LENS_BENCH_ROUNDS (default 30), TLS_LENS_BENCH_MIB (default 16).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { chromium, type Page } from 'playwright-core';
import WebSocket, { createWebSocketStream } from 'ws';
import { freePort, makePki, spawnSServer } from '../../test/tls/helpers.ts';
import { BRIDGE_SUBPROTOCOL } from '../../src/transport/bridge-protocol.ts';
import { median, pauseBeforeHandshake as gap, r2 } from '../common.ts';
import { ratioInterval } from '../ratio-interval.ts';
import { watchOtherWork } from './tree-cpu.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ROUNDS = Number(process.env.TLS_LENS_BENCH_ROUNDS ?? 30);
const MIB = Number(process.env.TLS_LENS_BENCH_MIB ?? 16);
const BIG_ROUNDS = Number(process.env.TLS_LENS_BENCH_BIG_ROUNDS ?? 5);
const PROFILE = process.env.TLS_LENS_BENCH_PROFILE;
/** Another checkout (e.g. `git archive BASE | tar -x -C DIR`, with node_modules linked): its engine-worker.ts, bundled
 * from there, joins the rounds as engineBase (its engine and transport; this run's bridge): before/after in one run. */
const BASE_DIR = process.env.TLS_LENS_BENCH_BASE_DIR ? path.resolve(process.env.TLS_LENS_BENCH_BASE_DIR) : null;
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** The CPU profiles' sampling interval (µs; TLS_LENS_BENCH_SAMPLE_US). */
const SAMPLE_US = Number(process.env.TLS_LENS_BENCH_SAMPLE_US ?? 100);
/** TLS_LENS_BENCH_TRACE=1: the handshake rounds under Chromium tracing, each engine event also a performance.mark
 * (both engines' Workers, when the base's engine-worker.ts knows `marks`): the marks' trace timestamps and thread
 * times are in µs, so traceStepMeansUs splits the steps finer than the Worker's 100 µs clock, in wall and CPU time.
 * A diagnosis aid: each mark costs a few µs, and tracing slows the rounds; the default runs make none. */
const TRACE = process.env.TLS_LENS_BENCH_TRACE === '1';
/** TLS_LENS_BENCH_TRACE_FROM=start: traceStepMeansUs from the round's start (the ClientHello made, the wait) instead
 * of from the server's first record. */
const TRACE_FROM_START = process.env.TLS_LENS_BENCH_TRACE_FROM === 'start';
/** TLS_LENS_BENCH_OPENS=1: also the bridge's WebSocket opened alone, as subtls asks for it and with the download
 * offer our transport asks for (a diagnosis: the WebSocket after these rounds opens slower, see docs/engine-browser.md). */
const OPENS = process.env.TLS_LENS_BENCH_OPENS === '1';
/** TLS_LENS_BENCH_FFWS=1: one more variant, our engine with its first flight in the upgrade request and every byte
 * as WebSocket messages (no download offer asked for). */
const FFWS = process.env.TLS_LENS_BENCH_FFWS === '1';
/** TLS_LENS_BENCH_WS_TIMES=1: the timed rounds also note when each Worker's WebSocket opened and first received bytes
 * (wsOpen, wsBytesIn in our phases; subtls's split). Off by default: the listeners and the WebSocket subclass that
 * note them cost a Worker ~50 µs in the constructor alone (measured apart, session 16), inside the time measured,
 * while Node's `tls` carries no such burden; subtls's split then comes from SUBTLS_PHASE_ROUNDS rounds of its own
 * after the timed ones. */
const WS_TIMES = process.env.TLS_LENS_BENCH_WS_TIMES === '1';
/** Rounds of subtls alone, after the timed ones, for its split when WS_TIMES is off. */
const SUBTLS_PHASE_ROUNDS = 20;
/** TLS_LENS_BENCH_ROTATE=0: every round in the same order (engineWorker first), as before session 12. */
const ROTATE = process.env.TLS_LENS_BENCH_ROTATE !== '0';
/** TLS_LENS_BENCH_BARE=0: no bare WebSocket opens in the rounds. */
const BARE = process.env.TLS_LENS_BENCH_BARE !== '0';
/** TLS_LENS_BENCH_VARIANTS=0: our Worker runs engineWorker alone (no engineNoFirstFlight, engineAsBefore), one
 * handshake a round like the base's and subtls's Workers, whose code is then as warm as ours. */
const ALONE = PROFILE || TRACE || process.env.TLS_LENS_BENCH_VARIANTS === '0';
/** TLS_LENS_BENCH_VARIANTS=noFirstFlight,asBefore (either or both): only those variants. */
const PICKED = /^[a-zA-Z,]+$/.test(process.env.TLS_LENS_BENCH_VARIANTS ?? '') ? new Set(process.env.TLS_LENS_BENCH_VARIANTS!.split(',')) : null;
const variant = (name: string) => !ALONE && (!PICKED || PICKED.has(name));

// ---- server mode: a TLS Lens server (no lab) whose bridge may reach the s_server; prints its port ----
if (process.argv[2] === '--serve') {
  const [dist, ...targetPorts] = process.argv.slice(3);
  const { startServer } = await import('../../server/app.ts');
  const running = await startServer({ port: 0, lab: false, distDir: dist, bridge: { allow: targetPorts.map((p) => `127.0.0.1:${p}`), testOnlyLoopbackPorts: targetPorts.map(Number) } });
  console.log(`PORT ${new URL(running.url).port}`);
  const stop = () => void running.stop().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} else {
  await main();
}

/** Run `start` (which spawns a child) with `dir` as the working directory the child inherits. */
async function inDirectory<T>(dir: string, start: () => Promise<T>): Promise<T> {
  const before = process.cwd();
  process.chdir(dir);
  try {
    return await start();
  } finally {
    process.chdir(before);
  }
}

/** A bare `ws` server (no bridge, no target): what opening a WebSocket costs each client by itself. */
async function bareWebSocketServer(): Promise<{ port: number; close(): void }> {
  const { WebSocketServer } = await import('ws');
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  await new Promise((r) => wss.once('listening', r));
  return { port: (wss.address() as net.AddressInfo).port, close: () => wss.close() };
}

/** ms from creating a WebSocket in Node (`ws`) to its open event. */
function nodeOpen(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const ws = new WebSocket(url);
    ws.once('error', reject);
    ws.once('open', () => {
      resolve(performance.now() - t0);
      ws.close();
    });
  });
}

/** A plain TCP server that sends `size` bytes to each connection and closes it: the bridge's ceiling without TLS. */
function byteSource(size: number): Promise<{ port: number; close(): void }> {
  const chunk = Buffer.alloc(64 * 1024, 0x63);
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    let left = size;
    const pump = () => {
      while (left > 0) {
        const n = Math.min(left, chunk.length);
        left -= n;
        if (!socket.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void socket.once('drain', pump);
      }
      socket.end();
    };
    pump();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ port: (server.address() as net.AddressInfo).port, close: () => server.close() })));
}

async function startApp(dist: string, targetPorts: number[]): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--serve', dist, ...targetPorts.map(String)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /PORT (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`the server exited (${code})`)));
  });
  return { port, child };
}

/** Minified as a page would ship it; when profiling, not minified, so the profile names functions by their own names
 * (no keepNames: its __name call at each function made costs time the profile would show). */
async function bundle(entry: string, root = ROOT): Promise<string> {
  const out = await esbuild.build({ entryPoints: [path.join(root, 'bench/browser', entry)], bundle: true, minify: !PROFILE, format: 'esm', platform: 'browser', target: 'chrome120', write: false, logLevel: 'warning', external: ['crypto'] });
  return out.outputFiles[0].text;
}

type WorkerAnswer = { handshakeMs: number[]; mbPerS: number[]; timeline?: [number, string][]; phases?: Record<string, number>[]; webCryptoCalls?: Record<string, number>; roundTripUs?: Record<string, number>; steps?: [string, number][][] };

/** A Worker from a same-origin script (the bridge checks the page's origin), and its runner. */
async function workerIn(page: Page, name: string, script: string) {
  await page.evaluate(
    ({ name, script }) => {
      const w = new Worker(script, { type: 'module' });
      const runners = ((window as unknown as { benchRun?: Record<string, (job: unknown) => Promise<unknown>> }).benchRun ??= {});
      runners[name] = (job) =>
        new Promise((resolve) => {
          w.onmessage = (e) => resolve(e.data);
          w.postMessage(job);
        });
    },
    { name, script },
  );
  return async (job: object): Promise<WorkerAnswer> => {
    const r = (await page.evaluate(({ name, j }) => (window as unknown as { benchRun: Record<string, (job: unknown) => Promise<unknown>> }).benchRun[name](j), { name, j: job })) as WorkerAnswer & { error?: string };
    if (r.error) throw new Error(`${name} worker: ${r.error}`);
    return r;
  };
}

/**
 * Node's tls through the bridge: ms from WebSocket open to secureConnect, the open alone and the server's first
 * bytes (its ClientHello leaves at the open); with `request`, MB/s of the response.
 */
function nodeViaBridge(appPort: number, target: string, ca: Buffer, request?: string): Promise<{ ms: number; openMs: number; answerMs: number; mbPerS?: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const ws = new WebSocket(`ws://127.0.0.1:${appPort}/bridge?target=${encodeURIComponent(target)}`, BRIDGE_SUBPROTOCOL, { origin: `http://127.0.0.1:${appPort}` });
    ws.once('error', reject);
    let answerMs = NaN;
    ws.once('message', () => (answerMs = performance.now() - t0));
    ws.once('open', () => {
      const openMs = performance.now() - t0;
      const socket = tls.connect({ socket: createWebSocketStream(ws), servername: 'localhost', ca }, () => {
        const ms = performance.now() - t0;
        if (!request) {
          socket.destroy();
          ws.close();
          return resolve({ ms, openMs, answerMs });
        }
        const t1 = performance.now();
        let bytes = 0;
        socket.on('data', (d: Buffer) => (bytes += d.length));
        socket.on('end', () => {
          resolve({ ms, openMs, answerMs, mbPerS: bytes / 1e6 / ((performance.now() - t1) / 1000) });
          socket.destroy();
          ws.close();
        });
        socket.write(request);
      });
      socket.once('error', reject);
    });
  });
}

/** A raw DevTools connection (flat sessions) to profile a page's dedicated Worker, which Playwright's API cannot. */
async function workerProfiler(debugPort: number, pageUrl: string, workerUrlPart: string) {
  const { webSocketDebuggerUrl } = (await (await fetch(`http://127.0.0.1:${debugPort}/json/version`)).json()) as { webSocketDebuggerUrl: string };
  const ws = new WebSocket(webSocketDebuggerUrl);
  await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)));
  let nextId = 1;
  const pending = new Map<number, (m: { result?: unknown; error?: unknown }) => void>();
  const attached: { sessionId: string; url: string }[] = [];
  ws.on('message', (d) => {
    const m = JSON.parse(String(d));
    if (m.id && pending.has(m.id)) {
      pending.get(m.id)!(m);
      pending.delete(m.id);
    } else if (m.method === 'Target.attachedToTarget') attached.push({ sessionId: m.params.sessionId, url: m.params.targetInfo.url });
  });
  const send = <T>(method: string, params: object = {}, sessionId?: string) =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, (m) => (m.error ? reject(new Error(`${method}: ${JSON.stringify(m.error)}`)) : resolve(m.result as T)));
      ws.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    });
  const { targetInfos } = await send<{ targetInfos: { targetId: string; type: string; url: string }[] }>('Target.getTargets');
  const pageTarget = targetInfos.find((t) => t.type === 'page' && t.url.startsWith(pageUrl));
  if (!pageTarget) throw new Error('profiler: the page target was not found');
  const { sessionId: pageSession } = await send<{ sessionId: string }>('Target.attachToTarget', { targetId: pageTarget.targetId, flatten: true });
  await send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: true }, pageSession);
  for (let i = 0; i < 50 && !attached.some((a) => a.url.includes(workerUrlPart)); i++) await new Promise((r) => setTimeout(r, 100));
  const worker = attached.find((a) => a.url.includes(workerUrlPart));
  if (!worker) throw new Error(`profiler: no worker ${workerUrlPart} (saw ${attached.map((a) => a.url).join(', ')})`);
  await send('Profiler.enable', {}, worker.sessionId);
  await send('Profiler.setSamplingInterval', { interval: SAMPLE_US }, worker.sessionId);
  return {
    start: () => send('Profiler.start', {}, worker.sessionId),
    stop: async () => (await send<{ profile: CpuProfile }>('Profiler.stop', {}, worker.sessionId)).profile,
    close: () => ws.close(),
  };
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/**
 * Self time per function, the busiest first, and the total without idle time. Counted in samples (one every
 * SAMPLE_US while the thread runs), not in the time between samples: on a loaded machine a thread that the OS
 * put aside for 80 ms would otherwise charge those 80 ms to whatever it was running.
 */
function summarise(profile: CpuProfile, top = 25) {
  const byNode = new Map<number, CpuProfile['nodes'][number]>(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  const ms = SAMPLE_US / 1000;
  for (const id of profile.samples) {
    const f = byNode.get(id)!.callFrame;
    const name = f.functionName || '(anonymous)';
    if (name === '(idle)' || name === '(program)') idle += ms;
    else busy += ms;
    const key = `${name} ${f.url.split('/').pop()}:${f.lineNumber}`;
    self.set(key, (self.get(key) ?? 0) + ms);
  }
  return {
    busyMs: r2(busy),
    idleAndProgramMs: r2(idle),
    top: [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, t]) => `${r2(t)} ms  ${k}`),
  };
}

/**
 * What no engine can go below: per side, the wait from the moment its ClientHello could leave to the server's
 * first bytes (the WebSocket's opening and the server's answer; for the engine measured from the ClientHello made,
 * as it travels in the upgrade request), and the ratio to Node's handshake that an engine taking no time of its own
 * would reach: when that is above the goal, the rest of the gap is the browser's, not the engine's.
 */
function floorOf(phases: Record<string, Record<string, number>>, handshake: Record<string, number>) {
  const engine = phases.engineWorker;
  const node = phases.nodeTlsViaBridge;
  if (!engine || !node) return undefined;
  const engineFloor = engine.sentToAnswer;
  const base = phases.engineBase;
  return {
    engineWaitMs: engineFloor,
    nodeTlsWaitMs: node.floor,
    engineOwnMs: r2(handshake.engineWorker - engineFloor),
    // The engine's own work in one handshake, from its phases (median of ClientHello made + the server's flight to
    // done): less noisy than the handshake minus the wait, and paired with the base checkout's in the same rounds.
    engineWorkMs: engine.work,
    ...(base ? { engineBaseWaitMs: base.sentToAnswer, engineBaseWorkMs: base.work, engineWorkVsBase: r2(engine.work / base.work) } : {}),
    nodeTlsOwnMs: r2(handshake.nodeTlsViaBridge - node.floor),
    zeroCostEngineVsNodeTls: r2(engineFloor / handshake.nodeTlsViaBridge),
    // An engine in this Worker whose own work took exactly as long as Node's tls takes (OpenSSL's): the ratio left by
    // the browser's wait alone plus that work. Above the 1.2x goal, the goal asks for less work than OpenSSL does.
    nodeSpeedEngineVsNodeTls: r2((engineFloor + (handshake.nodeTlsViaBridge - node.floor)) / handshake.nodeTlsViaBridge),
    // Part of the wait is the browser's own: opening a WebSocket to a bare server, no bridge, each client.
    ...(handshake.bareWebSocketOpenChromium !== undefined
      ? { bareWebSocketOpenMs: { chromium: r2(handshake.bareWebSocketOpenChromium), node: r2(handshake.bareWebSocketOpenNode) } }
      : {}),
  };
}

/**
 * µs of each step over the rounds whose events are the same as the first round's: the mean without the slowest
 * and fastest tenth of the rounds (one round the OS put aside would otherwise move a step's mean by milliseconds),
 * its running total, and the slowest round's.
 */
function stepMeans(rounds: [string, number][][]): string[] {
  const same = rounds.filter((r) => r.length === rounds[0]?.length && r.every(([what], i) => what === rounds[0][i][0]));
  const cut = Math.floor(same.length / 10);
  let total = 0;
  return (same[0] ?? []).map(([what], i) => {
    const sorted = same.map((r) => r[i][1]).sort((a, b) => a - b);
    const kept = sorted.slice(cut, sorted.length - cut);
    const mean = (1000 * kept.reduce((n, x) => n + x, 0)) / kept.length;
    total += mean;
    return `${mean.toFixed(0).padStart(5)} ${total.toFixed(0).padStart(6)} µs (slowest ${(1000 * sorted[sorted.length - 1]).toFixed(0)})  ${what}`;
  });
}

type TraceMark = { name: string; ts: number; tts?: number; pid: number; tid: number };

/**
 * From a Chromium trace with the Workers' marks (TLS_LENS_BENCH_TRACE): per Worker thread, in the order the threads
 * first marked (ours runs first in a round, then the base), each step from the server's first record to done as
 * trimmed means (like stepMeans) of its wall time and of the thread's CPU time, both in µs of the trace clock.
 */
function traceStepMeans(traceJson: string): { rounds: number; steps: string[] }[] {
  const parsed = JSON.parse(traceJson) as { traceEvents?: TraceMark[] } | TraceMark[];
  const marks = (Array.isArray(parsed) ? parsed : (parsed.traceEvents ?? [])).filter((e) => e.name?.startsWith('tl:')).sort((a, b) => a.ts - b.ts);
  const threads = new Map<string, TraceMark[]>();
  for (const m of marks) threads.set(`${m.pid}:${m.tid}`, [...(threads.get(`${m.pid}:${m.tid}`) ?? []), m]);
  return [...threads.values()].map((list) => {
    const rounds: [string, number, number][][] = [];
    let current: [string, number, number][] | null = null;
    for (const m of list) {
      if (m.name === 'tl:start') current = [['start', m.ts, m.tts ?? 0]];
      else if (current) {
        current.push([m.name === 'tl:done' ? 'done' : m.name.replace(/^tl:\d+:/, ''), m.ts, m.tts ?? 0]);
        if (m.name === 'tl:done') rounds.push(current.slice(TRACE_FROM_START ? 0 : current.findIndex(([what]) => what === 'record server'))), (current = null);
      }
    }
    const wall = rounds.map((r) => r.map(([what, ts], i): [string, number] => [what, i ? (ts - r[i - 1][1]) / 1000 : 0]));
    const cpu = rounds.map((r) => r.map(([what, , tts], i): [string, number] => [what, i ? (tts - r[i - 1][2]) / 1000 : 0]));
    const cpuMeans = stepMeans(cpu).map((line) => line.slice(0, 13));
    return { rounds: rounds.length, steps: stepMeans(wall).map((line, i) => `${line.slice(0, 13)} | cpu ${cpuMeans[i] ?? ''} | ${line.slice(13)}`) };
  });
}

/** A round's phases with `work`: the engine's own time in it (its ClientHello made, the server's flight to done). */
function withWork(phases: Record<string, number> | undefined): Record<string, number> | undefined {
  return phases && { ...phases, work: +(phases.clientHelloMade + phases.serverFlightToDone).toFixed(3) };
}

async function main() {
  const otherWork = watchOtherWork();
  const pki = makePki();
  const www = fs.mkdtempSync(path.join(pki.dir, 'www-'));
  fs.writeFileSync(path.join(www, 'big.bin'), Buffer.alloc(MIB * 1024 * 1024, 0x61));
  // s_server -WWW serves files from its working directory.
  const server = await inDirectory(www, () => spawnSServer(['-cert', pki.leafCert, '-key', pki.leafKey, '-WWW']));
  const dist = fs.mkdtempSync(path.join(pki.dir, 'dist-'));
  fs.writeFileSync(path.join(dist, 'index.html'), '<!doctype html><meta charset="utf-8"><title>engine bench</title>');
  fs.writeFileSync(path.join(dist, 'engine-worker.js'), await bundle('engine-worker.ts'));
  fs.writeFileSync(path.join(dist, 'subtls-worker.js'), await bundle('subtls-worker.ts'));
  if (BASE_DIR) fs.writeFileSync(path.join(dist, 'base-engine-worker.js'), await bundle('engine-worker.ts', BASE_DIR));
  const source = await byteSource(MIB * 1024 * 1024);
  const bare = await bareWebSocketServer();
  const app = await startApp(dist, [server.port, source.port]);
  const debugPort = await freePort();
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: [...FLAGS, ...(PROFILE ? [`--remote-debugging-port=${debugPort}`] : [])] });
  const target = `127.0.0.1:${server.port}`;
  const ca = fs.readFileSync(pki.rootPem);
  const baseURL = `http://127.0.0.1:${app.port}`;
  const request = 'GET /big.bin HTTP/1.0\r\n\r\n';
  try {
    const page = await (await browser.newContext({ baseURL })).newPage();
    await page.goto('/');
    const runEngine = await workerIn(page, 'engine', '/engine-worker.js');
    const runSubtls = await workerIn(page, 'subtls', '/subtls-worker.js');
    const runBase = BASE_DIR ? await workerIn(page, 'base', '/base-engine-worker.js') : null;
    const job = { url: `ws://127.0.0.1:${app.port}/bridge?target=${encodeURIComponent(target)}`, anchorHex: Buffer.from(pki.rootDer).toString('hex'), anchorPem: ca.toString(), serverName: 'localhost' };
    // Warm up all three (JIT, WebCrypto's first calls, the verifier and trust store made once).
    await runEngine({ ...job, rounds: 5 });
    await runSubtls({ ...job, rounds: 5 });
    await runBase?.({ ...job, rounds: 5 });
    for (let i = 0; i < 3; i++) await nodeViaBridge(app.port, target, ca);
    const profiler = PROFILE ? await workerProfiler(debugPort, baseURL, '/engine-worker.js') : null;
    // The base checkout's engine in its own Worker: its profile beside ours, over the same rounds.
    const baseProfiler = PROFILE && BASE_DIR ? await workerProfiler(debugPort, baseURL, '/base-engine-worker.js') : null;

    // Contenders take turns in every round. "engineAsBefore" drives the engine as before this session's work:
    // the WebSocket opened before the handshake starts, every received byte as WebSocket messages;
    // "engineNoFirstFlight" opens the WebSocket at once and sends the ClientHello once it is open.
    type Contender = (request?: string) => Promise<{ ms?: number; mbPerS?: number; phases?: Record<string, number> }>;
    // Our engine's rounds: each event's time after the one before, from the server's first record (stepMeansUs).
    const steps: [string, number][][] = [];
    // The base's too, when its engine-worker.ts reports them.
    const baseSteps: [string, number][][] = [];
    const engine = (extra: object): Contender => async (req) => {
      const r = await runEngine({ ...job, ...extra, rounds: 1, request: req, wsTimes: WS_TIMES && !req, steps: Object.keys(extra).length === 0 && !req, marks: TRACE && Object.keys(extra).length === 0 && !req });
      if (r.steps) steps.push(...r.steps);
      return { ms: r.handshakeMs[0], mbPerS: r.mbPerS[0], phases: withWork(r.phases?.[0]) };
    };
    const contenders: Record<string, Contender> = {
      engineWorker: engine({}),
      // Left out when profiling, tracing or asked (ALONE): the engine's Worker then runs engineWorker alone, one
      // handshake a round like the base's and subtls's Workers (with them, ours runs four a round and its code is the
      // warmer: the same engine measured 0.35-0.6 ms less work than the base's in paired medians, session 11).
      ...(variant('noFirstFlight') ? { engineNoFirstFlight: engine({ noFirstFlight: true }) } : {}),
      ...(variant('asBefore') ? { engineAsBefore: engine({ downstream: 'websocket', openFirst: true }) } : {}),
      ...(FFWS ? { engineFirstFlightWs: engine({ downstream: 'websocket' }) } : {}),
      ...(runBase
        ? {
            engineBase: (async (req) => {
              const r = await runBase({ ...job, rounds: 1, request: req, wsTimes: WS_TIMES && !req, steps: !req, marks: TRACE && !req });
              if (r.steps) baseSteps.push(...r.steps);
              return { ms: r.handshakeMs[0], mbPerS: r.mbPerS[0], phases: withWork(r.phases?.[0]) };
            }) as Contender,
          }
        : {}),
      subtlsWorker: async (req) => {
        const r = await runSubtls({ ...job, rounds: 1, request: req, phases: WS_TIMES && !req, marks: TRACE && !req });
        return { ms: r.handshakeMs[0], mbPerS: r.mbPerS[0], phases: r.phases?.[0] };
      },
      nodeTlsViaBridge: async (req) => {
        const r = await nodeViaBridge(app.port, target, ca, req);
        return { ms: r.ms, mbPerS: r.mbPerS, phases: { open: r.openMs, sentToAnswer: r.answerMs - r.openMs, floor: r.answerMs } };
      },
    };
    // Opening a WebSocket to a bare server, no bridge: the browser's own cost beside Node's (not handshakes; in the
    // same rounds, left out of the ratios and the large responses).
    const openContenders: Record<string, Contender> = PROFILE || !BARE
      ? {}
      : {
          bareWebSocketOpenChromium: async () => ({ ms: (await runEngine({ url: `ws://127.0.0.1:${bare.port}/`, openOnly: true, rounds: 1 })).handshakeMs[0] }),
          bareWebSocketOpenNode: async () => ({ ms: await nodeOpen(`ws://127.0.0.1:${bare.port}/`) }),
          // The bridge's WebSocket alone (opened, then closed before any byte goes through): as subtls opens it, and
          // with the download offer our transport asks for.
          ...(OPENS
            ? {
                bridgeOpenPlain: async () => ({ ms: (await runEngine({ url: job.url, openProtocols: [BRIDGE_SUBPROTOCOL], openOnly: true, rounds: 1 })).handshakeMs[0] }),
                bridgeOpenDownstream: async () => ({ ms: (await runEngine({ url: `${job.url}&downstream=http&downloadAfter=65536`, openProtocols: [BRIDGE_SUBPROTOCOL], openOnly: true, rounds: 1 })).handshakeMs[0] }),
              }
            : {}),
        };
    // The same size without TLS (a plain TCP source): what the bridge and the Worker carry at most.
    const rawJob = { ...job, url: `ws://127.0.0.1:${app.port}/bridge?target=${encodeURIComponent(`127.0.0.1:${source.port}`)}`, rounds: 1 };
    const raw = (extra: object): Contender => async () => ({ mbPerS: (await runEngine({ ...rawJob, ...extra })).mbPerS[0] });
    const rawContenders: Record<string, Contender> = {
      noTlsBareWebSocket: raw({ raw: 'websocket' }),
      noTlsTransportWebSocketOnly: raw({ raw: 'transport', downstream: 'websocket' }),
      noTlsTransport: raw({ raw: 'transport' }),
      noTlsTransportDownloadAtOnce: raw({ raw: 'transport', downloadAfterBytes: 0 }),
    };
    const handshakes: Record<string, number[]> = {};
    const phases: Record<string, Record<string, number>[]> = {};
    await profiler?.start();
    await baseProfiler?.start();
    if (TRACE) await browser.startTracing(page, { categories: ['blink.user_timing'] });
    for (let i = 0; i < ROUNDS; i++) {
      // Each round starts one contender further (TLS_LENS_BENCH_ROTATE, on by default), and each waits a moment
      // first (bench/common.ts pauseBeforeHandshake): a handshake's wait depends on how the connection before it
      // ended (Chromium's WebSocket to the same bridge; the one s_server serves one connection at a time). The order
      // alone does not take that out: each contender still follows the same one in most rounds.
      const order = Object.entries(contenders);
      const turn = ROTATE ? i % order.length : 0;
      for (const [name, run] of [...order.slice(turn), ...order.slice(0, turn), ...Object.entries(openContenders)]) {
        await gap();
        const r = await run();
        (handshakes[name] ??= []).push(r.ms!);
        if (r.phases) (phases[name] ??= []).push(r.phases);
      }
    }
    const traced = TRACE ? traceStepMeans(String(await browser.stopTracing())) : undefined;
    // subtls's split (its WebSocket's open and first bytes, noted by watching it) from rounds of its own, outside the
    // timed ones (WS_TIMES).
    if (!WS_TIMES && !PROFILE)
      for (let i = 0; i < Math.min(ROUNDS, SUBTLS_PHASE_ROUNDS); i++) {
        await gap();
        (phases.subtlsWorker ??= []).push((await runSubtls({ ...job, rounds: 1, phases: true })).phases![0]);
      }
    const handshakeProfile = await profiler?.stop();
    const baseHandshakeProfile = await baseProfiler?.stop();
    // One more handshake, traced and with its WebCrypto calls counted (its key pair made in it, as in the rounds),
    // then what one awaited WebCrypto call costs in this Worker: a handshake's serial calls times that is a floor the
    // engine's own work cannot go below while it uses WebCrypto.
    const { timeline, webCryptoCalls } = await runEngine({ ...job, rounds: 1, timeline: true, countWebCrypto: true });
    const { roundTripUs } = await runEngine({ webCryptoRoundTrip: true });
    // subtls's calls in one handshake (its Finished is sealed then too; sent with its first write).
    const { webCryptoCalls: subtlsWebCryptoCalls } = await runSubtls({ ...job, rounds: 1, countWebCrypto: true });

    const throughput: Record<string, number[]> = {};
    await profiler?.start();
    await baseProfiler?.start();
    for (let i = 0; i < BIG_ROUNDS; i++) {
      for (const [name, run] of Object.entries({ ...contenders, ...(profiler ? {} : rawContenders) })) (throughput[name] ??= []).push((await run(request)).mbPerS!);
    }
    const readProfile = await profiler?.stop();
    const baseReadProfile = await baseProfiler?.stop();
    profiler?.close();
    baseProfiler?.close();

    const m = Object.fromEntries(Object.entries(handshakes).map(([k, v]) => [k, median(v)]));
    const phaseMedians = Object.fromEntries(Object.entries(phases).map(([name, list]) => [name, Object.fromEntries(Object.keys(list[0]).map((k) => [k, r2(median(list.map((p) => p[k])))]))]));
    // Means too: a Worker's clock moves in 100 µs steps, so medians of a phase move in whole steps while the mean of
    // many rounds shows a change smaller than one.
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const phaseMeans = Object.fromEntries(
      ['engineWorker', 'engineBase', 'subtlsWorker'].filter((n) => phases[n]).map((name) => [name, Object.fromEntries(Object.keys(phases[name][0]).map((k) => [k, +mean(phases[name].map((p) => p[k])).toFixed(3)]))]),
    );
    // Ours minus the base's work, round by round (the two ran in the same rounds): its median and mean.
    const pairedWork = phases.engineBase ? phases.engineWorker.map((p, i) => p.work - phases.engineBase[i].work) : [];
    const tp = Object.fromEntries(Object.entries(throughput).map(([k, v]) => [k, r2(median(v))]));
    if (PROFILE) {
      fs.writeFileSync(`${PROFILE}.handshake.cpuprofile`, JSON.stringify(handshakeProfile));
      fs.writeFileSync(`${PROFILE}.read.cpuprofile`, JSON.stringify(readProfile));
    }
    const report = {
      machine: { loadAverage1m: +loadavg()[0].toFixed(2), ...otherWork(), rounds: ROUNDS, bigRounds: BIG_ROUNDS, responseMiB: MIB, engineWorkerAlone: ALONE },
      handshakeMs: m,
      ratios: {
        engineWorkerVsNodeTls: r2(m.engineWorker / m.nodeTlsViaBridge),
        engineWorkerVsSubtls: r2(m.engineWorker / m.subtlsWorker),
        ...(m.engineAsBefore ? { engineWorkerVsAsBefore: r2(m.engineWorker / m.engineAsBefore), throughputEngineVsAsBefore: r2(tp.engineWorker / tp.engineAsBefore) } : {}),
        throughputEngineVsSubtls: r2(tp.engineWorker / tp.subtlsWorker),
        ...(runBase ? { engineWorkerVsBase: r2(m.engineWorker / m.engineBase), throughputEngineVsBase: r2(tp.engineWorker / tp.engineBase) } : {}),
      },
      /** The goals' ratios with their 95% intervals over resampled rounds (ratio-interval.ts): how far to trust them. */
      ratioIntervals: {
        engineWorkerVsSubtls: ratioInterval(handshakes.engineWorker, handshakes.subtlsWorker, { line: 1 }),
        engineWorkerVsNodeTls: ratioInterval(handshakes.engineWorker, handshakes.nodeTlsViaBridge, { line: 1.2 }),
        ...(runBase ? { engineWorkerVsBase: ratioInterval(handshakes.engineWorker, handshakes.engineBase, { line: 1 }) } : {}),
      },
      goals: { engineWorkerVsNodeTls: '<= 1.2', engineWorkerVsSubtls: '< 1' },
      floor: floorOf(phaseMedians, m),
      handshakePhasesMedianMs: phaseMedians,
      handshakePhasesMeanMs: phaseMeans,
      ...(pairedWork.length ? { workMinusBaseMs: { median: r2(median(pairedWork)), mean: +mean(pairedWork).toFixed(3), rounds: pairedWork.length } } : {}),
      throughputMBperS: tp,
      webCrypto: { callsInOneHandshake: webCryptoCalls, subtlsCallsInOneHandshake: subtlsWebCryptoCalls, medianRoundTripUs: roundTripUs },
      oneHandshakeTimeline: timeline?.map(([t, what]) => `${t.toFixed(2).padStart(7)} ms  ${what}`),
      // Means over the rounds (finer than a Worker's 100 µs clock steps), where the events line up: from the server's
      // first record, each event's time after the one before, and the running total.
      stepMeansUs: baseSteps.length ? { engineWorker: stepMeans(steps), engineBase: stepMeans(baseSteps) } : stepMeans(steps),
      // Threads in the order they first marked: ours, then the base's (when it marks), then subtls's.
      ...(traced ? { traceStepMeansUs: Object.fromEntries(traced.map((t, i) => [['engineWorker', ...(runBase ? ['engineBase'] : []), 'subtlsWorker'][i] ?? `thread${i}`, t])) } : {}),
      ...(PROFILE
        ? {
            engineWorkerProfile: { handshakeRounds: summarise(handshakeProfile!), perHandshakeBusyMs: r2(summarise(handshakeProfile!).busyMs / ROUNDS), largeResponses: summarise(readProfile!), busyMsPerMiB: r2(summarise(readProfile!).busyMs / (BIG_ROUNDS * MIB)) },
            ...(baseProfiler
              ? { engineBaseProfile: { perHandshakeBusyMs: r2(summarise(baseHandshakeProfile!).busyMs / ROUNDS), busyMsPerMiB: r2(summarise(baseReadProfile!).busyMs / (BIG_ROUNDS * MIB)), largeResponses: summarise(baseReadProfile!, 12) } }
              : {}),
          }
        : {}),
      runs: { handshakeMs: Object.fromEntries(Object.entries(handshakes).map(([k, v]) => [k, v.map(r2)])), mbPerS: Object.fromEntries(Object.entries(throughput).map(([k, v]) => [k, v.map(r2)])) },
    };
    console.log(JSON.stringify(report, null, 2));
  } finally {
    await browser.close();
    app.child.kill('SIGTERM');
    source.close();
    bare.close();
    await server.stop();
    await new Promise((r) => (app.child.exitCode !== null ? r(null) : app.child.once('exit', r)));
    fs.rmSync(pki.dir, { recursive: true, force: true });
  }
}
