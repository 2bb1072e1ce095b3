// Starting and stopping real server processes for tests: temp dirs, logs, clean shutdown.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface RunningServer {
  port: number;
  /** The temp dir holding the server's config, data and log. */
  dir: string;
  /** Stop the server and remove its temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

export interface TlsFiles {
  tlsCert: string;
  tlsKey: string;
}

/** A fresh temp dir other users (the servers' own accounts) may traverse. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tls-lens-starttls-${prefix}-`));
  fs.chmodSync(dir, 0o755);
  return dir;
}

/** uid/gid of a system account, for servers that refuse to run as root. */
export function account(name: string): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', name]).toString().trim());
  const gid = Number(execFileSync('id', ['-g', name]).toString().trim());
  return { uid, gid };
}

export function chownR(target: string, owner: { uid: number; gid: number }): void {
  fs.chownSync(target, owner.uid, owner.gid);
  if (fs.statSync(target).isDirectory()) for (const f of fs.readdirSync(target)) chownR(path.join(target, f), owner);
}

/** Copy the cert and key into dir (servers check ownership and modes of their key). */
export function copyTls(files: TlsFiles, dir: string, owner?: { uid: number; gid: number }): TlsFiles {
  const tlsCert = path.join(dir, 'server.crt');
  const tlsKey = path.join(dir, 'server.key');
  fs.copyFileSync(files.tlsCert, tlsCert);
  fs.copyFileSync(files.tlsKey, tlsKey);
  fs.chmodSync(tlsKey, 0o600);
  if (owner) {
    fs.chownSync(tlsCert, owner.uid, owner.gid);
    fs.chownSync(tlsKey, owner.uid, owner.gid);
  }
  return { tlsCert, tlsKey };
}

/** Run a command to completion; on failure the error carries its output. */
export function runOrThrow(cmd: string, args: string[], options: { uid?: number; gid?: number; cwd?: string } = {}): string {
  try {
    return execFileSync(cmd, args, { ...options, stdio: 'pipe', timeout: 60_000 }).toString();
  } catch (e) {
    const err = e as { stdout?: Buffer; stderr?: Buffer; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  }
}

/** Start a foreground server process with its output going to dir/<name>.out. */
export function spawnLogged(name: string, dir: string, cmd: string, args: string[], options: { uid?: number; gid?: number } = {}): ChildProcess {
  const out = fs.openSync(path.join(dir, `${name}.out`), 'a');
  const child = spawn(cmd, args, { ...options, cwd: dir, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  return child;
}

/** Stop a child process we started: SIGTERM, then SIGKILL after a grace period. */
export async function stopChild(child: ChildProcess, graceMs = 5000, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** The last lines of a log, for error messages when a server does not come up. */
export function tail(file: string, lines = 20): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

export interface SupervisedServer {
  /** Used in the "did not start" error. */
  name: string;
  /** The server's temp dir, removed once it has stopped. */
  dir: string;
  /** The foreground process to stop, or how to stop a server that runs detached. */
  process: ChildProcess | (() => Promise<void>);
  /** Logs whose tails explain a failed start. */
  logs: string[];
  /** Resolves once the server accepts connections. */
  ready(): Promise<void>;
}

/**
 * Wait for a started server to come up and hand back its stop(), which may be called twice.
 * If it does not come up, it is stopped, its dir removed, and the error carries the tails of its logs.
 */
export async function superviseServer(server: SupervisedServer): Promise<() => Promise<void>> {
  const { process: proc } = server;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    try {
      await (typeof proc === 'function' ? proc() : stopChild(proc));
    } finally {
      removeDir(server.dir);
    }
  };
  try {
    await server.ready();
  } catch (e) {
    const logs = server.logs.map((file) => tail(file)).join('\n');
    await stop();
    throw new Error(`${server.name} did not start: ${(e as Error).message}\n${logs}`);
  }
  return stop;
}
