// UI benchmark in Debian's Chromium: records a real TLS 1.3 session with the lab through the
// app itself, extends it to 10,000 application-data records, replays it, and measures stepping
// and scrolling (p95 of input → DOM updated and laid out), first load, and the bundle's gzip size.
// Run: npm run bench:ui   (builds first; starts its own server on a free port)
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile, stat, writeFile, mkdtemp, rm } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { chromium, type Page } from '@playwright/test';
import { loadavg } from 'node:os';
import type { RecordEvent, TraceEvent, TraceFile } from '../src/trace/types.ts';
import { percentile, timeInPage } from './in-page-timer.ts';

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const TARGET_RECORDS = 10_000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function startServer(port: number): Promise<ChildProcess> {
  const child = spawn('./node_modules/.bin/tsx', ['server/main.ts', '--port', String(port)], { stdio: ['ignore', 'ignore', 'inherit'] });
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/lab`);
      if (res.ok) return child;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  child.kill('SIGTERM');
  throw new Error('the TLS Lens server did not start within 120 s');
}

const fmt = (n: number) => n.toFixed(2);

/** Record a real session through the page: lab scenario, a request sent after the handshake. */
async function recordTrace(page: Page): Promise<TraceFile> {
  await page.goto('/');
  await page.getByTestId('scenario-select').selectOption('good-tls13');
  await page.getByTestId('bp-step').setChecked(false);
  await page.locator('summary', { hasText: 'Handshake options' }).click();
  await page.getByLabel('Continue even if the certificate check fails (it is still shown)').check();
  await page.getByLabel('Application data to send after the handshake').fill('GET / HTTP/1.0\\r\\n\\r\\n');
  await page.getByTestId('connect-button').click();
  await page.locator('[data-testid="status"][data-status="connected"], [data-testid="status"][data-status="closed"]').waitFor({ timeout: 60_000 });
  await page.locator('.lrow[data-kind="app-data"]').first().waitFor({ timeout: 15_000 });
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('save-trace').click()]);
  return JSON.parse(await readFile((await download.path())!, 'utf8')) as TraceFile;
}

/** Repeat the session's application-data records (re-indexed, next sequence numbers) up to the target count. */
function extend(file: TraceFile): TraceFile {
  const appRecords = file.events.filter((e): e is RecordEvent => e.kind === 'record' && (e.protection?.innerContentType ?? e.contentType) === 23);
  if (appRecords.length === 0) throw new Error('the recorded session has no application-data records to repeat');
  const events: TraceEvent[] = file.events.filter((e) => !(e.kind === 'connection' && e.phase === 'closed'));
  const seq = { client: 0, server: 0 };
  for (const r of appRecords) seq[r.direction] = Math.max(seq[r.direction], r.seq + 1);
  let have = appRecords.length;
  let t = events[events.length - 1].t;
  for (let i = 0; have < TARGET_RECORDS; i++, have++) {
    const src = appRecords[i % appRecords.length];
    t += 0.5;
    events.push({ ...src, index: events.length, t, seq: seq[src.direction]++ });
  }
  return { ...file, events };
}

async function measureLoad(page: Page, runs = 5): Promise<{ median: number; runs: number[] }> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    await page.goto('/', { waitUntil: 'commit' });
    await page.getByRole('heading', { name: 'TLS Lens' }).waitFor();
    await page.getByTestId('scenario-card').waitFor();
    // Time from navigation start to an interactive Connect view with the lab loaded.
    times.push(await page.evaluate(() => performance.now()));
  }
  return { median: percentile(times, 50), runs: times };
}

async function bundleSizes(): Promise<{ file: string; bytes: number; gzip: number }[]> {
  const dir = 'dist/assets';
  const out = [];
  for (const f of await readdir(dir)) {
    const data = await readFile(path.join(dir, f));
    out.push({ file: f, bytes: (await stat(path.join(dir, f))).size, gzip: gzipSync(data, { level: 9 }).length });
  }
  const html = await readFile('dist/index.html');
  out.push({ file: 'index.html', bytes: html.length, gzip: gzipSync(html, { level: 9 }).length });
  return out.sort((a, b) => b.gzip - a.gzip);
}

/** What a build's first screen loads before the app runs (index.html, its scripts, stylesheets and module preloads,
 * and the engine worker its head starts), beside the whole build: bytes and gzip. */
async function firstScreenSizes(distDir = 'dist') {
  const html = await readFile(path.join(distDir, 'index.html'), 'utf8');
  const refs = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"|new Worker\("\/(assets\/[^"]+\.js)"|Worker\(["'`]\/(assets\/[^"'`]+)/g)].map((m) => m[1] ?? m[2] ?? m[3]);
  const sizeOf = async (rel: string) => {
    const data = await readFile(path.join(distDir, rel));
    return { file: rel, bytes: data.length, gzip: gzipSync(data, { level: 9 }).length };
  };
  const files = [{ file: 'index.html', bytes: Buffer.byteLength(html), gzip: gzipSync(html, { level: 9 }).length }, ...(await Promise.all([...new Set(refs)].map(sizeOf)))];
  const all = await Promise.all((await readdir(path.join(distDir, 'assets'))).map((f) => sizeOf(path.join('assets', f))));
  const sum = (list: { bytes: number; gzip: number }[]) => ({ bytes: list.reduce((n, f) => n + f.bytes, 0), gzip: list.reduce((n, f) => n + f.gzip, 0) });
  const entry = files.find((f) => /assets\/index-[\w-]+\.js$/.test(f.file));
  const worker = files.find((f) => /engine\.worker-[\w-]+\.js$/.test(f.file));
  const workerLazyChunks = worker ? await Promise.all((await lazyChunks(distDir, worker.file)).map(sizeOf)) : [];
  return { distDir, indexHtml: files[0], entry, worker, workerLazyChunks, firstScreen: { files, ...sum(files) }, wholeBuild: sum([files[0], ...all]) };
}

/** The chunks a script loads itself when it needs them (its dynamic imports, followed through): for the engine worker,
 * what is not compiled before its first ClientHello. */
async function lazyChunks(distDir: string, script: string): Promise<string[]> {
  const seen = new Set<string>([script]);
  const queue = [script];
  const found: string[] = [];
  while (queue.length > 0) {
    const file = queue.shift()!;
    const code = await readFile(path.join(distDir, file), 'utf8');
    for (const m of code.matchAll(/import\(\s*[`'"]\.\/([^`'"]+\.js)[`'"]\s*\)/g)) {
      const rel = path.join(path.dirname(file), m[1]);
      if (seen.has(rel)) continue;
      seen.add(rel);
      found.push(rel);
      queue.push(rel);
    }
  }
  return found;
}

async function main() {
  // `tsx bench/ui.ts --sizes [DIST...]`: the first-screen sizes of these builds (default dist/), no browser.
  if (process.argv.includes('--sizes')) {
    const dirs = process.argv.slice(process.argv.indexOf('--sizes') + 1);
    for (const d of dirs.length ? dirs : ['dist']) console.log(JSON.stringify(await firstScreenSizes(d), null, 2));
    return;
  }
  const port = await freePort();
  const server = await startServer(port);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: FLAGS });
  const dir = await mkdtemp(path.join(tmpdir(), 'tls-lens-bench-'));
  try {
    const context = await browser.newContext({ baseURL: `http://127.0.0.1:${port}`, viewport: { width: 1400, height: 900 }, acceptDownloads: true });
    const page = await context.newPage();
    const load = await measureLoad(page);

    const recorded = await recordTrace(page);
    const big = extend(recorded);
    const file = process.env.TLS_LENS_BENCH_TRACE_OUT ?? path.join(dir, 'trace-10k.json');
    await writeFile(file, JSON.stringify(big));
    const appRecords = big.events.filter((e) => e.kind === 'record' && (e.protection?.innerContentType ?? e.contentType) === 23).length;

    const replay = await context.newPage();
    await replay.goto('/');
    await replay.getByTestId('scenario-card').waitFor();
    const t0 = Date.now();
    await replay.getByTestId('open-trace-input').setInputFiles(file);
    await replay.locator('[data-testid="status"][data-status="replay"]').waitFor();
    await replay.locator('.lrow').first().waitFor();
    const openMs = Date.now() - t0;
    const rows = await replay.getByTestId('position').innerText();

    // Step from the middle of the trace, where the list is longest on both sides.
    await replay.getByTestId('jump-input').fill(String(Math.floor(TARGET_RECORDS / 2)));
    await replay.getByRole('button', { name: 'Go' }).click();
    await replay.locator('body').click({ position: { x: 5, y: 890 } });
    await timeInPage(replay, 'step', 20); // warm-up
    const stepping = await timeInPage(replay, 'step', 300);
    await timeInPage(replay, 'scroll', 20);
    const scrolling = await timeInPage(replay, 'scroll', 300, 120);
    const pageJumps = await timeInPage(replay, 'scroll', 300, 997);

    // Real key presses, measured by the browser's Event Timing API (input → next paint), which only
    // reports events of 16 ms or more: count how many crossed that line.
    await replay.evaluate(`window.slowEvents = [];
      new PerformanceObserver((list) => { for (const e of list.getEntries()) if (e.name === 'keydown') window.slowEvents.push(e.duration); })
        .observe({ type: 'event', durationThreshold: 16, buffered: false });`);
    const presses = 200;
    // Baseline: a key the app ignores — what input → next paint costs in this headless browser anyway.
    for (let i = 0; i < presses; i++) await replay.keyboard.press('x');
    await replay.waitForTimeout(300);
    const baseline = (await replay.evaluate('window.slowEvents.splice(0)')) as number[];
    for (let i = 0; i < presses; i++) await replay.keyboard.press(i % 10 === 9 ? 'k' : 'j');
    await replay.waitForTimeout(300);
    const slow = (await replay.evaluate('window.slowEvents')) as number[];

    const sizes = await bundleSizes();
    const main = sizes.find((s) => /^index-.*\.js$/.test(s.file));
    const report = {
      machine: { loadAverage1m: Number(loadavg()[0].toFixed(2)) },
      trace: { events: big.events.length, applicationDataRecords: appRecords, recordedEvents: recorded.events.length, file: (await stat(file)).size, position: rows },
      firstLoadMs: { median: Number(fmt(load.median)), runs: load.runs.map((x) => Number(fmt(x))) },
      openTraceMs: openMs,
      steppingMs: { p50: Number(fmt(percentile(stepping, 50))), p95: Number(fmt(percentile(stepping, 95))), max: Number(fmt(Math.max(...stepping))), samples: stepping.length },
      pageJumpScrollingMs: { p50: Number(fmt(percentile(pageJumps, 50))), p95: Number(fmt(percentile(pageJumps, 95))), max: Number(fmt(Math.max(...pageJumps))), samples: pageJumps.length },
      scrollingMs: { p50: Number(fmt(percentile(scrolling, 50))), p95: Number(fmt(percentile(scrolling, 95))), max: Number(fmt(Math.max(...scrolling))), samples: scrolling.length },
      keyPresses: {
        total: presses,
        atOrOver16msToNextPaint: slow.length,
        p95ToNextPaint: slow.length >= presses * 0.05 ? percentile([...slow, ...new Array(presses - slow.length).fill(0)], 95) : '<16',
        worst: slow.length ? Math.max(...slow) : 0,
        baselineIgnoredKey: { atOrOver16ms: baseline.length, p95: baseline.length >= presses * 0.05 ? percentile([...baseline, ...new Array(presses - baseline.length).fill(0)], 95) : '<16' },
      },
      bundle: { mainJsGzip: main?.gzip, firstScreen: await firstScreenSizes(), files: sizes },
    };
    console.log(JSON.stringify(report, null, 2));
    console.log(
      `\n10,000-record trace (${big.events.length} events): stepping p95 ${fmt(percentile(stepping, 95))} ms, scrolling p95 ${fmt(percentile(scrolling, 95))} ms (wheel notches; page jumps ${fmt(percentile(pageJumps, 95))} ms); ` +
        `first load ${fmt(load.median)} ms (median of ${load.runs.length}); open trace ${openMs} ms; main bundle ${main?.bytes} B, gzip ${main?.gzip} B; ` +
        `${slow.length}/${presses} real key presses took ≥16 ms to the next paint (a key the app ignores: ${baseline.length}/${presses}).`,
    );
    const ok = percentile(stepping, 95) < 16 && percentile(scrolling, 95) < 16 && load.median < 1000;
    if (!ok) process.exitCode = 1;
  } finally {
    await browser.close();
    server.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
