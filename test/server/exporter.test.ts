// Our server's keying material exporter (RFC 5705 for TLS 1.2, RFC 8446 §7.5 for TLS 1.3) against what real
// clients export from the same connection: `openssl s_client -keymatexport` (no context) for suites with the
// SHA-256 and the SHA-384 PRF, with and without the extended master secret, and Node's TLSSocket for contexts.
import fs from 'node:fs';
import tls from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { connectTls } from '../../src/tls/client.ts';
import { acceptTls, type ServerOptions } from '../../src/tls/server.ts';
import { memoryPair } from '../../src/transport/memory.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import { toHex, utf8 } from '../../src/util/bytes.ts';
import { noEmsConfig, opensslKeyingMaterial, withOpenSslConf, TLS12_EXPORTER_CASES } from '../support/openssl-keymat.ts';
import { usePki } from '../support/pki.ts';
import { listenersStoppedAfterEach } from './support/listener.ts';
import { sClient } from './support/s-client.ts';
import { serverCertificates } from './support/server-pki.ts';

const pki = usePki();
const startListener = listenersStoppedAfterEach();
const noEms = noEmsConfig();
afterAll(() => noEms.remove());
const LABEL = 'EXPERIMENTAL-tls-lens';
/** Node exports without a context when it gets none (its types ask for a Buffer all the same). */
const NO_CONTEXT = undefined as unknown as Buffer;

async function listen(options: Partial<ServerOptions> = {}) {
  const traces: TraceRecorder[] = [];
  const l = await startListener(() => {
    const trace = new TraceRecorder(() => 0);
    traces.push(trace);
    return { certificates: [serverCertificates(pki).p256], recorder: trace.emit, timeoutMs: 10_000, ...options };
  });
  return { l, traces };
}

describe('keying material exporter, our server against openssl s_client', () => {
  for (const c of TLS12_EXPORTER_CASES) {
    it(`TLS 1.2 ${c.suite}, extended master secret ${c.ems ? 'on' : 'off'}: the same bytes as s_client`, async () => {
      const { l, traces } = await listen();
      const run = await withOpenSslConf(c.ems ? null : noEms.file(), () => sClient(l.port, ['-tls1_2', '-cipher', c.openssl, '-keymatexport', LABEL, '-keymatexportlen', '48', '-CAfile', pki.rootPem], ['x']));
      expect(run.output).toContain(`Extended master secret: ${c.ems ? 'yes' : 'no'}`);
      const [a] = await l.settled(1);
      expect(a.connection?.summary).toMatchObject({ version: 'TLSv1.2', cipherSuite: c.suite });
      const ours = await a.connection!.exportKeyingMaterial(LABEL, null, 48);
      expect(toHex(ours)).toBe(opensslKeyingMaterial(run.output));
      expect(traces[0].events.filter((e) => e.kind === 'key' && e.name === 'exported_keying_material')).toMatchObject([{ op: 'PRF', label: LABEL, hash: c.prf }]);
      expect(traces[0].events.some((e) => e.kind === 'note' && e.text.startsWith('keying material exported without the extended master secret'))).toBe(!c.ems);
    });
  }

  it('TLS 1.3 (RFC 8446 §7.5): the same bytes as s_client', async () => {
    const { l } = await listen();
    const run = await sClient(l.port, ['-tls1_3', '-keymatexport', LABEL, '-keymatexportlen', '32', '-CAfile', pki.rootPem], ['x']);
    const [a] = await l.settled(1);
    expect(a.connection?.version).toBe('TLSv1.3');
    expect(toHex(await a.connection!.exportKeyingMaterial(LABEL, null, 32))).toBe(opensslKeyingMaterial(run.output));
  });
});

describe('keying material exporter with a context, our server against Node\'s TLS 1.2 client', () => {
  it('no context, an empty one and some bytes: each the same as Node\'s, and the first two differ', async () => {
    const { l } = await listen({ suites: ['TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384'] });
    const socket = tls.connect({ host: '127.0.0.1', port: l.port, servername: 'localhost', ca: fs.readFileSync(pki.rootPem), maxVersion: 'TLSv1.2' });
    await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
    const theirs = {
      none: socket.exportKeyingMaterial(32, LABEL, NO_CONTEXT).toString('hex'),
      empty: socket.exportKeyingMaterial(32, LABEL, Buffer.alloc(0)).toString('hex'),
      some: socket.exportKeyingMaterial(32, LABEL, Buffer.from('context')).toString('hex'),
    };
    // An echo first: the server side is ready once it answers.
    socket.write('ping');
    await new Promise((resolve) => socket.once('data', resolve));
    const conn = l.accepted[0].connection!;
    expect(conn.summary.cipherSuite).toBe('TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384');
    expect(toHex(await conn.exportKeyingMaterial(LABEL, null, 32))).toBe(theirs.none);
    expect(toHex(await conn.exportKeyingMaterial(LABEL, new Uint8Array(0), 32))).toBe(theirs.empty);
    expect(toHex(await conn.exportKeyingMaterial(LABEL, utf8.encode('context'), 32))).toBe(theirs.some);
    expect(theirs.none).not.toBe(theirs.empty);
    socket.end();
    await l.settled(1);
  });
});

describe('keying material exporter across a TLS 1.2 renegotiation, our client and our server', () => {
  it('both sides export from the newest handshake: the same bytes, not those of the first handshake', async () => {
    const [c, s] = memoryPair();
    const accepting = acceptTls(s, { certificates: [serverCertificates(pki).p256], timeoutMs: 10_000 });
    const client = await connectTls(c, { serverName: 'localhost', verifier: createVerifier({ anchors: [pki.rootDer] }), timeoutMs: 10_000, versions: ['TLS1.2'] }, () => -1);
    const server = await accepting;
    const first = toHex(await client.exportKeyingMaterial(LABEL, null, 32));
    expect(toHex(await server.exportKeyingMaterial(LABEL, null, 32))).toBe(first);
    const reading = server.read();
    await client.renegotiate();
    await client.write(utf8.encode('after'));
    expect(utf8.decode((await reading)!)).toBe('after');
    const second = toHex(await client.exportKeyingMaterial(LABEL, null, 32));
    expect(toHex(await server.exportKeyingMaterial(LABEL, null, 32))).toBe(second);
    expect(second).not.toBe(first);
    await client.close();
  });
});
