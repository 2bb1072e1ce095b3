// The server's answer asked for as soon as the ClientHello is written (handshake/context.ts send,
// record/framing.ts startReading): a transport that opens its connection on its first read (the Worker's
// FirstFlightTransport) opens it before the ClientHello's event, transcript entry and state change are made. The
// answer is still read and traced where it always was, and a read that fails early is reported by the read that
// takes it.
import { afterAll, describe, expect, it } from 'vitest';
import { connectTls } from '../../src/tls/client.ts';
import { RecordReader } from '../../src/tls/record/framing.ts';
import { connectTcp } from '../../src/transport/tcp.ts';
import type { Transport } from '../../src/transport/types.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import { recorder, startSServer } from './helpers.ts';
import { usePki } from '../support/pki.ts';

const pki = usePki();

/** A real TCP transport whose reads and writes are noted, each with how many trace events existed then. */
function noting(inner: Transport, events: () => number): Transport & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    write: (data) => (log.push(`write ${events()}`), inner.write(data)),
    read: () => (log.push(`read ${events()}`), inner.read()),
    close: () => inner.close(),
  };
}

describe('the server answer asked for at once', () => {
  let stop: (() => Promise<void>) | undefined;
  afterAll(async () => stop?.());

  it('against openssl s_server: the first read comes right after the ClientHello is written, the trace as before', async () => {
    const s = await startSServer(pki);
    stop = s.stop;
    const rec = recorder();
    const transport = noting(await connectTcp('127.0.0.1', s.port), () => rec.events.length);
    const conn = await connectTls(transport, { serverName: 'localhost', verifier: createVerifier({ anchors: [pki.rootDer] }) }, rec.emit);
    const chRecord = rec.events.findIndex((e) => e.kind === 'record' && e.direction === 'client');
    const chMessage = rec.events.findIndex((e) => e.kind === 'handshake' && e.name === 'ClientHello');
    // The ClientHello's record event, its write, then the read, before its handshake event (without startReading:
    // the read after the handshake event and the state change that follows it, `read ${chRecord + 3}`).
    expect(transport.log.slice(0, 2)).toEqual([`write ${chRecord + 1}`, `read ${chRecord + 1}`]);
    expect(chMessage).toBe(chRecord + 1);
    // The events around it, in the usual order: the state change, then the server's first record.
    const kinds = rec.events.slice(chRecord, chRecord + 4).map((e) => `${e.kind}${'direction' in e ? ` ${e.direction}` : ''}`);
    expect(kinds).toEqual(['record client', 'handshake client', 'state', 'record server']);
    expect(rec.events.some((e) => e.kind === 'finished' && e.direction === 'server' && e.ok)).toBe(true);
    await conn.close();
  });
});

describe('RecordReader.startReading', () => {
  const record = Uint8Array.of(22, 3, 3, 0, 2, 0xaa, 0xbb);

  it('hands the early read to the next record, and starts no second read beside a waiting one', async () => {
    let reads = 0;
    let deliver!: (b: Uint8Array | null) => void;
    const transport: Transport = {
      read: () => (reads++, new Promise((r) => (deliver = r))),
      write: async () => undefined,
      close: async () => undefined,
    };
    const reader = new RecordReader(transport);
    reader.startReading();
    reader.startReading(); // already asked: no second read
    expect(reads).toBe(1);
    const next = reader.next(16384);
    reader.startReading(); // a read is waiting: none beside it
    expect(reads).toBe(1);
    deliver(record);
    const r = await next;
    expect(Array.from(r!.fragment)).toEqual([0xaa, 0xbb]);
    expect(reads).toBe(1);
  });

  it('reports a failed early read at the read that takes it', async () => {
    const transport: Transport = {
      read: () => Promise.reject(new Error('the bridge closed')),
      write: async () => undefined,
      close: async () => undefined,
    };
    const reader = new RecordReader(transport);
    reader.startReading();
    await new Promise((r) => setTimeout(r, 5)); // rejected meanwhile: not an unhandled rejection
    await expect(reader.next(16384)).rejects.toThrow('the bridge closed');
  });
});
