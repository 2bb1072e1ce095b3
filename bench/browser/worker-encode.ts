// What the app's worker spends on a handshake's events once the engine made them, and the page on reading them (issue
// 15; docs/app-connect.md, session 11), in Debian's Chromium: real handshakes with the app's engine adapter in a
// Worker, through the project's bridge to `openssl s_server` (bench/browser/encode-worker.ts). Per handshake (µs),
// each variant on its own handshakes' fresh events (every part made when first read), toHex's own encoder unless said:
//   asNow      encodeEvent, by event kind, as the worker encodes each event (the trees the page makes left out)
//   parts      the same in steps: hex (every lazy hex part read), rest (every field tree and fingerprint made),
//              json (encodeEvent once both are made)
//   plain      JSON.stringify of the same events once they are plain data (parsed back): V8's floor for this text
//   strings    the same structure copied with the engine's strings, and with each string made anew: which keeps
//              V8's JSON.stringify off its fast path
//   nativeHex  encodeEvent and the hex alone with the browser's Uint8Array.prototype.toHex behind toHex
//   messages   one message per handshake, alternated: now (the browser's hex, encodeEvents, decodeEvents on the
//              page's side) against before (toHex's own, every tree in the JSON, JSON.parse): µs and characters
// Node's V8 lacks Chromium's newer JSON fast path, so the split is taken in the browser.
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
