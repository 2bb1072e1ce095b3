// Where the time goes inside the app Connect's windows: reads the CPU profiles bench/browser.ts writes with
// TLS_LENS_BENCH_PROFILE=FILE (the page's FILE and its engine worker's FILE.worker.cpuprofile, sampled every 50 µs)
// and FILE.windows.json (each warm round's press, 'connected' message arrival and status line change in page time,
// and the 30 ms after that change;
// the worker's steps on the clock its notes use; the time of a mark each profile shows), and prints per window,
// averaged over the rounds, the busy time and the functions that held it (inclusive and self).
// Run: tsx bench/browser/profile-windows.ts FILE [top=40] [under=FUNCTION: only the samples with FUNCTION on their
// stack, e.g. performWorkOnRootViaSchedulerTask to see what a render drew]
import fs from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}
interface Round {
  press: number;
  arrived: number;
  shown: number;
  worker: Record<'received' | 'socket' | 'open' | 'flight' | 'done', number>;
}
interface Windows {
  mark: number;
  workerMark: number;
  rounds: Round[];
}

const [file, topArg, under] = process.argv.slice(2);
if (!file) throw new Error('usage: tsx bench/browser/profile-windows.ts FILE [top]');
const top = Number(topArg ?? 40);
const windows = JSON.parse(fs.readFileSync(`${file}.windows.json`, 'utf8')) as Windows;

/** Summarise `profileFile` over each named window of every round; `mark`: the time, on the windows' clock, of the
 * first sample in benchProfileMark. */
function analyse(profileFile: string, mark: number, parts: [string, (r: Round) => number, (r: Round) => number][], pressAt?: number) {
  const profile = JSON.parse(fs.readFileSync(profileFile, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').at(-1) ?? ''}:${n.callFrame.lineNumber}`;
  const stackOf = (id: number): ProfileNode[] => {
    const out: ProfileNode[] = [];
    for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) out.push(byId.get(x)!);
    return out;
  };
  // Sample times (µs, the profile's clock) and how long each stands for (until the next sample).
  const at: number[] = [];
  let t = profile.startTime;
  for (const d of profile.timeDeltas) at.push((t += d));
  const lasts = at.map((v, i) => (at[i + 1] ?? v) - v);
  const markSample = profile.samples.findIndex((s) => stackOf(s).some((n) => n.callFrame.functionName === 'benchProfileMark'));
  // Without the mark's samples (seen on a loaded machine), the page's profile is aligned on the first round's press
  // (its first sample in the press function: within a sample or two of it).
  const pressSample = markSample < 0 && pressAt !== undefined ? profile.samples.findIndex((s) => stackOf(s).some((n) => n.callFrame.functionName === 'window.benchPress')) : -1;
  if (markSample < 0 && pressSample < 0) throw new Error(`${profileFile} has no sample in benchProfileMark`);
  if (markSample < 0) console.log('(aligned on the first press, not the mark)');
  const offsetUs = markSample >= 0 ? at[markSample] - mark * 1000 : at[pressSample] - pressAt! * 1000;
  // Each round of the page aligned on its own press: the first sample in the press function within 10 ms of where the
  // mark puts it. The mark alone was seen 3 ms off (its first sample late), which moved the press window onto the
  // 'connected' message's handling and React's render of the session (session 13, docs/app-connect.md).
  const roundOffset = new Map<Round, number>();
  if (pressAt !== undefined) {
    const inPress = profile.samples.map((s) => stackOf(s).some((n) => n.callFrame.functionName === 'window.benchPress'));
    const shifts: number[] = [];
    for (const r of windows.rounds) {
      const expect = r.press * 1000 + offsetUs;
      const i = at.findIndex((t, k) => inPress[k] && t >= expect - 10_000 && t < expect + 10_000);
      if (i < 0) continue;
      roundOffset.set(r, at[i] - r.press * 1000);
      shifts.push((at[i] - expect) / 1000);
    }
    shifts.sort((a, b) => a - b);
    if (shifts.length) console.log(`(${shifts.length} of ${windows.rounds.length} rounds aligned on their press; the mark's alignment was off by ${shifts[Math.floor(shifts.length / 2)].toFixed(2)} ms, median)`);
  }
  const IDLE = new Set(['(idle)', '(program)', '(root)']);
  for (const [name, from, to] of parts) {
    const inclusive = new Map<string, number>();
    const self = new Map<string, number>();
    let busy = 0;
    let wall = 0;
    const rounds = windows.rounds.filter((r) => Number.isFinite(from(r)) && Number.isFinite(to(r)));
    for (const r of rounds) {
      const off = roundOffset.get(r) ?? offsetUs;
      const a = from(r) * 1000 + off;
      const b = to(r) * 1000 + off;
      wall += b - a;
      profile.samples.forEach((s, i) => {
        if (at[i] < a || at[i] >= b) return;
        const stack = stackOf(s);
        if (IDLE.has(stack[0].callFrame.functionName)) return;
        if (under && !stack.some((f) => f.callFrame.functionName === under)) return;
        busy += lasts[i];
        self.set(label(stack[0]), (self.get(label(stack[0])) ?? 0) + lasts[i]);
        for (const f of new Set(stack.map(label))) inclusive.set(f, (inclusive.get(f) ?? 0) + lasts[i]);
      });
    }
    const n = rounds.length;
    const ms = (us: number) => (us / n / 1000).toFixed(3);
    console.log(`\n== ${name}: wall ${ms(wall)} ms, busy ${ms(busy)} ms per round (${n} rounds)`);
    const list = (m: Map<string, number>) => [...m].sort((x, y) => y[1] - x[1]).slice(0, top);
    console.log('-- inclusive');
    for (const [f, us] of list(inclusive)) console.log(`${ms(us).padStart(8)}  ${f}`);
    console.log('-- self');
    for (const [f, us] of list(self).slice(0, 20)) console.log(`${ms(us).padStart(8)}  ${f}`);
  }
}

console.log('# the page');
analyse(file, windows.mark, [
  ['press to the connected message', (r) => r.press, (r) => r.arrived],
  ['connected message to the status line', (r) => r.arrived, (r) => r.shown],
  // What follows in the same task and frame: React's render of the session, the layout it forces, the frame's work.
  ['the 30 ms after the status line', (r) => r.shown, (r) => r.shown + 30],
], windows.rounds[0]?.press);
if (fs.existsSync(`${file}.worker.cpuprofile`)) {
  console.log('\n# the app\'s engine worker');
  analyse(`${file}.worker.cpuprofile`, windows.workerMark, [
    ['connect received to WebSocket open', (r) => r.worker.received, (r) => r.worker.open],
    ['open to the server flight', (r) => r.worker.open, (r) => r.worker.flight],
    ['server flight to connected posted', (r) => r.worker.flight, (r) => r.worker.done],
  ]);
}
