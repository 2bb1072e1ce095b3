// The engine worker loads the certificate checker in its own chunk once a Connect begins (src/worker/engine-adapter.ts),
// so less compiles before the ClientHello leaves. A chunk that cannot be loaded fails that connection with a plain
// message, keeps everything read up to then, and the next Connect loads it again. The ASN.1 libraries (asn1js,
// @peculiar/asn1-*) come with that chunk: the engine itself reads keys with the project's DER walker.
import { readdirSync, readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { connectScenario, handshakeNames, openApp, savedTrace, waitForStatus } from './helpers.ts';

/** The engine worker's first chunk in the build the tests serve. */
function workerFile(): string {
  const worker = readdirSync('dist/assets').find((f) => /^engine\.worker-[\w-]+\.js$/.test(f));
  if (!worker) throw new Error('the build has no engine worker');
  return worker;
}

/** The file of one of the engine worker's own lazy chunks, as its first chunk imports it (the page has a small
 * checker chunk of the same name). */
function workerChunkFile(name: 'verifier' | 'tls12-client'): string {
  const chunk = new RegExp(`import\\(\`\\./(${name}-[\\w-]+\\.js)\`\\)`).exec(readFileSync(`dist/assets/${workerFile()}`, 'utf8'))?.[1];
  if (!chunk) throw new Error(`the built engine worker loads no ${name} chunk`);
  return chunk;
}

/** The file of the engine worker's own checker chunk. */
function workerCheckerFile(): string {
  return workerChunkFile('verifier');
}

/** A lazy chunk's URL, to route. */
function chunkUrl(file: string): RegExp {
  return new RegExp(`/assets/${file.replace('.', '\\.')}$`);
}

/** The checker chunk's URL, to route. */
function workerCheckerChunk(): RegExp {
  return chunkUrl(workerCheckerFile());
}

/** TLS 1.2's handshake chunk's URL (src/tls/handshake12/tls12-client.ts, loaded by the engine when a server picks 1.2). */
function workerTls12Chunk(): RegExp {
  return chunkUrl(workerChunkFile('tls12-client'));
}

/** Messages only asn1js and @peculiar/asn1-schema contain: where they are found, those libraries are bundled. */
/** In the app's engine worker, note when each WebSocket is made (on the clock its resource timings use); the
 * function returned gives those times and the start of each fetch of a chunk. */
async function watchWorkerFetches(page: Page): Promise<(chunk: RegExp) => Promise<{ sockets: number[]; starts: number[] }>> {
  const worker = page.workers().find((w) => w.url().includes('engine.worker'));
  if (!worker) throw new Error('no engine worker');
  await worker.evaluate(`{
    const Socket = self.WebSocket;
    self.socketsMadeAt = [];
    self.WebSocket = class extends Socket { constructor(...args) { self.socketsMadeAt.push(performance.now()); super(...args); } };
  }`);
  return async (chunk) => {
    const seen = (await worker.evaluate(`({ sockets: self.socketsMadeAt, fetches: performance.getEntriesByType('resource').map((e) => [e.name, e.startTime]) })`)) as { sockets: number[]; fetches: [string, number][] };
    return { sockets: seen.sockets, starts: seen.fetches.filter(([name]) => chunk.test(name)).map(([, start]) => start) };
  };
}

const ASN1_LIBRARY_MARKS = ['End of input reached before message was fully decoded', 'Cannot get schema for'];

test('the ASN.1 libraries are in the checker chunk, not the worker\'s first chunk', () => {
  const workerCode = readFileSync(`dist/assets/${workerFile()}`, 'utf8');
  const checkerCode = readFileSync(`dist/assets/${workerCheckerFile()}`, 'utf8');
  for (const mark of ASN1_LIBRARY_MARKS) {
    expect(workerCode.includes(mark), `worker first chunk contains "${mark}"`).toBe(false);
    expect(checkerCode.includes(mark), `checker chunk contains "${mark}"`).toBe(true);
  }
});

/** Texts only the stapled OCSP response's reader has: src/x509/ocsp.ts, and @peculiar/asn1-ocsp's schema. */
const OCSP_READER_MARKS = ['a BasicOCSPResponse is a SEQUENCE of 3 or 4 parts', 'tbsResponseData'];

test('the OCSP response reader (and @peculiar/asn1-ocsp) is in the checker chunk, not the worker\'s first chunk', () => {
  const workerCode = readFileSync(`dist/assets/${workerFile()}`, 'utf8');
  const checkerCode = readFileSync(`dist/assets/${workerCheckerFile()}`, 'utf8');
  for (const mark of OCSP_READER_MARKS) {
    expect(workerCode.includes(mark), `worker first chunk contains "${mark}"`).toBe(false);
    expect(checkerCode.includes(mark), `checker chunk contains "${mark}"`).toBe(true);
  }
});

test('the worker\'s first chunk is one file: it imports no other chunk before it runs (vite.config.ts)', () => {
  const workerCode = readFileSync(`dist/assets/${workerFile()}`, 'utf8');
  // Static imports in the minified chunk: `import{...}from"./x.js"` or `import"./x.js"`; dynamic ones are import(`...`).
  expect(workerCode.match(/\bimport\s*(?:\{[^}]*\}\s*from\s*|\*\s*as\s+\w+\s+from\s*|\w+\s+from\s*)?["'][^"']+["']/g) ?? []).toEqual([]);
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
  const fetchesOf = await watchWorkerFetches(page);
  await connectScenario(page, 'good-tls13');
  await waitForStatus(page, 'connected');
  await page.getByTestId('toggle-connect').click();
  await connectScenario(page, 'good-tls13');
  await waitForStatus(page, 'connected');
  const { sockets, starts } = await fetchesOf(checker);
  expect(sockets).toHaveLength(2);
  expect(starts).toHaveLength(1);
  expect(starts[0]).toBeGreaterThanOrEqual(sockets[0]);
});

/** Texts only TLS 1.2's client handshake contains (its states and its connection). */
const TLS12_HANDSHAKE_MARKS = ['which the client did not offer for TLS 1.2', 'continuing with the TLS 1.2 handshake'];

test('TLS 1.2\'s client handshake is in a chunk of its own, not the worker\'s first chunk', () => {
  const workerCode = readFileSync(`dist/assets/${workerFile()}`, 'utf8');
  const tls12Code = readFileSync(`dist/assets/${workerChunkFile('tls12-client')}`, 'utf8');
  for (const mark of TLS12_HANDSHAKE_MARKS) {
    expect(workerCode.includes(mark), `worker first chunk contains "${mark}"`).toBe(false);
    expect(tls12Code.includes(mark), `TLS 1.2 chunk contains "${mark}"`).toBe(true);
  }
});

test('TLS 1.2\'s handshake code failing to load: a plain error, the trace so far kept, the next Connect works', async ({ page, context }) => {
  const tls12 = workerTls12Chunk();
  let refused = 0;
  await context.route(tls12, (route) => {
    refused++;
    return route.abort('connectionfailed');
  });
  await openApp(page);
  await connectScenario(page, 'tls12-only');
  await waitForStatus(page, 'failed');
  expect(refused).toBeGreaterThan(0);
  await expect(page.getByTestId('status')).toContainText('TLS 1.2 handshake code could not be loaded');
  // What was read before it stays shown: the ClientHello and the server's TLS 1.2 ServerHello, then our alert.
  const events = (await savedTrace(page)).events;
  expect(handshakeNames(events)).toEqual(expect.arrayContaining(['ClientHello', 'ServerHello']));
  expect(events.some((e) => e.kind === 'alert' && e.direction === 'client' && e.name === 'internal_error')).toBe(true);

  await context.unroute(tls12);
  await page.getByTestId('toggle-connect').click();
  await connectScenario(page, 'tls12-only');
  await waitForStatus(page, 'connected');
  await expect(page.getByTestId('status')).toContainText('TLSv1.2');
});

test('TLS 1.2\'s handshake code is fetched only when a server picks TLS 1.2, after its socket is made, once', async ({ page }) => {
  const tls12 = workerTls12Chunk();
  await openApp(page);
  const fetchesOf = await watchWorkerFetches(page);
  const tls12Fetches = () => fetchesOf(tls12);
  await connectScenario(page, 'good-tls13');
  await waitForStatus(page, 'connected');
  expect((await tls12Fetches()).starts).toHaveLength(0);
  for (let i = 0; i < 2; i++) {
    await page.getByTestId('toggle-connect').click();
    await connectScenario(page, 'tls12-only');
    await waitForStatus(page, 'connected');
    await expect(page.getByTestId('status')).toContainText('TLSv1.2');
  }
  const { sockets, starts } = await tls12Fetches();
  expect(sockets).toHaveLength(3);
  expect(starts).toHaveLength(1);
  expect(starts[0]).toBeGreaterThanOrEqual(sockets[1]);
});
