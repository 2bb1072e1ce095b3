// The app's Connect as the browser bench drives and times it: the form filled and pressed in the page, when each
// status reached the page and was shown, what the app's worker did meanwhile (its steps, noted in the worker), a
// handshake and a large response split into parts, and the CPU each round cost.
import type { Page, Worker as PlaywrightWorker } from 'playwright-core';
import { median, r2 } from '../common.ts';
import { withTreeCpu, type TreeCpu } from './tree-cpu.ts';

/**
 * In-page: fill the app's Connect form for a server target (no pauses; `send` typed as the form takes it) and
 * press Connect. Resolves with the time (performance.now) of the press and of each status the line showed.
 * Sent as source text so the bundler's helpers stay out.
 */
export const CONNECT_IN_PAGE = `async ({ target, send, settle, pressLater }) => {
  const q = (s) => document.querySelector(s);
  const until = (f) => new Promise((resolve) => { const check = () => (f() ? resolve() : requestAnimationFrame(check)); check(); });
  const setValue = (el, v) => { Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(el, v); el.dispatchEvent(new Event('input', { bubbles: true })); };
  // The form is open when its button is on the page and not inside a hidden part (the app keeps a closed form, hidden).
  const formOpen = () => { const b = q('[data-testid="connect-button"]'); return !!b && !b.closest('[hidden]'); };
  if (!formOpen()) { q('[data-testid="toggle-connect"]').click(); await until(formOpen); }
  document.querySelectorAll('input[name="mode"]')[1].click();
  await until(() => q('[data-testid="target-input"]'));
  setValue(q('[data-testid="target-input"]'), target);
  const bp = q('[data-testid="bp-step"]');
  if (bp.checked) bp.click();
  // A full handshake every round, as the engine's own rounds make: no ticket kept from the Connect before.
  const resume = q('[data-testid="resume"]');
  if (resume && resume.checked) resume.click();
  if (send) setValue(q('input[placeholder="GET / HTTP/1.0"]'), send);
  await new Promise((r) => setTimeout(r, 0));
  // As a person presses Connect: after the form has drawn what was typed into it (two frames).
  if (settle) await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 0))));
  // pressLater: the form is filled; the press is window.benchPress(), in a call of its own (measured alone).
  if (pressLater) { window.benchPress = () => press(); return null; }
  return press();
  async function press() {
  const seen = {};
  const statusNow = () => q('[data-testid="status"]')?.getAttribute('data-status');
  // The first change a person sees: the line's words (its data-status changes at the press without being drawn).
  const wordsNow = () => q('[data-testid="status"]')?.textContent;
  const wordsAtPress = wordsNow();
  let firstWords = null;
  // The first frame painted once the line says "connected" (the session drawn with it): a frame callback queued then
  // runs before that frame's style, layout and paint; a task it posts runs after them. Read apart from the press's
  // result (window.benchPainted), so the press's own measures (its CPU included) still end at the status line.
  let paintedAt;
  window.benchPainted = new Promise((resolve) => (paintedAt = resolve));
  const done = new Promise((resolve) => {
    const mo = new MutationObserver(() => {
      const s = statusNow();
      if (s && !(s in seen)) {
        seen[s] = performance.now();
        if (window.benchMarks) performance.mark('bench shown ' + s);
        if (s === 'connected') requestAnimationFrame(() => setTimeout(() => { if (window.benchMarks) performance.mark('bench painted connected'); paintedAt(performance.now()); }, 0));
      }
      if (!firstWords && wordsNow() !== wordsAtPress) firstWords = { at: performance.now(), status: s };
      if (s === 'failed' || s === 'closed' || (s === 'connected' && !send)) { mo.disconnect(); if (!('connected' in seen)) paintedAt(null); resolve(); }
    });
    // characterData: the line's words may change in place (its text node's data), not as a new node.
    mo.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['data-status'] });
  });
  const pressed = performance.now();
  window.benchStatusMessages = {};
  // Marks only while a trace is recorded: a mark costs the page ~65 µs, and this one and 'bench arrived' fall
  // inside the app's measured Connect (the engine's own rounds mark nothing).
  if (window.benchMarks) performance.mark('bench press');
  q('[data-testid="connect-button"]').click();
  await done;
  return { pressed, seen, firstWords, arrived: window.benchStatusMessages, error: q('[data-testid="error"]')?.textContent ?? null };
  }
}`;

/** Init script: note when each status message from the app's engine worker reaches the page (before the page
 * handles it), so a Connect splits into the worker's part and the page's. */
export const NOTE_WORKER_STATUS = `{
  const d = Object.getOwnPropertyDescriptor(Worker.prototype, 'onmessage');
  Object.defineProperty(Worker.prototype, 'onmessage', { configurable: true, get() { return d.get.call(this); }, set(fn) {
    this.addEventListener('message', (e) => { const s = e.data && e.data.type === 'status' && e.data.status; if (s && window.benchStatusMessages && !(s in window.benchStatusMessages)) { window.benchStatusMessages[s] = performance.now(); if (window.benchMarks) performance.mark('bench arrived ' + s); } });
    d.set.call(this, fn);
  } });
}`;

/** Evaluated in a worker (the app's engine worker, the bench's engine worker): notes, in ms on a clock the page and
 * its workers share (performance.timeOrigin + now), when a message from the page arrives, the WebSocket is made and
 * opens, each of its messages goes out or comes in, and each message goes to the page. */
export const NOTE_WORKER_STEPS = `(() => {
  if (self.benchSteps) return;
  const steps = (self.benchSteps = []);
  // With self.benchMarks (a Chromium trace is being recorded), each step is also a mark on the trace's timeline.
  const note = (what) => { steps.push([performance.timeOrigin + performance.now(), what]); if (self.benchMarks) performance.mark('bench worker ' + what); };
  const post = self.postMessage.bind(self);
  self.postMessage = (m, ...rest) => { note('post ' + (m && m.type === 'status' ? 'status ' + m.status : (m && m.type) || 'result')); if (m && m.events && m.events.length !== undefined) steps.at(-1).push(m.events.length); post(m, ...rest); };
  const handle = self.onmessage;
  if (handle) self.onmessage = (e) => { note('receive ' + (e.data && e.data.type)); handle.call(self, e); };
  const Socket = self.WebSocket;
  self.WebSocket = class extends Socket {
    constructor(...args) { note('socket new'); super(...args); this.addEventListener('open', () => note('socket open')); this.addEventListener('message', (e) => { note('socket in'); steps.at(-1).push(e.data.byteLength ?? e.data.length); }); }
    send(data) { note('socket out'); super.send(data); }
  };
  // The bridge's download (src/transport/websocket.ts): its fetch, the bytes-before count it answers with, each read.
  const fetchOf = self.fetch.bind(self);
  self.fetch = async (...args) => { note('download fetch'); const r = await fetchOf(...args); note('download answer'); steps.at(-1).push(Number(r.headers.get('x-tls-lens-bytes-before'))); return r; };
  const read = ReadableStreamDefaultReader.prototype.read;
  ReadableStreamDefaultReader.prototype.read = function () { return read.call(this).then((x) => { if (x.value) { note('download in'); steps.at(-1).push(x.value.length); } return x; }); };
})()`;

/** [time, what, and for a post with events: how many (an earlier build's: their JSON's length); for bytes in: how many]. */
export type Steps = [number, string, number?][];

/** A page's worker with NOTE_WORKER_STEPS in it: `take()` gives the steps since the last take. */
export async function workerSteps(page: Page, which: (w: PlaywrightWorker) => Promise<boolean>) {
  let worker: PlaywrightWorker | undefined;
  for (const w of page.workers()) if (await which(w)) worker = w;
  if (!worker) throw new Error('phase split: the worker to watch is not running');
  await worker.evaluate(NOTE_WORKER_STEPS);
  const w = worker;
  return { take: async () => (await w.evaluate('self.benchSteps.splice(0)')) as Steps, evaluate: (source: string) => w.evaluate(source) };
}

/**
 * One handshake in parts (ms). Both: workerToSocket (the worker's message to its WebSocket made: the ClientHello is made
 * first and rides in the upgrade request), socketOpen (WebSocket made to open), openToServerFlight (our ClientHello, the
 * bridge and the server, to the last message of the server's flight), serverFlightToDone (reading that flight and
 * writing ours: the engine's work; for the app, to the 'connected' status posted). The app also: pressToWorker (the
 * page's handler and the hand-off), doneToPage ('connected' posted to the page handling it: the
 * hand-off and the events' copy), pageToShown (the store and the render, to the status line saying so).
 */
export function handshakePhases(steps: Steps, done: number, page?: { press: number; arrived: number; shown: number; painted: number }): Record<string, number> {
  const first = (what: string) => steps.find(([, w]) => w === what)?.[0] ?? NaN;
  // The worker's first message of the round: the app's 'connect', the bench worker's job.
  const received = steps.find(([, w]) => w.startsWith('receive'))?.[0] ?? NaN;
  const socket = first('socket new');
  const open = first('socket open');
  const flight = steps.filter(([t, w]) => w === 'socket in' && t < done).at(-1)?.[0] ?? NaN;
  const both = { workerToSocket: socket - received, socketOpen: open - socket, openToServerFlight: flight - open, serverFlightToDone: done - flight };
  if (!page) return both;
  // shownToPainted: after the stop point (not in the Connect's time): the session drawn, to its first frame painted.
  return { pressToWorker: received - page.press, ...both, doneToPage: page.arrived - done, pageToShown: page.shown - page.arrived, shownToPainted: page.painted - page.shown };
}

/**
 * One large response in parts (ms from the page seeing 'connected', and bytes), from the app worker's steps:
 * requestOut (the request sent), firstByte (the response's first bytes in), downloadFetch / downloadAnswer /
 * firstDownloadByte (the bridge's download: fetched, answered, its first bytes in), lastByte, closedPosted (the
 * worker's 'closed' status), closedShown (the status line); messageBytes and downloadBytes: how the bytes came;
 * posted and largestPost: the events the worker posted to the page (from session 13 a count of events; an earlier
 * build's, the characters of their JSON).
 */
export function splitResponse(steps: Steps, pageOrigin: number, r: InPageConnect): Record<string, number> {
  const t0 = pageOrigin + r.seen.connected;
  const at = (t: number | undefined) => (t === undefined ? NaN : r2(t - t0));
  const posted = steps.find(([t, w]) => w === 'post status connected' && t <= t0 + 50)?.[0] ?? t0;
  const requestOut = steps.find(([t, w]) => w === 'socket out' && t >= posted - 1)?.[0];
  const after = (w: string) => steps.find(([t, x]) => x === w && t >= (requestOut ?? t0))?.[0];
  const bytesIn = steps.filter(([t, w]) => (w === 'socket in' || w === 'download in') && t >= (requestOut ?? t0));
  const posts = steps.filter(([t, w]) => w.startsWith('post ') && t > posted);
  const sum = (w: string) => bytesIn.filter(([, x]) => x === w).reduce((n, [, , b]) => n + (b ?? 0), 0);
  return {
    requestOut: at(requestOut),
    firstByte: at(bytesIn[0]?.[0]),
    downloadFetch: at(after('download fetch')),
    downloadAnswer: at(after('download answer')),
    firstDownloadByte: at(after('download in')),
    lastByte: at(bytesIn.at(-1)?.[0]),
    closedPosted: at(after('post status closed')),
    closedShown: r2(r.seen.closed - r.seen.connected),
    messageBytes: sum('socket in'),
    downloadBytes: sum('download in'),
    // What crossed to the page, and the largest single post (see above).
    posted: posts.reduce((n, [, , c]) => n + (c ?? 0), 0),
    largestPost: Math.max(0, ...posts.map(([, , c]) => c ?? 0)),
  };
}

/** `seen`: when the status line's data-status first named each status; `firstWords`: when its words first changed
 * (what a person sees first), and the status then; `painted`: when the first frame after "connected" was painted. */
export type InPageConnect = { pressed: number; seen: Record<string, number>; firstWords: { at: number; status: string } | null; arrived: Record<string, number>; error: string | null; painted?: number | null };

export async function appConnect(page: Page, target: string, send?: string, settle = false): Promise<InPageConnect> {
  const r = (await page.evaluate(`(${CONNECT_IN_PAGE})(${JSON.stringify({ target, send, settle })})`)) as InPageConnect;
  if (!r.seen.connected) throw new Error(`the app did not connect: ${r.error ?? JSON.stringify(r.seen)}`);
  r.painted = (await page.evaluate('window.benchPainted')) as number | null;
  return r;
}

/** Each thread's median on-CPU ms over the rounds (0 in a round it did not run), largest first, from 0.2 ms. */
export function threadMedians(rounds: TreeCpu[]): Record<string, number> {
  const names = new Set(rounds.flatMap((r) => Object.keys(r.byThread)));
  const out = [...names].map((n) => [n, r2(median(rounds.map((r) => r.byThread[n] ?? 0)))] as const).filter(([, v]) => v >= 0.2);
  return Object.fromEntries(out.sort((a, b) => b[1] - a[1]));
}

/** A warm round's Connect with the CPU every process spent from the press to the status line's change (the form
 * filled and drawn before, outside the measure: tree-cpu.ts). */
export async function appConnectWithCpu(page: Page, target: string): Promise<{ result: InPageConnect; cpu: TreeCpu }> {
  await page.evaluate(`(${CONNECT_IN_PAGE})(${JSON.stringify({ target, settle: true, pressLater: true })})`);
  const round = await withTreeCpu(async () => (await page.evaluate('window.benchPress()')) as InPageConnect);
  if (!round.result.seen.connected) throw new Error(`the app did not connect: ${round.result.error ?? JSON.stringify(round.result.seen)}`);
  // After the CPU's window: that still ends at the status line.
  round.result.painted = (await page.evaluate('window.benchPainted')) as number | null;
  return round;
}

/** When the status line's words first changed after the press (a status named only in data-status is not shown). */
export function firstStatusShown(r: InPageConnect): number {
  return r.firstWords?.at ?? Math.min(...Object.values(r.seen));
}

/** Close the app's connection (s_server serves one client at a time) and wait until the status line says so. */
export async function appClose(page: Page) {
  const close = page.getByTestId('close-connection');
  if (await close.isVisible()) await close.click();
  await page.locator('[data-testid="status"]:not([data-status="connected"]):not([data-status="connecting"])').waitFor({ timeout: 15_000 });
}
