// Both sides in the page, in Debian's Chromium: the time from "Run both sides" to both outcomes on screen (the
// server's worker makes a throwaway PKI, our client's worker and it run the handshake across a MessageChannel, both
// traces reach the store and the view), TLS 1.3 with the form's defaults (X25519MLKEM768 first). Cold: a fresh
// browser context each round (the workers and the engines load); warm: further runs in the same page. Reference in
// the same run: the same both-sides run in Node (runBothSides: the side runners the workers run, in one thread over a
// MessageChannel, traces recorded), so the figures are printed as ratios to it. Medians.
// Run: npm run bench:both-sides (builds first). TLS_LENS_BENCH_ROUNDS (default 10).
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
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

async function main() {
  const server = createServer(async (req, res) => {
    const p = new URL(req.url ?? '/', 'http://x').pathname;
    const file = path.join(DIST, p === '/' ? 'index.html' : path.normalize(p));
    const body = await readFile(file).catch(() => null);
    if (body) res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' }).end(body);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: FLAGS });
  try {
    const cold: number[] = [];
    const warm: number[] = [];
    const node: number[] = [];
    await nodeRun(); // Node's own first-run costs (module compile) out of the reference.
    for (let i = 0; i < ROUNDS; i++) {
      // Alternate page and Node so machine load hits both alike.
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(base);
      await page.click('[data-testid="toggle-both-sides"]');
      await page.waitForSelector('[data-testid="both-run"]');
      cold.push(await timedRun(page));
      node.push(await nodeRun());
      for (let j = 0; j < 3; j++) {
        warm.push(await timedRun(page));
        node.push(await nodeRun());
      }
      await context.close();
    }
    const ref = median(node);
    const round = (x: number) => Math.round(x * 10) / 10;
    console.log(
      JSON.stringify(
        {
          what: 'both-sides TLS 1.3 run: click to both outcomes shown (page) vs runBothSides to handshake done (Node)',
          rounds: { cold: cold.length, warm: warm.length, node: node.length },
          medianMs: { pageCold: round(median(cold)), pageWarm: round(median(warm)), node: round(ref) },
          ratioToNode: { pageCold: round(median(cold) / ref), pageWarm: round(median(warm) / ref) },
        },
        null,
        2,
      ),
    );
  } finally {
    await browser.close();
    server.close();
  }
}

await main();
