// The lab's early-data scenario (our own server engine): Node's tls gets a plain TLS 1.3 answer; our client, given
// the ticket of a first connection, sends 0-RTT early data that the server reads and names in its answer; the same
// ticket's early data a second time (a replay) is refused and the client sends it again after the handshake.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Lab } from '../../server/lab/index.ts';
import { startLab } from '../../server/lab/index.ts';
import { connectTls, type TlsClientOptions } from '../../src/tls/client.ts';
import type { Tls13Session } from '../../src/tls/handshake/options.ts';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import { connectTcp } from '../../src/transport/tcp.ts';
import { utf8 } from '../../src/util/bytes.ts';
import { pemToDer } from '../../src/x509/pem.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import { nodeTls } from './helpers.ts';

let lab: Lab;
beforeAll(async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tls-lens-lab-early-'));
  lab = await startLab({ pkiDir: path.join(dir, 'pki'), only: ['early-data'] });
}, 60_000);
afterAll(async () => {
  await lab?.stop();
});

const REQUEST = 'GET / HTTP/1.0\r\n\r\n';

async function connect(options: Partial<TlsClientOptions> = {}) {
  const rec = new TraceRecorder();
  const transport = await connectTcp('127.0.0.1', lab.byId('early-data')!.port);
  const conn = await connectTls(transport, { serverName: 'lab.tls-lens.test', verifier: createVerifier({ extraAnchors: pemToDer(lab.pki.root.cert) }), timeoutMs: 10_000, ...options }, rec.emit);
  return { conn, rec };
}

/** Everything the server sends until it closes. */
async function answer(conn: Awaited<ReturnType<typeof connect>>['conn']): Promise<string> {
  let text = '';
  for (let data = await conn.read(); data !== null; data = await conn.read()) text += utf8.decode(data);
  return text;
}

async function ticket(): Promise<Tls13Session> {
  const { conn } = await connect();
  const session = (await conn.waitForSession(10_000)) as Tls13Session | undefined;
  await conn.close();
  expect(session?.maxEarlyData).toBe(16384);
  return session!;
}

describe('early-data scenario', () => {
  it('is listed as served by our own engine, TLS 1.3 only', () => {
    expect(lab.byId('early-data')).toMatchObject({ server: 'tls-lens', tlsVersions: ['TLSv1.3'], title: '0-RTT early data' });
  });

  it("Node's tls: a verified TLS 1.3 handshake, and an answer that says no early data came", async () => {
    const r = await nodeTls(lab.byId('early-data')!.port, { ca: lab.pki.root.cert, rejectUnauthorized: true, request: REQUEST });
    expect(r).toMatchObject({ ok: true, protocol: 'TLSv1.3', authorized: true });
    expect(r.reply).toMatch(/^HTTP\/1.1 200 OK/);
    expect(r.reply).toContain('TLS Lens lab scenario: early-data');
    expect(r.reply).toContain('early data (0-RTT): none');
  });

  it('our client: the second connection sends the request as 0-RTT, the server reads it and says so', async () => {
    const session = await ticket();
    const { conn, rec } = await connect({ session, earlyData: utf8.encode(REQUEST) });
    expect(conn.summary.earlyData).toEqual({ offered: true, accepted: true, bytes: REQUEST.length, resent: 0 });
    const reply = await answer(conn);
    expect(reply).toContain(`read ${REQUEST.length} bytes of early data before the handshake ended: "GET / HTTP/1.0\\r\\n\\r\\n"`);
    expect(reply).toContain('session resumed: yes');
    expect(rec.events.some((e) => e.kind === 'handshake' && e.name === 'EndOfEarlyData')).toBe(true);
  });

  it('anything else is echoed, after a line on the early data', async () => {
    const session = await ticket();
    const { conn } = await connect({ session, earlyData: utf8.encode('hello, early\n') });
    expect(conn.summary.earlyData?.accepted).toBe(true);
    await conn.write(utf8.encode('and later\n'));
    let text = '';
    while (!text.includes('and later')) text += utf8.decode((await conn.read())!);
    expect(text).toBe('early data (0-RTT): read 13 bytes of early data before the handshake ended: "hello, early\\n"\nhello, early\nand later\n');
    await conn.close();
  });

  it("a ticket's early data is taken once: sent again with the same ticket, refused and resent after the handshake", async () => {
    const session = await ticket();
    const first = await connect({ session, earlyData: utf8.encode(REQUEST) });
    expect(first.conn.summary.earlyData?.accepted).toBe(true);
    await answer(first.conn);
    const replay = await connect({ session, earlyData: utf8.encode(REQUEST) });
    expect(replay.conn.summary.earlyData).toMatchObject({ offered: true, accepted: false, resent: REQUEST.length });
    const reply = await answer(replay.conn);
    expect(reply).toContain('early data (0-RTT): refused, this ticket was already used for early data');
  });
});
