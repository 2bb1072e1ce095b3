// npm run bench:bridge — what the bridge costs: round-trip latency and throughput through
// WebSocket → bridge → TCP echo server, against the same echo server over plain TCP,
// at 1 and at 200 concurrent sessions. The bridge runs in its own process (as it does for a browser);
// clients and the echo server share this one. All on 127.0.0.1.
// Then a new session's first answer: from asking for the WebSocket to the target's first bytes back, with the
// client's first flight in the upgrade request (as the app sends its ClientHello) and sent once the WebSocket is
// open, against a TCP connect and write (the floor). TLS_LENS_BENCH_BASE_DIR=DIR: a checkout whose bridge joins
// these rounds, alternated with this one's (before/after in one run).
import { spawn } from 'node:child_process';
import net from 'node:net';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { startServer as startThisServer } from '../server/app.ts';
import { BRIDGE_SUBPROTOCOL } from '../server/bridge/index.ts';
import { BRIDGE_FIRST_PARAM, BRIDGE_FIRST_SUBPROTOCOL } from '../src/transport/bridge-protocol.ts';

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

/** A ClientHello's size: what the app's first flight carries. */
const FIRST = Buffer.alloc(300, 0x16);
const FIRST_ROUNDS = 300;

/** ms from asking for a connection to the first bytes the echo target sends back, with `FIRST` sent as `how` says. */
async function firstAnswer(how: 'tcp' | 'in-upgrade' | 'after-open', url: string, port: number): Promise<number> {
  const t0 = process.hrtime.bigint();
  const ms = () => Number(process.hrtime.bigint() - t0) / 1e6;
  if (how === 'tcp') {
    const s = net.connect({ host: '127.0.0.1', port, noDelay: true });
    s.once('connect', () => s.write(FIRST));
    await new Promise((r) => s.once('data', r));
    const t = ms();
    s.destroy();
    return t;
  }
  const inUpgrade = how === 'in-upgrade';
  const query = `target=127.0.0.1:${port}${inUpgrade ? `&${BRIDGE_FIRST_PARAM}=${FIRST.toString('base64url')}` : ''}`;
  const ws = new WebSocket(`${url.replace('http', 'ws')}/bridge?${query}`, inUpgrade ? [BRIDGE_FIRST_SUBPROTOCOL, BRIDGE_SUBPROTOCOL] : [BRIDGE_SUBPROTOCOL], { origin: url, perMessageDeflate: false });
  if (!inUpgrade) ws.once('open', () => ws.send(FIRST));
  await new Promise((resolve, reject) => {
    ws.once('message', resolve);
    ws.once('close', (c, r) => reject(new Error(`bridge closed ${c} ${r}`)));
  });
  const t = ms();
  ws.terminate();
  return t;
}

/** Child mode: run only the bridge server (this checkout's, or `appModule`'s), allowed to reach the echo port, and
 * print its URL. */
async function serveBridge(echoPort: number, appModule?: string) {
  const startServer = appModule ? ((await import(appModule)) as typeof import('../server/app.ts')).startServer : startThisServer;
  const app = await startServer({
    port: 0,
    lab: false,
    distDir: mkdtempSync(path.join(os.tmpdir(), 'tls-lens-bench-')),
    // Benchmark only: lets the bridge reach the loopback echo server. Never a default.
    bridge: { allow: [`localhost:${echoPort}`, `127.0.0.1:${echoPort}`], testOnlyLoopbackPorts: [echoPort], limits: { maxSessions: 500, maxSessionsPerClient: 500 } },
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

/** A bridge in a process of its own; `appModule`: another checkout's server/app.ts. */
async function spawnBridge(echoPort: number, appModule?: string) {
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1], '--serve-bridge', String(echoPort), ...(appModule ? [appModule] : [])], { stdio: ['pipe', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
    child.once('exit', (code) => reject(new Error(`bridge process exited ${code}`)));
  });
  return { child, url };
}

const median = (xs: number[]) => pct(xs, 50);

/** A new session's first answer, each way in turn round after round (so load hits them alike), medians in ms. With a
 * base, its bridge gets the same work as this one's (both ways, every round): a bridge that served more sessions is
 * warmer, and answered 13% sooner than the same code serving fewer (an A/A run). */
async function firstAnswers(echoPort: number, url: string, baseUrl?: string) {
  const ways = { tcp: [] as number[], inUpgrade: [] as number[], afterOpen: [] as number[], baseInUpgrade: [] as number[], baseAfterOpen: [] as number[] };
  type Way = keyof typeof ways;
  const round: [Way, () => Promise<number>][] = [
    ['tcp', () => firstAnswer('tcp', url, echoPort)],
    ['inUpgrade', () => firstAnswer('in-upgrade', url, echoPort)],
    ['afterOpen', () => firstAnswer('after-open', url, echoPort)],
  ];
  if (baseUrl) round.push(['baseInUpgrade', () => firstAnswer('in-upgrade', baseUrl, echoPort)], ['baseAfterOpen', () => firstAnswer('after-open', baseUrl, echoPort)]);
  for (let i = 0; i < FIRST_ROUNDS + 10; i++) {
    // Rotated: no way always follows the same one.
    for (let k = 0; k < round.length; k++) {
      const [name, run] = round[(i + k) % round.length];
      const t = await run();
      if (i >= 10) ways[name].push(t); // the first rounds warm the processes up
    }
  }
  const m = { tcp: median(ways.tcp), inUpgrade: median(ways.inUpgrade), afterOpen: median(ways.afterOpen), baseInUpgrade: median(ways.baseInUpgrade), baseAfterOpen: median(ways.baseAfterOpen) };
  // Paired: each round's first flight in the upgrade against the same round's base.
  const paired = baseUrl ? median(ways.inUpgrade.map((t, i) => t / ways.baseInUpgrade[i])) : undefined;
  return { m, paired };
}

async function main() {
  const echo = await startEcho();
  const { child, url } = await spawnBridge(echo.port);
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
  // TLS_LENS_BENCH_ONLY=first: only the first answers below.
  const sizes = process.env.TLS_LENS_BENCH_ONLY === 'first' ? [] : ([[1, 2000, 0, 64 * 1024 * 1024], [200, 20, 100, 512 * 1024]] as const);
  for (const [sessions, rounds, pauseMs, bytes] of sizes) {
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
  const baseDir = process.env.TLS_LENS_BENCH_BASE_DIR;
  const base = baseDir ? await spawnBridge(echo.port, path.resolve(baseDir, 'server/app.ts')) : undefined;
  const { m, paired } = await firstAnswers(echo.port, url, base?.url);
  console.log(
    `\nA new session's first answer (${FIRST_ROUNDS} rounds, ${FIRST.length} bytes out, the echo's first bytes back): TCP connect and write ${f(m.tcp)} ms | ` +
      `first flight in the upgrade request ${f(m.inUpgrade)} ms (${(m.inUpgrade / m.tcp).toFixed(2)}x TCP) | sent once open ${f(m.afterOpen)} ms (${(m.afterOpen / m.tcp).toFixed(2)}x TCP)` +
      (base ? ` | the base's bridge: in the upgrade request ${f(m.baseInUpgrade)} ms, sent once open ${f(m.baseAfterOpen)} ms; this one's first flight against the base's, paired by round: ${paired!.toFixed(3)}` : ''),
  );
  for (const c of [child, base?.child]) {
    if (!c) continue;
    c.stdin!.end();
    await new Promise((r) => c.once('exit', r));
  }
  echo.close();
}

const serveIndex = process.argv.indexOf('--serve-bridge');
(serveIndex > 0 ? serveBridge(Number(process.argv[serveIndex + 1]), process.argv[serveIndex + 2]) : main()).catch((err) => {
  console.error(err);
  process.exit(1);
});
