// Client-started renegotiation while the application has a read() pending (as the browser worker always does):
// the handshake and read() share one reader loop, application data keeps flowing to read(), handshake bytes never
// reach it, and a failure rejects both with the same coded error.
import { afterAll, describe, expect, it } from 'vitest';
import { connectTls } from '../../src/tls/client.ts';
import type { TraceEvent } from '../../src/trace/types.ts';
import { memoryPair } from '../../src/transport/memory.ts';
import { utf8 } from '../../src/util/bytes.ts';
import { recorder } from '../tls/helpers.ts';
import { connect12, startSServer12, waitFor, type SServer12 } from './helpers12.ts';
import { runHostileServer12, type Script12 } from './hostile-server12.ts';
import { usePki } from '../support/pki.ts';

const pki = usePki();
const servers: SServer12[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

async function sServer(extra: string[]) {
  const s = await startSServer12(pki, extra);
  servers.push(s);
  return s;
}

async function hostile(script: Partial<Script12>) {
  const [client, server] = memoryPair();
  const rec = recorder();
  const serverDone = runHostileServer12(server, { certDer: pki.leafDer, keyPkcs8: pki.leafKeyPkcs8, ...script });
  const conn = await connectTls(client, { serverName: 'localhost', insecure: true, timeoutMs: 5000, versions: ['TLS1.2'] }, rec.emit);
  return { conn, rec, events: rec.events as TraceEvent[], serverDone };
}

const names = (events: TraceEvent[]) => events.filter((e) => e.kind === 'handshake').map((e) => `${(e as { direction: string }).direction}:${(e as { name: string }).name}`);

describe('renegotiate() with a read() pending', () => {
  it('against openssl s_server -client_renegotiation: the renegotiation completes and the pending read gets only application data', async () => {
    const s = await sServer(['-client_renegotiation']);
    const { conn, rec } = await connect12(pki, s.port);
    await conn.write(utf8.encode('hello\n'));
    await waitFor(() => s.output().includes('hello'));
    const reading = conn.read();
    let settled = false;
    reading.finally(() => (settled = true)).catch(() => undefined);
    await conn.renegotiate();
    // The renegotiation's records went to the handshake, not to the waiting read().
    expect(settled).toBe(false);
    expect(conn.summary.tls12!.renegotiations).toBe(1);
    const hellos = rec.events.filter((e) => e.kind === 'handshake' && e.name === 'ClientHello');
    expect(hellos.map((e) => (e as { epoch: string }).epoch)).toEqual(['plaintext', 'application']);
    expect(rec.events.filter((e) => e.kind === 'finished' && (e as { ok: boolean }).ok).length).toBe(4);
    s.type('after renegotiation\n');
    expect(utf8.decode((await reading)!)).toBe('after renegotiation\n');
    // And the connection still works both ways under the new keys.
    await conn.write(utf8.encode('ping 2\n'));
    await waitFor(() => s.output().includes('ping 2'));
    s.type('pong 2\n');
    expect(utf8.decode((await conn.read())!)).toBe('pong 2\n');
    // Every server app-data event names the record that carried it.
    const appData = rec.events.filter((e) => e.kind === 'app-data');
    expect(appData.length).toBe(4);
    for (const e of appData) expect(rec.events[(e as { record: number }).record].kind).toBe('record');
    await conn.close();
  });

  it('against openssl s_server without -client_renegotiation: refused politely, the pending read still gets later data', async () => {
    const s = await sServer([]);
    const { conn, rec } = await connect12(pki, s.port);
    const reading = conn.read();
    const err = await conn.renegotiate().then(() => null, (e: { code: string }) => e);
    expect(err?.code).toBe('NO_RENEGOTIATION');
    expect(rec.events.some((e) => e.kind === 'error')).toBe(false);
    const warning = rec.events.find((e) => e.kind === 'alert' && e.name === 'no_renegotiation') as { record?: number } | undefined;
    expect(warning?.record).toBeDefined();
    expect(rec.events[warning!.record!].kind).toBe('record');
    s.type('still here\n');
    expect(utf8.decode((await reading)!)).toBe('still here\n');
    await conn.close();
  });

  it('application data the server sends between our ClientHello and its ServerHello goes to the pending read', async () => {
    const r = await hostile({
      appDataBeforeRenegotiationReply: 'interleaved',
      after: async (s) => {
        await s.answerRenegotiation();
        await s.records.writeRecord(23, utf8.encode('after'));
      },
    });
    const reading = r.conn.read();
    const renegotiated = r.conn.renegotiate();
    expect(utf8.decode((await reading)!)).toBe('interleaved');
    await renegotiated;
    expect(r.conn.summary.tls12!.renegotiations).toBe(1);
    expect(utf8.decode((await r.conn.read())!)).toBe('after');
    // The interleaved data sits between the second ClientHello and the second ServerHello in the trace.
    const order = r.events.filter((e) => e.kind === 'handshake' || e.kind === 'app-data').map((e) => (e.kind === 'app-data' ? 'app-data' : (e as { name: string }).name));
    const second = order.lastIndexOf('ClientHello');
    expect(order.slice(second, second + 3)).toEqual(['ClientHello', 'app-data', 'ServerHello']);
    expect(names(r.events).filter((n) => n === 'server:Finished').length).toBe(2);
    await r.conn.close();
    expect(await r.serverDone).toBeNull();
  });

  it('a failure during the renegotiation rejects renegotiate() and the pending read with the same coded error', async () => {
    const r = await hostile({ omitRenegotiationInfoOnRenegotiation: true, after: (s) => s.answerRenegotiation() });
    const reading = r.conn.read().then(() => null, (e) => e);
    const renegotiating = r.conn.renegotiate().then(() => null, (e) => e);
    const [readErr, renegErr] = await Promise.all([reading, renegotiating]);
    expect(renegErr?.code).toBe('INSECURE_RENEGOTIATION');
    expect(readErr).toBe(renegErr);
    expect(r.events.filter((e) => e.kind === 'error').length).toBe(1);
    const sent = r.events.filter((e) => e.kind === 'alert' && e.direction === 'client');
    expect(sent.map((e) => (e as { name: string }).name)).toEqual(['handshake_failure']);
    // Later calls report the same failure instead of hanging.
    await expect(r.conn.read()).rejects.toBe(renegErr);
  });

  it('a write() issued during the renegotiation waits for it and goes out under the new keys', async () => {
    let received = '';
    const r = await hostile({
      after: async (s) => {
        await s.answerRenegotiation();
        const rec = await s.readRecord();
        received = rec?.contentType === 23 ? utf8.decode(rec.fragment) : `content type ${rec?.contentType}`;
        await s.records.writeRecord(23, utf8.encode(`echo ${received}`));
      },
    });
    const reading = r.conn.read();
    const renegotiated = r.conn.renegotiate();
    const written = r.conn.write(utf8.encode('during'));
    await renegotiated;
    await written;
    expect(utf8.decode((await reading)!)).toBe('echo during');
    expect(received).toBe('during');
    // The data record follows the client's second Finished in the trace.
    const clientEvents = r.events.filter((e) => (e.kind === 'handshake' || e.kind === 'app-data') && (e as { direction: string }).direction === 'client');
    expect(clientEvents.map((e) => (e.kind === 'app-data' ? 'app-data' : (e as { name: string }).name)).slice(-2)).toEqual(['Finished', 'app-data']);
    await r.conn.close();
  });

  it('server-initiated renegotiation (HelloRequest) still runs under a pending read', async () => {
    const r = await hostile({
      after: async (s) => {
        await s.renegotiate();
        await s.records.writeRecord(23, utf8.encode('renegotiated'));
      },
    });
    expect(utf8.decode((await r.conn.read())!)).toBe('renegotiated');
    expect(r.conn.summary.tls12!.renegotiations).toBe(1);
    await r.conn.close();
  });
});
