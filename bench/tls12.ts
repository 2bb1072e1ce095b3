// `npm run bench` (second part): the TLS 1.2 engine against Node's own TLS client, same local Node TLS server
// (maxVersion TLSv1.2), same run. Prints JSON: full and resumed (ticket) handshake medians, and application-data
// throughput with 16 KiB records for AES-GCM, ChaCha20-Poly1305 and AES-CBC (HMAC-SHA256, encrypt-then-MAC).
import { connectTls, type TlsConnection, type TlsSession } from '../src/tls/client.ts';
import { TraceRecorder } from '../src/trace/recorder.ts';
import { connectTcp } from '../src/transport/tcp.ts';
import { BENCH_PROVIDERS, ECHO_SERVER_NOTE, THROUGHPUT_NOTE, THROUGHPUT_RUNS, compareHandshakes, compareThroughput, nodeConnect, startEchoServer, type ThroughputFigures } from './common.ts';

const HANDSHAKES = Number(process.env.BENCH_HANDSHAKES ?? 30);
const PAYLOAD = Number(process.env.BENCH_MB ?? 16) * 1024 * 1024;
const RECORD = 16 * 1024;
const SUITES = [
  { family: 'AES-128-GCM', engine: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', openssl: 'ECDHE-ECDSA-AES128-GCM-SHA256' },
  { family: 'ChaCha20-Poly1305', engine: 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', openssl: 'ECDHE-ECDSA-CHACHA20-POLY1305' },
  { family: 'AES-128-CBC-SHA256 (encrypt-then-MAC)', engine: 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256', openssl: 'ECDHE-ECDSA-AES128-SHA256' },
];

const server = await startEchoServer({ maxVersion: 'TLSv1.2', ciphers: SUITES.map((s) => s.openssl).join(':') });
const { port, verifier } = server;

async function engineConnect(suite: string, session?: TlsSession, rec = new TraceRecorder()): Promise<{ conn: TlsConnection; ms: number }> {
  const t0 = performance.now();
  const conn = await connectTls(await connectTcp('127.0.0.1', port), { serverName: 'localhost', verifier, versions: ['TLS1.2'], suites: [suite], session }, rec.emit);
  return { conn, ms: performance.now() - t0 };
}

const nodeOptions = (ciphers: string) => ({ maxVersion: 'TLSv1.2', ciphers }) as const;

const h = await compareHandshakes(HANDSHAKES, {
  engine: (session) => engineConnect(SUITES[0].engine, session),
  engineSession: (conn) => conn.session,
  node: (session) => nodeConnect(server, nodeOptions(SUITES[0].openssl), session),
});
const throughput: Record<string, ThroughputFigures> = {};
for (const s of SUITES) {
  // Eight records in flight, as in bench/tls.ts (a streaming writer keeps several).
  throughput[s.family] = await compareThroughput(
    THROUGHPUT_RUNS,
    { engine: async (rec) => (await engineConnect(s.engine, undefined, rec)).conn, node: async () => (await nodeConnect(server, nodeOptions(s.openssl))).socket },
    PAYLOAD,
    RECORD,
    8,
  );
}
const result = {
  tls12: true,
  machine: { node: process.version, providers: BENCH_PROVIDERS.map((p) => p.name), handshakesMeasured: HANDSHAKES, payloadMB: PAYLOAD / 1e6, recordBytes: RECORD, handshakeSuite: SUITES[0].engine, echoServer: ECHO_SERVER_NOTE },
  ...h,
  resumedBy: 'session ticket (RFC 5077)',
  throughputMBps: throughput,
  notes: 'the engine under each crypto provider (webcrypto, node) and Node\'s client in every round; TLS 1.2, ECDHE x25519 + ECDSA P-256; both clients verify the chain against the same test root; the engine builds a trace event for every record (hex encoded when read; engineTraceSerialised serialises every event); ' + THROUGHPUT_NOTE,
};
console.log(JSON.stringify(result, null, 2));
server.close();
process.exit(0);
