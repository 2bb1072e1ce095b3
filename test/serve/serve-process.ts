// Test plumbing: `tls-lens serve` as a real child process (the CLI as a person runs it), with --json so each
// client's report is one line to read back; stopped with SIGINT (Ctrl-C) by the test.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClientReport } from '../../src/cli/serve-report.ts';

// import.meta.url, not __dirname: Playwright loads this file as an ES module.
const BIN = fileURLToPath(new URL('../../bin/tls-lens.js', import.meta.url));

export interface ServeProcess {
  port: number;
  caFile: string;
  /** Temp dir of this server (throwaway PKI, key logs, traces): removed by stop(). */
  dir: string;
  reports(): ClientReport[];
  /** Resolves once `n` clients have been reported (in total since start). */
  waitForReports(n: number, ms?: number): Promise<ClientReport[]>;
  output(): string;
  /** Ctrl-C, then the exit status. */
  stop(): Promise<number | null>;
  proc: ChildProcess;
}

export async function startServe(args: string[] = [], opts: { dir?: string } = {}): Promise<ServeProcess> {
  const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'tls-lens-serve-'));
  const proc = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--json', '--pki-dir', path.join(dir, 'pki'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d) => (out += d.toString()));
  proc.stderr!.on('data', (d) => (err += d.toString()));
  const lines = () => out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const listening = await new Promise<{ port: number; caFile: string }>((resolve, reject) => {
    const timer = setInterval(() => {
      const l = lines().find((x) => x.event === 'listening');
      if (l) {
        clearInterval(timer);
        resolve(l);
      }
    }, 50);
    exited.then((code) => {
      clearInterval(timer);
      reject(new Error(`serve exited (${code}) before listening: ${out}${err}`));
    });
  });
  const reports = () => lines().filter((x) => x.event !== 'listening') as ClientReport[];
  return {
    port: listening.port,
    caFile: listening.caFile,
    dir,
    proc,
    reports,
    output: () => out + err,
    async waitForReports(n, ms = 30_000) {
      const end = Date.now() + ms;
      while (reports().length < n) {
        if (Date.now() > end) throw new Error(`waited for ${n} client reports, have ${reports().length}: ${out}${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return reports();
    },
    async stop() {
      if (proc.exitCode === null) proc.kill('SIGINT');
      const code = await exited;
      if (!opts.dir) fs.rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}

/** What s_client prints on reading each command line. */
const COMMANDS: Record<string, RegExp> = { k: /KEYUPDATE/, K: /KEYUPDATE/, R: /RENEGOTIATING/ };

/**
 * Run `openssl s_client` against serve to the end: `input` lines are typed one by one once `ready` shows in its
 * output (by default: the TLS 1.3 tickets arrived, or a failure), then stdin closes, once `until` holds if it is
 * given. Nothing waits a fixed time: a command line (`k`, `K`, `R`) waits for the word s_client prints on reading
 * it, so that the next line is a read of its own. serve (in its default mode) answers nothing, so what a command
 * starts (the server's KeyUpdate, a renegotiation's end) is only seen with -msg: give `until` for it, or s_client
 * may close first.
 */
export function sClient(s: ServeProcess, args: string[], input: string[] = [], ready = /Post-Handshake New Session Ticket arrived|alert|errno|error:/i, until?: (out: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    // stdbuf: s_client's stdout is a pipe here, block-buffered unless told; the wait below reads it as it comes.
    const p = spawn('stdbuf', ['-o0', 'openssl', 's_client', '-connect', `127.0.0.1:${s.port}`, '-servername', 'localhost', '-CAfile', s.caFile, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d.toString()));
    p.stderr.on('data', (d) => (out += d.toString()));
    p.stdin.on('error', () => {});
    const timer = setTimeout(() => {
      p.kill();
      reject(new Error(`s_client did not finish: ${out}`));
    }, 30_000);
    // 'close': after the exit and the last of its output.
    p.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    // Type once the tickets have arrived (or the handshake failed), so closing never races the server's tickets;
    // then EOF ends s_client. Past the deadline it closes anyway (the caller's checks then see what it printed).
    (async () => {
      const end = Date.now() + 25_000;
      const waitFor = async (cond: () => boolean) => {
        while (!cond() && p.exitCode === null && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      };
      await waitFor(() => ready.test(out));
      for (const line of input) {
        const from = out.length;
        p.stdin.write(line + '\n');
        const shows = COMMANDS[line];
        if (shows) await waitFor(() => shows.test(out.slice(from)));
      }
      if (until) await waitFor(() => until(out));
      p.stdin.end();
    })();
  });
}
