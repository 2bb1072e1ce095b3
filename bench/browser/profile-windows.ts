// Where the page's time goes inside the app Connect's windows: reads a page CPU profile written by bench/browser.ts
// (TLS_LENS_BENCH_PROFILE=FILE) and FILE.windows.json (each warm round's press, 'connected' message arrival and
// status line change, in page time, and the page time of the profile's mark), and prints per window, averaged
// over the rounds, the busy time and the functions that held it (inclusive and self).
// Run: tsx bench/browser/profile-windows.ts FILE [top=40]
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
interface Windows {
  mark: number;
  rounds: { press: number; arrived: number; shown: number }[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) throw new Error('usage: tsx bench/browser/profile-windows.ts FILE [top]');
const top = Number(topArg ?? 40);
const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
const windows = JSON.parse(fs.readFileSync(`${file}.windows.json`, 'utf8')) as Windows;

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

// The clock offset: the mark's first sample is at page time `windows.mark`.
const markSample = profile.samples.findIndex((s) => stackOf(s).some((n) => n.callFrame.functionName === 'benchProfileMark'));
if (markSample < 0) throw new Error('the profile has no sample in benchProfileMark');
const offsetUs = at[markSample] - windows.mark * 1000;

const IDLE = new Set(['(idle)', '(program)', '(root)']);
function summarise(name: string, from: (r: Windows['rounds'][number]) => number, to: (r: Windows['rounds'][number]) => number) {
  const inclusive = new Map<string, number>();
  const self = new Map<string, number>();
  let busy = 0;
  let wall = 0;
  for (const r of windows.rounds) {
    const a = from(r) * 1000 + offsetUs;
    const b = to(r) * 1000 + offsetUs;
    wall += b - a;
    profile.samples.forEach((s, i) => {
      if (at[i] < a || at[i] >= b) return;
      const stack = stackOf(s);
      if (IDLE.has(stack[0].callFrame.functionName)) return;
      busy += lasts[i];
      self.set(label(stack[0]), (self.get(label(stack[0])) ?? 0) + lasts[i]);
      for (const f of new Set(stack.map(label))) inclusive.set(f, (inclusive.get(f) ?? 0) + lasts[i]);
    });
  }
  const n = windows.rounds.length;
  const ms = (us: number) => (us / n / 1000).toFixed(3);
  console.log(`\n== ${name}: wall ${ms(wall)} ms, page busy ${ms(busy)} ms per round (${n} rounds)`);
  const list = (m: Map<string, number>) => [...m].sort((x, y) => y[1] - x[1]).slice(0, top);
  console.log('-- inclusive');
  for (const [f, us] of list(inclusive)) console.log(`${ms(us).padStart(8)}  ${f}`);
  console.log('-- self');
  for (const [f, us] of list(self).slice(0, 20)) console.log(`${ms(us).padStart(8)}  ${f}`);
}

summarise('press to the connected message', (r) => r.press, (r) => r.arrived);
summarise('connected message to the status line', (r) => r.arrived, (r) => r.shown);
