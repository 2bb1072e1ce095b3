// `npm start`'s server entry as a person runs it: it prints the ready line and the scenarios,
// serves /api/lab, and Ctrl-C (SIGINT) or SIGTERM stops every process it started.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = path.resolve(__dirname, '../..');
// As scripts/start.sh runs it: one node process with the tsx loader, no wrapper process.
const NODE_ARGS = ['--import', pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href, path.join(ROOT, 'server/main.ts')];

/** All descendants of `pid`, from /proc. */
function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parent.set(Number(name), ppid);
    } catch {
      /* the process ended meanwhile */
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [child, pp] of parent) if (pp === p) (out.push(child), walk(child));
  };
  walk(pid);
  return out;
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
    return state !== 'Z';
  } catch {
    return false;
  }
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

// SIGHUP is sent after closing the pipe the server prints to, as when its terminal window closes.
// SIGKILL gives the server no chance to clean up: its lab servers must still end (setpriv --pdeathsig).
describe.each([
  ['SIGINT', false],
  ['SIGTERM', false],
  ['SIGHUP', true],
  ['SIGKILL', false],
] as const)('server/main.ts stopped with %s (terminal gone: %s)', (signal, closeOutput) => {
  it('starts everything, prints the ready line, and leaves nothing running', async () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'tls-lens-start-'));
    const child = spawn(process.execPath, [...NODE_ARGS, '--port', '0'], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TLS_LENS_PORT: '' },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.resume();
    try {
    const url = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`not ready: ${out}`)), 45_000);
      child.stdout.on('data', () => {
        const m = /TLS Lens is ready at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) (clearTimeout(t), resolve(m[1]));
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    expect(out).toMatch(/Generated the lab's test PKI/);
    expect(out).toMatch(/key-update\s+:\d+\s+Key update from the server/);
    const scenarios: Array<{ id: string; port: number; address: string }> = await (await fetch(`${url}/api/lab`)).json();
    expect(scenarios.length).toBe(21);

    // Wait until Dovecot's master has forked its helpers, so the snapshot holds them too (up to 15 s: a busy machine).
    let started: number[] = [];
    for (let i = 0; i < 150; i++) {
      started = descendants(child.pid!);
      if (started.some((p) => /^dovecot\//.test(cmdline(p)))) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(started.map(cmdline).filter((c) => /dovecot/.test(c)).length).toBeGreaterThanOrEqual(2);
    const exit = new Promise<number | string | null>((resolve) => child.once('exit', (code, sig) => resolve(code ?? sig)));
    if (closeOutput) {
      child.stdout.destroy();
      child.stderr.destroy();
    }
    child.kill(signal);
    expect(await exit).toBe(signal === 'SIGKILL' ? 'SIGKILL' : 0);
    if (!closeOutput && signal !== 'SIGKILL') expect(out).toMatch(/Stopped\. Nothing is left running\./);
    for (let i = 0; i < 150 && started.some(alive); i++) await new Promise((r) => setTimeout(r, 100));
    expect(started.filter(alive).map(cmdline)).toEqual([]);
    for (const s of scenarios) expect(await accepts(s.address, s.port)).toBe(false);
    expect(await accepts('127.0.0.1', Number(new URL(url).port))).toBe(false);
    } finally {
      // If an assertion failed before the signal, do not leave the server behind.
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
    }
  }, 90_000);
});

describe('server/main.ts options', () => {
  it('rejects an unknown option with usage and exit code 2', async () => {
    const child = spawn(process.execPath, [...NODE_ARGS, '--bogus'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(2);
    expect(err).toMatch(/unknown option --bogus/);
    expect(err).toMatch(/--port N/);
  });
});
