// Our Finished sealed ahead (handshake13/finished-ahead.ts, Tls13RecordProtector.sealAhead): its encryption starts
// once the server's Finished is verified, before the steps that trace and write it, and the record those steps
// write is the one sealed then; a record that is not exactly it is sealed as always.
import { afterEach, describe, expect, it } from 'vitest';
import { connectTls } from '../../src/tls/client.ts';
import { connectTcp } from '../../src/transport/tcp.ts';
import { Tls13RecordProtector } from '../../src/tls/record/tls13-protector.ts';
import { TLS13_SUITES } from '../../src/tls/suites.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import { toHex } from '../../src/util/bytes.ts';
import type { TraceEvent } from '../../src/trace/types.ts';
import { recorder, spawnSServer, type SServer } from './helpers.ts';
import { usePki } from '../support/pki.ts';

const pki = usePki();
let server: SServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

/** Every crypto.subtle.encrypt call while `body` runs, noted in `log` beside the trace events. */
async function withEncryptsLogged<T>(log: string[], body: () => Promise<T>): Promise<T> {
  const subtle = crypto.subtle as unknown as { encrypt: (...a: unknown[]) => Promise<ArrayBuffer> };
  const real = subtle.encrypt.bind(crypto.subtle);
  subtle.encrypt = (...a) => (log.push('encrypt'), real(...a));
  try {
    return await body();
  } finally {
    delete (subtle as { encrypt?: unknown }).encrypt;
  }
}

describe('our Finished sealed ahead', () => {
  it('against openssl s_server: sealed once, right after the server Finished is verified; the server accepts it', async () => {
    server = await spawnSServer(['-tls1_3', '-cert', pki.leafCert, '-key', pki.leafKey, '-www']);
    const rec = recorder();
    const log: string[] = [];
    const emit = (e: Parameters<typeof rec.emit>[0]) => {
      const i = rec.emit(e);
      const x = e as TraceEvent & { name?: string; direction?: string };
      log.push(`${x.kind}${x.name ? ` ${x.name}` : ''}${x.kind === 'finished' || x.kind === 'record' ? ` ${x.direction}` : ''}`);
      return i;
    };
    const conn = await withEncryptsLogged(log, () => connectTls(connectTcp('127.0.0.1', server!.port), { serverName: 'localhost', verifier: createVerifier({ anchors: [pki.rootDer] }) }, emit));
    // One encryption between the server's Finished and our flight, started before the application secrets.
    const from = log.indexOf('finished server');
    const flight = log.indexOf('record client', from);
    expect(from).toBeGreaterThan(0);
    expect(log.slice(from, flight).filter((x) => x === 'encrypt')).toHaveLength(1);
    expect(log.indexOf('encrypt', from)).toBeLessThan(log.indexOf('key master_secret'));
    expect(log.slice(flight).filter((x) => x === 'encrypt')).toHaveLength(0);
    // The events in their usual order.
    const steps = log.filter((x) => x !== 'encrypt');
    expect(steps.slice(steps.indexOf('finished server'))).toEqual([
      'finished server', 'transcript', 'key derived_secret_for_master', 'key master_secret', 'key client_application_traffic_secret_0',
      'key server_application_traffic_secret_0', 'key exporter_master_secret', 'key server_application_write_key', 'key server_application_write_iv',
      'record client', 'key client_handshake_write_key', 'key client_handshake_write_iv', 'transcript', 'key client_finished_key', 'key client_verify_data',
      'finished client', 'record client', 'handshake Finished', 'transcript', 'key resumption_master_secret', 'key client_application_write_key',
      'key client_application_write_iv', 'state',
    ]);
    // The server took our Finished: it answers a request under the application keys.
    await conn.write(new TextEncoder().encode('GET / HTTP/1.0\r\n\r\n'));
    let text = '';
    for (let d = await conn.read(); d; d = await conn.read()) text += new TextDecoder().decode(d);
    expect(text).toMatch(/^HTTP\/1\.0 200 ok/);
    const finished = rec.events.find((e) => e.kind === 'handshake' && e.direction === 'client' && e.name === 'Finished') as Extract<TraceEvent, { kind: 'handshake' }>;
    const finishedRecord = rec.events[finished.records[0]] as Extract<TraceEvent, { kind: 'record' }>;
    expect(finishedRecord.kind).toBe('record');
    expect(finishedRecord.epoch).toBe('handshake');
    expect(finishedRecord.seq).toBe(0);
  });

  const suite = TLS13_SUITES[0x1301];
  const key = new Uint8Array(16).fill(7);
  const iv = new Uint8Array(12).fill(9);
  const content = Uint8Array.of(20, 0, 0, 4, 1, 2, 3, 4);

  it('the record sealed ahead is byte for byte what encrypt() seals, at the same sequence number', async () => {
    const ahead = await Tls13RecordProtector.create(suite, key, iv, 'handshake');
    const plain = await Tls13RecordProtector.create(suite, key, iv, 'handshake');
    ahead.sealAhead(22, content);
    expect(ahead.nextSeq).toBe(0n); // nothing taken yet
    const a = await ahead.encrypt(22, content);
    const b = await plain.encrypt(22, content);
    expect(toHex(a.bytes)).toBe(toHex(b.bytes));
    expect(a.seq).toBe(0n);
    expect(ahead.nextSeq).toBe(1n);
    expect(toHex((await ahead.encrypt(22, content)).bytes)).toBe(toHex((await plain.encrypt(22, content)).bytes));
  });

  it('any other record drops it: another content, type or padding is sealed as always, at the next sequence number', async () => {
    for (const [type, bytes, padding] of [[22, Uint8Array.of(20, 0, 0, 4, 1, 2, 3, 5), 0], [21, content, 0], [22, content, 3]] as const) {
      const ahead = await Tls13RecordProtector.create(suite, key, iv, 'handshake');
      const plain = await Tls13RecordProtector.create(suite, key, iv, 'handshake');
      ahead.sealAhead(22, content);
      const a = await ahead.encrypt(type, bytes, padding);
      expect(toHex(a.bytes)).toBe(toHex((await plain.encrypt(type, bytes, padding)).bytes));
      // Dropped, not kept for later: the same record asked for next is sealed at sequence 1.
      expect(toHex((await ahead.encrypt(22, content)).bytes)).toBe(toHex((await plain.encrypt(22, content)).bytes));
    }
  });
});
