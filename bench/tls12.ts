// `npm run bench` (second part): the TLS 1.2 engine against Node's own TLS client, same local Node TLS server
// (maxVersion TLSv1.2), same run. Prints JSON: full and resumed (ticket) handshake medians, and application-data
// throughput with 16 KiB records for AES-GCM, ChaCha20-Poly1305 and AES-CBC (HMAC-SHA256, encrypt-then-MAC).
import fs from 'node:fs';
import tls from 'node:tls';
import { makePki } from '../test/tls/helpers.ts';
import { connectTls, type TlsConnection, type TlsSession } from '../src/tls/client.ts';
import { TraceRecorder } from '../src/trace/recorder.ts';
import { connectTcp } from '../src/transport/tcp.ts';
import { createVerifier } from '../src/x509/verifier.ts';

const HANDSHAKES = Number(process.env.BENCH_HANDSHAKES ?? 30);
const PAYLOAD = Number(process.env.BENCH_MB ?? 8) * 1024 * 1024;
const RECORD = 16 * 1024;
const SUITES = [
  { family: 'AES-128-GCM', engine: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', openssl: 'ECDHE-ECDSA-AES128-GCM-SHA256' },
  { family: 'ChaCha20-Poly1305', engine: 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', openssl: 'ECDHE-ECDSA-CHACHA20-POLY1305' },
  { family: 'AES-128-CBC-SHA256 (encrypt-then-MAC)', engine: 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256', openssl: 'ECDHE-ECDSA-AES128-SHA256' },
];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return +(s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2).toFixed(3);
};

const pki = makePki();
const key = fs.readFileSync(pki.leafKey);
const cert = fs.readFileSync(pki.leafCert);
const ca = fs.readFileSync(pki.rootPem);
const server = tls.createServer({ key, cert, maxVersion: 'TLSv1.2', ciphers: SUITES.map((s) => s.openssl).join(':') }, (s) => {
  s.on('error', () => undefined);
  s.pipe(s);
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
const port = (server.address() as { port: number }).port;
const verifier = createVerifier({ anchors: [pki.rootDer] });
const quiet = () => Object.assign(new TraceRecorder(), { emit: () => 0 }) as TraceRecorder;

async function engineConnect(suite: string, session?: TlsSession, rec = new TraceRecorder()): Promise<{ conn: TlsConnection; ms: number }> {
  const t0 = performance.now();
  const conn = await connectTls(await connectTcp('127.0.0.1', port), { serverName: 'localhost', verifier, versions: ['TLS1.2'], suites: [suite], session }, rec.emit);
  return { conn, ms: performance.now() - t0 };
}

function nodeConnect(ciphers: string, session?: Buffer): Promise<{ socket: tls.TLSSocket; ms: number; ticket: Promise<Buffer> }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let gotTicket: (b: Buffer) => void;
    const ticket = new Promise<Buffer>((r) => (gotTicket = r));
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca, maxVersion: 'TLSv1.2', ciphers, session }, () => resolve({ socket, ms: performance.now() - t0, ticket }));
    socket.on('session', (s) => gotTicket(s));
    socket.once('error', reject);
  });
}

async function handshakes(s: (typeof SUITES)[number]) {
  const engineFull: number[] = [];
  const engineResumed: number[] = [];
  const nodeFull: number[] = [];
  const nodeResumed: number[] = [];
  for (let i = 0; i < HANDSHAKES; i++) {
    const full = await engineConnect(s.engine);
    engineFull.push(full.ms);
    const session = full.conn.session;
    await full.conn.close();
    const resumed = await engineConnect(s.engine, session);
    if (!resumed.conn.summary.resumed) throw new Error('engine did not resume');
    engineResumed.push(resumed.ms);
    await resumed.conn.close();

    const n = await nodeConnect(s.openssl);
    nodeFull.push(n.ms);
    const ticket = await n.ticket;
    n.socket.end();
    const nr = await nodeConnect(s.openssl, ticket);
    if (!nr.socket.isSessionReused()) throw new Error('node did not resume');
    nodeResumed.push(nr.ms);
    nr.socket.end();
  }
  return { engineFull: median(engineFull), nodeFull: median(nodeFull), engineResumed: median(engineResumed), nodeResumed: median(nodeResumed) };
}

async function engineThroughput(suite: string): Promise<number> {
  const { conn } = await engineConnect(suite, undefined, quiet());
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
  for (let sent = 0; sent < PAYLOAD; sent += RECORD) await conn.write(chunk);
  await reader;
  const seconds = (performance.now() - t0) / 1000;
  await conn.close();
  return +(PAYLOAD / 1e6 / seconds).toFixed(1);
}

async function nodeThroughput(ciphers: string): Promise<number> {
  const { socket } = await nodeConnect(ciphers);
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
  return +(PAYLOAD / 1e6 / seconds).toFixed(1);
}

const h = await handshakes(SUITES[0]);
const throughput: Record<string, { engine: number; nodeTls: number; ratio: number }> = {};
for (const s of SUITES) {
  const engine = await engineThroughput(s.engine);
  const nodeTls = await nodeThroughput(s.openssl);
  throughput[s.family] = { engine, nodeTls, ratio: +(nodeTls / engine).toFixed(2) };
}
const result = {
  tls12: true,
  machine: { node: process.version, handshakesMeasured: HANDSHAKES, payloadMB: PAYLOAD / 1e6, recordBytes: RECORD, handshakeSuite: SUITES[0].engine },
  fullHandshakeMs: { engine: h.engineFull, nodeTls: h.nodeFull, ratio: +(h.engineFull / h.nodeFull).toFixed(2) },
  resumedHandshakeMs: { engine: h.engineResumed, nodeTls: h.nodeResumed, ratio: +(h.engineResumed / h.nodeResumed).toFixed(2), resumedBy: 'session ticket (RFC 5077)' },
  throughputMBps: throughput,
  notes: 'TLS 1.2, ECDHE x25519 + ECDSA P-256; both clients verify the chain against the same test root; the engine builds a trace event for every record (dropped here)',
};
console.log(JSON.stringify(result, null, 2));
server.close();
fs.rmSync(pki.dir, { recursive: true, force: true });
process.exit(0);
