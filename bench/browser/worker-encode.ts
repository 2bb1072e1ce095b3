// What the app's worker spends on a handshake's events once the engine made them, and the page on reading them (issue
// 15; docs/app-connect.md, sessions 11 and 13), in Debian's Chromium: real handshakes with the app's engine adapter
// in a Worker, through the project's bridge to `openssl s_server` (bench/browser/encode-worker.ts). Per handshake
// (µs), each variant on its own handshakes' fresh events (every part made when first read), the browser's own hex
// encoder behind toHex as in the app's worker:
//   asNow      by event kind, the events made plain (eventsForPage) and posted, as the worker sends them
//   parts      the same in steps: hex (every lazy hex part read), rest (every field tree and fingerprint made),
//              post (eventsForPage and the post once both are made)
//   json       by event kind, the same plain events posted as one JSON string instead (before session 13)
//   messages   one message per handshake, alternated: now (posted as objects; the page's copy and eventsFromWorker)
//              against json (JSON.stringify and the post; JSON.parse on the page): µs in the worker and on the page
// Node's V8 lacks Chromium's newer JSON and clone paths, so the split is taken in the browser.
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';
import { freePort, makePki, startSServer } from '../../test/tls/helpers.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const batch = Number(process.argv[2] ?? 20);
const batches = Number(process.argv[3] ?? 4);

const pki = makePki();
const server = await startSServer(pki);
const appPort = await freePort();
const app = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/browser/app-server.ts'), ROOT, String(appPort), String(server.port)], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
try {
  for (let up = false; !up; ) {
    up = await fetch(`http://127.0.0.1:${appPort}/api/lab`).then((r) => r.ok, () => false);
    if (!up) await new Promise((r) => setTimeout(r, 300));
  }
  const source = (await esbuild.build({ entryPoints: [path.join(ROOT, 'bench/browser/encode-worker.ts')], bundle: true, minify: true, format: 'esm', platform: 'browser', target: 'chrome120', write: false, logLevel: 'warning' })).outputFiles[0].text;
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${appPort}/`);
  const job = { url: `ws://127.0.0.1:${appPort}/bridge?target=${encodeURIComponent(`127.0.0.1:${server.port}`)}`, anchorPem: fs.readFileSync(pki.rootPem, 'utf8'), serverName: 'localhost', batch, batches };
  const result = await page.evaluate(
    ({ source, job }) =>
      new Promise((resolve) => {
        const w = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })), { type: 'module' });
        w.onmessage = (e) => resolve(e.data);
        w.postMessage(job);
      }),
    { source, job },
  );
  console.log(JSON.stringify(result, null, 1));
} finally {
  await browser.close();
  app.kill('SIGTERM');
  await server.stop();
  fs.rmSync(pki.dir, { recursive: true, force: true });
}
