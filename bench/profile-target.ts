// Profiling target (not a benchmark): one client workload, to run under a profiler, e.g.
// `node --cpu-prof --cpu-prof-interval 50 --import tsx bench/profile-target.ts tp13 8` or `node --trace-gc ...`.
// Modes: tp13 / tp12 (16 MiB echoed n times, TLS 1.3 / 1.2 AES-128-GCM), hs13 / hs12 (n full handshakes, full trace).
// node:crypto unless PROVIDER=webcrypto; the echo server in a child process (bench/common.ts), so a profile of this
// process is the client's alone. Prints the wall and CPU time of the whole loop.
import { connectTls } from '../src/tls/client.ts';
import { connectTcp } from '../src/transport/tcp.ts';
import { setCryptoProvider } from '../src/crypto/provider.ts';
import { nodeCryptoProvider } from '../src/crypto/node-provider.ts';
import { webCryptoProvider } from '../src/crypto/webcrypto-provider.ts';
import { TraceRecorder } from '../src/trace/recorder.ts';
import { engineThroughput, quietRecorder, startEchoServer } from './common.ts';

const mode = process.argv[2] ?? 'tp13';
setCryptoProvider(process.env.PROVIDER === 'webcrypto' ? webCryptoProvider : nodeCryptoProvider);
const tls12 = mode.endsWith('12');
const suite = 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256';
const server = await startEchoServer(tls12 ? { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' } : { minVersion: 'TLSv1.3' });
const connect = (emit: TraceRecorder['emit']) =>
  connectTls(connectTcp('127.0.0.1', server.port), { serverName: 'localhost', verifier: server.verifier, ...(tls12 ? { versions: ['TLS1.2'], suites: [suite] } : {}) }, emit);
const n = Number(process.argv[3] ?? 5);
const before = process.cpuUsage();
const t0 = performance.now();
if (mode.startsWith('tp')) for (let i = 0; i < n; i++) console.log(await engineThroughput(await connect(quietRecorder().emit), 16 << 20, 16384, 8), 'MB/s');
else for (let i = 0; i < n; i++) await (await connect(new TraceRecorder().emit)).close();
const cpu = process.cpuUsage(before);
console.log(mode, n, 'wall ms', (performance.now() - t0).toFixed(0), 'cpu ms', ((cpu.user + cpu.system) / 1000).toFixed(0));
server.close();
process.exit(0);
