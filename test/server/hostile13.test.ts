// Hostile clients against our TLS 1.3 server: real ClientHellos from OpenSSL, GnuTLS and Chromium, then fast-check
// mutations of them, wrong versions, oversized and partial records, a client gone silent mid-record, a bad
// Finished, a bad CertificateVerify. Each ends with a coded failure and the right alert (or a timeout), never a hang
// or an internal error, and the server's trace keeps what it read.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { connectTls } from '../../src/tls/client.ts';
import { ENGINE_FAILURES } from '../../src/tls/failures.ts';
import { acceptTls, type ServerOptions } from '../../src/tls/server.ts';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import { memoryPair } from '../../src/transport/memory.ts';
import { concat } from '../../src/util/bytes.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import { fuzzRunOptions } from '../support/fuzz.ts';
import { usePki } from '../support/pki.ts';
import { sendBadFinished } from './support/hostile-client.ts';
import { chromiumHello, gnutlsHello, openSslHello } from './support/real-hellos.ts';
import { serverCertificates } from './support/server-pki.ts';

const pki = usePki();
const hellos: Record<string, Uint8Array> = {};
beforeAll(async () => {
  hellos.openssl = await openSslHello();
  hellos.gnutls = await gnutlsHello();
  hellos.chromium = await chromiumHello();
}, 60_000);

interface Outcome {
  code: string;
  message: string;
  trace: TraceRecorder;
  sentAlert?: string;
}

/** Feed raw bytes to the server as a client would, then hang up (unless told to stay silent). */
async function feed(bytes: Uint8Array, opts: { hangUp?: boolean; server?: Partial<ServerOptions> } = {}): Promise<Outcome> {
  const [c, s] = memoryPair();
  const trace = new TraceRecorder(() => 0);
  const accepting = acceptTls(s, { certificates: [serverCertificates(pki).p256], recorder: trace.emit, timeoutMs: 3000, ...opts.server });
  await c.write(bytes);
  if (opts.hangUp ?? true) setTimeout(() => void c.close(), 50);
  const result = await accepting.then(
    () => ({ code: 'ok', message: '' }),
    (e) => ({ code: (e as { code: string }).code, message: (e as Error).message }),
  );
  const alert = trace.events.find((e) => e.kind === 'alert' && e.direction === 'server') as { name: string } | undefined;
  return { ...result, trace, sentAlert: alert?.name };
}

/** A failure we detect ourselves sends exactly the alert the failure table names for its code. */
function expectCodedFailure(o: Outcome): void {
  expect(o.code, o.message).not.toBe('ok');
  expect(o.code, o.message).not.toBe('INTERNAL_ERROR');
  const info = (ENGINE_FAILURES as Record<string, { alert: string | null }>)[o.code];
  if (info?.alert) expect(o.sentAlert, o.code).toBe(info.alert);
  expect(o.trace.events.some((e) => e.kind === 'error' && e.code === o.code)).toBe(true);
}

describe('TLS 1.3 server against hostile clients', () => {
  it.each(['openssl', 'gnutls', 'chromium'])('a real %s ClientHello gets a ServerHello (then the client hangs up: CLOSED)', async (name) => {
    const o = await feed(hellos[name]);
    expect(o.trace.events.some((e) => e.kind === 'handshake' && e.direction === 'client' && e.name === 'ClientHello')).toBe(true);
    expect(o.trace.events.some((e) => e.kind === 'handshake' && e.direction === 'server' && e.name === 'ServerHello')).toBe(true);
    expect(o.code).toBe('CLOSED');
  });

  it('the recorded Chromium hello is a real one: GREASE, and a hybrid key share the server takes when it accepts the group', async () => {
    let codes: number[] = [];
    const o = await feed(hellos.chromium, { server: { groups: ['X25519MLKEM768', 'x25519'], hooks: { onClientHello: (ch) => void (codes = ch.extensions.map((e) => e.code)) } } });
    expect(codes.some((c) => (c & 0x0f0f) === 0x0a0a)).toBe(true);
    const kx = o.trace.events.find((e) => e.kind === 'key-exchange') as { group: string } | undefined;
    expect(kx?.group).toBe('X25519MLKEM768');
  });

  it('keeps unknown and GREASE extensions, by code point, for the hook and the trace', async () => {
    // OpenSSL's ClientHello with a GREASE extension (0x0a0a, RFC 8701) and an unknown one (0xfe77) added.
    const record = hellos.openssl;
    const body = record.subarray(9);
    const extraExt = Uint8Array.of(0x0a, 0x0a, 0x00, 0x01, 0x00, 0xfe, 0x77, 0x00, 0x02, 0xbe, 0xef);
    // Extensions start after version, random, session id, suites and compression methods.
    let at = 2 + 32;
    at += 1 + body[at];
    at += 2 + ((body[at] << 8) | body[at + 1]);
    at += 1 + body[at];
    const extLen = (body[at] << 8) | body[at + 1];
    const exts = concat(extraExt, body.subarray(at + 2, at + 2 + extLen));
    const newBody = concat(body.subarray(0, at), Uint8Array.of(exts.length >> 8, exts.length & 0xff), exts);
    const hs = concat(Uint8Array.of(1, 0, newBody.length >> 8, newBody.length & 0xff), newBody);
    const rec = concat(Uint8Array.of(0x16, 0x03, 0x01, hs.length >> 8, hs.length & 0xff), hs);
    let seen: number[] = [];
    let data: string | undefined;
    const o = await feed(rec, { server: { hooks: { onClientHello: (ch) => void ((seen = ch.extensions.map((e) => e.code)), (data = Buffer.from(ch.extensions.find((e) => e.code === 0xfe77)?.data ?? []).toString('hex'))) } } });
    expect(seen.slice(0, 2)).toEqual([0x0a0a, 0xfe77]);
    expect(data).toBe('beef');
    expect(JSON.stringify(o.trace.events.find((e) => e.kind === 'handshake' && e.name === 'ClientHello'))).toContain('0x0a0a');
  });

  it('mutated real ClientHellos end in a coded failure with its alert, never an internal error or a hang', async () => {
    const codes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('openssl', 'gnutls', 'chromium'),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.option(fc.nat(), { nil: undefined }),
        async (name, flips, cut) => {
          const bytes = Uint8Array.from(hellos[name]);
          // Record header bytes stay: a mutation there is a different test (records, below).
          for (const [i, x] of flips) bytes[5 + (i % (bytes.length - 5))] ^= x;
          const input = cut === undefined ? bytes : bytes.subarray(0, 5 + (cut % (bytes.length - 5)));
          const o = await feed(input);
          codes.set(o.code, (codes.get(o.code) ?? 0) + 1);
          if (o.code === 'CLOSED') return; // a harmless change, or a cut: the server waited for more
          expectCodedFailure(o);
        },
      ),
      { ...fuzzRunOptions(), numRuns: Math.min(fuzzRunOptions().numRuns, 100) },
    );
    // The mutations did reach the checks: most runs end in a failure of ours, not just in a hang-up.
    const ours = [...codes].filter(([c]) => c !== 'CLOSED').reduce((n, [, k]) => n + k, 0);
    expect(ours, JSON.stringify([...codes])).toBeGreaterThan(codes.get('CLOSED') ?? 0);
  }, 120_000);

  it('wrong versions: a TLS 1.0-only or 1.1-only client gets protocol_version', async () => {
    // A ClientHello with no supported_versions and legacy_version 0x0301.
    const body = concat(Uint8Array.of(0x03, 0x01), new Uint8Array(32), Uint8Array.of(0), Uint8Array.of(0, 2, 0x00, 0x2f), Uint8Array.of(1, 0));
    const hs = concat(Uint8Array.of(1, 0, 0, body.length), body);
    const o = await feed(concat(Uint8Array.of(0x16, 0x03, 0x01, 0, hs.length), hs));
    expectCodedFailure(o);
    expect(o.code).toBe('PROTOCOL_VERSION');
    const tls11 = await feed(hellos.gnutls, { server: { versions: ['TLS1.3'] } });
    expect(tls11.code === 'CLOSED' || tls11.code === 'PROTOCOL_VERSION').toBe(true);
  });

  it('an oversized record gets record_overflow; a first record of application data gets unexpected_message', async () => {
    const big = await feed(concat(Uint8Array.of(0x16, 0x03, 0x01, 0x48, 0x01), new Uint8Array(0x4801)));
    expectCodedFailure(big);
    expect(big.sentAlert).toBe('record_overflow');
    const data = await feed(Uint8Array.of(0x17, 0x03, 0x03, 0x00, 0x02, 1, 2));
    expectCodedFailure(data);
    expect(data.sentAlert).toBe('unexpected_message');
  });

  it('a handshake message claiming 16 MiB is refused at once (decode_error), not buffered', async () => {
    const o = await feed(Uint8Array.of(0x16, 0x03, 0x01, 0x00, 0x04, 0x01, 0xff, 0xff, 0xff));
    expectCodedFailure(o);
    expect(o.code).toBe('DECODE_ERROR');
  });

  it('a client silent in the middle of a record: TIMEOUT', async () => {
    const o = await feed(hellos.openssl.subarray(0, 40), { hangUp: false, server: { timeoutMs: 300 } });
    expect(o.code).toBe('TIMEOUT');
    expect(o.trace.events.some((e) => e.kind === 'error' && e.code === 'TIMEOUT')).toBe(true);
  });

  it('a bad client Finished gets decrypt_error (BAD_FINISHED)', async () => {
    const [c, s] = memoryPair();
    const trace = new TraceRecorder(() => 0);
    const accepting = acceptTls(s, { certificates: [serverCertificates(pki).p256], recorder: trace.emit, timeoutMs: 5000 }).then(() => 'ok', (e) => (e as { code: string }).code);
    const seen = await sendBadFinished(c);
    expect(await accepting).toBe('BAD_FINISHED');
    expect(seen).toBe('alert 51');
    expect(trace.events.some((e) => e.kind === 'finished' && e.direction === 'client' && !e.ok)).toBe(true);
  });

  it('a client CertificateVerify made with the wrong key gets decrypt_error (BAD_CERTIFICATE_VERIFY)', async () => {
    const [c, s] = memoryPair();
    const accepting = acceptTls(s, { certificates: [serverCertificates(pki).p256], clientAuth: 'require', clientTrustAnchors: [pki.rootDer], timeoutMs: 5000 }).then(() => 'ok', (e) => (e as { code: string }).code);
    // The client's certificate with the server's P-256 key: a well-formed signature by the wrong key.
    const conn = await connectTls(c, { serverName: 'localhost', verifier: createVerifier({ anchors: [pki.rootDer] }), clientCertificate: { chain: [pki.clientCertDer], privateKey: pki.leafKeyPkcs8 }, timeoutMs: 5000 }, () => -1);
    expect(await accepting).toBe('BAD_CERTIFICATE_VERIFY');
    await expect(conn.read()).rejects.toMatchObject({ receivedAlert: 'decrypt_error' });
  });
});
