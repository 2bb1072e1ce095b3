// The serve listener `npm start` runs for the Clients view: `tls-lens serve` as a child process, exactly as a person
// would start it with --report, so a hand-started serve and this one reach the app the same way. It dies with the app
// (setpriv --pdeathsig), binds loopback unless told otherwise, and uses a throwaway CA kept beside the lab's PKI.
import { spawn } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClientsListenerInfo } from '../../src/clients/report-message.ts';
import { diesWithParent } from '../lab/running-server.ts';

const BIN = fileURLToPath(new URL('../../bin/tls-lens.js', import.meta.url));
/** The first start may build the command-line client (esbuild) before serve listens. */
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 5000;

export const DEFAULT_SERVE_PORT = 5443;

export interface ClientsListenerOptions {
  /** Address to bind. Default 127.0.0.1; e.g. 0.0.0.0 for a phone on the same network. */
  host?: string;
  /** Default 5443; 0 picks a free port. */
  port?: number;
  /** Where the throwaway CA and leaf are kept. */
  pkiDir: string;
}

export interface ClientsListener {
  info(): ClientsListenerInfo;
  stop(): Promise<void>;
}

/** Start the listener, reporting to `reportUrl`. Never rejects: a listener that cannot start says why in info(). */
export async function startClientsListener(options: ClientsListenerOptions, reportUrl: string): Promise<ClientsListener> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? DEFAULT_SERVE_PORT;
  const args = [BIN, 'serve', '--json', '--www', '--alpn', 'http/1.1', '--host', host, '--port', String(port), '--pki-dir', options.pkiDir, '--report', reportUrl];
  const [command, argv] = diesWithParent(process.execPath, args);
  const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let info: ClientsListenerInfo = { running: false, reason: 'starting' };
  let stdout = '';
  let stderr = '';
  let exited = false;
  let stopping = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));

  const listening = new Promise<ClientsListenerInfo>((resolve) => {
    const timer = setTimeout(() => resolve({ running: false, reason: `tls-lens serve did not start listening within ${START_TIMEOUT_MS / 1000} s` }), START_TIMEOUT_MS);
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (text: string) => {
      if (info.running) return; // after the listening line, per-client lines are not needed here
      stdout += text;
      for (const line of stdout.split('\n')) {
        if (!line.startsWith('{')) continue;
        let parsed: { event?: string; port?: number; url?: string; caFile?: string; error?: { message?: string } };
        try {
          parsed = JSON.parse(line);
        } catch {
          continue; // a line not yet complete
        }
        if (parsed.event === 'listening') {
          clearTimeout(timer);
          resolve({ running: true, host, port: parsed.port, url: parsed.url, caFile: parsed.caFile ?? undefined, leafSpkiSha256: leafSpki(options.pkiDir) });
        } else if (parsed.error?.message) {
          clearTimeout(timer);
          resolve({ running: false, reason: parsed.error.message });
        }
      }
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (text: string) => (stderr = (stderr + text).slice(-4000)));
    child.once('error', (e) => {
      clearTimeout(timer);
      resolve({ running: false, reason: `cannot run tls-lens serve: ${e.message}` });
    });
    void exit.then(() => {
      clearTimeout(timer);
      resolve({ running: false, reason: `tls-lens serve exited before listening: ${lastLine(stderr) || 'no message'}` });
    });
  });
  info = await listening;
  if (info.running) {
    void exit.then(() => {
      if (!stopping) info = { running: false, reason: `tls-lens serve stopped: ${lastLine(stderr) || 'no message'}` };
    });
  }

  return {
    info: () => info,
    async stop() {
      stopping = true;
      if (!exited) child.kill('SIGTERM');
      const forced = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exit;
      clearTimeout(forced);
      info = { running: false, reason: 'stopped' };
    },
  };
}

function lastLine(text: string): string {
  return text.trim().split('\n').filter((l) => !l.startsWith('tls-lens: building')).pop() ?? '';
}

/** Base64 SHA-256 of the leaf's SubjectPublicKeyInfo (Chromium's --ignore-certificate-errors-spki-list). */
function leafSpki(pkiDir: string): string | undefined {
  try {
    const leaf = new X509Certificate(readFileSync(path.join(pkiDir, 'localhost.pem')));
    return createHash('sha256').update(leaf.publicKey.export({ type: 'spki', format: 'der' })).digest('base64');
  } catch {
    return undefined;
  }
}
