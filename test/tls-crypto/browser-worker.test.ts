// The crypto core in a real browser Worker (Debian's Chromium, headless): bundles
// browser/worker-entry.ts with esbuild, serves it from 127.0.0.1 (a secure context for WebCrypto),
// and checks every result the Worker posts back.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let server: http.Server;
let browser: Browser;
let base: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: scripts/setup.sh installs the chromium Debian package`);
  const bundle = await build({
    entryPoints: [fileURLToPath(new URL('./browser/worker-entry.ts', import.meta.url))],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  const script = bundle.outputFiles[0].text;
  if (/\bnode:/.test(script)) throw new Error('the browser bundle pulls in a node: module');
  server = http.createServer((req, res) => {
    if (req.url === '/worker.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    } else {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>worker test</title>');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => server?.close(r));
});

describe('crypto core in a Chromium Worker', () => {
  it('passes the RFC 8448 / RFC 8439 checks with WebCrypto ChaCha20-Poly1305', async () => {
    const page = await browser.newPage();
    await page.goto(base + '/');
    const results = await page.evaluate(
      () =>
        new Promise<{ name: string; ok: boolean; detail: string }[]>((resolve, reject) => {
          const w = new Worker('/worker.js');
          w.onmessage = (e) => resolve(e.data);
          w.onerror = (e) => reject(new Error(e.message));
          setTimeout(() => reject(new Error('worker gave no answer in 20 s')), 20_000);
        }),
    );
    await page.close();
    const failed = results.filter((r) => !r.ok).map((r) => `${r.name}: ${r.detail}`);
    expect(failed).toEqual([]);
    expect(results).toHaveLength(11);
  }, 60_000);
});
