// `npm run bench`: the engine against Node's own TLS client, same local Node TLS server, same run.
// Prints JSON: full and resumed handshake medians (ms) and application-data throughput (MB/s, 16 KiB records).
import fs from 'node:fs';
import tls from 'node:tls';
import { makePki } from '../test/tls/helpers.ts';
import { connectTls, type TlsConnection, type TlsSession } from '../src/tls/client.ts';
import { TraceRecorder } from '../src/trace/recorder.ts';
import { connectTcp } from '../src/transport/tcp.ts';
import { createVerifier } from '../src/x509/verifier.ts';

const HANDSHAKES = Number(process.env.BENCH_HANDSHAKES ?? 40);
const PAYLOAD = Number(process.env.BENCH_MB ?? 16) * 1024 * 1024;
const RECORD = 16 * 1024;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return +(s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2).toFixed(3);
};

const pki = makePki();
const key = fs.readFileSync(pki.leafKey);
const cert = fs.readFileSync(pki.leafCert);
const ca = fs.readFileSync(pki.rootPem);
const server = tls.createServer({ key, cert, minVersion: 'TLSv1.3' }, (s) => {
  s.on('error', () => undefined);
  s.pipe(s);
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
const port = (server.address() as { port: number }).port;
const verifier = createVerifier({ anchors: [pki.rootDer] });

async function engineConnect(session?: TlsSession, rec = new TraceRecorder()): Promise<{ conn: TlsConnection; ms: number }> {
  const t0 = performance.now();
  // As the CLI does: TCP connects while the engine prepares its ClientHello.
  const conn = await connectTls(connectTcp('127.0.0.1', port), { serverName: 'localhost', verifier, session }, rec.emit);
  return { conn, ms: performance.now() - t0 };
}

function nodeConnect(session?: Buffer): Promise<{ socket: tls.TLSSocket; ms: number; ticket: Promise<Buffer> }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let gotTicket: (b: Buffer) => void;
    const ticket = new Promise<Buffer>((r) => (gotTicket = r));
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca, minVersion: 'TLSv1.3', session }, () => resolve({ socket, ms: performance.now() - t0, ticket }));
    socket.on('session', (s) => gotTicket(s));
    socket.once('error', reject);
  });
}

async function handshakes() {
  const engineFull: number[] = [];
  const engineResumed: number[] = [];
  const nodeFull: number[] = [];
  const nodeResumed: number[] = [];
  for (let i = 0; i < HANDSHAKES; i++) {
    const full = await engineConnect();
    engineFull.push(full.ms);
    const session = await full.conn.waitForSession(2000);
    await full.conn.close();
    const resumed = await engineConnect(session);
    if (!resumed.conn.summary.resumed) throw new Error('engine did not resume');
    engineResumed.push(resumed.ms);
    await resumed.conn.close();

    const n = await nodeConnect();
    nodeFull.push(n.ms);
    const ticket = await n.ticket;
    n.socket.end();
    const nr = await nodeConnect(ticket);
    if (!nr.socket.isSessionReused()) throw new Error('node did not resume');
    nodeResumed.push(nr.ms);
    nr.socket.end();
  }
  return { engineFull: median(engineFull), nodeFull: median(nodeFull), engineResumed: median(engineResumed), nodeResumed: median(nodeResumed) };
}

async function engineThroughput(): Promise<number> {
  // A recorder that drops events: the record layer still builds every event (hex and all), nothing is kept.
  const { conn } = await engineConnect(undefined, Object.assign(new TraceRecorder(), { emit: () => 0 }) as TraceRecorder);
  const chunk = new Uint8Array(RECORD).fill(0x61);
  const t0 = performance.now();
  let received = 0;
  const reader = (async () => {
    while (received < PAYLOAD) {
      const d = await conn.read();
      if (!d) break;
      received += d.length;
    }
  })();
  // Keep a few records in flight, as a streaming writer would (the record layer keeps them in order).
  const inFlight: Promise<void>[] = [];
  for (let sent = 0; sent < PAYLOAD; sent += RECORD) {
    inFlight.push(conn.write(chunk));
    if (inFlight.length >= 8) await inFlight.shift();
  }
  await Promise.all(inFlight);
  await reader;
  const seconds = (performance.now() - t0) / 1000;
  await conn.close();
  return +((PAYLOAD / 1e6) / seconds).toFixed(1);
}

async function nodeThroughput(): Promise<number> {
  const { socket } = await nodeConnect();
  const chunk = Buffer.alloc(RECORD, 0x61);
  const t0 = performance.now();
  let received = 0;
  const done = new Promise<void>((resolve) =>
    socket.on('data', (d: Buffer) => {
      received += d.length;
      if (received >= PAYLOAD) resolve();
    }),
  );
  for (let sent = 0; sent < PAYLOAD; sent += RECORD) {
    if (!socket.write(chunk)) await new Promise((r) => socket.once('drain', r));
  }
  await done;
  const seconds = (performance.now() - t0) / 1000;
  socket.end();
  return +((PAYLOAD / 1e6) / seconds).toFixed(1);
}

const h = await handshakes();
// Three runs each, alternating, median reported: the first run of either client includes JIT
// warm-up (the engine's record path is JavaScript), and the loaded machine varies run to run.
const THROUGHPUT_RUNS = Number(process.env.BENCH_THROUGHPUT_RUNS ?? 3);
const engineRuns: number[] = [];
const nodeRuns: number[] = [];
for (let i = 0; i < THROUGHPUT_RUNS; i++) {
  engineRuns.push(await engineThroughput());
  nodeRuns.push(await nodeThroughput());
}
const engineMBps = median(engineRuns);
const nodeMBps = median(nodeRuns);
const result = {
  machine: { node: process.version, handshakesMeasured: HANDSHAKES, payloadMB: PAYLOAD / 1e6, recordBytes: RECORD },
  fullHandshakeMs: { engine: h.engineFull, nodeTls: h.nodeFull, ratio: +(h.engineFull / h.nodeFull).toFixed(2) },
  resumedHandshakeMs: { engine: h.engineResumed, nodeTls: h.nodeResumed, ratio: +(h.engineResumed / h.nodeResumed).toFixed(2) },
  throughputMBps: { engine: engineMBps, nodeTls: nodeMBps, ratio: +(nodeMBps / engineMBps).toFixed(2), engineRuns, nodeRuns },
  notes: 'both clients verify the server chain against the same test root; the engine builds a full trace event for every record',
};
console.log(JSON.stringify(result, null, 2));
server.close();
fs.rmSync(pki.dir, { recursive: true, force: true });
process.exit(0);
