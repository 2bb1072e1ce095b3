// `npm run bench`: the engine against Node's own TLS client, same local Node TLS server, same run.
// Prints JSON: full and resumed handshake medians (ms) and application-data throughput (MB/s, 16 KiB records).
import { connectTls, type TlsConnection, type TlsSession } from '../src/tls/client.ts';
import { TraceRecorder } from '../src/trace/recorder.ts';
import { connectTcp } from '../src/transport/tcp.ts';
import { compareHandshakes, engineThroughput, median, nodeConnect, nodeThroughput, quietRecorder, startEchoServer } from './common.ts';

const HANDSHAKES = Number(process.env.BENCH_HANDSHAKES ?? 40);
const PAYLOAD = Number(process.env.BENCH_MB ?? 16) * 1024 * 1024;
const RECORD = 16 * 1024;

const server = await startEchoServer({ minVersion: 'TLSv1.3' });
const { port, verifier } = server;

async function engineConnect(session?: TlsSession, rec = new TraceRecorder()): Promise<{ conn: TlsConnection; ms: number }> {
  const t0 = performance.now();
  // As the CLI does: TCP connects while the engine prepares its ClientHello.
  const conn = await connectTls(connectTcp('127.0.0.1', port), { serverName: 'localhost', verifier, session }, rec.emit);
  return { conn, ms: performance.now() - t0 };
}

const nodeOptions = { minVersion: 'TLSv1.3' } as const;

const h = await compareHandshakes(HANDSHAKES, {
  engine: (session) => engineConnect(session),
  engineSession: (conn) => conn.waitForSession(2000),
  node: (session) => nodeConnect(server, nodeOptions, session),
});
// Three runs each, alternating, median reported: the first run of either client includes JIT
// warm-up (the engine's record path is JavaScript), and the loaded machine varies run to run.
const THROUGHPUT_RUNS = Number(process.env.BENCH_THROUGHPUT_RUNS ?? 3);
const engineRuns: number[] = [];
const nodeRuns: number[] = [];
for (let i = 0; i < THROUGHPUT_RUNS; i++) {
  // Eight records in flight, as a streaming writer would keep them.
  engineRuns.push(await engineThroughput((await engineConnect(undefined, quietRecorder())).conn, PAYLOAD, RECORD, 8));
  nodeRuns.push(await nodeThroughput((await nodeConnect(server, nodeOptions)).socket, PAYLOAD, RECORD));
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
process.exit(0);
