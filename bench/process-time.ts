// Whole-process timing for the CLI benchmarks (bench/cli.ts, bench/cli-snapshot.ts): wall time from spawn to exit,
// and CPU time (user + system of the process and its children) from bash's `times`, to the millisecond. On a
// machine other work keeps busy the wall time mostly measures waiting for a core, the CPU time what the process
// itself costs: both are reported.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { median } from './common.ts';

// bash runs the command, then writes `times`: its own CPU time and its children's, as "0m0.123s 0m0.045s" lines.
const TIMED = '"$@"; status=$?; times > "$0"; exit $status';

/** Times processes by name: each run's wall and CPU milliseconds, kept for medians. */
export class ProcessTimer {
  readonly wallMs: Record<string, number[]> = {};
  readonly cpuMs: Record<string, number[]> = {};
  private readonly timeFile = path.join(os.tmpdir(), `tls-lens-bench-${process.pid}-${Math.random().toString(36).slice(2)}.time`);

  /** `env`: the process's whole environment. Rejects if it exits with another code than `expect`. */
  run(name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv, expect = 0, input?: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const t0 = performance.now();
      const child = spawn('bash', ['-c', TIMED, this.timeFile, cmd, ...args], { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], env });
      let err = '';
      child.stdout!.resume();
      child.stderr!.on('data', (d) => (err += d));
      if (input !== undefined) child.stdin!.end(input);
      child.on('error', reject);
      child.on('exit', (code) => {
        const ms = performance.now() - t0;
        if (code !== expect) return reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err}`));
        const children = fs.readFileSync(this.timeFile, 'utf8').trim().split('\n')[1];
        const [user, sys] = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
        (this.wallMs[name] ??= []).push(ms);
        (this.cpuMs[name] ??= []).push((user + sys) * 1000);
        resolve(ms);
      });
    });
  }

  /** Forget every run so far (after an untimed warm-up round). */
  reset(): void {
    for (const k of Object.keys(this.wallMs)) delete this.wallMs[k];
    for (const k of Object.keys(this.cpuMs)) delete this.cpuMs[k];
  }

  medianWall(name: string): number {
    return median(this.wallMs[name]);
  }

  medianCpu(name: string): number {
    return median(this.cpuMs[name]);
  }

  close(): void {
    fs.rmSync(this.timeFile, { force: true });
  }
}

export const ratio = (a: number, b: number) => +(a / b).toFixed(2);

/** The environment without NODE_EXTRA_CA_CERTS: what a machine that does not set it runs node with. */
export function cleanEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => k !== 'NODE_EXTRA_CA_CERTS'));
}
