// Our client and a server that sends user_canceled (alert 90), TLS 1.3 and TLS 1.2, during the handshake and after
// it. user_canceled is a closure alert, not an error (RFC 8446 §6.1): by itself it ends nothing, and the close_notify
// that should follow does. What OpenSSL 3.0's s_client does against the same hand-built servers, and what these
// tests pin: TLS 1.3 passes over user_canceled at either level, in the handshake and after; TLS 1.2 passes over a
// warning one and ends on a fatal one; five alerts in a row that end nothing are cut off with unexpected_message.
import { describe, expect, it } from 'vitest';
import { connectTls, type TlsClientOptions } from '../../src/tls/client.ts';
import type { TraceEvent } from '../../src/trace/types.ts';
import type { Transport } from '../../src/transport/types.ts';
import { memoryPair } from '../../src/transport/memory.ts';
import { utf8 } from '../../src/util/bytes.ts';
import { runHostileServer12, type Script12 } from '../tls12/hostile-server12.ts';
import { usePki } from '../support/pki.ts';
import { recorder } from './helpers.ts';
import { runHostileServer, type Script, type ServerSide } from './hostile-server.ts';

const pki = usePki();
const WARNING = 1;
const FATAL = 2;
const USER_CANCELED = 90;
const alert = (level: number, description: number) => ({ contentType: 21, fragment: Uint8Array.of(level, description) });

async function run(serve: (t: Transport) => Promise<string | null>, options: Partial<TlsClientOptions> = {}) {
  const [client, server] = memoryPair();
  const rec = recorder();
  const serverDone = serve(server);
  const result = await connectTls(client, { serverName: 'localhost', insecure: true, timeoutMs: 5000, ...options }, rec.emit).then(
    (conn) => ({ conn, error: null as null | { code: string; message: string; receivedAlert?: string } }),
    (error) => ({ conn: null, error }),
  );
  return { ...result, events: rec.events as TraceEvent[], serverDone };
}

const tls13 = (script: Partial<Script>) => run((t) => runHostileServer(t, { certDer: pki.leafDer, keyPkcs8: pki.leafKeyPkcs8, ...script }));
const tls12 = (script: Partial<Script12>) => run((t) => runHostileServer12(t, { certDer: pki.leafDer, keyPkcs8: pki.leafKeyPkcs8, ...script }), { versions: ['TLS1.2'] });

/** The alert is in the trace as the server sent it, with a note saying what it means. */
function expectNoted(events: TraceEvent[], level: 'warning' | 'fatal') {
  expect(events.some((e) => e.kind === 'alert' && e.direction === 'server' && e.name === 'user_canceled' && e.level === level)).toBe(true);
  expect(events.some((e) => e.kind === 'note' && e.text.startsWith('user_canceled received') && e.text.includes('not a protocol failure'))).toBe(true);
  expect(events.some((e) => e.kind === 'error')).toBe(false);
}

/** After the handshake the server sends these records under its application keys, then data, then close_notify. */
function afterHandshake(...alerts: { contentType: number; fragment: Uint8Array }[]) {
  return async (s: { records: ServerSide['records'] }) => {
    for (const a of alerts) await s.records.writeRecord(a.contentType, a.fragment);
    await s.records.writeRecord(23, utf8.encode('still here'));
    await s.records.writeRecord(21, Uint8Array.of(WARNING, 0));
  };
}

describe('user_canceled received by our client, TLS 1.3', () => {
  it('in the encrypted flight (warning, and fatal level, which TLS 1.3 ignores): noted, the handshake completes', async () => {
    for (const level of [WARNING, FATAL]) {
      const r = await tls13({ inFlight: [{ before: 1, ...alert(level, USER_CANCELED) }], after: afterHandshake() });
      expect(r.error).toBeNull();
      expectNoted(r.events, level === WARNING ? 'warning' : 'fatal');
      expect(utf8.decode((await r.conn!.read())!)).toBe('still here');
      expect(await r.conn!.read()).toBeNull();
    }
  });

  it('followed by close_notify in the handshake: USER_CANCELED (the cancel, not a bare CLOSED), no alert of ours', async () => {
    const r = await tls13({ inFlight: [{ before: 1, ...alert(WARNING, USER_CANCELED) }, { before: 1, ...alert(WARNING, 0) }] });
    expect(r.error).toMatchObject({ code: 'USER_CANCELED', receivedAlert: 'user_canceled' });
    expect(r.events.filter((e) => e.kind === 'alert' && e.direction === 'client')).toEqual([]);
    expect(r.events.filter((e) => e.kind === 'error').map((e) => (e as { code: string }).code)).toEqual(['USER_CANCELED']);
  });

  it('after the handshake: noted, and the data after it is still read', async () => {
    const r = await tls13({ after: afterHandshake(alert(WARNING, USER_CANCELED)) });
    expect(r.error).toBeNull();
    expect(utf8.decode((await r.conn!.read())!)).toBe('still here');
    expect(await r.conn!.read()).toBeNull();
    expectNoted(r.events, 'warning');
  });

  it('five in a row: cut off with unexpected_message, as OpenSSL ("too many warn alerts")', async () => {
    const r = await tls13({ inFlight: Array.from({ length: 5 }, () => ({ before: 1, ...alert(WARNING, USER_CANCELED) })) });
    expect(r.error).toMatchObject({ code: 'UNEXPECTED_MESSAGE' });
    expect(r.events.filter((e) => e.kind === 'alert' && e.direction === 'client').map((e) => (e as { name: string }).name)).toEqual(['unexpected_message']);
  });
});

describe('user_canceled received by our client, TLS 1.2', () => {
  it('a warning before the ServerHello: noted, the handshake completes', async () => {
    const r = await tls12({ warningBeforeServerHello: USER_CANCELED, after: afterHandshake() });
    expect(r.error).toBeNull();
    expectNoted(r.events, 'warning');
    expect(utf8.decode((await r.conn!.read())!)).toBe('still here');
  });

  it('a warning after the handshake: noted, the data after it is still read', async () => {
    const r = await tls12({ after: afterHandshake(alert(WARNING, USER_CANCELED)) });
    expect(r.error).toBeNull();
    expect(utf8.decode((await r.conn!.read())!)).toBe('still here');
    expect(await r.conn!.read()).toBeNull();
    expectNoted(r.events, 'warning');
  });

  it('a fatal one after the handshake ends the connection: USER_CANCELED (RFC 5246 §7.2: the level decides)', async () => {
    const r = await tls12({ after: afterHandshake(alert(FATAL, USER_CANCELED)) });
    expect(r.error).toBeNull();
    await expect(r.conn!.read()).rejects.toMatchObject({ code: 'USER_CANCELED', receivedAlert: 'user_canceled' });
  });
});
