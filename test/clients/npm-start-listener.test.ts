// npm start's serve listener as a person meets it: server/main.ts (run as scripts/start.sh runs it, on free ports and
// without the lab, so it never meets another run) prints where the listener is and how to trust it, and the listener
// never outlives the app: Ctrl-C stops it, and so does a SIGKILL of the app (setpriv --pdeathsig).
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
const NODE_ARGS = ['--import', pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href, path.join(ROOT, 'server/main.ts')];

/** Processes whose parent is `pid`. */
function children(pid: number): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .filter((n) => {
      try {
        const stat = readFileSync(`/proc/${n}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

function alive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

describe.each(['SIGINT', 'SIGKILL'] as const)('server/main.ts with its serve listener, stopped with %s', (signal) => {
  it('prints the listener and how to trust it, and leaves no listener behind', async () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'tls-lens-start-clients-'));
    const child = spawn(process.execPath, [...NODE_ARGS, '--port', '0', '--serve-port', '0', '--no-lab'], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TLS_LENS_PORT: '', TLS_LENS_SERVE_PORT: '' } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.resume();
    try {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`not ready: ${out}`)), 60_000);
        child.stdout.on('data', () => /TLS Lens is ready at/.test(out) && (clearTimeout(t), resolve()));
        child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
      });
      const m = /Clients view: tls-lens serve listens on https:\/\/127\.0\.0\.1:(\d+)\/ \(port \d+\)/.exec(out);
      expect(m, out).not.toBeNull();
      const port = Number(m![1]);
      const ca = path.join(cwd, '.lab', 'serve-pki', 'ca.pem');
      expect(out).toContain(`curl --cacert ${ca} https://127.0.0.1:${port}/`);
      expect(out).toMatch(/--ignore-certificate-errors-spki-list=[A-Za-z0-9+/]{43}=/);
      expect(out).toMatch(/a serve of your own: tls-lens serve --report http:\/\/127\.0\.0\.1:\d+\/api\/clients/);
      expect(await accepts(port)).toBe(true);
      const serve = children(child.pid!).filter((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('serve'));
      expect(serve.length).toBe(1);

      const exit = new Promise((resolve) => child.once('exit', (code, sig) => resolve(code ?? sig)));
      child.kill(signal);
      expect(await exit).toBe(signal === 'SIGKILL' ? 'SIGKILL' : 0);
      for (let i = 0; i < 100 && alive(serve[0]); i++) await new Promise((r) => setTimeout(r, 100));
      expect(alive(serve[0])).toBe(false);
      expect(await accepts(port)).toBe(false);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      rmSync(cwd, { recursive: true, force: true });
    }
  }, 90_000);
});
