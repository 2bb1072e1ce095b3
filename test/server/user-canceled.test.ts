// Our server and a hand-built client that sends user_canceled (alert 90), TLS 1.3 and TLS 1.2, during the
// handshake and after it. As on the client side (test/tls/user-canceled.test.ts): a closure alert, not an error
// (RFC 8446 §6.1); TLS 1.3 ignores its level, TLS 1.2 ends on a fatal one; the close_notify after it ends things.
import { describe, expect, it } from 'vitest';
import { acceptTls, type ServerConnection } from '../../src/tls/server.ts';
import type { RecordLayer } from '../../src/tls/record/record-layer.ts';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import { memoryPair } from '../../src/transport/memory.ts';
import type { Transport } from '../../src/transport/types.ts';
import { utf8 } from '../../src/util/bytes.ts';
import { usePki } from '../support/pki.ts';
import { scriptedClient12, scriptedClient13, type ClientScript } from './support/hostile-client.ts';
import { serverCertificates } from './support/server-pki.ts';

const pki = usePki();
const WARNING = 1;
const FATAL = 2;
const USER_CANCELED = 90;
const sendAlert = (records: RecordLayer, level: number, description = USER_CANCELED) => records.writeRecord(21, Uint8Array.of(level, description));

type Client = (t: Transport, s: ClientScript) => Promise<string>;

/** The server accepts, then echoes what it reads (upper-cased) until the client's close_notify or a failure. */
async function run(client: Client, script: ClientScript) {
  const [c, s] = memoryPair();
  const trace = new TraceRecorder(() => 0);
  const received: string[] = [];
  const served = (async () => {
    let conn: ServerConnection | undefined;
    try {
      conn = await acceptTls(s, { certificates: [serverCertificates(pki).p256], recorder: trace.emit, timeoutMs: 5000 });
      for (;;) {
        const chunk = await conn.read();
        if (!chunk) return 'closed';
        received.push(utf8.decode(chunk));
        await conn.write(utf8.encode(utf8.decode(chunk).toUpperCase()));
      }
    } catch (e) {
      return (e as { code: string }).code;
    }
  })();
  const answer = await client(c, script);
  return { answer, outcome: await served, received, events: trace.events };
}

/** user_canceled, then data (whose echo is the answer), then close_notify. */
const cancelThenData = (level: number): ClientScript['after'] => async (records, next) => {
  await sendAlert(records, level);
  await records.writeRecord(23, utf8.encode('still here'));
  const echo = await next();
  await sendAlert(records, WARNING, 0);
  return echo;
};

/** After the handshake: data, its echo is the answer, then close_notify. */
const dataThenClose: ClientScript['after'] = async (records, next) => {
  await records.writeRecord(23, utf8.encode('after the handshake'));
  const echo = await next();
  await sendAlert(records, WARNING, 0);
  return echo;
};

function expectNoted(events: TraceRecorder['events'], level: 'warning' | 'fatal') {
  expect(events.some((e) => e.kind === 'alert' && e.direction === 'client' && e.name === 'user_canceled' && e.level === level)).toBe(true);
  expect(events.some((e) => e.kind === 'note' && e.text.startsWith('user_canceled received') && e.text.includes('the client says'))).toBe(true);
  expect(events.some((e) => e.kind === 'error')).toBe(false);
}

describe.each([
  ['TLS 1.3', scriptedClient13],
  ['TLS 1.2', scriptedClient12],
] as const)('user_canceled received by our server, %s', (version, client) => {
  it('a warning before the client Finished: noted, the handshake completes and data flows', async () => {
    const r = await run(client, { beforeFinished: (records) => sendAlert(records, WARNING), after: dataThenClose });
    expect(r.answer).toBe('data AFTER THE HANDSHAKE');
    expect(r.outcome).toBe('closed');
    expectNoted(r.events, 'warning');
  });

  it('a warning after the handshake: noted, the data after it is read', async () => {
    const r = await run(client, { after: cancelThenData(WARNING) });
    expect(r.answer).toBe('data STILL HERE');
    expect(r.received).toEqual(['still here']);
    expect(r.outcome).toBe('closed');
    expectNoted(r.events, 'warning');
  });

  it('followed by close_notify before the client Finished: USER_CANCELED', async () => {
    const r = await run(client, { beforeFinished: async (records) => (await sendAlert(records, WARNING), await sendAlert(records, WARNING, 0)) });
    expect(r.outcome).toBe('USER_CANCELED');
    expect(r.events.filter((e) => e.kind === 'error').map((e) => (e as { code: string }).code)).toEqual(['USER_CANCELED']);
  });

  it(version === 'TLS 1.3' ? 'fatal level after the handshake: ignored all the same (TLS 1.3 reads no level)' : 'fatal level after the handshake: the connection ends (USER_CANCELED)', async () => {
    const r = await run(client, { after: cancelThenData(FATAL) });
    if (version === 'TLS 1.3') {
      expect(r.answer).toBe('data STILL HERE');
      expect(r.outcome).toBe('closed');
      expectNoted(r.events, 'fatal');
    } else {
      expect(r.outcome).toBe('USER_CANCELED');
      expect(r.received).toEqual([]);
    }
  });
});
