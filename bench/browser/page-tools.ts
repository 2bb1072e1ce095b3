// Tools for the browser bench's pages: its own workers bundled and started in a page, the page's JS heap watched
// while something runs, and a CPU profiler for a page's dedicated worker (over CDP).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import type { CDPSession, Page } from 'playwright-core';
import { r2 } from '../common.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** One bench/browser/ entry bundled for the browser (minified, as a page would ship it, unless
 * TLS_LENS_BENCH_NO_MINIFY). subtls's import of Node's `crypto` is never reached in a browser (it uses the global one)
 * and stays out. */
export async function bundle(entry: string): Promise<string> {
  const out = await esbuild.build({ entryPoints: [path.join(ROOT, 'bench/browser', entry)], bundle: true, minify: !process.env.TLS_LENS_BENCH_NO_MINIFY, format: 'esm', platform: 'browser', target: 'chrome120', write: false, logLevel: 'warning', external: ['crypto'] });
  return out.outputFiles[0].text;
}

/** Start a bench worker in the page (a Blob URL: same origin, so the bridge accepts it) and return its runner. */
export async function benchWorkerIn(page: Page, name: string, source: string) {
  await page.evaluate(
    ({ name, src }) => {
      const w = new Worker(URL.createObjectURL(new Blob([src], { type: 'text/javascript' })), { type: 'module', name });
      const runners = ((window as unknown as { benchRun?: Record<string, (job: unknown) => Promise<unknown>> }).benchRun ??= {});
      runners[name] = (job) =>
        new Promise((resolve) => {
          w.onmessage = (e) => resolve(e.data);
          w.postMessage(job);
        });
    },
    { name, src: source },
  );
  return async (job: object): Promise<{ handshakeMs: number[]; mbPerS: number[] }> => {
    const r = (await page.evaluate(({ name, j }) => (window as unknown as { benchRun: Record<string, (job: unknown) => Promise<unknown>> }).benchRun[name](j), { name, j: job })) as { handshakeMs: number[]; mbPerS: number[]; error?: string };
    if (r.error) throw new Error(`${name} worker: ${r.error}`);
    return r;
  };
}

/** The page's JS heap at its highest while `work` runs (sampled every 100 ms in the page), and after it. */
export async function heapWhile<T>(page: Page, work: () => Promise<T>): Promise<{ result: T; peakMB: number; afterMB: number }> {
  await page.evaluate(`window.benchHeapPeak = 0; window.benchHeapTimer = setInterval(() => { window.benchHeapPeak = Math.max(window.benchHeapPeak, performance.memory.usedJSHeapSize); }, 100);`);
  const result = await work();
  const [peak, after] = (await page.evaluate(`clearInterval(window.benchHeapTimer); [window.benchHeapPeak, performance.memory.usedJSHeapSize]`)) as number[];
  return { result, peakMB: r2(Math.max(peak, after) / 1e6), afterMB: r2(after / 1e6) };
}

/**
 * A CPU profiler for the page's dedicated workers whose URL contains `urlPart`: the page's CDP session attaches to
 * them (non-flat sessions: Playwright's CDPSession has no per-target session id), and each command goes to the
 * newest one as a message.
 */
export async function workerProfiler(page: Page, urlPart: string) {
  const cdp: CDPSession = await page.context().newCDPSession(page);
  let session: string | null = null;
  let nextId = 0;
  const waiting = new Map<number, (result: unknown) => void>();
  cdp.on('Target.attachedToTarget', (e) => {
    if (e.targetInfo.type === 'worker' && e.targetInfo.url.includes(urlPart)) session = e.sessionId;
  });
  cdp.on('Target.receivedMessageFromTarget', (e) => {
    const m = JSON.parse(e.message) as { id?: number; result?: unknown };
    if (m.id !== undefined) waiting.get(m.id)?.(m.result);
  });
  await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
  const send = (method: string, params: object = {}) =>
    new Promise<unknown>((resolve, reject) => {
      if (!session) return reject(new Error(`no worker whose URL contains "${urlPart}" is running in the page`));
      const id = ++nextId;
      waiting.set(id, (r) => (waiting.delete(id), resolve(r)));
      void cdp.send('Target.sendMessageToTarget', { sessionId: session, message: JSON.stringify({ id, method, params }) });
    });
  return {
    async start() {
      await send('Profiler.enable');
      await send('Profiler.setSamplingInterval', { interval: 50 });
      await send('Profiler.start');
    },
    async stopTo(file: string) {
      fs.writeFileSync(file, JSON.stringify(((await send('Profiler.stop')) as { profile: unknown }).profile));
    },
  };
}
