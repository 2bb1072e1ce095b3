// `npm start`'s server entry as a person runs it: it prints the ready line and the scenarios,
// serves /api/lab, and Ctrl-C (SIGINT) or SIGTERM stops every process it started.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

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

describe.each(['SIGINT', 'SIGTERM'] as const)('server/main.ts stopped with %s', (signal) => {
  it('starts everything, prints the ready line, and leaves nothing running', async () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'tls-lens-start-'));
    const child = spawn(path.join(ROOT, 'node_modules/.bin/tsx'), [path.join(ROOT, 'server/main.ts'), '--port', '0'], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TLS_LENS_PORT: '' },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.resume();
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
    expect(scenarios.length).toBe(18);

    const started = descendants(child.pid!);
    // At least the node process, openssl s_server and dovecot with its helpers.
    expect(started.length).toBeGreaterThanOrEqual(3);
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill(signal);
    expect(await exit).toBe(0);
    expect(out).toMatch(/Stopped\. Nothing is left running\./);
    await new Promise((r) => setTimeout(r, 300));
    expect(started.filter(alive)).toEqual([]);
    for (const s of scenarios) expect(await accepts(s.address, s.port)).toBe(false);
    expect(await accepts('127.0.0.1', Number(new URL(url).port))).toBe(false);
  }, 90_000);
});

describe('server/main.ts options', () => {
  it('rejects an unknown option with usage and exit code 2', async () => {
    const child = spawn(path.join(ROOT, 'node_modules/.bin/tsx'), [path.join(ROOT, 'server/main.ts'), '--bogus'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(2);
    expect(err).toMatch(/unknown option --bogus/);
    expect(err).toMatch(/--port N/);
  });
});
