// Our client's 0-RTT against `openssl s_server -early_data` (OpenSSL 3.0): the first connection gets a ticket that
// allows early data, the second resumes with it and sends early data before the server's answer. s_server prints
// what it read as early data between "Early data received:" and "End of early data"; the trace shows the early records, EndOfEarlyData and
// the key log's CLIENT_EARLY_TRAFFIC_SECRET.
import { afterAll, describe, expect, it } from 'vitest';
import { connectTls, type TlsClientOptions } from '../../src/tls/client.ts';
import type { Tls13Session } from '../../src/tls/handshake/options.ts';
import { keyLogLines } from '../../src/tls/keylog.ts';
import type { TraceRecorder } from '../../src/trace/recorder.ts';
import { connectTcp } from '../../src/transport/tcp.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import { utf8 } from '../../src/util/bytes.ts';
import { recorder, startSServer, type SServer } from './helpers.ts';
import { usePki } from '../support/pki.ts';
import { waitFor } from '../support/wait.ts';

const pki = usePki();
const servers: SServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

async function connect(s: SServer, options: Partial<TlsClientOptions> = {}, rec: TraceRecorder = recorder()) {
  const transport = await connectTcp('127.0.0.1', s.port);
  const conn = await connectTls(transport, { serverName: 'localhost', verifier: createVerifier({ anchors: [pki.rootDer] }), timeoutMs: 10_000, ...options }, rec.emit);
  return { conn, rec };
}

async function ticketFrom(s: SServer): Promise<Tls13Session> {
  const first = await connect(s);
  const session = await first.conn.waitForSession(10_000);
  await first.conn.close();
  expect(session).toBeDefined();
  return session as Tls13Session;
}

describe('0-RTT against openssl s_server', () => {
  it('s_server -early_data reads our early data; EndOfEarlyData precedes our Finished', async () => {
    const s = await startSServer(pki, ['-early_data', '-num_tickets', '1']);
    servers.push(s);
    const session = await ticketFrom(s);
    expect(session.maxEarlyData).toBeGreaterThan(0);
    const { conn, rec } = await connect(s, { session, earlyData: utf8.encode('zero round trip, hello\n') });
    expect(conn.summary.resumed).toBe(true);
    expect(conn.summary.earlyData).toEqual({ offered: true, accepted: true, bytes: 23, resent: 0 });
    await waitFor(() => /Early data received:\s*zero round trip, hello\s*End of early data/.test(s.output()));
    const client = rec.events.filter((e) => (e.kind === 'handshake' && e.direction === 'client') || (e.kind === 'record' && e.direction === 'client' && e.epoch === 'early'));
    // ClientHello, the early data record, EndOfEarlyData (after the early record that carried it), then Finished.
    const names = client.map((e) => (e.kind === 'handshake' ? `${e.name}:${e.epoch}` : `record:${e.kind === 'record' ? e.epoch : ''}`));
    expect(names).toEqual(['ClientHello:plaintext', 'record:early', 'record:early', 'EndOfEarlyData:early', 'Finished:handshake']);
    const hello = rec.events.find((e) => e.kind === 'handshake' && e.name === 'ClientHello');
    expect(JSON.stringify(hello && hello.kind === 'handshake' ? hello.fields : [])).toContain('early_data');
    const ee = rec.events.find((e) => e.kind === 'handshake' && e.name === 'EncryptedExtensions');
    expect(JSON.stringify(ee && ee.kind === 'handshake' ? ee.fields : [])).toContain('early_data');
    expect(keyLogLines(rec.events).some((l) => l.startsWith('CLIENT_EARLY_TRAFFIC_SECRET '))).toBe(true);
    await conn.close();
  });

  it('s_server without -early_data: the early data is refused, then sent again after the handshake', async () => {
    // -max_early_data announces early data in the tickets; without -early_data s_server never reads it, so OpenSSL
    // refuses it (and skips it by trial decryption, no HelloRetryRequest).
    const s = await startSServer(pki, ['-num_tickets', '1', '-max_early_data', '16384']);
    servers.push(s);
    const session = await ticketFrom(s);
    expect(session.maxEarlyData).toBeGreaterThan(0);
    const { conn, rec } = await connect(s, { session, earlyData: utf8.encode('sent twice if need be\n') });
    expect(conn.summary.resumed).toBe(true);
    expect(conn.summary.earlyData).toEqual({ offered: true, accepted: false, bytes: 22, resent: 22, reason: "the server's EncryptedExtensions has no early_data" });
    const notes = rec.events.filter((e) => e.kind === 'note').map((e) => (e as { text: string }).text);
    expect(rec.events.find((e) => e.kind === 'early-data' && e.outcome === 'refused')).toMatchObject({ side: 'client', bytes: 22, reason: "the server's EncryptedExtensions has no early_data" });
    expect(notes.some((t) => t.includes('sent after the handshake') && t.includes('again'))).toBe(true);
    expect(rec.events.some((e) => e.kind === 'handshake' && e.name === 'EndOfEarlyData')).toBe(false);
    await waitFor(() => s.output().includes('sent twice if need be'));
    expect(s.output()).not.toMatch(/Early data received:\s*sent twice/);
    await conn.close();
  });
});
