// `tls-lens connect ARGS` as a person runs it (the built bin), for the serve tests that reach a server with it.
import { execFile } from 'node:child_process';
import path from 'node:path';

const BIN = path.resolve(__dirname, '../../bin/tls-lens.js');

export interface ConnectRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runConnect(args: string[]): Promise<ConnectRun> {
  return new Promise((resolve) => {
    execFile('node', [BIN, 'connect', ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}
