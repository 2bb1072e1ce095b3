// The client against a hand-built hostile server over the in-memory pair: every failure must end with the
// right alert and error code, quickly, with the trace kept up to the failure.
import { describe, expect, it } from 'vitest';
import { connectTls, type TlsClientOptions } from '../../src/tls/client.ts';
import { DOWNGRADE_TLS12, ExtensionType as X } from '../../src/tls/messages/constants.ts';
import type { TraceEvent } from '../../src/trace/types.ts';
import { memoryPair } from '../../src/transport/memory.ts';
import { utf8 } from '../../src/util/bytes.ts';
import { Tls13RecordProtector } from '../../src/tls/record/tls13-protector.ts';
import { runHostileServer, type Script } from './hostile-server.ts';
import { recorder } from './helpers.ts';
import { usePki } from '../support/pki.ts';
import { createVerifier } from '../../src/x509/verifier.ts';

const pki = usePki();

async function handshake(script: Partial<Script>, options: Partial<TlsClientOptions> = {}) {
  const [client, server] = memoryPair();
  const rec = recorder();
  const serverDone = runHostileServer(server, { certDer: pki.leafDer, keyPkcs8: pki.leafKeyPkcs8, ...script });
  const result = await connectTls(client, { serverName: 'localhost', insecure: true, timeoutMs: 5000, ...options }, rec.emit).then(
    (conn) => ({ conn, error: null as null | { code: string; message: string } }),
    (error) => ({ conn: null, error }),
  );
  return { ...result, rec, events: rec.events as TraceEvent[], serverDone };
}

function expectFailure(r: Awaited<ReturnType<typeof handshake>>, code: string, alert: string | null) {
  expect(r.error, `expected ${code}`).not.toBeNull();
  expect(r.error!.code).toBe(code);
  const sent = r.events.filter((e) => e.kind === 'alert' && e.direction === 'client');
  if (alert) expect(sent.map((e) => (e as { name: string }).name)).toEqual([alert]);
  else expect(sent).toEqual([]);
  const errors = r.events.filter((e) => e.kind === 'error');
  expect(errors.length).toBe(1);
  expect((errors[0] as { code: string }).code).toBe(code);
  // The trace up to the failure is intact: it starts with our ClientHello record.
  expect(r.events.find((e) => e.kind === 'record')).toMatchObject({ direction: 'client', epoch: 'plaintext' });
  expect(r.events.some((e) => e.kind === 'handshake' && e.name === 'ClientHello')).toBe(true);
}

describe('hostile server', () => {
  it('a well-behaved run of the same server succeeds (the baseline the failures bend)', async () => {
    const r = await handshake({});
    expect(r.error).toBeNull();
    expect(r.conn!.summary.cipherSuite).toBe('TLS_AES_128_GCM_SHA256');
    await r.conn!.close();
  });

  it('bad Finished → decrypt_error, BAD_FINISHED', async () => {
    const r = await handshake({ tamperFinished: true });
    expectFailure(r, 'BAD_FINISHED', 'decrypt_error');
    expect(r.events.find((e) => e.kind === 'finished')).toMatchObject({ direction: 'server', ok: false });
  });

  it('bad CertificateVerify → decrypt_error, BAD_CERTIFICATE_VERIFY', async () => {
    const r = await handshake({ tamperSignature: true });
    expectFailure(r, 'BAD_CERTIFICATE_VERIFY', 'decrypt_error');
    expect(r.events.find((e) => e.kind === 'signature')).toMatchObject({ ok: false });
  });

  it('cipher suite not offered → illegal_parameter', async () => {
    const r = await handshake({ suite: 0x1302 }, { suites: ['TLS_AES_128_GCM_SHA256'] });
    expectFailure(r, 'ILLEGAL_PARAMETER', 'illegal_parameter');
    expect(r.error!.message).toMatch(/did not offer/);
  });

  it('key share in a group the client sent no share for → illegal_parameter', async () => {
    const r = await handshake({ shareGroup: 0x17 });
    expectFailure(r, 'ILLEGAL_PARAMETER', 'illegal_parameter');
  });

  it('TLS 1.2 downgrade sentinel → illegal_parameter, DOWNGRADE_DETECTED', async () => {
    const r = await handshake({
      serverHello: (sh) => {
        sh.extensions = [];
        sh.random.set(DOWNGRADE_TLS12, 24);
      },
    });
    expectFailure(r, 'DOWNGRADE_DETECTED', 'illegal_parameter');
  });

  it('a TLS 1.2 answer to a TLS 1.3-only client → protocol_version', async () => {
    const r = await handshake({ serverHello: (sh) => void (sh.extensions = []) }, { versions: ['TLS1.3'] });
    expectFailure(r, 'PROTOCOL_VERSION', 'protocol_version');
  });

  it('session id not echoed → illegal_parameter', async () => {
    const r = await handshake({ serverHello: (sh) => void (sh.sessionIdEcho = new Uint8Array(32)) });
    expectFailure(r, 'ILLEGAL_PARAMETER', 'illegal_parameter');
  });

  it('Certificate before EncryptedExtensions → unexpected_message', async () => {
    const r = await handshake({ order: [1, 0, 2, 3] });
    expectFailure(r, 'UNEXPECTED_MESSAGE', 'unexpected_message');
  });

  it('Finished without Certificate/CertificateVerify → unexpected_message', async () => {
    const r = await handshake({ order: [0, 3] });
    expectFailure(r, 'UNEXPECTED_MESSAGE', 'unexpected_message');
  });

  it('unsolicited ALPN in EncryptedExtensions → unsupported_extension', async () => {
    const r = await handshake({ eeExtensions: [{ code: X.alpn, protocols: ['h2'] }] });
    expectFailure(r, 'UNSUPPORTED_EXTENSION', 'unsupported_extension');
  });

  it('an OCSP response (status_request) in the Certificate that the client never asked for → unsupported_extension', async () => {
    // RFC 8446 §4.4.2: a certificate entry's extensions answer the ClientHello's; told not to, this client sends no
    // status_request (it asks by default).
    const ocsp = { code: X.status_request, data: Uint8Array.of(1, 0, 0, 2, 0x30, 0x00) };
    const r = await handshake({ certificateEntryExtensions: [ocsp] }, { statusRequest: false });
    expectFailure(r, 'UNSUPPORTED_EXTENSION', 'unsupported_extension');
    expect(r.events.some((e) => e.kind === 'handshake' && e.name === 'Certificate')).toBe(true);
  });

  it('a stapled CertificateStatus of another status_type (not ocsp) → decode_error, before anything is checked', async () => {
    const r = await handshake({ certificateEntryExtensions: [{ code: X.status_request, data: Uint8Array.of(2, 0, 0, 2, 0x30, 0x00) }] });
    expectFailure(r, 'DECODE_ERROR', 'decode_error');
    expect(r.events.some((e) => e.kind === 'ocsp')).toBe(false);
  });

  it('a stapled OCSPResponse whose length runs past its extension → decode_error', async () => {
    const r = await handshake({ certificateEntryExtensions: [{ code: X.status_request, data: Uint8Array.of(1, 0, 0, 9, 0x30, 0x00) }] });
    expectFailure(r, 'DECODE_ERROR', 'decode_error');
  });

  it('a well-framed staple whose DER is no OCSPResponse: a warning (unverified), the handshake goes on', async () => {
    const r = await handshake({ certificateEntryExtensions: [{ code: X.status_request, data: Uint8Array.of(1, 0, 0, 2, 0x30, 0x00) }] }, { verifier: createVerifier({ anchors: [pki.rootDer] }) });
    expect(r.error).toBeNull();
    expect(r.events.find((e) => e.kind === 'ocsp')).toMatchObject({ verdict: 'unverified', detail: expect.stringMatching(/cannot be read/) });
    expect(r.events.find((e) => e.kind === 'cert-check' && e.check === 'ocspResponse')).toMatchObject({ ok: false });
    await r.conn!.close();
  });

  it('a staple and a verifier that cannot read OCSP: recorded as unchecked, the handshake goes on', async () => {
    const verifier = { verify: async () => ({ ok: true, path: [] }) };
    const r = await handshake({ certificateEntryExtensions: [{ code: X.status_request, data: Uint8Array.of(1, 0, 0, 2, 0x30, 0x00) }] }, { verifier, insecure: false });
    expect(r.error).toBeNull();
    expect(r.events.find((e) => e.kind === 'ocsp')).toMatchObject({ verdict: 'unchecked' });
    await r.conn!.close();
  });

  it('key_share in EncryptedExtensions (laid out as in a ServerHello) → illegal_parameter, not decode_error', async () => {
    // Written as an unknown extension with a ServerHello-shaped KeyShareEntry body, then its type renamed key_share
    // (bytes 6-7 of the EncryptedExtensions message) so that only its place can be judged.
    const body = Uint8Array.of(0x00, 0x1d, 0x00, 0x20, ...new Array(32).fill(7));
    const r = await handshake({
      eeExtensions: [{ code: 0xfafa, data: body }],
      mutate: (i, bytes) => (i === 1 ? Uint8Array.from([...bytes.subarray(0, 6), 0x00, 0x33, ...bytes.subarray(8)]) : bytes),
    });
    expectFailure(r, 'ILLEGAL_PARAMETER', 'illegal_parameter');
    expect(r.error!.message).toMatch(/EncryptedExtensions must not carry the key_share extension/);
  });

  it('a second HelloRetryRequest → unexpected_message', async () => {
    const r = await handshake({ hrr: { group: 0x18, twice: true } });
    expectFailure(r, 'UNEXPECTED_MESSAGE', 'unexpected_message');
  });

  it('HelloRetryRequest for a group already shared → illegal_parameter', async () => {
    const r = await handshake({ hrr: { group: 0x1d } });
    expectFailure(r, 'ILLEGAL_PARAMETER', 'illegal_parameter');
  });

  it('HelloRetryRequest with a cookie: new key share and the cookie echoed, then success', async () => {
    const cookie = Uint8Array.of(0xc0, 0x0c, 0x1e);
    const r = await handshake({ hrr: { group: 0x18, cookie } });
    expect(r.error).toBeNull();
    expect(r.conn!.summary.helloRetryRequest).toBe(true);
    expect(r.conn!.summary.group).toBe('secp384r1');
    const ch2 = r.events.filter((e) => e.kind === 'handshake' && e.name === 'ClientHello')[1];
    expect(JSON.stringify(ch2)).toContain('c00c1e');
    await r.conn!.close();
  });

  it('a flood of ChangeCipherSpec records → unexpected_message', async () => {
    const r = await handshake({ ccsCount: 50 });
    expectFailure(r, 'UNEXPECTED_MESSAGE', 'unexpected_message');
  });

  it('a ChangeCipherSpec between two pieces of the ServerHello → unexpected_message (RFC 8446 §5.1, as s_client)', async () => {
    const r = await handshake({ ccsInsideServerHello: true });
    expectFailure(r, 'UNEXPECTED_MESSAGE', 'unexpected_message');
    expect(r.error!.message).toMatch(/middle of a handshake message/);
  });

  it('oversized record → record_overflow', async () => {
    const big = new Uint8Array(5 + 16385 + 256 + 1);
    big.set([22, 3, 3, (16385 + 257) >> 8, (16385 + 257) & 0xff]);
    const r = await handshake({ rawInsteadOfServerHello: big });
    expectFailure(r, 'RECORD_OVERFLOW', 'record_overflow');
  });

  it('record of unknown content type → unexpected_message', async () => {
    const r = await handshake({ rawInsteadOfServerHello: Uint8Array.of(99, 3, 3, 0, 1, 0) });
    expectFailure(r, 'UNEXPECTED_MESSAGE', 'unexpected_message');
  });

  it('malformed ServerHello body → decode_error', async () => {
    // A ServerHello whose session id length runs past the end of the message.
    const body = [3, 3, ...new Array(32).fill(1), 40, 0];
    const hs = [2, 0, 0, body.length, ...body];
    const r = await handshake({ rawInsteadOfServerHello: Uint8Array.of(22, 3, 3, 0, hs.length, ...hs) });
    expectFailure(r, 'DECODE_ERROR', 'decode_error');
  });

  it('plaintext instead of TLS (an SMTP banner) → a clear error', async () => {
    const r = await handshake({ rawInsteadOfServerHello: utf8.encode('220 mail.example.com ESMTP\r\n') });
    expect(r.error).not.toBeNull();
    expect(r.error!.message).toMatch(/not be speaking TLS|unknown content type|version/);
  });

  it('truncated handshake: half a ServerHello, then the stream ends → no hang', async () => {
    const r = await handshake({ rawInsteadOfServerHello: Uint8Array.of(22, 3, 3, 0, 90, 2, 0, 0, 86, 3, 3, 1, 2, 3) });
    expect(r.error).not.toBeNull();
    expect(['TRUNCATED_RECORD', 'CLOSED']).toContain(r.error!.code);
    expect(r.events.filter((e) => e.kind === 'error').length).toBe(1);
  });

  it('a transport still connecting: the handshake waits for it; a failed connect keeps its code', async () => {
    const [client, server] = memoryPair();
    void runHostileServer(server, { certDer: pki.leafDer, keyPkcs8: pki.leafKeyPkcs8 });
    const later = new Promise<typeof client>((resolve) => setTimeout(() => resolve(client), 50));
    const conn = await connectTls(later, { serverName: 'localhost', insecure: true }, recorder().emit);
    expect(conn.summary.cipherSuite).toBe('TLS_AES_128_GCM_SHA256');
    await conn.close();

    const rec = recorder();
    const refused = Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'CONNECT_FAILED' }));
    await expect(connectTls(refused, { serverName: 'localhost', insecure: true }, rec.emit)).rejects.toMatchObject({ code: 'CONNECT_FAILED' });
    expect(rec.events.filter((e) => e.kind === 'error').map((e) => (e as { code: string }).code)).toEqual(['CONNECT_FAILED']);
  });

  it('the server goes silent → TIMEOUT', async () => {
    const [client] = memoryPair();
    const rec = recorder();
    const t0 = Date.now();
    await expect(connectTls(client, { serverName: 'localhost', insecure: true, timeoutMs: 300 }, rec.emit)).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('a protected record that does not authenticate → bad_record_mac', async () => {
    const [client, server] = memoryPair();
    const rec = recorder();
    const done = runHostileServer(server, {
      certDer: pki.leafDer,
      keyPkcs8: pki.leafKeyPkcs8,
      // 20 bytes of garbage where an AEAD-protected record should be.
      after: async (s) => s.transport.write(Uint8Array.of(23, 3, 3, 0, 20, ...new Array(20).fill(7))),
    });
    const conn = await connectTls(client, { serverName: 'localhost', insecure: true }, rec.emit);
    await expect(conn.read()).rejects.toMatchObject({ code: 'BAD_RECORD_MAC' });
    expect(rec.events.some((e) => e.kind === 'alert' && e.direction === 'client' && e.name === 'bad_record_mac')).toBe(true);
    expect(rec.events.at(-1)).toMatchObject({ kind: 'error', code: 'BAD_RECORD_MAC' });
    await done;
  });

  it('handshake messages fragmented over many records, coalesced, and a CCS in between: all accepted', async () => {
    for (const framing of [1, 7, 100, 'coalesced'] as const) {
      const r = await handshake({ framing, ccsAfterServerHello: true });
      expect(r.error, String(framing)).toBeNull();
      const cert = r.events.find((e) => e.kind === 'handshake' && e.name === 'Certificate') as { records: number[] };
      if (framing === 7) expect(cert.records.length).toBeGreaterThan(10);
      await r.conn!.close();
    }
  });

  it('truncation without close_notify after the handshake → TRUNCATED; close_notify → clean end', async () => {
    const cut = await handshake({
      after: async (s) => {
        await s.records.writeRecord(23, utf8.encode('partial'));
        await s.transport.close();
      },
    });
    expect(utf8.decode((await cut.conn!.read())!)).toBe('partial');
    await expect(cut.conn!.read()).rejects.toMatchObject({ code: 'TRUNCATED' });

    const clean = await handshake({
      after: async (s) => {
        await s.records.writeRecord(23, utf8.encode('bye'));
        await s.records.writeRecord(21, Uint8Array.of(1, 0));
        // The client answers with its own close_notify.
        const answer = await s.records.readRecord();
        if (answer?.contentType !== 21 || answer.fragment[1] !== 0) throw new Error('no close_notify answer');
        await s.transport.close();
      },
    });
    expect(utf8.decode((await clean.conn!.read())!)).toBe('bye');
    expect(await clean.conn!.read()).toBeNull();
    expect(await clean.serverDone).toBeNull();
  });

  it('a NewSessionTicket with lifetime 0 is discarded, and the trace says so (not "stored")', async () => {
    // lifetime 0, age_add 1, nonce [0], ticket "A", no extensions
    const ticket = Uint8Array.of(4, 0, 0, 15, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 0x41, 0, 0);
    const r = await handshake({
      after: async (s) => {
        await s.records.writeRecord(22, ticket);
        await s.records.writeRecord(21, Uint8Array.of(1, 0));
      },
    });
    expect(await r.conn!.read()).toBeNull();
    expect(r.conn!.sessions).toEqual([]);
    const notes = r.events.filter((e) => e.kind === 'note' && e.text.startsWith('NewSessionTicket')).map((e) => (e as { text: string }).text);
    expect(notes).toEqual([expect.stringContaining('discarded')]);
  });

  it('injected randomness makes the client side replayable: identical ClientHello bytes and key shares', async () => {
    const seeded = () => {
      let x = 1;
      return (n: number) => Uint8Array.from({ length: n }, () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 16) & 0xff);
    };
    const hellos: string[] = [];
    for (let i = 0; i < 2; i++) {
      const r = await handshake({}, { random: seeded(), clock: () => 1_700_000_000_000 });
      expect(r.error).toBeNull();
      hellos.push((r.events.find((e) => e.kind === 'handshake' && e.name === 'ClientHello') as { bytes: string }).bytes);
      await r.conn!.close();
    }
    expect(hellos[0]).toBe(hellos[1]);
  });

  it('writes started around a KeyUpdate all reach the server under the right keys', async () => {
    const received: string[] = [];
    const r = await handshake({
      after: async (s) => {
        let secret = s.secrets.clientApp;
        for (;;) {
          const rec = await s.records.readRecord();
          if (!rec || rec.contentType === 21) break;
          if (rec.contentType === 22) {
            // The client's KeyUpdate: switch the server's read keys to the next generation.
            secret = await s.schedule.nextTrafficSecret(secret);
            const k = await s.schedule.trafficKeys(secret, s.suite.keyLength);
            s.records.setReadProtector(await Tls13RecordProtector.create(s.suite, k.key, k.iv, 'application'));
          } else received.push(utf8.decode(rec.fragment));
        }
      },
    });
    const conn = r.conn!;
    const writes = [conn.write(utf8.encode('a')), conn.write(utf8.encode('b')), conn.keyUpdate(false), conn.write(utf8.encode('c')), conn.write(utf8.encode('d'))];
    await Promise.all(writes);
    await conn.close();
    expect(await r.serverDone).toBeNull();
    expect(received).toEqual(['a', 'b', 'c', 'd']);
  });

  it('time paused at a breakpoint does not count against the handshake timeout', async () => {
    const r = await handshake({}, {
      timeoutMs: 400,
      breakpoints: { serverAuth: true },
      onBreak: () => new Promise((resolve) => setTimeout(() => resolve('continue'), 800)),
    });
    expect(r.error).toBeNull();
    expect(r.events.filter((e) => e.kind === 'pause').map((e) => (e as { phase?: string }).phase)).toEqual(['paused', 'resumed']);
    await r.conn!.close();
  });

  it('closing while a read is pending ends that read quietly (no TRUNCATED, no error event)', async () => {
    const r = await handshake({ after: async (s) => void (await s.records.readRecord().catch(() => null)) });
    const conn = r.conn!;
    const pending = conn.read();
    await new Promise((res) => setTimeout(res, 20));
    await conn.close();
    expect(await pending).toBeNull();
    expect(r.events.filter((e) => e.kind === 'error')).toEqual([]);
    expect(r.events.some((e) => e.kind === 'alert' && e.direction === 'client' && e.name === 'close_notify')).toBe(true);
  });

  it('record padding: protected records carry the requested padding', async () => {
    const r = await handshake({}, { padding: 100 });
    expect(r.error).toBeNull();
    const ours = r.events.filter((e) => e.kind === 'record' && e.direction === 'client' && e.protection);
    expect(ours.length).toBeGreaterThan(0);
    for (const e of ours) expect((e as { protection: { paddingLength: number } }).protection.paddingLength).toBe(100);
    await r.conn!.close();
  });
});
