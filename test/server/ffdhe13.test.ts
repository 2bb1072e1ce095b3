// Our TLS 1.3 server with the RFC 7919 finite-field groups as key shares (RFC 8446 §4.2.8.1): openssl s_client and
// gnutls-cli offering them, a HelloRetryRequest to one, our own client, and bad shares either way (illegal_parameter,
// with what was read before kept in the trace).
import { describe, expect, it } from 'vitest';
import { bigIntToBytes, FFDHE_GROUPS } from '../../src/crypto/ffdhe.ts';
import { connectTls } from '../../src/tls/client.ts';
import { ExtensionType as X } from '../../src/tls/messages/constants.ts';
import { encodeHandshake, type ClientHello } from '../../src/tls/messages/handshake.ts';
import { acceptTls, type ServerOptions } from '../../src/tls/server.ts';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import { memoryPair } from '../../src/transport/memory.ts';
import { concat, utf8 } from '../../src/util/bytes.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import { usePki } from '../support/pki.ts';
import { feedServer } from './support/feed.ts';
import { gnutlsCli } from './support/gnutls-cli.ts';
import { listenersStoppedAfterEach, type TestListener } from './support/listener.ts';
import { sClient } from './support/s-client.ts';
import { serverCertificates } from './support/server-pki.ts';

const pki = usePki();
const startListener = listenersStoppedAfterEach();

async function listen(options: Partial<ServerOptions> = {}): Promise<TestListener> {
  const certs = serverCertificates(pki);
  return startListener(() => ({ certificates: [certs.p256], timeoutMs: 10_000, versions: ['TLS1.3'], ...options }));
}

const ca = () => ['-CAfile', pki.rootPem, '-verify_return_error'];

describe('real clients offering finite-field groups in TLS 1.3', () => {
  it('s_client with ffdhe2048 only: the server takes its share; a verified handshake and an echo', async () => {
    const l = await listen();
    const run = await sClient(l.port, ['-tls1_3', '-groups', 'ffdhe2048', ...ca()], ['hello ffdhe']);
    expect(run.output).toMatch(/Server Temp Key: DH, 2048 bits/);
    expect(run.output).toContain('Verify return code: 0 (ok)');
    expect(run.output).toContain('HELLO FFDHE');
    const [a] = await l.settled(1);
    expect(a.connection?.summary).toMatchObject({ version: 'TLSv1.3', group: 'ffdhe2048', helloRetryRequest: false });
  });

  it('s_client sending an X25519 share to a server of ffdhe3072 only: HelloRetryRequest, then ffdhe3072', async () => {
    const l = await listen({ groups: ['ffdhe3072'] });
    const run = await sClient(l.port, ['-tls1_3', '-groups', 'X25519:ffdhe3072', ...ca()], ['retry']);
    expect(run.output).toMatch(/Server Temp Key: DH, 3072 bits/);
    expect(run.output).toContain('RETRY');
    const [a] = await l.settled(1);
    expect(a.connection?.summary).toMatchObject({ group: 'ffdhe3072', helloRetryRequest: true });
  });

  it('gnutls-cli with FFDHE2048 only', async () => {
    const l = await listen();
    const out = await gnutlsCli(l.port, ['--priority=NORMAL:-VERS-ALL:+VERS-TLS1.3:-GROUP-ALL:+GROUP-FFDHE2048'], 'hello gnutls ffdhe\n', { caFile: pki.rootPem });
    expect(out).toMatch(/Handshake was completed/);
    expect(out).toMatch(/FFDHE2048/);
    expect(out).toContain('HELLO GNUTLS FFDHE');
    const [a] = await l.settled(1);
    expect(a.connection?.summary.group).toBe('ffdhe2048');
  });
});

describe('our client and our server', () => {
  it('agree in ffdhe3072: the same handshake secret on both sides', async () => {
    const [c, s] = memoryPair();
    const serverTrace = new TraceRecorder(() => 0);
    const clientTrace = new TraceRecorder(() => 0);
    const accepting = acceptTls(s, { certificates: [serverCertificates(pki).p256], recorder: serverTrace.emit, timeoutMs: 10_000, groups: ['ffdhe3072', 'x25519'] });
    const client = await connectTls(c, { serverName: 'localhost', verifier: createVerifier({ anchors: [pki.rootDer] }), timeoutMs: 10_000, groups: ['ffdhe3072', 'x25519'], keyShareGroups: ['ffdhe3072'] }, clientTrace.emit);
    const server = await accepting;
    expect([client.summary.group, server.summary.group]).toEqual(['ffdhe3072', 'ffdhe3072']);
    const secret = (t: TraceRecorder) => (t.events.find((e) => e.kind === 'key' && e.name === 'handshake_secret') as { output: string } | undefined)?.output;
    expect(secret(clientTrace)).toBeDefined();
    expect(secret(clientTrace)).toBe(secret(serverTrace));
    await client.write(utf8.encode('ff'));
    expect(utf8.decode((await server.read())!)).toBe('ff');
    await client.close();
  });
});

/** A TLS 1.3 ClientHello record with one ffdhe2048 share of the given bytes. */
function clientHelloWithShare(share: Uint8Array): Uint8Array {
  const ch: ClientHello = {
    type: 'client_hello', legacyVersion: 0x0303, random: new Uint8Array(32), sessionId: new Uint8Array(0), cipherSuites: [0x1301], compressionMethods: [0],
    extensions: [
      { code: X.supported_versions, versions: [0x0304] },
      { code: X.supported_groups, groups: [0x0100] },
      { code: X.signature_algorithms, schemes: [0x0403, 0x0804] },
      { code: X.key_share, shares: [{ group: 0x0100, keyExchange: share }] },
    ],
  };
  const message = encodeHandshake(ch).bytes;
  return concat(Uint8Array.of(22, 3, 1, message.length >> 8, message.length & 0xff), message);
}

describe('bad finite-field shares', () => {
  const p = FFDHE_GROUPS.ffdhe2048.p;
  it.each([
    ['Y = 1', bigIntToBytes(1n, 256), /out of range/],
    ['Y = p - 1', bigIntToBytes(p - 1n, 256), /out of range/],
    ['Y = p', bigIntToBytes(p, 256), /out of range/],
    ['a share shorter than the prime', bigIntToBytes(12345n), /must be 256 bytes/],
  ])('from a client, %s: illegal_parameter, the ClientHello kept in the trace', async (_name, share, message) => {
    const o = await feedServer(pki, clientHelloWithShare(share));
    expect([o.code, o.sentAlert], o.message).toEqual(['ILLEGAL_PARAMETER', 'illegal_parameter']);
    expect(o.message).toMatch(message);
    expect(o.trace.events.some((e) => e.kind === 'handshake' && e.direction === 'client' && e.name === 'ClientHello')).toBe(true);
  });

  it('from a server, Y = 1 in its ServerHello: our client sends illegal_parameter and keeps the ServerHello', async () => {
    const [c, s] = memoryPair();
    // The server's key_share extension in its ServerHello: type 0x0033, length 260, group 0x0100, key length 256.
    const marker = [0x00, 0x33, 0x01, 0x04, 0x01, 0x00, 0x01, 0x00];
    const tampered = {
      ...s,
      async write(data: Uint8Array) {
        const out = Uint8Array.from(data);
        for (let i = 0; i + marker.length + 256 <= out.length; i++) {
          if (marker.every((b, k) => out[i + k] === b)) out.set(bigIntToBytes(1n, 256), i + marker.length);
        }
        return s.write(out);
      },
    };
    const clientTrace = new TraceRecorder(() => 0);
    const accepting = acceptTls(tampered, { certificates: [serverCertificates(pki).p256], timeoutMs: 10_000, groups: ['ffdhe2048'] });
    const connecting = connectTls(c, { serverName: 'localhost', verifier: createVerifier({ anchors: [pki.rootDer] }), timeoutMs: 10_000, groups: ['ffdhe2048'] }, clientTrace.emit);
    const [server, client] = await Promise.allSettled([accepting, connecting]);
    expect(server.status).toBe('rejected');
    expect(client.status).toBe('rejected');
    const err = (client as PromiseRejectedResult).reason as { code: string; message: string };
    expect(err.code).toBe('ILLEGAL_PARAMETER');
    expect(err.message).toMatch(/ffdhe2048 key share is unusable: .*out of range/);
    const alert = clientTrace.events.find((e) => e.kind === 'alert' && e.direction === 'client') as { name: string } | undefined;
    expect(alert?.name).toBe('illegal_parameter');
    expect(clientTrace.events.some((e) => e.kind === 'handshake' && e.direction === 'server' && e.name === 'ServerHello')).toBe(true);
  });
});

it('a TLS 1.2 ServerKeyExchange naming a finite-field group as its ECDHE curve: illegal_parameter from our client', async () => {
  const [c, s] = memoryPair();
  // The ECDHE params of our server's ServerKeyExchange (handshake type 12): named_curve (3), x25519 (0x001d), a
  // 32-byte point; the curve is swapped for ffdhe2048 (0x0100), which the client offers, so only that rule refuses it.
  // (secp256r1 is offered for the server's P-256 certificate, RFC 8422 §5.1.)
  const tampered = {
    ...s,
    async write(data: Uint8Array) {
      const out = Uint8Array.from(data);
      for (let i = 0; i + 8 <= out.length; i++) {
        if (out[i] === 12 && out[i + 4] === 3 && out[i + 5] === 0x00 && out[i + 6] === 0x1d && out[i + 7] === 32) out.set([0x01, 0x00], i + 5);
      }
      return s.write(out);
    },
  };
  const clientTrace = new TraceRecorder(() => 0);
  const accepting = acceptTls(tampered, { certificates: [serverCertificates(pki).p256], timeoutMs: 10_000, versions: ['TLS1.2'], groups: ['x25519'] });
  const connecting = connectTls(c, { serverName: 'localhost', verifier: createVerifier({ anchors: [pki.rootDer] }), timeoutMs: 10_000, versions: ['TLS1.2'], groups: ['x25519', 'secp256r1', 'ffdhe2048'] }, clientTrace.emit);
  const [, client] = await Promise.allSettled([accepting, connecting]);
  expect(client.status).toBe('rejected');
  const err = (client as PromiseRejectedResult).reason as { code: string; message: string };
  expect(err.code).toBe('ILLEGAL_PARAMETER');
  expect(err.message).toMatch(/ffdhe2048 .*as an ECDHE curve/);
});
