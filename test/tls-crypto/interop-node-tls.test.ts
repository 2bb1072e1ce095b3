// Interop: a real TLS 1.3 connection between Node's tls client and server (OpenSSL), recorded byte
// for byte by a TCP relay in between. With the traffic secrets from the key log, our record layer,
// key schedule and transcript must decrypt both directions exactly and reproduce both Finished
// values — for all three cipher suites, and through a HelloRetryRequest.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concat, fromHex, toHex, utf8 } from '../../src/util/bytes.ts';
import { TrafficSecretUse13 } from '../../src/tls/key-schedule/key-schedule13.ts';
import { RecordLayer } from '../../src/tls/record/record-layer.ts';
import { Tls13RecordProtector } from '../../src/tls/record/tls13-protector.ts';
import { suiteByCode, suiteByName, type Tls13Suite } from '../../src/tls/suites.ts';
import { Transcript } from '../../src/tls/transcript.ts';
import { scriptedTransport } from './transports.ts';
import { makeSelfSignedP256, startRecordingRelay } from './recording-relay.ts';

let dir: string;
let key: Buffer;
let cert: Buffer;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tls-crypto-interop-'));
  const files = makeSelfSignedP256(dir);
  key = readFileSync(files.key);
  cert = readFileSync(files.cert);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Capture {
  toServer: Uint8Array[];
  toClient: Uint8Array[];
  secrets: Map<string, Uint8Array>;
  serverSent: Uint8Array;
  clientSent: Uint8Array;
  /** What OpenSSL exports for EXPORTER_LABEL / EXPORTER_CONTEXT (RFC 8446 §7.5). */
  exported: Uint8Array;
}

const EXPORTER_LABEL = 'EXPERIMENTAL-tls-lens';
const EXPORTER_CONTEXT = utf8.encode('context value');

const SERVER_DATA = Uint8Array.from({ length: 40_000 }, (_, i) => (i * 31) & 0xff); // spans three records
const CLIENT_DATA = utf8.encode('hello from the client');

/** One real connection: Node client -> recording relay -> Node server. */
async function captureConnection(suiteName: string, serverGroups: string): Promise<Capture> {
  const secrets = new Map<string, Uint8Array>();
  const toServer: Uint8Array[] = [];
  const toClient: Uint8Array[] = [];
  let exported = new Uint8Array(0);

  const server = tls.createServer({ key, cert, minVersion: 'TLSv1.3', ciphers: suiteName, ecdhCurve: serverGroups }, (socket) => {
    socket.once('data', () => {
      socket.end(Buffer.from(SERVER_DATA));
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const serverPort = (server.address() as net.AddressInfo).port;

  const { port: relayPort, relay } = await startRecordingRelay(serverPort, { toServer, toClient });

  try {
    await new Promise<void>((resolve, reject) => {
      const client = tls.connect({ host: '127.0.0.1', port: relayPort, rejectUnauthorized: false, minVersion: 'TLSv1.3', ciphers: suiteName });
      const timer = setTimeout(() => reject(new Error('the Node TLS connection did not finish in 10 s')), 10_000);
      client.on('keylog', (line) => {
        const [label, , secret] = line.toString('latin1').trim().split(' ');
        secrets.set(label, fromHex(secret));
      });
      const received: Buffer[] = [];
      client.on('secureConnect', () => {
        exported = Uint8Array.from(client.exportKeyingMaterial(42, EXPORTER_LABEL, Buffer.from(EXPORTER_CONTEXT)));
        client.write(Buffer.from(CLIENT_DATA));
      });
      client.on('data', (d) => received.push(d));
      client.on('end', () => {
        clearTimeout(timer);
        expect(Buffer.concat(received).equals(Buffer.from(SERVER_DATA))).toBe(true);
        client.end();
        resolve();
      });
      client.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
    // Let the relay forward the client's close_notify before the capture is read.
    await new Promise((r) => setTimeout(r, 50));
  } finally {
    relay.close();
    server.close();
  }
  return { toServer, toClient, secrets, serverSent: SERVER_DATA, clientSent: CLIENT_DATA, exported };
}

/** Splits a byte stream of handshake messages into whole messages (type, bytes with header). */
class HandshakeBuffer {
  private pending: Uint8Array = new Uint8Array(0);
  push(fragment: Uint8Array) {
    this.pending = concat(this.pending, fragment);
  }
  take(): { type: number; bytes: Uint8Array }[] {
    const out = [];
    while (this.pending.length >= 4) {
      const len = (this.pending[1] << 16) | (this.pending[2] << 8) | this.pending[3];
      if (this.pending.length < 4 + len) break;
      out.push({ type: this.pending[0], bytes: this.pending.slice(0, 4 + len) });
      this.pending = this.pending.subarray(4 + len);
    }
    return out;
  }
}

const HRR_RANDOM = 'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c';

function serverHelloSuite(sh: Uint8Array): { suite: Tls13Suite; hrr: boolean } {
  const sidLen = sh[4 + 2 + 32];
  const at = 4 + 2 + 32 + 1 + sidLen;
  return { suite: suiteByCode((sh[at] << 8) | sh[at + 1])!, hrr: toHex(sh.subarray(6, 38)) === HRR_RANDOM };
}

async function protector(ks: TrafficSecretUse13, suite: Tls13Suite, secret: Uint8Array | undefined, epoch: 'handshake' | 'application') {
  expect(secret, 'secret missing from the key log').toBeDefined();
  return Tls13RecordProtector.fromTrafficSecret(ks, suite, secret!, epoch);
}

async function verifyCapture(cap: Capture, expectHrr: boolean, expectedSuite: string) {
  const s = cap.secrets;
  // ---- client -> server: ClientHello(s), possibly ChangeCipherSpec, then protected Finished and data.
  const fromClient = new RecordLayer(scriptedTransport(cap.toServer), () => 0, { side: 'server' });
  const fromServer = new RecordLayer(scriptedTransport(cap.toClient), () => 0, { side: 'client' });
  const transcript = new Transcript(null);

  const readHandshake = async (rl: RecordLayer, buf: HandshakeBuffer, want: number[]) => {
    const got: { type: number; bytes: Uint8Array }[] = [];
    while (got.length < want.length) {
      const r = await rl.readRecord();
      expect(r, 'stream ended early').not.toBeNull();
      if (r!.contentType === 20) {
        expect(toHex(r!.fragment)).toBe('01');
        continue;
      }
      expect(r!.contentType).toBe(22);
      buf.push(r!.fragment);
      got.push(...buf.take());
    }
    expect(got.map((m) => m.type)).toEqual(want);
    return got;
  };

  const cbuf = new HandshakeBuffer();
  const sbuf = new HandshakeBuffer();
  const [ch1] = await readHandshake(fromClient, cbuf, [1]);
  transcript.add(ch1.bytes, 'ClientHello');
  let [sh] = await readHandshake(fromServer, sbuf, [2]);
  let info = serverHelloSuite(sh.bytes);
  expect(info.hrr).toBe(expectHrr);
  transcript.setHash(info.suite.hash);
  if (info.hrr) {
    await transcript.replaceWithMessageHash();
    transcript.add(sh.bytes, 'HelloRetryRequest');
    const [ch2] = await readHandshake(fromClient, cbuf, [1]);
    transcript.add(ch2.bytes, 'ClientHello');
    [sh] = await readHandshake(fromServer, sbuf, [2]);
    info = serverHelloSuite(sh.bytes);
    expect(info.hrr).toBe(false);
  }
  transcript.add(sh.bytes, 'ServerHello');
  const suite = info.suite;
  expect(suite.name).toBe(expectedSuite);
  const ks = TrafficSecretUse13.forSecrets(suite.hash);

  // ---- server handshake flight under the server handshake keys
  fromServer.setReadProtector(await protector(ks, suite, s.get('SERVER_HANDSHAKE_TRAFFIC_SECRET'), 'handshake'));
  const flight = await readHandshake(fromServer, sbuf, [8, 11, 15, 20]);
  for (const m of flight.slice(0, 3)) transcript.add(m.bytes, String(m.type));
  const serverFinishedExpected = await ks.finishedVerifyData(s.get('SERVER_HANDSHAKE_TRAFFIC_SECRET')!, await transcript.hash());
  expect(toHex(flight[3].bytes.subarray(4))).toBe(toHex(serverFinishedExpected));
  transcript.add(flight[3].bytes, 'Finished');

  // ---- client Finished under the client handshake keys
  fromClient.setReadProtector(await protector(ks, suite, s.get('CLIENT_HANDSHAKE_TRAFFIC_SECRET'), 'handshake'));
  const [clientFinished] = await readHandshake(fromClient, cbuf, [20]);
  const clientFinishedExpected = await ks.finishedVerifyData(s.get('CLIENT_HANDSHAKE_TRAFFIC_SECRET')!, await transcript.hash());
  expect(toHex(clientFinished.bytes.subarray(4))).toBe(toHex(clientFinishedExpected));

  // ---- application data both ways under the generation-0 application keys
  fromClient.setReadProtector(await protector(ks, suite, s.get('CLIENT_TRAFFIC_SECRET_0'), 'application'));
  const fromClientData: Uint8Array[] = [];
  for (let r = await fromClient.readRecord(); r; r = await fromClient.readRecord()) {
    if (r.contentType === 23) fromClientData.push(r.fragment);
    else expect(r.contentType === 21 && toHex(r.fragment) === '0100', `unexpected client record type ${r.contentType}`).toBe(true);
  }
  expect(toHex(concat(...fromClientData))).toBe(toHex(cap.clientSent));

  fromServer.setReadProtector(await protector(ks, suite, s.get('SERVER_TRAFFIC_SECRET_0'), 'application'));
  const fromServerData: Uint8Array[] = [];
  let tickets = 0;
  let closeNotify = false;
  for (let r = await fromServer.readRecord(); r; r = await fromServer.readRecord()) {
    if (r.contentType === 23) {
      expect(r.fragment.length).toBeLessThanOrEqual(1 << 14);
      fromServerData.push(r.fragment);
    } else if (r.contentType === 22) {
      sbuf.push(r.fragment);
      tickets += sbuf.take().filter((m) => m.type === 4).length;
    } else if (r.contentType === 21) closeNotify = toHex(r.fragment) === '0100';
  }
  expect(toHex(concat(...fromServerData))).toBe(toHex(cap.serverSent));
  expect(fromServerData.length).toBeGreaterThanOrEqual(3);
  expect(tickets).toBeGreaterThanOrEqual(1);
  expect(closeNotify).toBe(true);

  // ---- the exporter (RFC 8446 §7.5) from the logged exporter_master_secret
  const exporterSecret = s.get('EXPORTER_SECRET');
  expect(exporterSecret).toBeDefined();
  expect(toHex(await ks.exportKeyingMaterial(exporterSecret!, EXPORTER_LABEL, EXPORTER_CONTEXT, 42))).toBe(toHex(cap.exported));
}

describe('interop with Node/OpenSSL TLS 1.3', () => {
  it.each(['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'])(
    '%s: decrypts both directions and reproduces both Finished values',
    async (suiteName) => {
      expect(suiteByName(suiteName)).toBeDefined();
      const cap = await captureConnection(suiteName, 'X25519');
      await verifyCapture(cap, false, suiteName);
    },
  );

  it('through a HelloRetryRequest (server wants P-384): the message_hash transcript matches', async () => {
    const cap = await captureConnection('TLS_AES_128_GCM_SHA256', 'P-384');
    await verifyCapture(cap, true, 'TLS_AES_128_GCM_SHA256');
  });
});
