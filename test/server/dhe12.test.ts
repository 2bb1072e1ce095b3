// TLS 1.2 finite-field DHE on our server (RFC 5246 §8.1.2, RFC 7919 groups): the primes checked against RFC 7919's
// definition and OpenSSL's, the arithmetic against Node's DiffieHellman, then real clients (openssl s_client,
// gnutls-cli) and our own client negotiating DHE suites of each record cipher family, and the group rules of
// RFC 7919 §4.
import { execFileSync } from 'node:child_process';
import nodeCrypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bigIntToBytes, bytesToBigInt, dhKeyPair, FFDHE_GROUPS, type FfdheGroupName } from '../../src/crypto/ffdhe.ts';
import { connectTls } from '../../src/tls/client.ts';
import { acceptTls, type ServerOptions } from '../../src/tls/server.ts';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import { memoryPair } from '../../src/transport/memory.ts';
import { toHex, utf8 } from '../../src/util/bytes.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import { usePki } from '../support/pki.ts';
import { gnutlsCli } from './support/gnutls-cli.ts';
import { listenersStoppedAfterEach, type TestListener } from './support/listener.ts';
import { sClient } from './support/s-client.ts';
import { serverCertificates } from './support/server-pki.ts';

const pki = usePki();
const startListener = listenersStoppedAfterEach();

async function listen(options: Partial<ServerOptions> = {}): Promise<TestListener> {
  const certs = serverCertificates(pki);
  return startListener(() => ({ certificates: [certs.p256, certs.rsa], timeoutMs: 10_000, ...options }));
}

const ca = () => ['-CAfile', pki.rootPem, '-verify_return_error'];

/** floor(e * 2^bits), from the series e = sum 1/k! in fixed point (enough terms for 4096 bits and more). */
function eScaled(bits: number): bigint {
  const guard = 64n;
  const one = 1n << (BigInt(bits) + guard);
  let term = one;
  let sum = one;
  for (let k = 1n; term > 0n; k++) {
    term /= k;
    sum += term;
  }
  return sum >> guard;
}

describe('the RFC 7919 groups', () => {
  // RFC 7919 Appendix A: p = 2^b - 2^{b-64} + {[2^{b-130} e] + X} * 2^64 - 1, with X chosen per group.
  it.each([
    ['ffdhe2048', 2048, 560316n],
    ['ffdhe3072', 3072, 2625351n],
    ['ffdhe4096', 4096, 5736041n],
  ] as const)('%s is the prime RFC 7919 defines, and the one OpenSSL knows by that name', (name, b, x) => {
    const group = FFDHE_GROUPS[name as FfdheGroupName];
    const B = BigInt(b);
    const formula = 2n ** B - 2n ** (B - 64n) + (eScaled(b - 130) + x) * 2n ** 64n - 1n;
    expect(group.p).toBe(formula);
    const params = execFileSync('openssl', ['genpkey', '-genparam', '-algorithm', 'DH', '-pkeyopt', `group:${name}`]);
    const parsed = execFileSync('openssl', ['asn1parse'], { input: params }).toString();
    const prime = /INTEGER\s+:([0-9A-F]+)/.exec(parsed)![1];
    expect(BigInt('0x' + prime)).toBe(group.p);
    expect(group.g).toBe(2n);
  });

  it('a key pair agrees with Node\'s DiffieHellman on ffdhe2048; peer values out of range are refused', () => {
    const g = FFDHE_GROUPS.ffdhe2048;
    const node = nodeCrypto.createDiffieHellman(Buffer.from(bigIntToBytes(g.p)), Buffer.from(bigIntToBytes(g.g)));
    node.generateKeys();
    const ours = dhKeyPair(g.p, g.g, g.exponentBits, (n) => new Uint8Array(nodeCrypto.randomBytes(n)));
    expect(ours.publicKey.length).toBe(256);
    const z = ours.computeSharedSecret(new Uint8Array(node.getPublicKey()));
    const theirs = new Uint8Array(node.computeSecret(Buffer.from(ours.publicKey)));
    expect(toHex(z)).toBe(toHex(bigIntToBytes(bytesToBigInt(theirs))));
    expect(() => ours.computeSharedSecret(Uint8Array.of(1))).toThrow(/out of range/);
    expect(() => ours.computeSharedSecret(bigIntToBytes(g.p - 1n))).toThrow(/out of range/);
  });
});

describe('openssl s_client negotiating DHE with our TLS 1.2 server', () => {
  it.each(['DHE-RSA-AES128-GCM-SHA256', 'DHE-RSA-AES256-GCM-SHA384', 'DHE-RSA-CHACHA20-POLY1305', 'DHE-RSA-AES256-SHA256', 'DHE-RSA-AES128-SHA'])('%s', async (cipher) => {
    const l = await listen();
    const run = await sClient(l.port, ['-tls1_2', '-cipher', cipher, ...ca()], ['hello dhe']);
    expect(run.output).toContain(`Cipher is ${cipher}`);
    expect(run.output).toContain('Verify return code: 0 (ok)');
    expect(run.output).toMatch(/Server Temp Key: DH, 2048 bits/);
    expect(run.output).toContain('HELLO DHE');
    const [a] = await l.settled(1);
    expect(a.connection?.summary).toMatchObject({ version: 'TLSv1.2', group: 'ffdhe2048' });
  });

  it('a client that lists no finite-field group gets the server\'s first (RFC 7919 §4)', async () => {
    const l = await listen({ groups: ['x25519', 'ffdhe4096', 'ffdhe2048'] });
    const run = await sClient(l.port, ['-tls1_2', '-cipher', 'DHE-RSA-AES128-GCM-SHA256', '-groups', 'X25519', ...ca()], ['four']);
    expect(run.output).toMatch(/Server Temp Key: DH, 4096 bits/);
    expect(run.output).toContain('FOUR');
  });

});

/** gnutls-cli with a TLS 1.2 DHE-RSA priority string and `groups` (GnuTLS lists its FFDHE groups, RFC 7919). */
function gnutlsDhe(port: number, groups: string): Promise<string> {
  const priority = `NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+DHE-RSA:-GROUP-ALL:${groups}`;
  return gnutlsCli(port, [`--priority=${priority}`], 'hello gnutls dhe\n', { caFile: pki.rootPem });
}

// OpenSSL 3.0 sends no finite-field groups in a TLS 1.2 ClientHello; GnuTLS does (RFC 7919 §3).
describe('gnutls-cli negotiating DHE, with the groups it lists', () => {
  it('DHE-RSA with the client\'s groups: verified handshake and an echo, in the group both accept first', async () => {
    const l = await listen();
    const out = await gnutlsDhe(l.port, '+GROUP-FFDHE3072:+GROUP-FFDHE2048');
    expect(out).toMatch(/Handshake was completed/);
    expect(out).toMatch(/\(DHE-FFDHE2048\)/);
    expect(out).toContain('HELLO GNUTLS DHE');
    const [a] = await l.settled(1);
    expect(a.connection?.summary.cipherSuite).toMatch(/^TLS_DHE_RSA_WITH_/);
    expect(a.connection?.summary.group).toBe('ffdhe2048');
  });

  it('the client lists ffdhe4096 alone: that group is used', async () => {
    const l = await listen();
    const out = await gnutlsDhe(l.port, '+GROUP-FFDHE4096');
    expect(out).toMatch(/\(DHE-FFDHE4096\)/);
    expect(out).toContain('HELLO GNUTLS DHE');
    const [a] = await l.settled(1);
    expect(a.connection?.summary.group).toBe('ffdhe4096');
  });

  it('a client whose finite-field groups the server does not accept gets no DHE: handshake_failure, in words', async () => {
    const l = await listen({ groups: ['x25519', 'ffdhe4096'] });
    const out = await gnutlsDhe(l.port, '+GROUP-FFDHE2048');
    expect(out).not.toMatch(/Handshake was completed/);
    expect(out).toMatch(/Handshake failed/i);
    const [a] = await l.settled(1);
    expect(a.error?.code).toBe('HANDSHAKE_FAILURE');
    expect(a.error?.message).toMatch(/ffdhe2048.*RFC 7919/);
  });
});

describe('our client against our server, DHE in memory', () => {
  it.each(['TLS_DHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'TLS_DHE_RSA_WITH_AES_128_CBC_SHA256'])('%s: same master secret on both sides, data both ways', async (suite) => {
    const [c, s] = memoryPair();
    const serverTrace = new TraceRecorder(() => 0);
    const clientTrace = new TraceRecorder(() => 0);
    const accepting = acceptTls(s, { certificates: [serverCertificates(pki).rsa], recorder: serverTrace.emit, timeoutMs: 10_000 });
    const client = await connectTls(c, { serverName: 'localhost', verifier: createVerifier({ anchors: [pki.rootDer] }), timeoutMs: 10_000, versions: ['TLS1.2'], suites: [suite] }, clientTrace.emit);
    const server = await accepting;
    expect(server.summary).toMatchObject({ cipherSuite: suite, group: 'ffdhe2048' });
    expect(client.summary.group).toBe('ffdhe2048');
    const master = (t: TraceRecorder) => (t.events.find((e) => e.kind === 'key' && e.name === 'master_secret') as { output: string } | undefined)?.output;
    expect(master(serverTrace)).toBeDefined();
    expect(master(serverTrace)).toBe(master(clientTrace));
    await client.write(utf8.encode('dhe in memory'));
    expect(utf8.decode((await server.read())!)).toBe('dhe in memory');
    await server.write(utf8.encode('back'));
    expect(utf8.decode((await client.read())!)).toBe('back');
    await client.close();
  });
});

describe('a client\'s bad DH public value', () => {
  it.each([
    ['1', (p: bigint) => 1n],
    ['p - 1', (p: bigint) => p - 1n],
    ['p + 5 (not below p)', (p: bigint) => p + 5n],
  ])('Yc = %s: illegal_parameter and the reason, the handshake read so far kept in the trace', async (_, bad) => {
    const [c, s] = memoryPair();
    const p = FFDHE_GROUPS.ffdhe2048.p;
    // Our client, with its ClientKeyExchange's dh_Yc replaced on the way (a plaintext record: type 22, msg 16).
    const tampered = {
      ...c,
      async write(data: Uint8Array) {
        const out = Uint8Array.from(data);
        for (let at = 0; at + 5 <= out.length; at += 5 + ((out[at + 3] << 8) | out[at + 4])) {
          if (out[at] === 22 && out[at + 5] === 16) out.set(bigIntToBytes(bad(p), 256), at + 5 + 4 + 2);
        }
        return c.write(out);
      },
    };
    const serverTrace = new TraceRecorder(() => 0);
    const accepting = acceptTls(s, { certificates: [serverCertificates(pki).rsa], recorder: serverTrace.emit, timeoutMs: 10_000 });
    const connecting = connectTls(tampered, { serverName: 'localhost', verifier: createVerifier({ anchors: [pki.rootDer] }), timeoutMs: 10_000, versions: ['TLS1.2'], suites: ['TLS_DHE_RSA_WITH_AES_128_GCM_SHA256'] }, () => -1);
    const [server, client] = await Promise.allSettled([accepting, connecting]);
    expect(server.status).toBe('rejected');
    const err = (server as PromiseRejectedResult).reason as { code: string; message: string };
    expect(err.code).toBe('ILLEGAL_PARAMETER');
    expect(err.message).toMatch(/DH public value is unusable: .*out of range/);
    expect(client.status).toBe('rejected');
    const alert = serverTrace.events.find((e) => e.kind === 'alert' && e.direction === 'server') as { name: string } | undefined;
    expect(alert?.name).toBe('illegal_parameter');
    expect(serverTrace.events.some((e) => e.kind === 'handshake' && e.direction === 'client' && e.name === 'ClientKeyExchange')).toBe(true);
  });
});
