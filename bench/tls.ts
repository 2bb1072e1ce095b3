// `npm run bench`: the engine, under each crypto provider, against Node's own TLS client, same local Node TLS server, same run.
// Prints JSON: full and resumed handshake medians (ms) and application-data throughput (MB/s, 16 KiB records).
import { connectTls, type TlsConnection, type TlsSession } from '../src/tls/client.ts';
import { TraceRecorder } from '../src/trace/recorder.ts';
import { connectTcp } from '../src/transport/tcp.ts';
import { BENCH_PROVIDERS, ECHO_SERVER_NOTE, THROUGHPUT_NOTE, THROUGHPUT_RUNS, compareHandshakes, compareThroughput, nodeConnect, startEchoServer } from './common.ts';

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
// Eight records in flight, as a streaming writer would keep them.
const tp = await compareThroughput(
  THROUGHPUT_RUNS,
  { engine: async (rec) => (await engineConnect(undefined, rec)).conn, node: async () => (await nodeConnect(server, nodeOptions)).socket },
  PAYLOAD,
  RECORD,
  8,
);
const result = {
  machine: { node: process.version, providers: BENCH_PROVIDERS.map((p) => p.name), handshakesMeasured: HANDSHAKES, payloadMB: PAYLOAD / 1e6, recordBytes: RECORD, echoServer: ECHO_SERVER_NOTE },
  ...h,
  throughputMBps: tp,
  notes:
    'the engine runs under each crypto provider (webcrypto: the default, and the browser\'s; node: node:crypto, as the CLI uses) and Node\'s client in every round, ratios against Node\'s tls from the same rounds; ' +
    'both clients verify the server chain against the same test root; the engine builds a trace event for every record ' +
    '(hex encoded when read: engineTraceSerialised is the engine with every event serialised to JSON as emitted); ' +
    THROUGHPUT_NOTE,
};
console.log(JSON.stringify(result, null, 2));
server.close();
process.exit(0);
