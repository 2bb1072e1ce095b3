// What the browser bench talks to: `openssl s_server` serving the large response, the TLS Lens server with its lab
// and bridge, and Node's `tls` through that bridge (the reference).
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import WebSocket, { createWebSocketStream } from 'ws';
import { acceptedPort } from '../../test/tls/helpers.ts';
import { BRIDGE_SUBPROTOCOL } from '../../src/transport/bridge-protocol.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export function waitForExit(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
}

/** `openssl s_server -WWW` (serves files from `dir`: the large response) with the test leaf. */
export async function startSServer(dir: string, cert: string, key: string): Promise<{ port: number; proc: ChildProcess }> {
  const proc = spawn('openssl', ['s_server', '-accept', '127.0.0.1:0', '-cert', cert, '-key', key, '-WWW'], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`s_server did not start: ${out}`)), 30_000);
    proc.stdout!.on('data', (d) => {
      out += d;
      const p = acceptedPort(out);
      if (p) {
        clearTimeout(timer);
        resolve(p);
      }
    });
    proc.once('exit', (code) => reject(new Error(`s_server exited (${code}): ${out}`)));
  });
  proc.stdout!.resume();
  proc.stderr!.resume();
  return { port, proc };
}

/** The TLS Lens server with its lab (bench/browser/app-server.ts), its bridge allowed to reach the s_server. */
export async function startApp(port: number, targetPort: number, appDir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/browser/app-server.ts'), appDir, String(port), String(targetPort)], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/api/lab`)).ok) return child;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  child.kill('SIGTERM');
  throw new Error('the TLS Lens server did not start within 180 s');
}

/** Node's tls through the bridge: ms from WebSocket open to secureConnect; with `request`, MB/s of the response. */
export function nodeViaBridge(appPort: number, target: string, ca: Buffer, request?: string): Promise<{ ms: number; mbPerS?: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const ws = new WebSocket(`ws://127.0.0.1:${appPort}/bridge?target=${encodeURIComponent(target)}`, BRIDGE_SUBPROTOCOL, { origin: `http://127.0.0.1:${appPort}` });
    ws.once('error', reject);
    ws.once('open', () => {
      const socket = tls.connect({ socket: createWebSocketStream(ws), servername: 'localhost', ca }, () => {
        const ms = performance.now() - t0;
        if (!request) {
          socket.destroy();
          ws.close();
          return resolve({ ms });
        }
        const t1 = performance.now();
        let bytes = 0;
        socket.on('data', (d: Buffer) => (bytes += d.length));
        socket.on('end', () => {
          resolve({ ms, mbPerS: bytes / 1e6 / ((performance.now() - t1) / 1000) });
          socket.destroy();
          ws.close();
        });
        socket.write(request);
      });
      socket.once('error', reject);
    });
  });
}
