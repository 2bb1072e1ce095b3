// `tsx bench/engine-base.ts <mode> [rounds]`: this checkout's engine against a base checkout's engine (its src/ at
// TLS_LENS_BENCH_BASE_SRC, e.g. `git archive <commit> src | tar -x -C /tmp/base`, with node_modules linked), both
// loaded in this process and measured in turn in every round, under each crypto provider, with Node's `tls` client
// as the reference; the echo server runs in a child process, so the CPU figures are each client's alone.
// Modes: tp13, tp12gcm, tp12chacha, tp12cbc (16 MiB echoed in 16 KiB records, 8 in flight), hs12, hs13 (full
// handshakes, BENCH_HANDSHAKES per measurement). Prints JSON: medians, and ratios to Node's tls.
import { X509Certificate } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CryptoProvider } from '../src/crypto/provider.ts';
import type { TlsClientOptions, TlsConnection } from '../src/tls/client.ts';
import type { Transport } from '../src/transport/types.ts';
import type { CertificateVerifier } from '../src/tls/verifier.ts';
import { cpuTimed, engineThroughput, median, nodeConnect, nodeThroughput, quietRecorder, startEchoServer } from './common.ts';

const base = process.env.TLS_LENS_BENCH_BASE_SRC;
if (!base) throw new Error('set TLS_LENS_BENCH_BASE_SRC to the src/ folder of the checkout to compare with');
const mode = process.argv[2] ?? 'tp13';
const rounds = Number(process.argv[3] ?? 5);
const providers = (process.env.BENCH_PROVIDER_NAMES ?? 'node,webcrypto').split(',');
const handshakes = Number(process.env.BENCH_HANDSHAKES ?? 15);
const payload = Number(process.env.BENCH_MB ?? 16) * 1024 * 1024;

interface Engine {
  connectTls(t: Promise<Transport>, o: TlsClientOptions, emit: unknown): Promise<TlsConnection>;
  connectTcp(host: string, port: number): Promise<Transport>;
  setCryptoProvider(p: CryptoProvider): void;
  providers: Record<string, CryptoProvider>;
  TraceRecorder: new () => { emit: unknown };
  createVerifier(o: { anchors: Uint8Array[] }): CertificateVerifier;
}

async function load(src: string): Promise<Engine> {
  const at = (file: string) => import(path.join(src, file));
  const [client, tcp, provider, node, web, recorder, verifier] = await Promise.all(
    ['tls/client.ts', 'transport/tcp.ts', 'crypto/provider.ts', 'crypto/node-provider.ts', 'crypto/webcrypto-provider.ts', 'trace/recorder.ts', 'x509/verifier.ts'].map(at),
  );
  return {
    connectTls: client.connectTls,
    connectTcp: tcp.connectTcp,
    setCryptoProvider: provider.setCryptoProvider,
    providers: { node: node.nodeCryptoProvider, webcrypto: web.webCryptoProvider },
    TraceRecorder: recorder.TraceRecorder,
    createVerifier: verifier.createVerifier,
  };
}

const SUITES: Record<string, [string, string]> = {
  tp12gcm: ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'ECDHE-ECDSA-AES128-GCM-SHA256'],
  tp12chacha: ['TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-ECDSA-CHACHA20-POLY1305'],
  tp12cbc: ['TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256', 'ECDHE-ECDSA-AES128-SHA256'],
  hs12: ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'ECDHE-ECDSA-AES128-GCM-SHA256'],
};
const suite = SUITES[mode];
const server = await startEchoServer(suite ? { maxVersion: 'TLSv1.2', ciphers: suite[1] } : { minVersion: 'TLSv1.3' });
const nodeOptions = suite ? ({ maxVersion: 'TLSv1.2', ciphers: suite[1] } as const) : ({ minVersion: 'TLSv1.3' } as const);
const rootDer = new Uint8Array(new X509Certificate(server.ca).raw);
const handshakeOnly = mode.startsWith('hs');

const engines: [string, Engine][] = [
  ['base', await load(path.resolve(base))],
  ['this', await load(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src'))],
];
const contenders: [string, () => Promise<unknown>][] = [];
for (const [label, e] of engines) {
  const verifier = e.createVerifier({ anchors: [rootDer] });
  const connect = (emit: unknown) => e.connectTls(e.connectTcp('127.0.0.1', server.port), { serverName: 'localhost', verifier, ...(suite ? { versions: ['TLS1.2'], suites: [suite[0]] } : {}) }, emit);
  for (const p of providers) {
    contenders.push([
      `${label}/${p}`,
      async () => {
        e.setCryptoProvider(e.providers[p]);
        if (handshakeOnly) for (let i = 0; i < handshakes; i++) await (await connect(new e.TraceRecorder().emit)).close();
        else await engineThroughput(await connect(quietRecorder().emit), payload, 16384, 8);
      },
    ]);
  }
}
contenders.push([
  'nodeTls',
  async () => {
    if (handshakeOnly) for (let i = 0; i < handshakes; i++) (await nodeConnect(server, nodeOptions)).socket.end();
    else await nodeThroughput((await nodeConnect(server, nodeOptions)).socket, payload, 16384);
  },
]);

const runs = new Map<string, { wall: number[]; cpu: number[] }>();
for (const [name, run] of contenders) {
  await run(); // warm-up, not counted
  runs.set(name, { wall: [], cpu: [] });
}
// Every other round runs the contenders in reverse order: whoever goes second in a round pays for the garbage and
// the cooler caches the first one left (this checkout's engine measured 1.18x the base's with identical code when
// it always went second).
for (let i = 0; i < rounds; i++) {
  for (const [name, run] of i % 2 ? [...contenders].reverse() : contenders) {
    const t0 = performance.now();
    const { cpuMs } = await cpuTimed(run);
    runs.get(name)!.wall.push(performance.now() - t0);
    runs.get(name)!.cpu.push(cpuMs);
  }
}
const ref = runs.get('nodeTls')!;
const unit = handshakeOnly ? handshakes : payload / 1e6;
const out: Record<string, unknown> = {};
for (const [name, r] of runs) {
  const wall = median(r.wall) / unit;
  const cpu = median(r.cpu) / unit;
  const ratios = { wallRatio: +(median(r.wall) / median(ref.wall)).toFixed(2), cpuRatio: +(median(r.cpu) / median(ref.cpu)).toFixed(2) };
  out[name] = handshakeOnly ? { msPerHandshake: +wall.toFixed(2), cpuMsPerHandshake: +cpu.toFixed(2), ...ratios } : { MBps: +(1000 / wall).toFixed(1), cpuMsPerMB: +cpu.toFixed(2), ...ratios };
}
console.log(JSON.stringify({ mode, rounds, base, ...(handshakeOnly ? { handshakesPerMeasurement: handshakes } : { payloadMB: payload / 1e6 }), figures: out }, null, 2));
server.close();
process.exit(0);
