// Debian's Chromium, through Playwright, loading https://127.0.0.1:PORT/ from `tls-lens serve --www`: the page
// describes Chromium's own handshake, and the trace serve saved holds Chromium's ClientHello, which offers the
// hybrid X25519MLKEM768 (0x11EC) with a 1216-byte key share (ML-KEM-768 encapsulation key + X25519).
import { expect, test } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { firstClientHello } from '../src/cli/serve-report.ts';
import type { TraceFile } from '../src/trace/types.ts';
import { startServe, type ServeProcess } from '../test/serve/serve-process.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-lens-serve-e2e-'));
const traceDir = path.join(dir, 'traces');
let serve: ServeProcess;
test.beforeAll(async () => {
  serve = await startServe(['--www', '--alpn', 'http/1.1', '--trace', traceDir], { dir });
});
test.afterAll(async () => {
  await serve?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test("Chromium's handshake with serve, described on the --www page and in the saved trace", async ({ browser }) => {
  // The throwaway CA is not in Chromium's store: this context accepts it (the chain itself is checked by curl,
  // openssl, gnutls-cli and Node in test/serve).
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  await page.goto(`https://127.0.0.1:${serve.port}/from-chromium`);
  await expect(page.getByRole('heading', { name: 'Your TLS handshake with tls-lens serve' })).toBeVisible();
  await expect(page.locator('pre')).toContainText('GET /from-chromium HTTP/1.1');
  await context.close();

  // Chromium may open more than one connection (a spare, the favicon): look at one that completed.
  await serve.waitForReports(1);
  const report = serve.reports().find((r) => r.ok)!;
  expect(report.version).toBe('TLSv1.3');
  expect(report.alpn).toBe('http/1.1');
  // Chromium offers the hybrid group first with a share for it, and serve prefers it: the pair agrees on it.
  expect(report.group).toBe('X25519MLKEM768');
  // JA4: TLS 1.3, SNI not sent to an IP address, ALPN "h2" (Chromium's first offer).
  expect(report.fingerprints!.ja4).toMatch(/^t13i\d{4}h2_[0-9a-f]{12}_[0-9a-f]{12}$/);

  const file = fs.readdirSync(traceDir).map((f) => path.join(traceDir, f)).find((f) => f.includes(`${report.n}-`))!;
  const trace = JSON.parse(fs.readFileSync(file, 'utf8')) as TraceFile;
  const hello = firstClientHello(trace.events)!;
  const groups = hello.extensions.find((e) => e.code === 10)!.groups!;
  expect(groups).toContain(0x11ec);
  const hybridShare = hello.extensions.find((e) => e.code === 51)!.shares!.find((s) => s.group === 0x11ec)!;
  expect(hybridShare.keyExchange.length).toBe(1216);
  expect(hello.cipherSuites.some((c) => (c & 0x0f0f) === 0x0a0a)).toBe(true); // GREASE kept in the trace
});
