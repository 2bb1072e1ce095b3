// Browser benchmark in Debian's Chromium: what a person waits for in the app, against one `openssl s_server`
// reached through the project's own bridge (the real TLS Lens server, started as the e2e config starts it),
// with Node's `tls` through the same bridge as the reference in the same run. Prints JSON with ratios.
//   engineWorker   the engine alone in a long-lived Worker: WebSocket open to handshake complete
//   subtlsWorker   subtls (npm, a small TLS 1.3 client on SubtleCrypto) in a long-lived Worker, the same way
//   appConnect     the app's own Connect: click to the status line saying "connected" (its worker, its verifier,
//                  its trace into the store and the views), the page's anchor being the server's root; the click
//                  comes once the form has drawn what was filled in, as a person's would. appConnectPhasesMs splits
//                  the warm rounds beside the engine's (handshakePhases; docs/app-connect.md)
//   appConnectPainted  the same press to the first frame painted after the status line says "connected" (the
//                  session drawn: React's render, the frame's style, layout and paint), for the app and the base app;
//                  reported beside appConnect, whose stop point (the line's change) the goal's ratio keeps
//   coldPage       a fresh browser context: navigation start to the first handshake complete; the same for a page
//                  whose one script is subtls and its handshake (coldSubtlsPage), and for a page whose one script
//                  starts the app's engine worker and connects (coldEngineWorkerPage), and for a page whose worker
//                  only opens the bridge's WebSocket (coldEmptyWorkerPage, to the socket open), in alternating rounds
//                  (bench/browser/cold-page.ts); TLS_LENS_BENCH_ONLY=cold runs these rounds alone, =connect the
//                  handshake rounds alone
//   throughput     a large response read to the end: in the app (connected -> closed), the engine in a Worker,
//                  subtls and Node's tls; with the page's JS heap after it and the ladder rows marked summarised
//   large          one TLS_LENS_BENCH_LARGE_MIB (default 256; 0: skip) response through the app: MB/s, the page's
//                  JS heap at its highest while it flows (sampled every 100 ms) and after, stepping p95 after it
// The first app Connect in a page and the cold page are also split into parts (see the report's field names).
// Handshake rounds alternate between the clients, so machine load hits them alike; medians are reported.
// Run: npm run bench:browser  (builds first). TLS_LENS_BENCH_ROUNDS (default 20), TLS_LENS_BENCH_MIB (default 16),
// TLS_LENS_BENCH_BIG_ROUNDS (default 5: rounds of that response), TLS_LENS_BENCH_ONLY=throughput (only the app's
// response rounds, alternating with the base app's when there is one; TLS_LENS_BENCH_PROFILE_READ applies),
// TLS_LENS_BENCH_APP_DIR: serve the app from another checkout with its own dist/ (to measure a base commit).
// TLS_LENS_BENCH_BASE_APP_DIR: also serve a base checkout's app (its own server, page and worker) and time it in
// the same alternating rounds (app Connect, cold page, large response): before/after as ratios of one run.
// TLS_LENS_BENCH_PROFILE=FILE: a CPU profile of the page over the warm app Connects (and FILE.worker.cpuprofile of the
// app's engine worker); TLS_LENS_BENCH_PROFILE_READ=FILE: over the app's large responses (the TLS_LENS_BENCH_MIB
// rounds: FILE.N.cpuprofile and FILE.N.worker.cpuprofile). For readable names, build with `vite build --minify false`
// and run `tsx bench/browser.ts`. TLS_LENS_BENCH_STEPS=FILE: every warm round's worker steps (both workers) as JSON;
// TLS_LENS_BENCH_TRACE=FILE: a Chromium trace of the warm rounds, split by bench/browser/trace-windows.ts.
// TLS_LENS_BENCH_JS_FLAGS: V8 flags for Chromium (with DEBUG=pw:browser, '--trace-opt --trace-deopt' shows which
// functions V8 still compiles or deoptimises in the warm rounds); TLS_LENS_BENCH_NO_MINIFY: the bench's own workers
// unminified (their names readable in such output and in profiles).
// cpuPerRoundMs: the CPU each warm round cost every process the bench started (Chromium's, the servers'; for the
// apps from the press to the status line only), by thread (bench/browser/tree-cpu.ts): on a shared 2-core machine
// the wall times swing with others' load, the CPU a Connect costs much less.
import fs from 'node:fs';
import path from 'node:path';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { freePort, makePki } from '../test/tls/helpers.ts';
import { median, pauseBeforeHandshake as gap, r2 } from './common.ts';
import { ratioInterval } from './ratio-interval.ts';
import { percentile, timeInPage } from './in-page-timer.ts';
import { coldRounds, writeColdPages } from './browser/cold-page.ts';
import { watchOtherWork, withTreeCpu, type TreeCpu } from './browser/tree-cpu.ts';
import { nodeViaBridge, startApp, startSServer, waitForExit } from './browser/servers.ts';
import { benchWorkerIn, bundle, heapWhile, workerProfiler } from './browser/page-tools.ts';
import { CONNECT_IN_PAGE, NOTE_WORKER_STATUS, appClose, appConnect, appConnectWithCpu, firstStatusShown, handshakePhases, splitResponse, threadMedians, workerSteps, type InPageConnect, type Steps } from './browser/app-rounds.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const APP_DIR = path.resolve(process.env.TLS_LENS_BENCH_APP_DIR ?? ROOT);
const BASE_APP_DIR = process.env.TLS_LENS_BENCH_BASE_APP_DIR ? path.resolve(process.env.TLS_LENS_BENCH_BASE_APP_DIR) : null;
const ROUNDS = Number(process.env.TLS_LENS_BENCH_ROUNDS ?? 20);
const MIB = Number(process.env.TLS_LENS_BENCH_MIB ?? 16);
const COLD_ROUNDS = Number(process.env.TLS_LENS_BENCH_COLD_ROUNDS ?? Math.max(3, Math.round(ROUNDS / 3)));
const COLD_ONLY = process.env.TLS_LENS_BENCH_ONLY === 'cold';
const THROUGHPUT_ONLY = process.env.TLS_LENS_BENCH_ONLY === 'throughput';
// The handshake rounds alone (engine, subtls, Node, the app and the base app), for the app Connect's figures.
const CONNECT_ONLY = process.env.TLS_LENS_BENCH_ONLY === 'connect';
// Five large-response rounds: the first runs the streaming path on a cold JIT, so three gave a wobbly median.
const BIG_ROUNDS = Number(process.env.TLS_LENS_BENCH_BIG_ROUNDS ?? 5);
const LARGE_MIB = Number(process.env.TLS_LENS_BENCH_LARGE_MIB ?? 256);
// Unmeasured handshakes before the warm rounds, the same number for every client (the engine's Worker, subtls's,
// the app and the base app): each runs its first rounds on a cold JIT. The app's are printed apart (appWarmupMs).
const WARMUP = Math.max(1, Number(process.env.TLS_LENS_BENCH_WARMUP ?? 5));
// Precise memory info: performance.memory otherwise rounds and updates slowly.
const FLAGS = ['--enable-precise-memory-info', '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
if (process.env.TLS_LENS_BENCH_JS_FLAGS) FLAGS.push(`--js-flags=${process.env.TLS_LENS_BENCH_JS_FLAGS}`);

async function main() {
  const otherWork = watchOtherWork();
  const pki = makePki();
  const www = fs.mkdtempSync(path.join(pki.dir, 'www-'));
  fs.writeFileSync(path.join(www, 'big.bin'), Buffer.alloc(MIB * 1024 * 1024, 0x61));
  if (LARGE_MIB > 0) {
    const fd = fs.openSync(path.join(www, 'large.bin'), 'w');
    const chunk = Buffer.alloc(1024 * 1024, 0x62);
    for (let i = 0; i < LARGE_MIB; i++) fs.writeSync(fd, chunk);
    fs.closeSync(fd);
  }
  const server = await startSServer(www, pki.leafCert, pki.leafKey);
  const target = `127.0.0.1:${server.port}`;
  const appPort = await freePort();
  const app = await startApp(appPort, server.port, APP_DIR);
  const basePort = BASE_APP_DIR ? await freePort() : 0;
  const baseApp = BASE_APP_DIR ? await startApp(basePort, server.port, BASE_APP_DIR) : null;
  const baseAppURL = `http://127.0.0.1:${basePort}`;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: FLAGS });
  const ca = fs.readFileSync(pki.rootPem);
  const anchorHex = Buffer.from(pki.rootDer).toString('hex');
  const baseURL = `http://127.0.0.1:${appPort}`;
  const request = 'GET /big.bin HTTP/1.0\r\n\r\n';
  let subtlsFiles: string[] = [];
  try {
    const context = await browser.newContext({ baseURL, viewport: { width: 1400, height: 900 } });
    await context.addInitScript(`sessionStorage.setItem('tls-lens:trusted-roots', ${JSON.stringify(JSON.stringify([anchorHex]))})`);
    await context.addInitScript(NOTE_WORKER_STATUS);
    const page = await context.newPage();
    await page.goto('/');
    await page.getByTestId('connect-button').waitFor();
    /** The base checkout's app in its own page (when asked for). */
    let basePage: Page | null = null;
    if (baseApp) {
      const baseContext = await browser.newContext({ baseURL: baseAppURL, viewport: { width: 1400, height: 900 } });
      await baseContext.addInitScript(`sessionStorage.setItem('tls-lens:trusted-roots', ${JSON.stringify(JSON.stringify([anchorHex]))})`);
      await baseContext.addInitScript(NOTE_WORKER_STATUS);
      basePage = await baseContext.newPage();
      await basePage.goto('/');
      await basePage.getByTestId('connect-button').waitFor();
      for (let i = 0; i < WARMUP; i++) {
        await appConnect(basePage, target);
        await appClose(basePage);
      }
    }
    const runEngine = await benchWorkerIn(page, 'engine', await bundle('engine-worker.ts'));
    const runSubtls = await benchWorkerIn(page, 'subtls', await bundle('subtls-worker.ts'));
    const bridgeUrl = `ws://127.0.0.1:${appPort}/bridge?target=${encodeURIComponent(target)}`;
    const job = { url: bridgeUrl, anchorHex, anchorPem: ca.toString(), serverName: 'localhost' };
    subtlsFiles = writeColdPages(APP_DIR, `const BENCH = ${JSON.stringify({ url: bridgeUrl, anchorPem: ca.toString(), serverName: 'localhost' })};\n${await bundle('subtls-page.ts')}`, { bridgeUrl: `ws://127.0.0.1:${appPort}/bridge`, target, anchorHex });
    const cold = () => coldRounds({ browser, appURL: baseURL, baseAppURL: baseApp ? baseAppURL : undefined, anchorHex, target, connectInPage: CONNECT_IN_PAGE, rounds: COLD_ROUNDS });
    if (COLD_ONLY) {
      const c = await cold();
      console.log(JSON.stringify({ machine: { loadAverage1m: +loadavg()[0].toFixed(2), ...otherWork(), coldRounds: COLD_ROUNDS, appDir: APP_DIR, baseAppDir: BASE_APP_DIR }, coldPageMs: c }, null, 2));
      return;
    }
    if (THROUGHPUT_ONLY) {
      // The app's large response alone, alternating with the base app's: an A/B of the streaming path.
      const mbps = (r: InPageConnect) => r2((MIB * 1.048576) / ((r.seen.closed - r.seen.connected) / 1000));
      const ours: number[] = [];
      const base: number[] = [];
      const followedToEnd: boolean[] = [];
      // The page's main-thread time per round (Chromium's Performance metrics, seconds of task, script, layout and
      // style work): what the page costs while the response streams, apart from the rate the bridge and worker allow.
      const metricsOf = async (p: Page) => {
        const session = await p.context().newCDPSession(p);
        await session.send('Performance.enable');
        return async () => Object.fromEntries(((await session.send('Performance.getMetrics')).metrics as { name: string; value: number }[]).map((m) => [m.name, m.value]));
      };
      const pageCost: Record<string, number>[] = [];
      const basePageCost: Record<string, number>[] = [];
      const costOf = async (read: () => Promise<Record<string, number>>, run: () => Promise<unknown>) => {
        const a = await read();
        await run();
        const b = await read();
        const ms = (k: string) => r2((b[k] - a[k]) * 1000);
        return { taskMs: ms('TaskDuration'), scriptMs: ms('ScriptDuration'), layoutMs: ms('LayoutDuration'), styleMs: ms('RecalcStyleDuration'), layouts: b.LayoutCount - a.LayoutCount, styles: b.RecalcStyleCount - a.RecalcStyleCount };
      };
      const medianOf = (rounds: Record<string, number>[]) => Object.fromEntries(Object.keys(rounds[0]).map((k) => [k, median(rounds.map((x) => x[k]))]));
      const ourMetrics = await metricsOf(page);
      const baseMetrics = basePage ? await metricsOf(basePage) : null;
      const profileTo = process.env.TLS_LENS_BENCH_PROFILE_READ;
      const cdp = profileTo ? await context.newCDPSession(page) : null;
      const workerProfile = profileTo ? await workerProfiler(page, 'engine.worker') : null;
      await cdp?.send('Profiler.enable');
      // The worker's steps from the second round on (the first starts the worker's read path): splitResponse.
      let steps: Awaited<ReturnType<typeof workerSteps>> | null = null;
      const splits: Record<string, number>[] = [];
      for (let i = 0; i < BIG_ROUNDS; i++) {
        await cdp?.send('Profiler.start');
        await workerProfile?.start();
        let r: InPageConnect = null!;
        pageCost.push(await costOf(ourMetrics, async () => (r = await appConnect(page, target, request.replace(/\r\n/g, '\\r\\n')))));
        if (!r.seen.closed) throw new Error(`the app's large response did not end cleanly: ${r.error}`);
        ours.push(mbps(r));
        if (steps) splits.push(splitResponse(await steps.take(), (await page.evaluate('performance.timeOrigin')) as number, r));
        steps ??= await workerSteps(page, async (w) => w.url().includes('engine.worker'));
        // The ladder followed the trace to its end: its newest row is drawn (the last one a person would see).
        followedToEnd.push((await page.evaluate(`(() => { const rows = [...document.querySelectorAll('.ladder .lrow')].map((r) => +r.getAttribute('data-row')); const total = +document.querySelector('[data-testid="position"]').textContent.match(/of (\\d+)/)[1]; return rows.includes(total - 1); })()`)) as boolean);
        if (cdp) fs.writeFileSync(`${profileTo}.${i}.cpuprofile`, JSON.stringify((await cdp.send('Profiler.stop')).profile));
        await workerProfile?.stopTo(`${profileTo}.${i}.worker.cpuprofile`);
        if (basePage) {
          let b: InPageConnect = null!;
          basePageCost.push(await costOf(baseMetrics!, async () => (b = await appConnect(basePage!, target, request.replace(/\r\n/g, '\\r\\n')))));
          base.push(mbps(b));
        }
      }
      const out = { machine: { loadAverage1m: +loadavg()[0].toFixed(2), ...otherWork(), bigRounds: BIG_ROUNDS, responseMiB: MIB, appDir: APP_DIR, baseAppDir: BASE_APP_DIR }, appMBperS: ours, baseAppMBperS: base, ladderFollowedToEnd: followedToEnd, median: { app: median(ours), base: base.length ? median(base) : null }, pageMainThreadPerRound: { app: medianOf(pageCost), base: basePageCost.length ? medianOf(basePageCost) : null }, pageTaskVsBase: basePageCost.length ? r2(medianOf(pageCost).taskMs / medianOf(basePageCost).taskMs) : null, appVsBase: base.length ? r2(median(ours) / median(base)) : null, responseSplitMs: splits.length ? medianOf(splits) : null, responseSplitRounds: splits };
      console.log(JSON.stringify(out, null, 2));
      return;
    }

    // Handshakes: the first app Connect is the one a person meets first in a loaded page; then warm rounds.
    const first = await appConnect(page, target, undefined, true);
    const appFirstMs = first.seen.connected - first.pressed;
    const appFirstToStatusMs = firstStatusShown(first) - first.pressed;
    await appClose(page);
    // The app's next Connects, as many as the other clients' unmeasured rounds: still on a warming JIT.
    const appWarmupMs = [r2(appFirstMs)];
    for (let i = 1; i < WARMUP; i++) {
      const w = await appConnect(page, target);
      appWarmupMs.push(r2(w.seen.connected - w.pressed));
      await appClose(page);
    }
    // The engine's first handshakes in a fresh Worker: a cold JIT and WebCrypto's first calls.
    const engineColdMs = (await runEngine({ ...job, rounds: WARMUP })).handshakeMs;
    await runSubtls({ ...job, rounds: WARMUP });
    for (let i = 0; i < 3; i++) await nodeViaBridge(appPort, target, ca);
    const engineMs: number[] = [];
    const subtlsMs: number[] = [];
    const nodeMs: number[] = [];
    const appMs: number[] = [];
    /** Press to the first status the line shows: "connecting" when the handshake takes longer than the page waits
     * before drawing it (src/ui/worker-client.ts), otherwise "connected" itself. */
    const appToFirstStatusMs: number[] = [];
    /** And in two other parts: press to the worker's "connected" message reaching the page, then to its showing. */
    const appToConnectedMessageMs: number[] = [];
    const appConnectedMessageToShownMs: number[] = [];
    const baseAppMs: number[] = [];
    /** Press to the first frame painted after the line says "connected" (the session a person sees drawn), beside
     * appConnect (which stops at the line's change, the goal's figure); the same for the base app. */
    const appPaintedMs: number[] = [];
    const basePaintedMs: number[] = [];
    // The warm rounds in parts (handshakePhases), for the app and the engine alone.
    const pageOrigin = (await page.evaluate('performance.timeOrigin')) as number;
    const appSteps = await workerSteps(page, async (w) => w.url().includes('engine.worker'));
    const engineSteps = await workerSteps(page, async (w) => (await w.evaluate('self.name')) === 'engine');
    const appPhases: Record<string, number>[] = [];
    // The base app's rounds in the same parts (its own page and worker), for a before/after of each part.
    const baseOrigin = basePage ? ((await basePage.evaluate('performance.timeOrigin')) as number) : 0;
    const baseSteps = basePage ? await workerSteps(basePage, async (w) => w.url().includes('engine.worker')) : null;
    const basePhases: Record<string, number>[] = [];
    // What each round cost every process the bench started (tree-cpu.ts): Chromium's, the servers' and bridges'.
    const cpu: Record<'engine' | 'app' | 'base', TreeCpu[]> = { engine: [], app: [], base: [] };
    const enginePhases: Record<string, number>[] = [];
    const profileTo = process.env.TLS_LENS_BENCH_PROFILE;
    const cdp = profileTo ? await context.newCDPSession(page) : null;
    const workerProfile = profileTo ? await workerProfiler(page, 'engine.worker') : null;
    await cdp?.send('Profiler.enable');
    // 50 µs: the page's part of a Connect is a few milliseconds.
    await cdp?.send('Profiler.setSamplingInterval', { interval: 50 });
    await cdp?.send('Profiler.start');
    await workerProfile?.start();
    // TLS_LENS_BENCH_TRACE=FILE: a Chromium trace of the warm rounds (every thread of every process, with the page's
    // 'bench press', 'bench arrived connected' and 'bench shown connected' marks): bench/browser/trace-windows.ts.
    const traceTo = process.env.TLS_LENS_BENCH_TRACE;
    if (traceTo) for (const w of [appSteps, engineSteps]) await w.evaluate('self.benchMarks = true');
    if (traceTo) await page.evaluate('window.benchMarks = true');
    if (traceTo) await browser.startTracing(page, { path: traceTo, categories: ['toplevel', 'blink.user_timing', 'devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8.execute', 'cc', 'viz', 'benchmark'] });
    // A mark the profile shows (a function that spins 3 ms): its first sample is at this page time, so the
    // rounds' windows below (page times) can be found in the profile (bench/browser/profile-windows.ts).
    const profileMark = cdp ? ((await page.evaluate('(function benchProfileMark() { const t = performance.now(); while (performance.now() - t < 3); return t; })()')) as number) : 0;
    // The same in the app's worker, on the clock its steps are noted in (timeOrigin + now).
    const workerMark = cdp ? ((await appSteps.evaluate('(function benchProfileMark() { const t = performance.timeOrigin + performance.now(); const end = performance.now() + 3; while (performance.now() < end); return t; })()')) as number) : 0;
    const profileWindows: { press: number; arrived: number; shown: number; worker: Record<string, number> }[] = [];
    // TLS_LENS_BENCH_STEPS=FILE: every warm round's worker steps (both workers; the app's with the page's press,
    // 'connected' arrival and showing), times in ms from the round's first step: where a round's time went.
    const stepsTo = process.env.TLS_LENS_BENCH_STEPS;
    const stepRounds: { engine: Steps; app?: Steps; page?: Record<string, number> }[] = [];
    const relative = (s: Steps, from: number): Steps => s.map(([t, w, n]) => (n === undefined ? [r2(t - from), w] : [r2(t - from), w, n]));
    for (let i = 0; i < ROUNDS; i++) {
      await engineSteps.take();
      await gap();
      const engineRound = await withTreeCpu(() => runEngine({ ...job, rounds: 1 }));
      cpu.engine.push(engineRound.cpu);
      const e = engineRound.result.handshakeMs[0];
      engineMs.push(e);
      const es = await engineSteps.take();
      // The engine's clock starts before its ClientHello is made (the WebSocket is made after it, carrying it:
      // FirstFlightTransport), within microseconds of the job's arrival: its end is the arrival plus its time. (Counted
      // from the WebSocket's making, as before, the end came late by the ClientHello's making, ~0.5 ms, and
      // serverFlightToDone held it.)
      enginePhases.push(handshakePhases(es, (es.find(([, w]) => w.startsWith('receive'))?.[0] ?? NaN) + e));
      await gap();
      subtlsMs.push(...(await runSubtls({ ...job, rounds: 1 })).handshakeMs);
      await gap();
      nodeMs.push((await nodeViaBridge(appPort, target, ca)).ms);
      const appRun = async () => {
        await appSteps.take();
        await gap();
        const appRound = await appConnectWithCpu(page, target);
        cpu.app.push(appRound.cpu);
        const r = appRound.result;
        appMs.push(r.seen.connected - r.pressed);
        appPaintedMs.push((r.painted ?? NaN) - r.pressed);
        appToFirstStatusMs.push(firstStatusShown(r) - r.pressed);
        if (r.arrived.connected) {
          appToConnectedMessageMs.push(r.arrived.connected - r.pressed);
          appConnectedMessageToShownMs.push(r.seen.connected - r.arrived.connected);
          const as = await appSteps.take();
          const done = as.find(([, w]) => w === 'post status connected')?.[0] ?? NaN;
          appPhases.push(handshakePhases(as, done, { press: pageOrigin + r.pressed, arrived: pageOrigin + r.arrived.connected, shown: pageOrigin + r.seen.connected, painted: pageOrigin + (r.painted ?? NaN) }));
          const at = (what: string) => as.find(([, w]) => w === what)?.[0] ?? NaN;
          const flight = as.filter(([t, w]) => w === 'socket in' && t < done).at(-1)?.[0] ?? NaN;
          profileWindows.push({ press: r.pressed, arrived: r.arrived.connected, shown: r.seen.connected, worker: { received: at('receive connect'), socket: at('socket new'), open: at('socket open'), flight, done } });
          if (stepsTo) {
            const press = pageOrigin + r.pressed;
            stepRounds.push({ engine: relative(es, es[0]?.[0] ?? 0), app: relative(as, press), page: { arrived: r2(r.arrived.connected - r.pressed), shown: r2(r.seen.connected - r.pressed) } });
          }
        }
        await appClose(page);
      };
      const baseRun = async () => {
        await baseSteps!.take();
        await gap();
        const baseRound = await appConnectWithCpu(basePage!, target);
        cpu.base.push(baseRound.cpu);
        const b = baseRound.result;
        baseAppMs.push(b.seen.connected - b.pressed);
        basePaintedMs.push((b.painted ?? NaN) - b.pressed);
        if (b.arrived.connected) {
          const bs = await baseSteps!.take();
          basePhases.push(handshakePhases(bs, bs.find(([, w]) => w === 'post status connected')?.[0] ?? NaN, { press: baseOrigin + b.pressed, arrived: baseOrigin + b.arrived.connected, shown: baseOrigin + b.seen.connected, painted: baseOrigin + (b.painted ?? NaN) }));
        }
        await appClose(basePage!);
      };
      // The app and the base take turns going first, so that neither always follows the other's close (s_server
      // serves one connection at a time). Checked in session 14: three rotated runs of 100 rounds showed no effect of
      // the order (the app 13.4 / 13.6, 14.15 / 13.85, 13.25 / 13.3 ms first / second), so earlier paired figures stand.
      for (const run of basePage && i % 2 === 1 ? [baseRun, appRun] : basePage ? [appRun, baseRun] : [appRun]) await run();
    }

    if (traceTo) await browser.stopTracing();
    if (cdp) {
      fs.writeFileSync(profileTo!, JSON.stringify((await cdp.send('Profiler.stop')).profile));
      fs.writeFileSync(`${profileTo}.windows.json`, JSON.stringify({ mark: profileMark, workerMark, rounds: profileWindows }));
    }
    await workerProfile?.stopTo(`${profileTo}.worker.cpuprofile`);
    if (stepsTo) fs.writeFileSync(stepsTo, JSON.stringify(stepRounds, null, 1));

    /** Medians of the rounds' CPU (ms, every process together), and the app's paired with the base's. */
    const cpuReport = {
      note: 'on-CPU ms of every process the bench started, per round (Chromium, servers, bridges); waitMs: runnable, waiting for a core',
      engineWorker: { runMs: r2(median(cpu.engine.map((c) => c.runMs))), waitMs: r2(median(cpu.engine.map((c) => c.waitMs))) },
      app: { runMs: r2(median(cpu.app.map((c) => c.runMs))), waitMs: r2(median(cpu.app.map((c) => c.waitMs))) },
      ...(cpu.base.length ? { base: { runMs: r2(median(cpu.base.map((c) => c.runMs))), waitMs: r2(median(cpu.base.map((c) => c.waitMs))) }, pairedAppVsBase: r2(median(cpu.app.map((c, i) => c.runMs / cpu.base[i].runMs))) } : {}),
      pairedAppVsEngineWorker: r2(median(cpu.app.map((c, i) => c.runMs / cpu.engine[i].runMs))),
      // Where it went: each thread's median, for the threads that ran at least 0.2 ms (median) in some round.
      byThread: Object.fromEntries((['engine', 'app', 'base'] as const).map((k) => [k, threadMedians(cpu[k])])),
    };
    // The press to the session's first painted frame (after the stop point of appConnect, which stays the goal's).
    const finite = (v: number[]) => v.filter((x) => Number.isFinite(x));
    const painted = {
      appConnectPainted: finite(appPaintedMs).length ? median(finite(appPaintedMs)) : null,
      ...(basePaintedMs.length ? { baseAppConnectPainted: finite(basePaintedMs).length ? median(finite(basePaintedMs)) : null } : {}),
    };
    const paintedPairs = basePaintedMs.length ? finite(appPaintedMs.map((a, i) => a / basePaintedMs[i])) : [];
    const paintedRatios = paintedPairs.length ? { pairedAppVsBasePainted: r2(median(paintedPairs)) } : {};
    if (CONNECT_ONLY) {
      const medians = (rounds: Record<string, number>[]) => (rounds.length === 0 ? {} : Object.fromEntries(Object.keys(rounds[0]).map((k) => [k, median(rounds.map((p) => p[k]).filter((v) => !Number.isNaN(v)))])));
      const app = median(appMs);
      const engine = median(engineMs);
      const base = baseAppMs.length ? median(baseAppMs) : null;
      const out = {
        machine: { loadAverage1m: +loadavg()[0].toFixed(2), ...otherWork(), rounds: ROUNDS, warmupRounds: WARMUP, appDir: APP_DIR, baseAppDir: BASE_APP_DIR },
        handshakeMs: { appConnect: app, engineWorker: engine, baseAppConnect: base, nodeTlsViaBridge: median(nodeMs), appFirstConnect: r2(appFirstMs), appWarmupMs, appPressToFirstStatus: median(appToFirstStatusMs), ...painted },
        ratios: { appConnectVsEngineWorker: r2(app / engine), baseAppConnectVsEngineWorker: base ? r2(base / engine) : null, appConnectVsBase: base ? r2(app / base) : null, pairedAppVsBase: base ? median(appMs.map((a, i) => a / baseAppMs[i])) : null, ...paintedRatios },
        /** How far the goal's ratio can be trusted: its 95% interval over resampled rounds, and how often under 1.3. */
        ratioIntervals: { appConnectVsEngineWorker: ratioInterval(appMs, engineMs, { line: 1.3 }), ...(base ? { baseAppConnectVsEngineWorker: ratioInterval(baseAppMs, engineMs, { line: 1.3 }), appConnectVsBase: ratioInterval(appMs, baseAppMs, { line: 1 }) } : {}) },
        appConnectPhasesMs: { app: medians(appPhases), engineWorker: medians(enginePhases), ...(basePhases.length ? { base: medians(basePhases) } : {}) },
        cpuPerRoundMs: cpuReport,
        runs: { appMs: appMs.map(r2), engineMs: engineMs.map(r2), baseAppMs: baseAppMs.map(r2), appPaintedMs: appPaintedMs.map(r2), basePaintedMs: basePaintedMs.map(r2) },
      };
      console.log(JSON.stringify(out, null, 2));
      return;
    }

    const coldPage = await cold();

    // Large response: the app reads it into its trace; the engine alone and Node's tls read and drop it.
    const appMBs: number[] = [];
    const engineMBs: number[] = [];
    const subtlsMBs: number[] = [];
    const nodeMBs: number[] = [];
    const baseAppMBs: number[] = [];
    let heapAfterApp = 0;
    let summarisedRowsShown = 0;
    const profileReadTo = process.env.TLS_LENS_BENCH_PROFILE_READ;
    const cdpRead = profileReadTo ? await context.newCDPSession(page) : null;
    const workerProfileRead = profileReadTo ? await workerProfiler(page, 'engine.worker') : null;
    await cdpRead?.send('Profiler.enable');
    for (let i = 0; i < BIG_ROUNDS; i++) {
      await cdpRead?.send('Profiler.start');
      await workerProfileRead?.start();
      const r = await appConnect(page, target, request.replace(/\r\n/g, '\\r\\n'));
      if (!r.seen.closed) throw new Error(`the app's large response did not end cleanly: ${r.error}`);
      appMBs.push((MIB * 1.048576) / ((r.seen.closed - r.seen.connected) / 1000));
      if (cdpRead) fs.writeFileSync(`${profileReadTo}.${i}.cpuprofile`, JSON.stringify((await cdpRead.send('Profiler.stop')).profile));
      await workerProfileRead?.stopTo(`${profileReadTo}.${i}.worker.cpuprofile`);
      heapAfterApp = Math.max(heapAfterApp, (await page.evaluate(() => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0)) as number);
      // The ladder follows the end of the trace: its last rows are the summarised ones (when the app summarises).
      summarisedRowsShown = await page.locator('.lrow', { hasText: 'summarised' }).count();
      engineMBs.push(...(await runEngine({ ...job, rounds: 1, request })).mbPerS);
      subtlsMBs.push(...(await runSubtls({ ...job, rounds: 1, request })).mbPerS);
      nodeMBs.push((await nodeViaBridge(appPort, target, ca, request)).mbPerS!);
      if (basePage) {
        const b = await appConnect(basePage, target, request.replace(/\r\n/g, '\\r\\n'));
        baseAppMBs.push((MIB * 1.048576) / ((b.seen.closed - b.seen.connected) / 1000));
      }
    }

    // The large response through the app, then stepping through what it left in the ladder.
    const large = async (p: Page) => {
      const r = await heapWhile(p, () => appConnect(p, target, 'GET /large.bin HTTP/1.0\\r\\n\\r\\n'));
      if (!r.result.seen.closed) throw new Error(`the app's ${LARGE_MIB} MiB response did not end cleanly: ${r.result.error}`);
      await p.getByTestId('ladder-list').click({ position: { x: 5, y: 5 } }).catch(() => {});
      await timeInPage(p, 'step', 20);
      const stepping = await timeInPage(p, 'step', 300);
      return {
        mib: LARGE_MIB,
        appMBperS: r2((LARGE_MIB * 1.048576) / ((r.result.seen.closed - r.result.seen.connected) / 1000)),
        pageJsHeapPeakMB: r.peakMB,
        pageJsHeapAfterMB: r.afterMB,
        ladderRows: await p.getByTestId('position').innerText().catch(() => ''),
        steppingMs: { p50: r2(percentile(stepping, 50)), p95: r2(percentile(stepping, 95)), max: r2(Math.max(...stepping)), samples: stepping.length },
        goals: { pageJsHeapPeakMB: '< 300', steppingP95Ms: '< 16' },
      };
    };
    const largeNew = LARGE_MIB > 0 ? await large(page) : null;
    const largeBase = LARGE_MIB > 0 && basePage ? await large(basePage) : null;

    const m = {
      engineWorker: median(engineMs),
      subtlsWorker: median(subtlsMs),
      engineWorkerFirst: r2(engineColdMs[0]),
      engineWorkerSecond: r2(engineColdMs[1]),
      nodeTlsViaBridge: median(nodeMs),
      appConnect: median(appMs),
      appFirstConnect: r2(appFirstMs),
      appWarmupMs,
      appFirstPressToFirstStatus: r2(appFirstToStatusMs),
      appPressToFirstStatus: median(appToFirstStatusMs),
      appPressToConnectedMessage: appToConnectedMessageMs.length ? median(appToConnectedMessageMs) : null,
      appConnectedMessageToShown: appConnectedMessageToShownMs.length ? median(appConnectedMessageToShownMs) : null,
      ...painted,
      coldPageToFirstHandshake: coldPage.app.toFirstHandshake,
      coldSubtlsPageToFirstHandshake: coldPage.subtlsPage,
      coldEngineWorkerPageToFirstHandshake: coldPage.engineWorkerPage,
      coldEmptyWorkerPageToBridgeOpen: coldPage.emptyWorkerPageToBridgeOpen,
      coldPageFormShown: coldPage.app.formShown,
      coldPagePressToConnected: coldPage.app.pressToConnected,
      coldPageLadderShown: coldPage.app.ladderShown,
    };
    const medians = (rounds: Record<string, number>[]) => (rounds.length === 0 ? {} : Object.fromEntries(Object.keys(rounds[0]).map((k) => [k, median(rounds.map((p) => p[k]).filter((v) => !Number.isNaN(v)))])));
    const phases = { app: medians(appPhases), engineWorker: medians(enginePhases), ...(basePhases.length ? { base: medians(basePhases) } : {}) };
    const tp = { app: median(appMBs), engineWorker: median(engineMBs), subtlsWorker: median(subtlsMBs), nodeTlsViaBridge: median(nodeMBs) };
    const report = {
      machine: { loadAverage1m: +loadavg()[0].toFixed(2), ...otherWork(), rounds: ROUNDS, warmupRounds: WARMUP, coldRounds: COLD_ROUNDS, responseMiB: MIB, appDir: APP_DIR },
      handshakeMs: m,
      /** Medians of the warm rounds' parts (handshakePhases): where the app's Connect spends more than the engine. */
      appConnectPhasesMs: phases,
      /** The warm handshake rounds' CPU, every process the bench started together (tree-cpu.ts). */
      cpuPerRoundMs: cpuReport,
      ratios: {
        engineWorkerVsNodeTls: r2(m.engineWorker / m.nodeTlsViaBridge),
        engineWorkerVsSubtls: r2(m.engineWorker / m.subtlsWorker),
        coldPageVsColdSubtlsPage: r2(m.coldPageToFirstHandshake / m.coldSubtlsPageToFirstHandshake),
        coldEngineWorkerPageVsColdSubtlsPage: r2(m.coldEngineWorkerPageToFirstHandshake / m.coldSubtlsPageToFirstHandshake),
        coldEmptyWorkerPageVsColdSubtlsPage: r2(m.coldEmptyWorkerPageToBridgeOpen / m.coldSubtlsPageToFirstHandshake),
        appConnectVsEngineWorker: r2(m.appConnect / m.engineWorker),
        coldPageVsEngineWorker: r2(m.coldPageToFirstHandshake / m.engineWorker),
        nodeTlsVsAppThroughput: r2(tp.nodeTlsViaBridge / tp.app),
        engineWorkerVsAppThroughput: r2(tp.engineWorker / tp.app),
      },
      /** The goals' handshake ratios with their 95% intervals over resampled rounds (ratio-interval.ts). */
      ratioIntervals: {
        appConnectVsEngineWorker: ratioInterval(appMs, engineMs, { line: 1.3 }),
        engineWorkerVsSubtls: ratioInterval(engineMs, subtlsMs, { line: 1 }),
        engineWorkerVsNodeTls: ratioInterval(engineMs, nodeMs, { line: 1.2 }),
      },
      goals: { appConnectVsEngineWorker: '<= 1.3', engineWorkerVsNodeTls: '<= 1.2', engineWorkerVsSubtls: '< 1', coldPageVsColdSubtlsPage: '< 1', appThroughputMBperS: '>= 24 at 16 MiB (3x the 7.7-8.0 MB/s measured when issue 15 was filed)' },
      throughputMBperS: tp,
      pageJsHeapAfterLargeResponseMB: r2(heapAfterApp / 1e6),
      summarisedRowsShownAfterLargeResponse: summarisedRowsShown,
      large: largeNew,
      ...(basePage
        ? {
            base: {
              appDir: BASE_APP_DIR,
              appConnectMs: median(baseAppMs),
              coldPageToFirstHandshakeMs: coldPage.base!.toFirstHandshake,
              coldPage: coldPage.base,
              throughputMBperS: median(baseAppMBs),
              large: largeBase,
              ratios: {
                appConnectVsBase: r2(m.appConnect / median(baseAppMs)),
                ...paintedRatios,
                coldPageVsBase: r2(m.coldPageToFirstHandshake / coldPage.base!.toFirstHandshake),
                throughputVsBase: r2(tp.app / median(baseAppMBs)),
                baseAppConnectVsEngineWorker: r2(median(baseAppMs) / m.engineWorker),
                baseColdPageVsColdSubtlsPage: r2(coldPage.base!.toFirstHandshake / m.coldSubtlsPageToFirstHandshake),
              },
              runs: { appMs: baseAppMs.map(r2), cold: coldPage.runs.base, appMBs: baseAppMBs.map(r2) },
            },
          }
        : {}),
      runs: { engineMs: engineMs.map(r2), subtlsMs: subtlsMs.map(r2), coldSubtlsMs: coldPage.runs.subtls, coldEngineWorkerMs: coldPage.runs.engineWorker, nodeMs: nodeMs.map(r2), appMs: appMs.map(r2), cold: coldPage.runs.app, appMBs: appMBs.map(r2), engineMBs: engineMBs.map(r2), nodeMBs: nodeMBs.map(r2) },
    };
    console.log(JSON.stringify(report, null, 2));
    console.log(
      `\nengine in a Worker ${m.engineWorker} ms (${report.ratios.engineWorkerVsNodeTls}x Node tls ${m.nodeTlsViaBridge} ms); app Connect ${m.appConnect} ms ` +
        `(${report.ratios.appConnectVsEngineWorker}x the engine; first in the page ${m.appFirstConnect} ms; its first frame painted ${m.appConnectPainted} ms); subtls in a Worker ${m.subtlsWorker} ms; ` +
        `cold page to first handshake ${m.coldPageToFirstHandshake} ms (subtls page ${m.coldSubtlsPageToFirstHandshake} ms: ${report.ratios.coldPageVsColdSubtlsPage}x); ` +
        `${MIB} MiB response: app ${tp.app} MB/s, engine ${tp.engineWorker} MB/s, Node tls ${tp.nodeTlsViaBridge} MB/s; medians.`,
    );
  } finally {
    for (const f of subtlsFiles) fs.rmSync(f, { force: true });
    await browser.close();
    app.kill('SIGTERM');
    baseApp?.kill('SIGTERM');
    server.proc.kill('SIGTERM');
    await Promise.all([waitForExit(app), waitForExit(server.proc), ...(baseApp ? [waitForExit(baseApp)] : [])]);
    fs.rmSync(pki.dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
