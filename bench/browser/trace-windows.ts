// Where a warm app Connect's CPU goes, thread by thread, from a Chromium trace bench/browser.ts writes with
// TLS_LENS_BENCH_TRACE=FILE: the page's marks split each round into press to 'connected' arriving, arriving to the
// status line's change, and the 50 ms after it; the workers' marks give each WebSocket's opening (the app's worker
// beside the engine's own, in the same rounds); per window, every thread's busy time (its top-level tasks, clipped to
// the window) averaged over the rounds, and the page's main thread's time by the kind of work (script, style, layout,
// paint...). Run: tsx bench/browser/trace-windows.ts FILE
import fs from 'node:fs';

interface TraceEvent {
  name: string;
  cat: string;
  ph: string;
  ts: number;
  dur?: number;
  tdur?: number;
  pid: number;
  tid: number;
  args?: Record<string, unknown>;
}

const file = process.argv[2];
if (!file) throw new Error('usage: tsx bench/browser/trace-windows.ts FILE');
const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as { traceEvents: TraceEvent[] } | TraceEvent[];
const events = Array.isArray(raw) ? raw : raw.traceEvents;

const threadName = new Map<string, string>();
const processName = new Map<number, string>();
for (const e of events) {
  if (e.ph === 'M' && e.name === 'thread_name') threadName.set(`${e.pid}:${e.tid}`, String(e.args?.name));
  if (e.ph === 'M' && e.name === 'process_name') processName.set(e.pid, String(e.args?.name));
}
const allMarks = events.filter((e) => e.cat.includes('blink.user_timing') && e.name.startsWith('bench ')).sort((a, b) => a.ts - b.ts);
// The page's marks (press, arrived, shown) and the workers' ('bench worker socket new'...: bench/browser.ts notes each
// step of both workers as a mark while it traces).
const marks = allMarks.filter((e) => !e.name.startsWith('bench worker '));
const workerMarks = allMarks.filter((e) => e.name.startsWith('bench worker '));
const pagePid = marks[0]?.pid;
const rounds: { press: number; arrived: number; shown: number }[] = [];
for (const m of marks) {
  if (m.name === 'bench press') rounds.push({ press: m.ts, arrived: NaN, shown: NaN });
  const r = rounds.at(-1);
  if (!r) continue;
  if (m.name === 'bench arrived connected') r.arrived = m.ts;
  if (m.name === 'bench shown connected') r.shown = m.ts;
}
const complete = rounds.filter((r) => Number.isFinite(r.arrived) && Number.isFinite(r.shown));
type Window = [number, number];
const pageWindows: [string, (r: (typeof complete)[0]) => Window][] = [
  ['press to connected arrived', (r) => [r.press, r.arrived]],
  ['arrived to shown', (r) => [r.arrived, r.shown]],
  ['50 ms after shown', (r) => [r.shown, r.shown + 50_000]],
];
// The WebSocket's opening in each worker ('socket new' to 'socket open'): in the app's worker within a round's press
// to shown, in the engine's outside them (the bench's own worker runs between the app's rounds).
const inApp = (t: number) => complete.some((r) => t >= r.press && t <= r.shown);
const socketWindows = (app: boolean): Window[] => {
  const out: Window[] = [];
  for (const m of workerMarks) {
    if (m.name !== 'bench worker socket new' || inApp(m.ts) !== app) continue;
    const open = workerMarks.find((o) => o.tid === m.tid && o.ts > m.ts && o.name === 'bench worker socket open');
    if (open && open.ts - m.ts < 1_000_000) out.push([m.ts, open.ts]);
  }
  return out;
};
const windows: [string, Window[]][] = [
  ...pageWindows.map(([name, w]): [string, Window[]] => [name, complete.map(w)]),
  ['app: socket made to open', socketWindows(true)],
  ['engine: socket made to open', socketWindows(false)],
];

// Top-level tasks: what a thread ran (nested slices are inside them).
const tasks = events.filter((e) => e.ph === 'X' && e.dur !== undefined && (e.name === 'ThreadControllerImpl::RunTask' || e.name === 'ThreadPool_RunTask' || e.name === 'RunTask'));
const mainKinds = new Set(['FunctionCall', 'EvaluateScript', 'v8.execute', 'UpdateLayoutTree', 'Layout', 'Paint', 'PrePaint', 'Layerize', 'Commit', 'ParseHTML', 'HitTest', 'MajorGC', 'MinorGC', 'V8.GC_SCAVENGER', 'RunMicrotasks', 'EventDispatch', 'TimerFire', 'FireAnimationFrame', 'UpdateLayer', 'IntersectionObserverController::computeIntersections']);
const pageMain = [...threadName].find(([k, v]) => k.startsWith(`${pagePid}:`) && v === 'CrRendererMain')?.[0];
const overlap = (e: TraceEvent, a: number, b: number) => Math.max(0, Math.min(e.ts + e.dur!, b) - Math.max(e.ts, a));

const wallOf = (list: Window[]) => (list.reduce((s, [a, b]) => s + b - a, 0) / Math.max(1, list.length) / 1000).toFixed(2);
console.log(`${complete.length} rounds; page pid ${pagePid}; wall per window (ms): ${windows.map(([n, list]) => `${n} ${wallOf(list)} (${list.length})`).join(', ')}`);
for (const [name, list] of windows) {
  const busy = new Map<string, number>();
  const kinds = new Map<string, number>();
  for (const [a, b] of list) {
    // Per thread, the union of its tasks' spans in the window (task slices nest: count each moment once).
    const spans = new Map<string, [number, number][]>();
    for (const t of tasks) {
      if (t.ts > b || t.ts + t.dur! < a) continue;
      const key = `${processName.get(t.pid) ?? t.pid}${t.pid === pagePid ? ' (page)' : ''} / ${threadName.get(`${t.pid}:${t.tid}`) ?? t.tid}`;
      const list = spans.get(key) ?? [];
      list.push([Math.max(t.ts, a), Math.min(t.ts + t.dur!, b)]);
      spans.set(key, list);
    }
    for (const [key, list] of spans) {
      list.sort((x, y) => x[0] - y[0]);
      let total = 0;
      let end = -Infinity;
      for (const [s0, e0] of list) {
        if (e0 <= end) continue;
        total += e0 - Math.max(s0, end);
        end = e0;
      }
      busy.set(key, (busy.get(key) ?? 0) + total);
    }
    for (const e of events) {
      if (e.ph !== 'X' || e.dur === undefined || `${e.pid}:${e.tid}` !== pageMain || !mainKinds.has(e.name)) continue;
      if (e.ts > b || e.ts + e.dur < a) continue;
      kinds.set(e.name, (kinds.get(e.name) ?? 0) + overlap(e, a, b));
    }
  }
  const n = Math.max(1, list.length);
  console.log(`\n== ${name} (ms per round)`);
  for (const [k, v] of [...busy].sort((x, y) => y[1] - x[1]).slice(0, 16)) console.log(`  ${(v / n / 1000).toFixed(2).padStart(6)}  ${k}`);
  console.log('  page main thread by kind (nested kinds overlap):');
  for (const [k, v] of [...kinds].sort((x, y) => y[1] - x[1])) console.log(`  ${(v / n / 1000).toFixed(2).padStart(6)}  ${k}`);
}
