// Seeds for the pasted-hex fuzz test: the records of two real handshakes between `openssl s_client` and `openssl
// s_server` (TLS 1.3, and TLS 1.2 with ECDHE-ECDSA-AES128-GCM-SHA256), taken off the wire by a TCP relay in between,
// and written in every form the paste box reads (see src/capture/hex-input.ts).
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { tempDir } from './helpers.ts';
import { freePort } from '../support/net.ts';

export interface PasteSeed {
  name: string;
  bytes: Uint8Array;
}

/** The first `count` whole records of one direction's bytes. */
function records(stream: Buffer, count: number): Buffer {
  let p = 0;
  for (let i = 0; i < count && p + 5 <= stream.length; i++) p += 5 + stream.readUInt16BE(p + 3);
  return stream.subarray(0, Math.min(p, stream.length));
}

/** One s_client <-> s_server handshake through a relay: each direction's bytes. */
async function relayedHandshake(dir: string, clientArgs: string[]): Promise<{ client: Buffer; server: Buffer }> {
  const serverPort = await freePort();
  const server = spawn('openssl', ['s_server', '-accept', `127.0.0.1:${serverPort}`, '-cert', path.join(dir, 'cert.pem'), '-key', path.join(dir, 'key.pem'), '-naccept', '1', '-quiet'], { stdio: ['pipe', 'ignore', 'ignore'] });
  const client: Buffer[] = [];
  const fromServer: Buffer[] = [];
  const relay = net.createServer((inbound) => {
    const outbound = net.connect(serverPort, '127.0.0.1');
    inbound.on('data', (d) => {
      client.push(d);
      outbound.write(d);
    });
    outbound.on('data', (d) => {
      fromServer.push(d);
      inbound.write(d);
    });
    inbound.on('close', () => outbound.destroy());
    outbound.on('close', () => inbound.destroy());
    inbound.on('error', () => undefined);
    outbound.on('error', () => undefined);
  });
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
  const relayPort = (relay.address() as net.AddressInfo).port;
  try {
    // s_server needs a moment to listen; s_client retries are cheap.
    for (let attempt = 0; ; attempt++) {
      try {
        // Asynchronously: the relay runs in this process.
        await new Promise<void>((resolve, reject) => {
          const c = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${relayPort}`, ...clientArgs], { stdio: ['pipe', 'ignore', 'ignore'] });
          const timer = setTimeout(() => c.kill(), 20_000);
          c.on('exit', (code) => {
            clearTimeout(timer);
            if (code === 0) resolve();
            else reject(new Error(`s_client exited with ${code}`));
          });
          c.stdin.end('Q\n');
        });
        if (fromServer.length) break;
      } catch (e) {
        if (attempt > 40) throw e;
      }
      client.length = 0;
      fromServer.length = 0;
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    relay.close();
    server.kill();
  }
  return { client: Buffer.concat(client), server: Buffer.concat(fromServer) };
}

export async function pasteSeeds(): Promise<{ seeds: PasteSeed[]; cleanup(): void }> {
  const dir = tempDir('fuzz-pasted');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '30', '-subj', '/CN=localhost', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
  const t13 = await relayedHandshake(dir, ['-tls1_3', '-alpn', 'h2,http/1.1', '-servername', 'localhost']);
  const t12 = await relayedHandshake(dir, ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-GCM-SHA256', '-servername', 'localhost']);
  const ch = records(t13.client, 1);
  const seeds: PasteSeed[] = [
    { name: 'TLS 1.3 ClientHello record', bytes: ch },
    // The same ClientHello as a handshake message alone, without its record header.
    { name: 'TLS 1.3 ClientHello message', bytes: ch.subarray(5) },
    { name: 'TLS 1.3 ServerHello, ChangeCipherSpec, encrypted records', bytes: records(t13.server, 4) },
    { name: 'TLS 1.2 ClientHello record', bytes: records(t12.client, 1) },
    { name: 'TLS 1.2 server flight (ServerHello ... ServerHelloDone)', bytes: records(t12.server, 4) },
    { name: 'TLS 1.2 client second flight', bytes: t12.client.subarray(records(t12.client, 1).length, records(t12.client, 4).length) },
  ].map((s) => ({ name: s.name, bytes: new Uint8Array(s.bytes) }));
  return { seeds, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
