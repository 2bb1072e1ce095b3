// npm run bench:bridge — what the bridge costs: round-trip latency and throughput through
// WebSocket → bridge → TCP echo server, against the same echo server over plain TCP,
// at 1 and at 200 concurrent sessions. The bridge runs in its own process (as it does for a browser);
// clients and the echo server share this one. All on 127.0.0.1.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { startServer } from '../server/app.ts';
import { BRIDGE_SUBPROTOCOL } from '../server/bridge/index.ts';

interface Pipe {
  send(b: Buffer): void;
  onData(f: (b: Buffer) => void): void;
  close(): void;
}

const PING = Buffer.alloc(32, 0x5a);
const CHUNK = Buffer.alloc(64 * 1024, 0xa5);

function startEcho(): Promise<{ port: number; close(): void }> {
  const server = net.createServer((s) => {
    s.setNoDelay(true);
    s.on('error', () => {});
    s.pipe(s);
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r({ port: (server.address() as net.AddressInfo).port, close: () => server.close() })));
}

async function tcpPipe(port: number): Promise<Pipe> {
  const s = net.connect({ host: '127.0.0.1', port, noDelay: true });
  await new Promise((r) => s.once('connect', r));
  return { send: (b) => s.write(b), onData: (f) => s.on('data', f), close: () => s.destroy() };
}

async function bridgePipe(url: string, port: number): Promise<Pipe> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/bridge?target=localhost:${port}`, [BRIDGE_SUBPROTOCOL], { origin: url, perMessageDeflate: false });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('close', (c, r) => reject(new Error(`bridge closed ${c} ${r}`)));
  });
  return { send: (b) => ws.send(b), onData: (f) => ws.on('message', (d: Buffer) => f(d)), close: () => ws.close(1000) };
}

/** Sequential round trips of 32 bytes on one pipe, `pauseMs` (random up to) between them; each in ms. */
async function pingPong(pipe: Pipe, rounds: number, pauseMs: number): Promise<number[]> {
  const times: number[] = [];
  let waiting: ((n: number) => void) | null = null;
  let got = 0;
  pipe.onData((d) => {
    got += d.length;
    if (got >= PING.length && waiting) {
      got -= PING.length;
      const w = waiting;
      waiting = null;
      w(0);
    }
  });
  for (let i = 0; i < rounds; i++) {
    const t0 = process.hrtime.bigint();
    await new Promise<number>((r) => {
      waiting = r;
      pipe.send(PING);
    });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (pauseMs) await new Promise((r) => setTimeout(r, Math.random() * pauseMs));
  }
  return times;
}

/** Sends `bytes` through the echo with at most `window` bytes in flight; resolves when all came back. */
function pump(pipe: Pipe, bytes: number, window: number): Promise<void> {
  return new Promise((resolve) => {
    let sent = 0;
    let back = 0;
    const fill = () => {
      while (sent < bytes && sent - back < window) {
        pipe.send(CHUNK);
        sent += CHUNK.length;
      }
    };
    pipe.onData((d) => {
      back += d.length;
      if (back >= bytes) resolve();
      else fill();
    });
    fill();
  });
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

async function latency(open: () => Promise<Pipe>, sessions: number, rounds: number, pauseMs: number): Promise<{ median: number; p99: number }> {
  const pipes = await Promise.all(Array.from({ length: sessions }, open));
  const all = (await Promise.all(pipes.map((p) => pingPong(p, rounds, pauseMs).then((t) => t.slice(1))))).flat(); // drop each session's warm-up sample
  pipes.forEach((p) => p.close());
  return { median: pct(all, 50), p99: pct(all, 99) };
}

async function throughput(open: () => Promise<Pipe>, sessions: number, bytesPerSession: number): Promise<number> {
  const pipes = await Promise.all(Array.from({ length: sessions }, open));
  const t0 = process.hrtime.bigint();
  const window = sessions === 1 ? 2 * 1024 * 1024 : 256 * 1024;
  await Promise.all(pipes.map((p) => pump(p, bytesPerSession, window)));
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  pipes.forEach((p) => p.close());
  return (sessions * bytesPerSession) / 1e6 / secs;
}

/** Child mode: run only the bridge server, allowed to reach the echo port, and print its URL. */
async function serveBridge(echoPort: number) {
  const app = await startServer({
    port: 0,
    lab: false,
    distDir: mkdtempSync(path.join(os.tmpdir(), 'tls-lens-bench-')),
    // Benchmark only: lets the bridge reach the loopback echo server. Never a default.
    bridge: { allow: [`localhost:${echoPort}`], testOnlyLoopbackPorts: [echoPort], limits: { maxSessions: 500, maxSessionsPerClient: 500 } },
  });
  console.log(app.url);
  // "cpu" on stdin → this process's CPU time so far (µs), so the parent can charge work to the bridge.
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (line: string) => {
    if (line.trim() === 'cpu') {
      const u = process.cpuUsage();
      console.log(String(u.user + u.system));
    }
  });
  process.stdin.on('end', () => void app.stop().then(() => process.exit(0)));
}

async function main() {
  const echo = await startEcho();
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1], '--serve-bridge', String(echo.port)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
    child.once('exit', (code) => reject(new Error(`bridge process exited ${code}`)));
  });
  const bridgeCpuUs = () =>
    new Promise<number>((resolve) => {
      child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
      child.stdin.write('cpu\n');
    });
  const direct = () => tcpPipe(echo.port);
  const bridged = () => bridgePipe(url, echo.port);
  const f = (n: number) => n.toFixed(3);
  const rows: string[] = [];

  console.log('Round trips: 32 bytes, sequential per session; with 200 sessions each pauses 0-100 ms between pings, so all 200 are open and active at once without saturating the CPU.');
  console.log('Throughput: bytes echoed back through the echo server (counted once), 64 KiB writes.\n');
  for (const [sessions, rounds, pauseMs, bytes] of [
    [1, 2000, 0, 64 * 1024 * 1024],
    [200, 20, 100, 512 * 1024],
  ] as const) {
    const d = await latency(direct, sessions, rounds, pauseMs);
    let cpu0 = await bridgeCpuUs();
    const b = await latency(bridged, sessions, rounds, pauseMs);
    const cpuPerRoundTrip = (await bridgeCpuUs()) - cpu0; // includes opening the sessions
    rows.push(
      `${String(sessions).padStart(3)} session(s)  round trip  direct median ${f(d.median)} ms, p99 ${f(d.p99)} ms | bridge median ${f(b.median)} ms, p99 ${f(b.p99)} ms | added by the bridge: median ${f(b.median - d.median)} ms, p99 ${f(b.p99 - d.p99)} ms`,
    );
    const dt = await throughput(direct, sessions, bytes);
    cpu0 = await bridgeCpuUs();
    const bt = await throughput(bridged, sessions, bytes);
    const cpuPerMb = ((await bridgeCpuUs()) - cpu0) / ((sessions * bytes) / 1e6);
    rows.push(`${String(sessions).padStart(3)} session(s)  throughput  direct ${dt.toFixed(1)} MB/s | bridge ${bt.toFixed(1)} MB/s (${((bt / dt) * 100).toFixed(0)}% of direct)`);
    rows.push(
      `${String(sessions).padStart(3)} session(s)  bridge CPU  ${(cpuPerRoundTrip / (sessions * rounds)).toFixed(1)} µs per round trip, ${(cpuPerMb / 1000).toFixed(2)} ms per MB echoed, i.e. relayed up and back down (CPU time does not depend on machine load)`,
    );
    console.log(rows.slice(-3).join('\n'));
  }
  child.stdin.end();
  await new Promise((r) => child.once('exit', r));
  echo.close();
}

const serveIndex = process.argv.indexOf('--serve-bridge');
(serveIndex > 0 ? serveBridge(Number(process.argv[serveIndex + 1])) : main()).catch((err) => {
  console.error(err);
  process.exit(1);
});
