// The floor under the app's Connect that the engine's own figure does not have (docs/app-connect.md, session 18): a
// page's message to its Worker and the Worker's answer, in Debian's Chromium, with nothing else between them. Rounds
// of five kinds, alternated (ms: the mean of the middle 80% of the rounds, the page's clock being coarse):
//   empty     the page posts, the Worker answers at once: the two hand-offs alone
//   events    the same, the answer carrying a real handshake's events as the app's worker posts them with 'connected'
//             (eventsForPage of a TLS 1.3 handshake with `openssl s_server`), read by the page (`e.data`)
//   request   the page's post carrying a Connect's request as the app sends it, the answer empty
//   json      as 'events', the events as one JSON string made in the Worker for each answer, parsed by the page
//   bytes     as 'events', every hex string of the events posted as the bytes it spells (Uint8Arrays)
// Run: tsx bench/browser/worker-hops.ts [rounds=300]
import fs from 'node:fs';
import { chromium } from 'playwright-core';
import { connectTls } from '../../src/tls/client.ts';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import { connectTcp } from '../../src/transport/tcp.ts';
import { eventsForPage } from '../../src/worker/messages.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import { makePki, startSServer } from '../../test/tls/helpers.ts';

const ROUNDS = Number(process.argv[2] ?? 300);

/** A real handshake's events, as the app's worker posts them to the page. */
async function handshakeEvents(): Promise<unknown[]> {
  const pki = makePki();
  const server = await startSServer(pki);
  try {
    const trace = new TraceRecorder();
    const conn = await connectTls(connectTcp('127.0.0.1', server.port), { serverName: 'localhost', verifier: createVerifier({ anchors: [pki.rootDer] }) }, trace.emit);
    await conn.close();
    return JSON.parse(JSON.stringify(eventsForPage(trace.events, { offersTls13: true }))) as unknown[];
  } finally {
    await server.stop();
    fs.rmSync(pki.dir, { recursive: true, force: true });
  }
}

/** Run in the page: a Worker that answers each message, and the rounds timed from the page's post to the answer read. */
const IN_PAGE = `async ({ events, request, rounds }) => {
  const source = \`
    let events, bytes;
    // A hex string of 8 bytes or more as the bytes it spells (the 'bytes' answer; an estimate of which fields are hex).
    const isHex = /^(?:[0-9a-f]{2}){8,}$/;
    const toBytes = (v) => typeof v === 'string' && isHex.test(v) ? Uint8Array.from(v.match(/../g), (h) => parseInt(h, 16))
      : Array.isArray(v) ? v.map(toBytes)
      : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toBytes(x)]))
      : v;
    const answers = {
      events: () => ({ type: 'status', status: 'connected', events }),
      json: () => ({ type: 'status', status: 'connected', json: JSON.stringify(events) }),
      bytes: () => ({ type: 'status', status: 'connected', events: bytes }),
    };
    onmessage = (e) => {
      const m = e.data;
      if (m.events) return void ((events = m.events), (bytes = toBytes(events)), postMessage('ready'));
      postMessage(answers[m.kind]?.() ?? { type: 'status' });
    };\`;
  const w = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })));
  const answer = () => new Promise((resolve) => (w.onmessage = (e) => resolve(e.data.events ? e.data.events.length : e.data.json ? JSON.parse(e.data.json).length : e.data)));
  const ready = answer();
  w.postMessage({ events });
  await ready;
  const kinds = ['empty', 'events', 'request', 'json', 'bytes'];
  const times = { empty: [], events: [], request: [], json: [], bytes: [] };
  for (let i = 0; i < rounds + 20; i++) {
    for (const kind of kinds) {
      await new Promise((r) => setTimeout(r, 2));
      const got = answer();
      const t0 = performance.now();
      w.postMessage(kind === 'request' ? { kind, request } : { kind });
      await got;
      if (i >= 20) times[kind].push(performance.now() - t0);
    }
  }
  // The page's clock is coarsened (to 0.1 ms, jittered): a mean over the middle 80% of the rounds, not a median.
  const mean = (a) => { const s = [...a].sort((x, y) => x - y).slice(Math.floor(a.length * 0.1), Math.ceil(a.length * 0.9)); return s.reduce((x, y) => x + y, 0) / s.length; };
  return Object.fromEntries(kinds.map((k) => [k, +mean(times[k]).toFixed(3)]));
}`;

const events = await handshakeEvents();
const request = { target: 'localhost:4433', clientCert: 'none', breakpoints: { afterEachMessage: false, serverAuth: false, clientCertRequest: false }, anchorsPem: ['-----BEGIN CERTIFICATE-----\n' + 'A'.repeat(700) + '\n-----END CERTIFICATE-----\n'], bridgeUrl: 'ws://127.0.0.1:1/bridge' };
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage();
  // A string, not a function: tsx would name the function's inner arrows with a helper the page does not have.
  const result = (await page.evaluate(`(${IN_PAGE})(${JSON.stringify({ events, request, rounds: ROUNDS })})`)) as Record<string, number>;
  console.log(JSON.stringify({ rounds: ROUNDS, eventCount: events.length, eventsJsonChars: JSON.stringify(events).length, meanMs: result }, null, 2));
} finally {
  await browser.close();
}
