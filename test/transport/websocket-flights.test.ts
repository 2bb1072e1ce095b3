// The engine through the real bridge to a real `openssl s_server`: every flight the client writes leaves as one
// WebSocket message (a ClientHello; CCS + Finished; CCS + a second ClientHello after a retry; TLS 1.2's
// ClientKeyExchange + CCS + Finished), the handshake's last flight leaves before connectTls resolves, and a lone
// write after the handshake still leaves at once.
// The flights are checked with a long safety-net timer, so a loaded machine (slow crypto between two records of a
// flight) cannot split them: what sends a flight is the engine turning to read. The default timer has its own test.
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/app.ts';
import { connectTls, type TlsClientOptions } from '../../src/tls/client.ts';
import { BRIDGE_SUBPROTOCOL } from '../../src/transport/bridge-protocol.ts';
import { FLUSH_DELAY_MS, WebSocketTransport, type WebSocketLike } from '../../src/transport/websocket.ts';
import { utf8 } from '../../src/util/bytes.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import { startBridgeServer } from '../bridge/helpers.ts';
import { recorder, spawnSServer, type SServer } from '../tls/helpers.ts';
import { usePki } from '../support/pki.ts';

const pki = usePki();
const servers: SServer[] = [];
let bridge: RunningServer;

/** One per s_server: the bridge allows exactly the targets the tests start. */
async function sServer(args: string[]): Promise<SServer> {
  const s = await spawnSServer(['-cert', pki.leafCert, '-key', pki.leafKey, '-CAfile', pki.rootPem, ...args]);
  servers.push(s);
  return s;
}

let tls13: SServer;
let tls13Retry: SServer;
let tls12: SServer;

beforeAll(async () => {
  [tls13, tls13Retry, tls12] = await Promise.all([sServer(['-tls1_3']), sServer(['-tls1_3', '-groups', 'P-384']), sServer(['-tls1_2'])]);
  bridge = await startBridgeServer({ allow: servers.map((s) => `127.0.0.1:${s.port}`) });
});
afterAll(async () => {
  await bridge?.stop();
  await Promise.all(servers.map((s) => s.stop()));
});

/** The content types of the TLS records in one WebSocket message (each message must hold whole records). */
function recordTypes(message: Uint8Array): number[] {
  const types: number[] = [];
  let o = 0;
  while (o < message.length) {
    expect(message.length - o).toBeGreaterThanOrEqual(5);
    types.push(message[o]);
    o += 5 + ((message[o + 3] << 8) | message[o + 4]);
  }
  expect(o).toBe(message.length);
  return types;
}

/** Open the bridge to `s` with a real `ws` client whose sends are recorded. */
async function openCounted(s: SServer, flushDelayMs = 5_000): Promise<{ transport: WebSocketTransport; sent: Uint8Array[] }> {
  const sent: Uint8Array[] = [];
  const factory = (url: string, protocols?: string | string[]) => {
    const ws = new WebSocket(url, protocols, { origin: bridge.url });
    const send = ws.send.bind(ws);
    (ws as unknown as { send: (d: Uint8Array) => void }).send = (d) => {
      sent.push(Uint8Array.from(d));
      send(d);
    };
    return ws as unknown as WebSocketLike;
  };
  const url = `${bridge.url.replace('http', 'ws')}/bridge?target=${encodeURIComponent(`127.0.0.1:${s.port}`)}`;
  return { transport: await WebSocketTransport.open(url, { protocols: BRIDGE_SUBPROTOCOL, factory, flushDelayMs }), sent };
}

async function waitFor(cond: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A handshake, then a read (the engine turns to the peer: the last flight must go), then a lone write. */
async function handshakeAndTalk(s: SServer, options: Partial<TlsClientOptions> = {}) {
  const { transport, sent } = await openCounted(s);
  const rec = recorder();
  const conn = await connectTls(transport, { serverName: 'localhost', verifier: createVerifier({ anchors: [pki.rootDer] }), timeoutMs: 10_000, ...options }, rec.emit);
  const reply = conn.read();
  // s_server prints the agreed cipher once it has the client's Finished: the last flight arrived whole.
  await waitFor(() => /CIPHER is|Cipher is/i.test(s.output()));
  const handshakeMessages = sent.map(recordTypes);
  await conn.write(utf8.encode('ping from the engine\n'));
  await waitFor(() => s.output().includes('ping from the engine'));
  s.type('pong from openssl\n');
  expect(utf8.decode((await reply)!)).toBe('pong from openssl\n');
  const afterPing = sent.length - handshakeMessages.length;
  await conn.close();
  return { handshakeMessages, afterPing, summary: conn.summary };
}

const CCS = 20;
const HANDSHAKE = 22;
const APP = 23;

describe('one WebSocket message per flight through the real bridge', () => {
  it('TLS 1.3: the ClientHello, then CCS + Finished together', async () => {
    const r = await handshakeAndTalk(tls13);
    expect(r.summary.version).toBe('TLSv1.3');
    expect(r.handshakeMessages).toEqual([[HANDSHAKE], [CCS, APP]]);
    expect(r.afterPing).toBe(1);
  });

  it('TLS 1.3 with a HelloRetryRequest: CCS + the second ClientHello together, then Finished', async () => {
    const r = await handshakeAndTalk(tls13Retry);
    expect(r.summary.helloRetryRequest).toBe(true);
    expect(r.handshakeMessages).toEqual([[HANDSHAKE], [CCS, HANDSHAKE], [APP]]);
    expect(r.afterPing).toBe(1);
  });

  it('TLS 1.2: the ClientHello, then ClientKeyExchange + CCS + Finished together', async () => {
    const r = await handshakeAndTalk(tls12, { versions: ['TLS1.2'] });
    expect(r.summary.version).toBe('TLSv1.2');
    expect(r.handshakeMessages).toEqual([[HANDSHAKE], [HANDSHAKE, CCS, HANDSHAKE]]);
    expect(r.afterPing).toBe(1);
  });

  it('the handshake\'s last flight has left when connectTls resolves, with no read or write after it', async () => {
    // A safety-net timer longer than the test: only the engine's flush at the handshake's end can send it.
    const { transport, sent } = await openCounted(tls13, 60_000);
    const conn = await connectTls(transport, { serverName: 'localhost', verifier: createVerifier({ anchors: [pki.rootDer] }), timeoutMs: 10_000 }, recorder().emit);
    expect(sent.map(recordTypes)).toEqual([[HANDSHAKE], [CCS, APP]]);
    // s_server prints the agreed cipher once it has our Finished.
    await waitFor(() => /CIPHER is|Cipher is/i.test(tls13.output()));
    await conn.close();
  });

  it('TLS 1.2 resumed: our CCS + Finished, the handshake\'s last flight, have left when connectTls resolves', async () => {
    const options = { serverName: 'localhost', verifier: createVerifier({ anchors: [pki.rootDer] }), timeoutMs: 10_000, versions: ['TLS1.2' as const] };
    const first = await connectTls((await openCounted(tls12, 60_000)).transport, options, recorder().emit);
    const session = first.session;
    expect(session).toBeTruthy();
    await first.close();
    const { transport, sent } = await openCounted(tls12, 60_000);
    const conn = await connectTls(transport, { ...options, session }, recorder().emit);
    expect(conn.summary.resumed).toBe(true);
    // The server's flight came first (ServerHello, CCS, Finished); ours ends the handshake and nothing reads after it.
    expect(sent.map(recordTypes)).toEqual([[HANDSHAKE], [CCS, HANDSHAKE]]);
    await conn.close();
  });

  it('a write with no read after it still leaves, by the safety-net timer', async () => {
    const { transport, sent } = await openCounted(tls13, FLUSH_DELAY_MS);
    const conn = await connectTls(transport, { serverName: 'localhost', verifier: createVerifier({ anchors: [pki.rootDer] }), timeoutMs: 10_000 }, recorder().emit);
    await conn.write(utf8.encode('nobody reads after me\n'));
    // Neither read nor close: only the timer can send the Finished and this write.
    await waitFor(() => tls13.output().includes('nobody reads after me'));
    expect(sent.length).toBeGreaterThanOrEqual(2);
    await conn.close();
  });
});
