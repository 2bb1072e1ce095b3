// Both sides in the page, in Debian's Chromium: the time from "Run both sides" to both outcomes on screen (the
// server's worker makes a throwaway PKI, our client's worker and it run the handshake across a MessageChannel, both
// traces reach the store and the view), TLS 1.3 with the form's defaults (X25519MLKEM768 first). Cold: a fresh
// browser context each round (the workers and the engines load); warm: further runs in the same page. Reference in
// the same run: the same both-sides run in Node (runBothSides: the side runners the workers run, in one thread over a
// MessageChannel, traces recorded), so the figures are printed as ratios to it. Medians.
// Run: npm run bench:both-sides (builds first). TLS_LENS_BENCH_ROUNDS (default 10). TLS_LENS_BENCH_BASE_DIST=<another
// build's dist>: that build timed in the same rounds, alternating with this one, and the ratio this / base printed.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { TraceRecorder } from '../src/trace/recorder.ts';
import { runBothSides } from '../src/ui/both-sides/run-both.ts';
import type { BothSidesRequest } from '../src/worker/both-sides-messages.ts';
import { median } from './common.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = path.join(ROOT, 'dist');
const ROUNDS = Number(process.env.TLS_LENS_BENCH_ROUNDS ?? 10);
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.svg': 'image/svg+xml' };
/** As the page's form sends it by default. */
const REQUEST: BothSidesRequest = { versions: ['TLS1.3', 'TLS1.2'], suites: [], groups: ['X25519MLKEM768', 'x25519', 'secp256r1', 'secp384r1'], helloRetry: false, certificate: 'good', clientAuth: 'none', clientHasCertificate: true, refuseClientCertificate: false, tickets: 2, renegotiate: false, keyUpdate: false };

/** Click "Run both sides" in the page and time it, in the page, to both outcomes shown; then wait for the end. */
async function timedRun(page: Page): Promise<number> {
  // A string, not a function: tsx's name helpers do not exist in the page.
  const ms = (await page.evaluate(`new Promise((resolve) => {
    const shown = () => !!document.querySelector('[data-testid="both-outcome-server"]');
    const t0 = performance.now();
    document.querySelector('[data-testid="both-run"]').click();
    // The click clears the previous outcome (rendered before the worker can answer): wait for it to go, then
    // for the new one.
    let cleared = !shown();
    const observer = new MutationObserver(() => {
      if (!cleared) return void (cleared = !shown());
      if (!shown()) return;
      observer.disconnect();
      resolve(performance.now() - t0);
    });
    observer.observe(document.body, { childList: true, subtree: true });
  })`)) as number;
  await page.waitForSelector('[data-testid="both-status"][data-status="done"]', { timeout: 30_000 });
  const text = await page.textContent('[data-testid="both-outcome-server"]');
  if (!text?.includes('TLSv1.3')) throw new Error(`the run did not complete: ${text}`);
  return ms;
}

async function nodeRun(): Promise<number> {
  const traces = { client: new TraceRecorder(), server: new TraceRecorder() };
  const t0 = performance.now();
  let ms = 0;
  await runBothSides(traces, REQUEST, { handshakeDone: () => (ms = performance.now() - t0), finished: () => {} });
  return ms;
}

/** A static server for one build's files. */
async function serveStatic(dist: string): Promise<{ url: string; close(): void }> {
  const server = createServer(async (req, res) => {
    const p = new URL(req.url ?? '/', 'http://x').pathname;
    const file = path.join(dist, p === '/' ? 'index.html' : path.normalize(p));
    const body = await readFile(file).catch(() => null);
    if (body) res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' }).end(body);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, close: () => server.close() };
}

/** One round in a fresh context: a cold run, then three warm ones, each followed by a Node run. */
async function round(browser: Browser, url: string, into: { cold: number[]; warm: number[] }, node: number[]) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(url);
  await page.click('[data-testid="toggle-both-sides"]');
  await page.waitForSelector('[data-testid="both-run"]');
  into.cold.push(await timedRun(page));
  node.push(await nodeRun());
  for (let j = 0; j < 3; j++) {
    into.warm.push(await timedRun(page));
    node.push(await nodeRun());
  }
  await context.close();
}

async function main() {
  const ours = await serveStatic(DIST);
  // Another build's dist (e.g. an older commit's `vite build`), timed in the same rounds, alternating with ours.
  const baseDist = process.env.TLS_LENS_BENCH_BASE_DIST;
  const other = baseDist ? await serveStatic(path.resolve(baseDist)) : null;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: FLAGS });
  try {
    const page = { cold: [] as number[], warm: [] as number[] };
    const basePage = { cold: [] as number[], warm: [] as number[] };
    const node: number[] = [];
    await nodeRun(); // Node's own first-run costs (module compile) out of the reference.
    for (let i = 0; i < ROUNDS; i++) {
      // Alternate page(s) and Node so machine load hits all alike.
      await round(browser, ours.url, page, node);
      if (other) await round(browser, other.url, basePage, node);
    }
    const ref = median(node);
    const r1 = (x: number) => Math.round(x * 10) / 10;
    const r2 = (x: number) => Math.round(x * 100) / 100;
    console.log(
      JSON.stringify(
        {
          what: 'both-sides TLS 1.3 run: click to both outcomes shown (page) vs runBothSides to handshake done (Node)',
          rounds: { cold: page.cold.length, warm: page.warm.length, node: node.length },
          medianMs: { pageCold: r1(median(page.cold)), pageWarm: r1(median(page.warm)), node: r1(ref) },
          ratioToNode: { pageCold: r1(median(page.cold) / ref), pageWarm: r1(median(page.warm) / ref) },
          ...(other && {
            base: {
              dist: baseDist,
              medianMs: { pageCold: r1(median(basePage.cold)), pageWarm: r1(median(basePage.warm)) },
              ratioThisToBase: { pageCold: r2(median(page.cold) / median(basePage.cold)), pageWarm: r2(median(page.warm) / median(basePage.warm)) },
            },
          }),
        },
        null,
        2,
      ),
    );
  } finally {
    await browser.close();
    ours.close();
    other?.close();
  }
}

await main();
