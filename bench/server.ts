// `npm run bench` (server part): our server, under each crypto provider, against Node's own `tls` server, the same
// Node `tls` client for all, in the same run, on 127.0.0.1, TLS 1.3 and 1.2. Prints JSON: median handshake time
// (connect until the first echoed byte: the server has checked the client's Finished; the contenders take turns
// handshake by handshake), handshakes per second with several in flight (ROUNDS batches per contender, in turn;
// the median), and the memory an idle connection costs each server. Also TLS 1.2 finite-field DHE (ffdhe2048) with
// an RSA certificate, median handshake only.
import nodeCrypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { acceptTls, TicketKeys, type ServerCertificate } from '../src/tls/server.ts';
import { socketTransport } from '../src/transport/tcp.ts';
import { makePki } from '../test/tls/helpers.ts';
import { setCryptoProvider, type CryptoProvider } from '../src/crypto/provider.ts';
import { BENCH_PROVIDERS, median } from './common.ts';

const HANDSHAKES = Number(process.env.BENCH_HANDSHAKES ?? 60);
const PARALLEL = Number(process.env.BENCH_PARALLEL ?? 8);
const IDLE = Number(process.env.BENCH_IDLE ?? 200);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const pki = makePki();
const certificate: ServerCertificate = { chain: [pki.leafDer], key: pki.leafKeyPkcs8, keyAlgorithm: 'ECDSA P-256' };
const rsaCertificate: ServerCertificate = {
  chain: [new Uint8Array(new nodeCrypto.X509Certificate(fs.readFileSync(pki.rsaCert)).raw)],
  key: new Uint8Array(nodeCrypto.createPrivateKey(fs.readFileSync(pki.rsaKey)).export({ type: 'pkcs8', format: 'der' })),
  keyAlgorithm: 'RSA 2048',
};
const ca = fs.readFileSync(pki.rootPem);
const DHE = 'DHE-RSA-AES128-GCM-SHA256';

interface Running {
  port: number;
  close(): void;
}

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return (server.address() as net.AddressInfo).port;
}

/**
 * Our server: acceptTls on each socket, then echo. One per provider, each with its own certificate object: the
 * engine keeps one signer per configured certificate, made by the provider active at the first handshake.
 */
async function ours(base: ServerCertificate = certificate): Promise<Running> {
  const ticketKeys = new TicketKeys();
  const own = { ...base };
  const sockets = new Set<net.Socket>();
  const server = net.createServer(async (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.setNoDelay(true);
    try {
      const conn = await acceptTls(socketTransport(socket), { certificates: [own], ticketKeys, numTickets: 0 });
      for (let chunk = await conn.read(); chunk; chunk = await conn.read()) await conn.write(chunk);
      await conn.close({ waitForPeerMs: 0 });
    } catch {
      socket.destroy();
    }
  });
  const port = await listen(server);
  return { port, close: () => (sockets.forEach((s) => s.destroy()), server.close()) };
}

/** Node's server with the same certificate and key. */
async function node(options: tls.TlsOptions = {}): Promise<Running> {
  const sockets = new Set<net.Socket>();
  const server = tls.createServer({ key: fs.readFileSync(pki.leafKey), cert: fs.readFileSync(pki.leafCert), ...options }, (s) => {
    s.on('error', () => undefined);
    s.pipe(s);
  });
  server.on('connection', (s) => (sockets.add(s), s.on('close', () => sockets.delete(s))));
  const port = await listen(server);
  return { port, close: () => (sockets.forEach((s) => s.destroy()), server.close()) };
}

/** One handshake by Node's client, until the first echoed byte; resolves with ms. */
function handshake(port: number, version: tls.SecureVersion, ciphers?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca, minVersion: version, maxVersion: version, session: undefined, ...(ciphers ? { ciphers } : {}) });
    s.setNoDelay(true);
    s.once('secureConnect', () => s.write('x'));
    s.once('data', () => {
      const ms = performance.now() - t0;
      s.destroy();
      resolve(ms);
    });
    s.once('error', reject);
  });
}

/** A server to measure: ours under a provider (installed before each of its handshakes), or Node's. */
interface Contender {
  name: string;
  port: number;
  provider?: CryptoProvider;
}

const use = (c: Contender) => c.provider && setCryptoProvider(c.provider);

/** Median ms per contender, the contenders taking turns handshake by handshake (after 5 warm-ups each). */
async function sequential(contenders: Contender[], version: tls.SecureVersion, ciphers?: string): Promise<Record<string, number>> {
  const times = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  for (const c of contenders) {
    use(c);
    for (let i = 0; i < 5; i++) await handshake(c.port, version, ciphers);
  }
  for (let i = 0; i < HANDSHAKES; i++) {
    for (const c of contenders) {
      use(c);
      times.get(c.name)!.push(await handshake(c.port, version, ciphers));
    }
  }
  return Object.fromEntries(contenders.map((c) => [c.name, median(times.get(c.name)!)]));
}

async function batch(port: number, version: tls.SecureVersion): Promise<number> {
  const total = HANDSHAKES * 2;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: PARALLEL }, async () => {
    while (next++ < total) await handshake(port, version);
  }));
  return +((total / (performance.now() - t0)) * 1000).toFixed(1);
}

/** Handshakes per second with PARALLEL in flight: ROUNDS batches per contender, in turn; the median batch. */
async function perSecond(contenders: Contender[], version: tls.SecureVersion): Promise<Record<string, number>> {
  const rates = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const c of contenders) {
      use(c);
      rates.get(c.name)!.push(await batch(c.port, version));
    }
  }
  return Object.fromEntries(contenders.map((c) => [c.name, median(rates.get(c.name)!)]));
}

/** Heap (and RSS) growth per idle connection: IDLE connections opened, handshaken, left open. */
async function idleMemory(port: number): Promise<{ heapKiB: number; rssKiB: number }> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage();
  const open: tls.TLSSocket[] = [];
  for (let i = 0; i < IDLE; i++) {
    open.push(await new Promise<tls.TLSSocket>((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca, minVersion: 'TLSv1.3' });
      s.once('secureConnect', () => s.write('x'));
      s.once('data', () => resolve(s));
      s.once('error', reject);
    }));
  }
  gc?.();
  const after = process.memoryUsage();
  open.forEach((s) => s.destroy());
  // The clients live in this process too: the same cost for both servers, so the difference is the server's.
  return { heapKiB: +((after.heapUsed - before.heapUsed) / IDLE / 1024).toFixed(1), rssKiB: +((after.rss - before.rss) / IDLE / 1024).toFixed(1) };
}

const ourServers = await Promise.all(BENCH_PROVIDERS.map(() => ours()));
const nodeServer = await node();
const contenders: Contender[] = [...BENCH_PROVIDERS.map((provider, i) => ({ name: provider.name, port: ourServers[i].port, provider })), { name: 'nodeTls', port: nodeServer.port }];
const ourNames = BENCH_PROVIDERS.map((p) => p.name);

/** Each of our providers' figure and its ratio to Node's: time ours / Node's, rate Node's / ours (above 1: Node faster). */
function figures(values: Record<string, number>, kind: 'time' | 'rate') {
  const nodeTls = values.nodeTls;
  const ours = Object.fromEntries(ourNames.map((n) => [n, { ours: values[n], ratio: +(kind === 'time' ? values[n] / nodeTls : nodeTls / values[n]).toFixed(2) }]));
  return { nodeTls, ...ours };
}

const result: Record<string, unknown> = {};
for (const [key, version] of [['tls13', 'TLSv1.3'], ['tls12', 'TLSv1.2']] as const) {
  result[key] = {
    medianHandshakeMs: figures(await sequential(contenders, version), 'time'),
    handshakesPerSecond: figures(await perSecond(contenders, version), 'rate'),
  };
}
// TLS 1.2 DHE (ffdhe2048; Node's server with its RFC 7919 parameters, dhparam 'auto'), RSA certificates for all.
const dheServers = await Promise.all(BENCH_PROVIDERS.map(() => ours(rsaCertificate)));
const nodeDheServer = await node({ key: fs.readFileSync(pki.rsaKey), cert: fs.readFileSync(pki.rsaCert), dhparam: 'auto' });
const dheContenders: Contender[] = [...BENCH_PROVIDERS.map((provider, i) => ({ name: provider.name, port: dheServers[i].port, provider })), { name: 'nodeTls', port: nodeDheServer.port }];
result.tls12Dhe = { suite: DHE, medianHandshakeMs: figures(await sequential(dheContenders, 'TLSv1.2', DHE), 'time') };
dheServers.forEach((s) => s.close());
nodeDheServer.close();
const idle: Record<string, unknown> = {};
for (const c of contenders) {
  use(c);
  idle[c.name] = await idleMemory(c.port);
}
ourServers.forEach((s) => s.close());
nodeServer.close();
fs.rmSync(pki.dir, { recursive: true, force: true });

console.log(JSON.stringify({
  server: {
    machine: { node: process.version, handshakes: HANDSHAKES, parallel: PARALLEL, rounds: ROUNDS, idleConnections: IDLE, gc: !!(globalThis as { gc?: unknown }).gc, providers: ourNames },
    client: 'Node tls.connect, same for every server, in this process',
    ...result,
    idleConnection: { ...idle, note: 'heap and RSS growth of this process per idle connection, clients included (the same for every server)' },
  },
}, null, 2));
process.exit(0);
