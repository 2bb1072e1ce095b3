// Real traces for the compare tests: the CLI (our engine) against openssl s_server, saved with --trace, each with a
// first connection and a resumed one (--reconnect), one HTTP request answered by s_server -www.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseTraceFile } from '../../src/trace/recorder.ts';
import type { TraceFile } from '../../src/trace/types.ts';
import { spawnSServer, type TestPki } from '../tls/helpers.ts';

export const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/tls-lens.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile('node', [BIN, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

export interface SavedTrace {
  file: string;
  trace: TraceFile;
  /** Exit status of `tls-lens connect`. */
  code: number;
}

/**
 * `tls-lens connect --reconnect --send "GET / ..." --trace FILE` against `openssl s_server -www` started with these
 * arguments (and the test PKI's leaf), stopped afterwards.
 */
export async function recordAgainstSServer(pki: TestPki, dir: string, name: string, serverArgs: string[]): Promise<SavedTrace> {
  const server = await spawnSServer(['-www', '-cert', pki.leafCert, '-key', pki.leafKey, ...serverArgs]);
  const file = path.join(dir, `${name}.json`);
  try {
    const run = await runCli(['connect', `127.0.0.1:${server.port}`, '--servername', 'localhost', '--ca', pki.rootPem, '--reconnect', '--send', 'GET / HTTP/1.0\\r\\n\\r\\n', '--trace', file]);
    if (!fs.existsSync(file)) throw new Error(`connect saved no trace (exit ${run.code}): ${run.stderr}`);
    return { file, trace: parseTraceFile(fs.readFileSync(file, 'utf8')), code: run.code };
  } finally {
    await server.stop();
  }
}

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'tls-lens-compare-'));
}
