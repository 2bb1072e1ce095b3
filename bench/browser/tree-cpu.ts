// CPU time of everything a benchmark started (Chromium's browser, renderer, GPU and network processes, the TLS Lens
// servers and their bridges, s_server), to the nanosecond: the on-CPU time of every thread of every process descended
// from this one (/proc/PID/task/TID/schedstat, Linux). On a 2-core machine other engineers keep busy, a round's wall
// time mostly measures waiting for a core; what a Connect costs the machine, every process of it together, does not
// move with their load. The time spent waiting for a core (runnable, not running) is kept beside it.
import fs from 'node:fs';

export interface TreeCpu {
  /** Milliseconds on a CPU, all threads together. */
  runMs: number;
  /** Milliseconds runnable but waiting for a CPU, all threads together. */
  waitMs: number;
  /** On-CPU milliseconds by process and thread name ("chromium/CrRendererMain", "node/node"...). */
  byThread: Record<string, number>;
}

/** The pids descended from `root` (not `root` itself). */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // ended meanwhile
    }
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(name));
    children.set(ppid, list);
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    for (const c of children.get(pid) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(root);
  return out;
}

/** CPU so far of every thread of this process's descendants. Take two readings around a round and subtract. */
export function treeCpu(root = process.pid, pids = descendants(root)): TreeCpu {
  let run = 0;
  let wait = 0;
  const byThread: Record<string, number> = {};
  for (const pid of pids) {
    let tasks: string[];
    let type = '';
    try {
      tasks = fs.readdirSync(`/proc/${pid}/task`);
      // Chromium's processes by their --type (renderer, gpu-process, utility: the network service), else the name.
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      type = /--type=([\w-]+)/.exec(cmd)?.[1] ?? /--utility-sub-type=([\w.]+)/.exec(cmd)?.[1] ?? cmd.split('\0')[0].split('/').at(-1)!;
      if (type === 'utility') type = /--utility-sub-type=([\w.]+)/.exec(cmd)?.[1] ?? type;
    } catch {
      continue;
    }
    for (const tid of tasks) {
      try {
        const [onCpu, waiting] = fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
        run += onCpu;
        wait += waiting;
        const name = `${type} ${pid}/${fs.readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim()}`;
        byThread[name] = (byThread[name] ?? 0) + onCpu / 1e6;
      } catch {
        /* the thread ended meanwhile */
      }
    }
  }
  return { runMs: run / 1e6, waitMs: wait / 1e6, byThread };
}

/** `work`, with the CPU the process tree spent while it ran. */
export async function withTreeCpu<T>(work: () => Promise<T>): Promise<{ result: T; cpu: TreeCpu }> {
  const a = treeCpu();
  const result = await work();
  const b = treeCpu();
  const byThread: Record<string, number> = {};
  for (const [k, v] of Object.entries(b.byThread)) if (v - (a.byThread[k] ?? 0) > 0) byThread[k] = v - (a.byThread[k] ?? 0);
  return { result, cpu: { runMs: b.runMs - a.runMs, waitMs: b.waitMs - a.waitMs, byThread } };
}

/** Busy time of every CPU of the machine so far (ms; /proc/stat's first line, in clock ticks of 10 ms). Steal time
 * counts as busy: on a virtual machine it is other guests' work. */
function machineBusyMs(): number {
  const [user, nice, system, , , irq, softirq, steal] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq + (steal ?? 0)) * 10;
}

/** CPU of the children `pid` has reaped (ms; /proc/PID/stat's cutime and cstime, in 10 ms ticks): processes of the
 * tree that have ended (a cold round's browser, its renderers) and no longer show in treeCpu. */
function reapedMs(pid: number | 'self'): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After "pid (comm)": state is field 3, so cutime (16) and cstime (17) are at 13 and 14 here.
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return 0; // ended meanwhile
  }
}

/** This process's CPU and its descendants', those that have ended included, so far (ms). */
function benchCpuMs(): number {
  const self = process.cpuUsage();
  const pids = descendants(process.pid);
  return (self.user + self.system) / 1000 + treeCpu(process.pid, pids).runMs + reapedMs('self') + pids.reduce((sum, pid) => sum + reapedMs(pid), 0);
}

/**
 * How much of the machine other work took while a bench ran: the machine's busy time less the bench's own (this
 * process and everything it started), over the wall time, in cores. On this 2-core machine the browser benches'
 * ratios move with it, and not one way: a core taken by one busy process slowed Chromium's WebSocket hops more than
 * Node's, two slowed Node's more (docs/performance.md). The load average cannot tell this apart, as it counts the
 * bench's own processes too.
 */
export function watchOtherWork(): () => { otherWorkCores: number; benchCores: number } {
  const t0 = performance.now();
  const busy0 = machineBusyMs();
  const bench0 = benchCpuMs();
  return () => {
    const wall = performance.now() - t0;
    const bench = benchCpuMs() - bench0;
    const other = Math.max(0, machineBusyMs() - busy0 - bench);
    const said = { otherWorkCores: +(other / wall).toFixed(2), benchCores: +(bench / wall).toFixed(2) };
    if (said.otherWorkCores >= 0.3) console.error(`note: other work on this machine took ${said.otherWorkCores} cores while the bench ran; the browser ratios move with it (docs/performance.md)`);
    return said;
  };
}
