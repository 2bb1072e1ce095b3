// FirstFlightTransport through the real bridge to a real `openssl s_server`: the ClientHello travels in the
// WebSocket's upgrade request and the handshake completes with only the client's second flight sent as a message;
// a bridge that does not take first bytes (as one from before they existed) gets the ClientHello as the first
// message instead; a first flight too large for the request goes as messages; a refused target fails the
// handshake with the bridge's own words; closing before anything was written opens nothing.
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/app.ts';
import { connectTls } from '../../src/tls/client.ts';
import { BRIDGE_FIRST_PARAM, BRIDGE_FIRST_SUBPROTOCOL, BRIDGE_MAX_FIRST_BYTES, BRIDGE_SUBPROTOCOL } from '../../src/transport/bridge-protocol.ts';
import { FirstFlightTransport } from '../../src/transport/first-flight.ts';
import type { WebSocketLike } from '../../src/transport/websocket.ts';
import { utf8 } from '../../src/util/bytes.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import { startBridgeServer, startEcho, type EchoServer } from '../bridge/helpers.ts';
import { recorder, spawnSServer, type SServer } from '../tls/helpers.ts';
import { usePki } from '../support/pki.ts';

const pki = usePki();
let sServer: SServer;
let echo: EchoServer;
let bridge: RunningServer;

beforeAll(async () => {
  [sServer, echo] = await Promise.all([spawnSServer(['-cert', pki.leafCert, '-key', pki.leafKey, '-tls1_3']), startEcho()]);
  bridge = await startBridgeServer({ allow: [`127.0.0.1:${sServer.port}`, `127.0.0.1:${echo.port}`] });
});
afterAll(async () => {
  await bridge?.stop();
  await sServer?.stop();
  await echo?.stop();
});

interface Opened {
  urls: string[];
  protocols: (string | string[] | undefined)[];
  sent: Uint8Array[];
  agreed: () => string;
}

/**
 * A `ws` factory that records what the transport asks for and sends. `asOldBridge` plays a bridge from before
 * first bytes existed: it drops the parameter and the subprotocol, as such a bridge ignores them.
 */
function recordingFactory(asOldBridge = false): { factory: (url: string, protocols?: string | string[]) => WebSocketLike; seen: Opened } {
  const seen: Opened = { urls: [], protocols: [], sent: [], agreed: () => '' };
  const factory = (url: string, protocols?: string | string[]) => {
    seen.urls.push(url);
    seen.protocols.push(protocols);
    if (asOldBridge) {
      const u = new URL(url);
      u.searchParams.delete(BRIDGE_FIRST_PARAM);
      url = u.href;
      protocols = [protocols ?? []].flat().filter((p) => p !== BRIDGE_FIRST_SUBPROTOCOL);
    }
    const ws = new WebSocket(url, protocols, { origin: bridge.url });
    seen.agreed = () => ws.protocol;
    const send = ws.send.bind(ws);
    (ws as unknown as { send: (d: Uint8Array) => void }).send = (d) => {
      seen.sent.push(Uint8Array.from(d));
      send(d);
    };
    return ws as unknown as WebSocketLike;
  };
  return { factory, seen };
}

const urlFor = (port: number) => `${bridge.url.replace('http', 'ws')}/bridge?target=${encodeURIComponent(`127.0.0.1:${port}`)}`;

async function handshake(asOldBridge: boolean) {
  const { factory, seen } = recordingFactory(asOldBridge);
  const transport = new FirstFlightTransport(urlFor(sServer.port), { protocols: BRIDGE_SUBPROTOCOL, factory });
  // Nothing opens before the engine has something to say.
  expect(seen.urls).toEqual([]);
  const rec = recorder();
  const conn = await connectTls(transport, { serverName: 'localhost', verifier: createVerifier({ anchors: [pki.rootDer] }), timeoutMs: 10_000 }, rec.emit);
  const clientHello = rec.events.find((e) => e.kind === 'handshake' && e.name === 'ClientHello' && e.direction === 'client') as { bytes: string } | undefined;
  await conn.write(utf8.encode('ping through the first flight\n'));
  await new Promise<void>((resolve, reject) => {
    const end = Date.now() + 15_000;
    const poll = () => (sServer.output().includes('ping through the first flight') ? resolve() : Date.now() > end ? reject(new Error('no ping')) : setTimeout(poll, 20));
    poll();
  });
  await conn.close();
  return { seen, clientHello: clientHello!.bytes, summary: conn.summary };
}

describe('the first flight in the upgrade request', () => {
  it('TLS 1.3 through the real bridge: the ClientHello goes in the request, the rest as messages', async () => {
    const { seen, clientHello, summary } = await handshake(false);
    expect(summary.version).toBe('TLSv1.3');
    expect(seen.urls).toHaveLength(1);
    expect(seen.agreed()).toBe(BRIDGE_FIRST_SUBPROTOCOL);
    expect(seen.protocols[0]).toEqual([BRIDGE_FIRST_SUBPROTOCOL, BRIDGE_SUBPROTOCOL]);
    const first = Buffer.from(new URL(seen.urls[0]).searchParams.get(BRIDGE_FIRST_PARAM)!, 'base64url');
    // One plaintext handshake record holding exactly the traced ClientHello.
    expect(first[0]).toBe(22);
    expect(first.subarray(5).toString('hex')).toBe(clientHello);
    // No message carries a ClientHello: the first one is the client's second flight (CCS + Finished).
    expect(seen.sent[0][0]).toBe(20);
  });

  it('a bridge that does not take first bytes gets the ClientHello as the first message', async () => {
    const { seen, clientHello, summary } = await handshake(true);
    expect(summary.version).toBe('TLSv1.3');
    expect(seen.agreed()).toBe(BRIDGE_SUBPROTOCOL);
    expect(seen.sent[0][0]).toBe(22);
    expect(Buffer.from(seen.sent[0]).subarray(5).toString('hex')).toBe(clientHello);
  });

  it('a first flight too large for the request goes as messages, in order', async () => {
    const { factory, seen } = recordingFactory();
    const transport = new FirstFlightTransport(urlFor(echo.port), { protocols: BRIDGE_SUBPROTOCOL, factory });
    const big = new Uint8Array(BRIDGE_MAX_FIRST_BYTES + 100).map((_, i) => i & 0xff);
    await transport.write(big.subarray(0, 100));
    await transport.write(big.subarray(100));
    let got = 0;
    const back: Uint8Array[] = [];
    while (got < big.length) {
      const chunk = (await transport.read())!;
      back.push(chunk);
      got += chunk.length;
    }
    expect(Buffer.concat(back).equals(Buffer.from(big))).toBe(true);
    expect(new URL(seen.urls[0]).searchParams.has(BRIDGE_FIRST_PARAM)).toBe(false);
    await transport.close();
  });

  it('says it has started once the WebSocket is made, not before (the worker says "connecting" then)', async () => {
    const { factory, seen } = recordingFactory();
    const transport = new FirstFlightTransport(urlFor(echo.port), { protocols: BRIDGE_SUBPROTOCOL, factory });
    let socketsWhenStarted = -1;
    void transport.started.then(() => (socketsWhenStarted = seen.urls.length));
    await transport.write(utf8.encode('said after the socket'));
    for (let i = 0; i < 5; i++) await Promise.resolve();
    expect(socketsWhenStarted).toBe(-1);
    const reply = transport.read();
    await transport.started;
    expect(socketsWhenStarted).toBe(1);
    expect(utf8.decode((await reply)!)).toBe('said after the socket');
    await transport.close();
  });

  it('a read before any write (a server that speaks first, as in STARTTLS) opens without first bytes', async () => {
    const { factory, seen } = recordingFactory();
    const transport = new FirstFlightTransport(urlFor(echo.port), { protocols: BRIDGE_SUBPROTOCOL, factory });
    const reply = transport.read();
    await transport.opened;
    expect(new URL(seen.urls[0]).searchParams.has(BRIDGE_FIRST_PARAM)).toBe(false);
    expect(seen.agreed()).toBe(BRIDGE_SUBPROTOCOL);
    await transport.write(utf8.encode('EHLO after the greeting'));
    // The write goes once a read waits: one is already waiting.
    expect(utf8.decode((await reply)!)).toBe('EHLO after the greeting');
    await transport.close();
  });

  it('a refused target fails the handshake with the bridge\'s reason', async () => {
    const transport = new FirstFlightTransport(urlFor(echo.port + 1), { protocols: BRIDGE_SUBPROTOCOL, factory: recordingFactory().factory });
    await expect(connectTls(transport, { serverName: 'localhost', verifier: createVerifier({ anchors: [pki.rootDer] }), timeoutMs: 10_000 }, recorder().emit)).rejects.toThrow(/the bridge refused this target: /);
  });

  it('closed before anything was written: nothing opens, and reading gives the end of the stream', async () => {
    const { factory, seen } = recordingFactory();
    const transport = new FirstFlightTransport(urlFor(echo.port), { protocols: BRIDGE_SUBPROTOCOL, factory });
    await transport.close();
    expect(await transport.read()).toBeNull();
    await expect(transport.write(Uint8Array.of(1))).rejects.toThrow(/closed/);
    await expect(transport.opened).rejects.toThrow(/before it opened/);
    expect(seen.urls).toEqual([]);
  });
});
