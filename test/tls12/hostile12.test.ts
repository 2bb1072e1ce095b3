// The TLS 1.2 client against a hand-built hostile server: each failure ends with the right alert and error code,
// quickly, with the trace up to the failure intact.
import { describe, expect, it } from 'vitest';
import { connectTls, type TlsClientOptions } from '../../src/tls/client.ts';
import type { TraceEvent } from '../../src/trace/types.ts';
import { memoryPair } from '../../src/transport/memory.ts';
import { utf8 } from '../../src/util/bytes.ts';
import { recorder } from '../tls/helpers.ts';
import { runHostileServer12, type Script12 } from './hostile-server12.ts';
import { usePki } from '../support/pki.ts';

const pki = usePki();

async function handshake(script: Partial<Script12>, options: Partial<TlsClientOptions> = {}) {
  const [client, server] = memoryPair();
  const rec = recorder();
  const serverDone = runHostileServer12(server, { certDer: pki.leafDer, keyPkcs8: pki.leafKeyPkcs8, ...script });
  const result = await connectTls(client, { serverName: 'localhost', insecure: true, timeoutMs: 5000, versions: ['TLS1.2'], ...options }, rec.emit).then(
    (conn) => ({ conn, error: null as null | { code: string; message: string } }),
    (error) => ({ conn: null, error }),
  );
  return { ...result, rec, events: rec.events as TraceEvent[], serverDone };
}

function expectFailure(events: TraceEvent[], error: { code: string } | null, code: string, alert: string | null) {
  expect(error, `expected ${code}`).not.toBeNull();
  expect(error!.code).toBe(code);
  const sent = events.filter((e) => e.kind === 'alert' && e.direction === 'client' && e.level === 'fatal');
  if (alert) expect(sent.map((e) => (e as { name: string }).name)).toEqual([alert]);
  else expect(sent).toEqual([]);
  const errors = events.filter((e) => e.kind === 'error');
  expect(errors.length).toBe(1);
  expect((errors[0] as { code: string }).code).toBe(code);
  expect(events.some((e) => e.kind === 'handshake' && e.name === 'ClientHello')).toBe(true);
}

describe('hostile TLS 1.2 server', () => {
  it('a well-behaved run succeeds (the baseline the failures bend)', async () => {
    const r = await handshake({});
    expect(r.error).toBeNull();
    expect(r.conn!.summary.tls12).toMatchObject({ extendedMasterSecret: true, secureRenegotiation: true });
    await r.conn!.close();
  });

  it('bad Finished → decrypt_error, BAD_FINISHED', async () => {
    const r = await handshake({ tamperFinished: true });
    expectFailure(r.events, r.error, 'BAD_FINISHED', 'decrypt_error');
    expect(r.events.some((e) => e.kind === 'finished' && e.direction === 'server' && !e.ok)).toBe(true);
  });

  it('bad ServerKeyExchange signature → decrypt_error, BAD_SERVER_KEY_EXCHANGE_SIGNATURE', async () => {
    const r = await handshake({ tamperSignature: true });
    expectFailure(r.events, r.error, 'BAD_SERVER_KEY_EXCHANGE_SIGNATURE', 'decrypt_error');
    expect(r.events.some((e) => e.kind === 'signature' && e.subject === 'ServerKeyExchange' && !e.ok)).toBe(true);
  });

  it('unsolicited extension (heartbeat) in the ServerHello → unsupported_extension', async () => {
    const r = await handshake({ extraExtensions: [{ code: 15, data: Uint8Array.of(1) }] });
    expectFailure(r.events, r.error, 'UNSUPPORTED_EXTENSION', 'unsupported_extension');
  });

  it('a TLS 1.3 extension (key_share) in a TLS 1.2 ServerHello → unsupported_extension', async () => {
    const r = await handshake({ extraExtensions: [{ code: 51, share: { group: 0x1d, keyExchange: Uint8Array.of(9) } }] });
    expectFailure(r.events, r.error, 'UNSUPPORTED_EXTENSION', 'unsupported_extension');
  });

  it('version rollback: a 1.3-capable client gets TLS 1.2 with the DOWNGRD sentinel → illegal_parameter', async () => {
    const r = await handshake({ downgradeSentinel: true }, { versions: ['TLS1.3', 'TLS1.2'] });
    expectFailure(r.events, r.error, 'DOWNGRADE_DETECTED', 'illegal_parameter');
  });

  it('the sentinel is no downgrade when the client offered only TLS 1.2', async () => {
    const r = await handshake({ downgradeSentinel: true });
    expect(r.error).toBeNull();
    await r.conn!.close();
  });

  it('server without renegotiation_info: the connection works, renegotiate() is refused, HelloRequest gets no_renegotiation', async () => {
    let released!: () => void;
    const done = new Promise<void>((r) => (released = r));
    const r = await handshake({
      omitRenegotiationInfo: true,
      after: async (s) => {
        await s.records.writeRecord(22, Uint8Array.of(0, 0, 0, 0)); // HelloRequest
        const answer = await s.readRecord();
        await s.records.writeRecord(23, utf8.encode(answer?.contentType === 21 ? `alert ${answer.fragment[0]} ${answer.fragment[1]}` : 'no alert'));
        await done;
      },
    });
    expect(r.error).toBeNull();
    expect(r.conn!.summary.tls12!.secureRenegotiation).toBe(false);
    await expect(r.conn!.renegotiate()).rejects.toMatchObject({ code: 'INSECURE_RENEGOTIATION' });
    expect(utf8.decode((await r.conn!.read())!)).toBe('alert 1 100'); // warning no_renegotiation
    expect(r.events.some((e) => e.kind === 'alert' && e.direction === 'client' && e.name === 'no_renegotiation' && e.level === 'warning')).toBe(true);
    released();
    await r.conn!.close();
  });

  it('a renegotiation ServerHello without renegotiation_info → handshake_failure, INSECURE_RENEGOTIATION', async () => {
    const r = await handshake({ omitRenegotiationInfoOnRenegotiation: true, after: (s) => s.renegotiate() });
    expect(r.error).toBeNull();
    const err = await r.conn!.read().then(() => null, (e) => e);
    expect(err?.code).toBe('INSECURE_RENEGOTIATION');
    expectFailure(r.events, err, 'INSECURE_RENEGOTIATION', 'handshake_failure');
  });

  it('a secure server-initiated renegotiation over the hand-built server succeeds', async () => {
    const r = await handshake({
      after: async (s) => {
        await s.renegotiate();
        await s.records.writeRecord(23, utf8.encode('renegotiated'));
      },
    });
    expect(utf8.decode((await r.conn!.read())!)).toBe('renegotiated');
    expect(r.conn!.summary.tls12!.renegotiations).toBe(1);
    await r.conn!.close();
  });

  it('a warning alert (unrecognized_name) is noted and the TLS 1.2 handshake goes on', async () => {
    const r = await handshake({ warningBeforeServerHello: 112 });
    expect(r.error).toBeNull();
    expect(r.events.some((e) => e.kind === 'note' && e.text.includes('unrecognized_name ignored'))).toBe(true);
    await r.conn!.close();
  });

  it('one hello offering TLS 1.3 and 1.2: a warning before the TLS 1.2 ServerHello is passed over too (as s_client)', async () => {
    // The version is not known until the ServerHello; TLS 1.2 servers send unrecognized_name there.
    const r = await handshake({ warningBeforeServerHello: 112 }, { versions: ['TLS1.3', 'TLS1.2'] });
    expect(r.error).toBeNull();
    expect(r.conn!.summary.version).toBe('TLSv1.2');
    expect(r.events.some((e) => e.kind === 'note' && e.text.includes('unrecognized_name ignored'))).toBe(true);
    await r.conn!.close();
  });

  it('one hello offering TLS 1.3 and 1.2: a ChangeCipherSpec before the TLS 1.2 ServerHello → unexpected_message', async () => {
    // Dropped as TLS 1.3's compatibility CCS while the version was open, it is a violation once TLS 1.2 is chosen.
    const r = await handshake({ changeCipherSpecBeforeServerHello: true }, { versions: ['TLS1.3', 'TLS1.2'] });
    expectFailure(r.events, r.error, 'UNEXPECTED_MESSAGE', 'unexpected_message');
    expect(r.events.some((e) => e.kind === 'handshake' && e.name === 'ServerHello')).toBe(true);
  });

  it('a server that never answers a renegotiation → TIMEOUT, no hang', async () => {
    const r = await handshake({ after: async (s) => void (await s.readRecord()) }, { timeoutMs: 1000 });
    expect(r.error).toBeNull();
    const t0 = Date.now();
    await expect(r.conn!.renegotiate()).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(r.events.filter((e) => e.kind === 'error').map((e) => (e as { code: string }).code)).toEqual(['TIMEOUT']);
  });

  it('breakpoints after each message also pause a renegotiation; the connection outlives the handshake time limit', async () => {
    const paused: number[] = [];
    const r = await handshake(
      {
        after: async (s) => {
          await s.renegotiate();
          await new Promise((res) => setTimeout(res, 900));
          await s.records.writeRecord(23, utf8.encode('still here'));
        },
      },
      { timeoutMs: 600, breakpoints: { afterEachMessage: true }, onBreak: async (info) => (paused.push(info.eventIndex), 'continue') },
    );
    expect(r.error).toBeNull();
    const before = paused.length;
    expect(utf8.decode((await r.conn!.read())!)).toBe('still here');
    expect(paused.length).toBeGreaterThan(before + 5);
    await r.conn!.close();
  });

  it('server-auth breakpoint: it pauses after the signed ServerKeyExchange; "abort" ends with user_canceled', async () => {
    const seen: string[] = [];
    const r = await handshake({}, { breakpoints: { serverAuth: true }, onBreak: async (info) => (seen.push(info.breakpoint), 'abort') });
    expect(seen).toEqual(['serverAuth']);
    expect(r.error!.code).toBe('USER_CANCELED');
    expect(r.events.some((e) => e.kind === 'signature' && e.subject === 'ServerKeyExchange' && e.ok)).toBe(true);
    expect(r.events.some((e) => e.kind === 'handshake' && e.name === 'ClientKeyExchange')).toBe(false);
  });

  it('messages out of order (ServerKeyExchange without a Certificate) → unexpected_message', async () => {
    const r = await handshake({ skipCertificate: true });
    expectFailure(r.events, r.error, 'UNEXPECTED_MESSAGE', 'unexpected_message');
  });

  it('an early ChangeCipherSpec (CVE-2014-0224 CCS injection) → unexpected_message, no keys installed', async () => {
    const r = await handshake({ earlyChangeCipherSpec: true });
    expectFailure(r.events, r.error, 'UNEXPECTED_MESSAGE', 'unexpected_message');
    expect(r.events.some((e) => e.kind === 'key')).toBe(false);
  });

  it('a server without extended_master_secret: the RFC 5246 master secret, and a note about the triple-handshake risk', async () => {
    const r = await handshake({ noEms: true });
    expect(r.error).toBeNull();
    expect(r.conn!.summary.tls12!.extendedMasterSecret).toBe(false);
    expect(r.events.filter((e) => e.kind === 'key' && e.op === 'PRF').map((e) => (e as { label?: string }).label)[0]).toBe('master secret');
    expect(r.events.some((e) => e.kind === 'note' && e.text.includes('RFC 7627'))).toBe(true);
    await r.conn!.close();
  });

  it('an injected random makes the client side replayable: same ClientHello and ClientKeyExchange bytes twice', async () => {
    const seeded = () => {
      let x = 7;
      return (n: number) => Uint8Array.from({ length: n }, () => (x = (x * 1103515245 + 12345) & 0x7fffffff) & 0xff);
    };
    const run = async () => {
      const r = await handshake({}, { random: seeded() });
      expect(r.error).toBeNull();
      await r.conn!.close();
      return r.events.filter((e) => e.kind === 'handshake' && e.direction === 'client' && (e.name === 'ClientHello' || e.name === 'ClientKeyExchange')).map((e) => (e as { bytes: string }).bytes);
    };
    const [a, b] = [await run(), await run()];
    expect(a.length).toBe(2);
    expect(b).toEqual(a);
  });

  it('truncation: the server vanishes without close_notify → TRUNCATED', async () => {
    const r = await handshake({ after: (s) => s.transport.close() });
    expect(r.error).toBeNull();
    await expect(r.conn!.read()).rejects.toMatchObject({ code: 'TRUNCATED' });
  });
});
