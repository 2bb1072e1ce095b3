// Records that one transport read brings whole are taken together when the first of them is read, where the cipher
// opens records at once (node:crypto; ConnectionCore.dispatch, MessageReader.nextBufferedSync): the reader still gets
// the data in order, a KeyUpdate among them changes the keys before the records after it are opened, a bad record
// after good ones fails only after the good ones are read, and a close_notify after data ends the stream after it.
// Our client against our server in memory, both on node:crypto; the server's writes are held and handed over as one
// chunk, as one socket read would bring them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeCryptoProvider } from '../../src/crypto/node-provider.ts';
import { setCryptoProvider, type CryptoProvider } from '../../src/crypto/provider.ts';
import { connectTls, type TlsConnection } from '../../src/tls/client.ts';
import { acceptTls, type ServerConnection } from '../../src/tls/server.ts';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import type { TraceEvent } from '../../src/trace/types.ts';
import { memoryPair } from '../../src/transport/memory.ts';
import type { Transport } from '../../src/transport/types.ts';
import { concat } from '../../src/util/bytes.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import { usePki } from '../support/pki.ts';
import { serverCertificates } from '../server/support/server-pki.ts';

const pki = usePki();
let before: CryptoProvider;
beforeAll(() => void (before = setCryptoProvider(nodeCryptoProvider)));
afterAll(() => void setCryptoProvider(before));

/** A TLS 1.3 record of 2^14 bytes of data: header, data, inner type, tag. */
const RECORD_BYTES = 5 + 16384 + 1 + 16;

/** A transport whose writes, while held, are kept and then written as one chunk (`change` may alter it first);
 * a close meanwhile waits for the release. */
function holding(inner: Transport) {
  let held: Uint8Array[] | null = null;
  let closeHeld = false;
  const transport: Transport = {
    write: async (data) => void (held ? held.push(Uint8Array.from(data)) : await inner.write(data)),
    read: () => inner.read(),
    close: async () => {
      if (held) closeHeld = true;
      else await inner.close();
    },
  };
  return {
    transport,
    hold: () => void (held = []),
    async release(change: (chunk: Uint8Array) => Uint8Array = (c) => c) {
      const chunk = concat(...held!);
      held = null;
      await inner.write(change(chunk));
      if (closeHeld) await inner.close();
    },
  };
}

async function pair(): Promise<{ client: TlsConnection; server: ServerConnection; trace: TraceRecorder; wire: ReturnType<typeof holding> }> {
  const [c, s] = memoryPair();
  const wire = holding(s);
  const trace = new TraceRecorder(() => 0);
  const [server, client] = await Promise.all([
    acceptTls(wire.transport, { certificates: [serverCertificates(pki).p256], timeoutMs: 10_000, numTickets: 0 }),
    connectTls(c, { serverName: 'localhost', verifier: createVerifier({ anchors: [pki.rootDer] }), timeoutMs: 10_000 }, trace.emit),
  ]);
  return { client, server, trace, wire };
}

const data = (records: number, seed: number) => Uint8Array.from({ length: records * 16384 }, (_, i) => (i * seed + (i >> 14)) & 0xff);
const serverData = (events: TraceEvent[]) => events.filter((e) => e.kind === 'app-data' && e.direction === 'server').length;

async function readAll(client: TlsConnection, bytes: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let got = 0;
  while (got < bytes) {
    const part = await client.read();
    if (!part) break;
    parts.push(Uint8Array.from(part));
    got += part.length;
  }
  return concat(...parts);
}

describe('records one read brings, taken together (node:crypto)', () => {
  it('opens every record of the chunk at the first read, and hands the data out in order', async () => {
    const { client, server, trace, wire } = await pair();
    const sent = data(5, 7);
    wire.hold();
    await server.write(sent);
    const seen = trace.events.length;
    await wire.release();
    const first = await client.read();
    expect(first!.length).toBe(16384);
    // All five records were opened and traced before the first one's data was handed out.
    expect(serverData(trace.events.slice(seen))).toBe(5);
    const rest = await readAll(client, sent.length - first!.length);
    expect(concat(first!, rest)).toEqual(sent);
    // In the trace, each record comes right before the data it carried.
    const mine = trace.events.slice(seen);
    for (const [i, e] of mine.entries()) if (e.kind === 'app-data') expect(mine[i - 1]).toMatchObject({ kind: 'record', direction: 'server', index: e.record });
    await client.close();
  });

  it('a KeyUpdate among them: the records after it are opened with the new keys', async () => {
    const { client, server, trace, wire } = await pair();
    const a = data(2, 3);
    const b = data(2, 5);
    wire.hold();
    await server.write(a);
    await server.keyUpdate(false);
    await server.write(b);
    await wire.release();
    expect(await readAll(client, a.length + b.length)).toEqual(concat(a, b));
    expect(trace.events.some((e) => e.kind === 'handshake' && e.direction === 'server' && e.name === 'KeyUpdate')).toBe(true);
    await client.close();
  });

  it('a bad record after good ones: the good ones are read first, then bad_record_mac; all are in the trace', async () => {
    const { client, server, trace, wire } = await pair();
    const sent = data(4, 11);
    wire.hold();
    await server.write(sent);
    await wire.release((chunk) => {
      const bad = chunk.slice();
      bad[2 * RECORD_BYTES + 100] ^= 1; // in the third record's ciphertext
      return bad;
    });
    expect(await readAll(client, 2 * 16384)).toEqual(sent.subarray(0, 2 * 16384));
    await expect(client.read()).rejects.toMatchObject({ alert: 20 }); // bad_record_mac
    const server3 = trace.events.filter((e) => e.kind === 'record' && e.direction === 'server' && e.epoch === 'application');
    expect(server3.length).toBeGreaterThanOrEqual(3);
    expect(trace.events.some((e) => e.kind === 'error')).toBe(true);
  });

  it('a close_notify after data: the data, then the end of the stream', async () => {
    const { client, server, trace, wire } = await pair();
    const sent = data(3, 13);
    wire.hold();
    await server.write(sent);
    const closing = server.close({ waitForPeerMs: 0 });
    await wire.release();
    await closing;
    const first = await client.read();
    // The data and the alert behind it were all taken with the first read.
    expect(serverData(trace.events)).toBe(3);
    expect(trace.events.some((e) => e.kind === 'alert' && e.direction === 'server' && e.name === 'close_notify')).toBe(true);
    expect(concat(first!, await readAll(client, sent.length - first!.length))).toEqual(sent);
    expect(await client.read()).toBeNull();
  });
});
