// The engine worker loads the certificate checker in its own chunk once a Connect begins (src/worker/engine-adapter.ts),
// so less compiles before the ClientHello leaves. A chunk that cannot be loaded fails that connection with a plain
// message, keeps everything read up to then, and the next Connect loads it again. The ASN.1 libraries (asn1js,
// @peculiar/asn1-*) come with that chunk: the engine itself reads keys with the project's DER walker.
import { readdirSync, readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { connectScenario, handshakeNames, openApp, savedTrace, waitForStatus } from './helpers.ts';

/** The engine worker's first chunk in the build the tests serve. */
function workerFile(): string {
  const worker = readdirSync('dist/assets').find((f) => /^engine\.worker-[\w-]+\.js$/.test(f));
  if (!worker) throw new Error('the build has no engine worker');
  return worker;
}

/** The file of the engine worker's own checker chunk (the page has a small chunk of the same name). */
function workerCheckerFile(): string {
  const chunk = /import\(`\.\/(verifier-[\w-]+\.js)`\)/.exec(readFileSync(`dist/assets/${workerFile()}`, 'utf8'))?.[1];
  if (!chunk) throw new Error('the built engine worker loads no verifier chunk');
  return chunk;
}

/** The checker chunk's URL, to route. */
function workerCheckerChunk(): RegExp {
  return new RegExp(`/assets/${workerCheckerFile().replace('.', '\\.')}$`);
}

/** Messages only asn1js and @peculiar/asn1-schema contain: where they are found, those libraries are bundled. */
const ASN1_LIBRARY_MARKS = ['End of input reached before message was fully decoded', 'Cannot get schema for'];

test('the ASN.1 libraries are in the checker chunk, not the worker\'s first chunk', () => {
  const workerCode = readFileSync(`dist/assets/${workerFile()}`, 'utf8');
  const checkerCode = readFileSync(`dist/assets/${workerCheckerFile()}`, 'utf8');
  for (const mark of ASN1_LIBRARY_MARKS) {
    expect(workerCode.includes(mark), `worker first chunk contains "${mark}"`).toBe(false);
    expect(checkerCode.includes(mark), `checker chunk contains "${mark}"`).toBe(true);
  }
});

test('the certificate checker failing to load: a plain error, the trace so far kept, the next Connect works', async ({ page, context }) => {
  const checker = workerCheckerChunk();
  let refused = 0;
  // The worker's requests go through the context's routes.
  await context.route(checker, (route) => {
    refused++;
    return route.abort('connectionfailed');
  });
  await openApp(page);
  await connectScenario(page, 'good-tls13');
  await waitForStatus(page, 'failed');
  expect(refused).toBeGreaterThan(0);
  await expect(page.getByTestId('status')).toContainText('certificate checker could not be loaded');
  // What was read before the check stays shown: the server's flight up to its Certificate.
  const names = handshakeNames((await savedTrace(page)).events);
  expect(names).toEqual(expect.arrayContaining(['ClientHello', 'ServerHello', 'Certificate']));

  await context.unroute(checker);
  await page.getByTestId('toggle-connect').click();
  await connectScenario(page, 'good-tls13');
  await waitForStatus(page, 'connected');
  await expect(page.getByTestId('status')).toContainText('TLSv1.3');
});

test('the certificate checker is fetched once the ClientHello is on its way (the bridge socket made), once for two connections', async ({ page }) => {
  const checker = workerCheckerChunk();
  await openApp(page);
  const worker = page.workers().find((w) => w.url().includes('engine.worker'));
  if (!worker) throw new Error('no engine worker');
  // In the worker: note when each WebSocket is made, on the clock its resource timings use.
  await worker.evaluate(`{
    const Socket = self.WebSocket;
    self.socketsMadeAt = [];
    self.WebSocket = class extends Socket { constructor(...args) { self.socketsMadeAt.push(performance.now()); super(...args); } };
  }`);
  await connectScenario(page, 'good-tls13');
  await waitForStatus(page, 'connected');
  await page.getByTestId('toggle-connect').click();
  await connectScenario(page, 'good-tls13');
  await waitForStatus(page, 'connected');
  const seen = (await worker.evaluate(`({ sockets: self.socketsMadeAt, fetches: performance.getEntriesByType('resource').map((e) => [e.name, e.startTime]) })`)) as { sockets: number[]; fetches: [string, number][] };
  const checkerFetches = seen.fetches.filter(([name]) => checker.test(name)).map(([, start]) => start);
  expect(seen.sockets).toHaveLength(2);
  expect(checkerFetches).toHaveLength(1);
  expect(checkerFetches[0]).toBeGreaterThanOrEqual(seen.sockets[0]);
});
