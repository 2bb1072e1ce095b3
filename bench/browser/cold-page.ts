// The cold-page part of bench/browser.ts: each round a fresh browser context per page, in alternating order.
//   app          navigation start to the first handshake complete in the app: its Connect form filled in and pressed as
//                soon as it is there (CONNECT_IN_PAGE), split into the form shown, the press, "connected" on the status
//                line, and the first ladder row drawn (the trace in the app's views)
//   base         the same for a base checkout's app (TLS_LENS_BENCH_BASE_APP_DIR), in the same rounds
//   subtls       a page whose one script is subtls and its first handshake (the reference)
//   engineWorker a page whose one script starts the app's own engine worker (dist/'s engine.worker-*.js) and sends it
//                one connect: the floor for any page that runs our engine in its worker, with no UI at all; also to
//                the worker's 'worker-ready' (its code compiled and run)
//   emptyWorker  a page whose one script starts an almost empty dedicated worker (its own file) that opens a WebSocket
//                to the bridge: the floor for any page that talks to the bridge from a worker (the worker's fetch and
//                start and one WebSocket open; no engine, no handshake)
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { median, r2 } from '../common.ts';
import { BRIDGE_SUBPROTOCOL } from '../../src/transport/bridge-protocol.ts';

const SUBTLS_PAGE = 'bench-subtls-cold-page';
const WORKER_PAGE = 'bench-engine-worker-cold-page';
const EMPTY_WORKER_PAGE = 'bench-empty-worker-cold-page';

/** ms from navigation start: the Connect form shown, Connect pressed (the form filled in), the handshake complete,
 * the first ladder row drawn. */
export interface ColdTimes {
  formShown: number;
  pressed: number;
  connected: number;
  ladderShown: number;
}

async function coldApp(browser: Browser, baseURL: string, anchorHex: string, target: string, connectInPage: string): Promise<ColdTimes> {
  const context = await browser.newContext({ baseURL });
  try {
    // Source text, as CONNECT_IN_PAGE: as soon as the form is there, connect; the promise gives the times.
    await context.addInitScript(`
      sessionStorage.setItem('tls-lens:trusted-roots', ${JSON.stringify(JSON.stringify([anchorHex]))});
      window.firstHandshake = new Promise((resolve, reject) => {
        const start = () => {
          if (!document.querySelector('[data-testid="connect-button"]')) return requestAnimationFrame(start);
          const shown = performance.now();
          (${connectInPage})({ target: ${JSON.stringify(target)} }).then((r) => {
            if (!r.seen.connected) return reject(new Error(r.error || 'failed'));
            const drawn = () => (document.querySelector('.ladder .lrow') ? resolve({ formShown: shown, pressed: r.pressed, connected: r.seen.connected, ladderShown: performance.now() }) : requestAnimationFrame(drawn));
            drawn();
          }, reject);
        };
        requestAnimationFrame(start);
      });`);
    const page = await context.newPage();
    await page.goto('/', { waitUntil: 'commit' });
    return (await page.evaluate(() => (window as unknown as { firstHandshake: Promise<ColdTimes> }).firstHandshake)) as ColdTimes;
  } finally {
    await context.close();
  }
}

/** A page of the pages written by writeColdPages: ms from navigation start to its `window.firstHandshake` (and to
 * its worker's first message, for the pages that say it). Served by the app's server from its dist/ (the bridge checks
 * the origin, and Chromium lets only pages really served from loopback reach it). */
async function coldPlainPage(browser: Browser, baseURL: string, name: string): Promise<{ done: number; workerStarted?: number }> {
  const context = await browser.newContext({ baseURL });
  try {
    const page = await context.newPage();
    await page.goto(`/${name}.html`, { waitUntil: 'commit' });
    await page.waitForFunction(() => 'firstHandshake' in window);
    return await page.evaluate(async () => {
      const w = window as unknown as { firstHandshake: Promise<number>; workerStarted?: number };
      return { done: await w.firstHandshake, workerStarted: w.workerStarted };
    });
  } finally {
    await context.close();
  }
}

/** Put the subtls page and the engine-worker page beside the app's files (removed by the caller at the end). */
export function writeColdPages(appDir: string, subtlsScript: string, job: { bridgeUrl: string; target: string; anchorHex: string }): string[] {
  const dist = path.join(appDir, 'dist');
  const workerFile = fs.readdirSync(path.join(dist, 'assets')).find((f) => /^engine\.worker-[\w-]+\.js$/.test(f));
  if (!workerFile) throw new Error(`no engine worker in ${dist}/assets`);
  // The request the app's form makes for a server with the pause boxes unticked (src/ui/connect-form.ts).
  const request = {
    target: job.target,
    versions: ['TLS1.3', 'TLS1.2'],
    suites: ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'],
    groups: ['x25519', 'secp256r1', 'secp384r1'],
    keyShareGroups: ['x25519'],
    alpn: [],
    clientCert: 'ask',
    breakpoints: { afterEachMessage: false, serverAuth: false, clientCertRequest: true },
    insecure: false,
    anchorsPem: [job.anchorHex],
    bridgeUrl: job.bridgeUrl,
  };
  const files = [`${SUBTLS_PAGE}.html`, `${SUBTLS_PAGE}.js`, `${WORKER_PAGE}.html`, `${EMPTY_WORKER_PAGE}.html`, `${EMPTY_WORKER_PAGE}.js`].map((f) => path.join(dist, f));
  fs.writeFileSync(files[0], `<!doctype html><meta charset="utf-8"><title>subtls</title><script type="module" src="/${SUBTLS_PAGE}.js"></script>`);
  fs.writeFileSync(files[1], subtlsScript);
  fs.writeFileSync(
    files[2],
    `<!doctype html><meta charset="utf-8"><title>engine worker</title><script>
      const w = new Worker('/assets/${workerFile}', { type: 'module' });
      window.firstHandshake = new Promise((resolve, reject) => {
        w.onmessage = (e) => {
          const m = e.data;
          if (m.type === 'worker-ready') window.workerStarted = performance.now();
          if (m.type === 'status' && m.status === 'connected') resolve(performance.now());
          if (m.type === 'status' && m.status === 'failed') reject(new Error(m.detail));
        };
      });
      w.postMessage({ type: 'connect', id: 1, request: ${JSON.stringify(request)} });
    </script>`,
  );
  // The worker's one job: open the bridge's WebSocket (to the same target, so the bridge connects as for a handshake).
  const bridge = `${job.bridgeUrl}?target=${encodeURIComponent(job.target)}`;
  fs.writeFileSync(
    files[3],
    `<!doctype html><meta charset="utf-8"><title>empty worker</title><script>
      const w = new Worker('/${EMPTY_WORKER_PAGE}.js', { type: 'module' });
      window.firstHandshake = new Promise((resolve, reject) => {
        w.onmessage = (e) => {
          if (e.data === 'started') window.workerStarted = performance.now();
          else if (e.data === 'open') resolve(performance.now());
          else reject(new Error('the WebSocket failed'));
        };
      });
    </script>`,
  );
  fs.writeFileSync(
    files[4],
    `postMessage('started');
const ws = new WebSocket(${JSON.stringify(bridge)}, ${JSON.stringify(BRIDGE_SUBPROTOCOL)});
ws.onopen = () => { postMessage('open'); ws.close(); };
ws.onerror = () => postMessage('error');
`,
  );
  return files;
}

const round = (c: ColdTimes) => [c.formShown, c.pressed, c.connected, c.ladderShown].map(Math.round).join(' / ');

/** `rounds` rounds of the cold pages; medians, ratios and every run. */
export async function coldRounds(o: { browser: Browser; appURL: string; baseAppURL?: string; anchorHex: string; target: string; connectInPage: string; rounds: number }) {
  const app: ColdTimes[] = [];
  const base: ColdTimes[] = [];
  const subtls: number[] = [];
  const engineWorker: number[] = [];
  const emptyWorker: number[] = [];
  const emptyWorkerStarted: number[] = [];
  const engineWorkerReady: number[] = [];
  for (let i = 0; i < o.rounds; i++) {
    if (o.baseAppURL) base.push(await coldApp(o.browser, o.baseAppURL, o.anchorHex, o.target, o.connectInPage));
    app.push(await coldApp(o.browser, o.appURL, o.anchorHex, o.target, o.connectInPage));
    subtls.push((await coldPlainPage(o.browser, o.appURL, SUBTLS_PAGE)).done);
    const engine = await coldPlainPage(o.browser, o.appURL, WORKER_PAGE);
    engineWorker.push(engine.done);
    engineWorkerReady.push(engine.workerStarted ?? NaN);
    const empty = await coldPlainPage(o.browser, o.appURL, EMPTY_WORKER_PAGE);
    emptyWorker.push(empty.done);
    emptyWorkerStarted.push(empty.workerStarted ?? NaN);
  }
  const parts = (runs: ColdTimes[]) => ({
    toFirstHandshake: median(runs.map((c) => c.connected)),
    formShown: median(runs.map((c) => c.formShown)),
    pressed: median(runs.map((c) => c.pressed)),
    pressToConnected: median(runs.map((c) => c.connected - c.pressed)),
    ladderShown: median(runs.map((c) => c.ladderShown)),
  });
  const a = parts(app);
  const s = median(subtls);
  const w = median(engineWorker);
  const e = median(emptyWorker);
  const b = base.length ? parts(base) : null;
  return {
    app: a,
    subtlsPage: s,
    engineWorkerPage: w,
    /** The same page to the worker's 'worker-ready' message: its code fetched, compiled and run (src/worker/ready.ts). */
    engineWorkerPageToWorkerReady: median(engineWorkerReady),
    /** To the WebSocket open, not a handshake: what a worker costs before any engine code runs. */
    emptyWorkerPageToBridgeOpen: e,
    /** The same page to its worker's first message (the worker's script fetched, started and run). */
    emptyWorkerPageToWorkerStarted: median(emptyWorkerStarted),
    base: b,
    ratios: {
      appVsSubtlsPage: r2(a.toFirstHandshake / s),
      engineWorkerPageVsSubtlsPage: r2(w / s),
      emptyWorkerPageVsSubtlsPage: r2(e / s),
      engineWorkerPageVsEmptyWorkerPage: r2(w / e),
      appVsEngineWorkerPage: r2(a.toFirstHandshake / w),
      ...(b ? { appVsBase: r2(a.toFirstHandshake / b.toFirstHandshake), baseVsSubtlsPage: r2(b.toFirstHandshake / s), formShownVsBase: r2(a.formShown / b.formShown) } : {}),
    },
    // Each app round as "form shown / pressed / connected / ladder drawn" (ms from navigation start).
    runs: {
      app: app.map(round),
      base: base.map(round),
      subtls: subtls.map(Math.round).join(' '),
      engineWorker: engineWorker.map((t, i) => `${Math.round(engineWorkerReady[i])}/${Math.round(t)}`).join(' '),
      emptyWorker: emptyWorker.map((t, i) => `${Math.round(emptyWorkerStarted[i])}/${Math.round(t)}`).join(' '),
    },
  };
}
