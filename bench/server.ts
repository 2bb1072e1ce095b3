// `npm run bench` (server part): our TLS 1.3 server against Node's own `tls` server, the same Node `tls` client
// for both, in the same run, on 127.0.0.1 (and TLS 1.2 finite-field DHE, ffdhe2048, with an RSA certificate). Prints JSON: median handshake time (connect until the first echoed
// byte: the server has checked the client's Finished), handshakes per second with several in flight, and the
// memory an idle connection costs each server.
import nodeCrypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { acceptTls, TicketKeys, type ServerCertificate } from '../src/tls/server.ts';
import { socketTransport } from '../src/transport/tcp.ts';
import { makePki } from '../test/tls/helpers.ts';
import { median } from './common.ts';

const HANDSHAKES = Number(process.env.BENCH_HANDSHAKES ?? 60);
const PARALLEL = Number(process.env.BENCH_PARALLEL ?? 8);
const IDLE = Number(process.env.BENCH_IDLE ?? 200);

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

/** Our server: acceptTls on each socket, then echo. */
async function ours(certificates: ServerCertificate[] = [certificate]): Promise<Running> {
  const ticketKeys = new TicketKeys();
  const sockets = new Set<net.Socket>();
  const server = net.createServer(async (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.setNoDelay(true);
    try {
      const conn = await acceptTls(socketTransport(socket), { certificates, ticketKeys, numTickets: 0 });
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

async function sequential(port: number, version: tls.SecureVersion, ciphers?: string): Promise<number> {
  for (let i = 0; i < 5; i++) await handshake(port, version, ciphers); // warm-up
  const times: number[] = [];
  for (let i = 0; i < HANDSHAKES; i++) times.push(await handshake(port, version, ciphers));
  return median(times);
}

async function perSecond(port: number, version: tls.SecureVersion): Promise<number> {
  const total = HANDSHAKES * 2;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: PARALLEL }, async () => {
    while (next++ < total) await handshake(port, version);
  }));
  return +((total / (performance.now() - t0)) * 1000).toFixed(1);
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

const ourServer = await ours();
const nodeServer = await node();
const ours13 = await sequential(ourServer.port, 'TLSv1.3');
const node13 = await sequential(nodeServer.port, 'TLSv1.3');
const oursRate = await perSecond(ourServer.port, 'TLSv1.3');
const nodeRate = await perSecond(nodeServer.port, 'TLSv1.3');
const ours12 = await sequential(ourServer.port, 'TLSv1.2');
const node12 = await sequential(nodeServer.port, 'TLSv1.2');
const ours12Rate = await perSecond(ourServer.port, 'TLSv1.2');
const node12Rate = await perSecond(nodeServer.port, 'TLSv1.2');
// TLS 1.2 DHE (ffdhe2048; Node's server with its RFC 7919 parameters, dhparam 'auto'), RSA certificates both.
const ourDheServer = await ours([rsaCertificate]);
const nodeDheServer = await node({ key: fs.readFileSync(pki.rsaKey), cert: fs.readFileSync(pki.rsaCert), dhparam: 'auto' });
const oursDhe = await sequential(ourDheServer.port, 'TLSv1.2', DHE);
const nodeDhe = await sequential(nodeDheServer.port, 'TLSv1.2', DHE);
ourDheServer.close();
nodeDheServer.close();
const oursIdle = await idleMemory(ourServer.port);
const nodeIdle = await idleMemory(nodeServer.port);
ourServer.close();
nodeServer.close();
fs.rmSync(pki.dir, { recursive: true, force: true });

console.log(JSON.stringify({
  server: {
    machine: { node: process.version, handshakes: HANDSHAKES, parallel: PARALLEL, idleConnections: IDLE, gc: !!(globalThis as { gc?: unknown }).gc },
    client: 'Node tls.connect, same for both servers, in this process',
    tls13: {
      medianHandshakeMs: { ours: ours13, nodeTls: node13, ratio: +(ours13 / node13).toFixed(2) },
      handshakesPerSecond: { ours: oursRate, nodeTls: nodeRate, ratio: +(nodeRate / oursRate).toFixed(2) },
    },
    tls12: {
      medianHandshakeMs: { ours: ours12, nodeTls: node12, ratio: +(ours12 / node12).toFixed(2) },
      handshakesPerSecond: { ours: ours12Rate, nodeTls: node12Rate, ratio: +(node12Rate / ours12Rate).toFixed(2) },
    },
    tls12Dhe: {
      suite: DHE,
      medianHandshakeMs: { ours: oursDhe, nodeTls: nodeDhe, ratio: +(oursDhe / nodeDhe).toFixed(2) },
    },
    idleConnection: { ours: oursIdle, nodeTls: nodeIdle, note: 'heap and RSS growth of this process per idle connection, clients included (the same for both)' },
  },
}, null, 2));
process.exit(0);
