// A handshake's trace parts made when first read (trace/lazy-hex.ts defineLazy): a received message's field tree
// (decoded again from its bytes), every message's hex, the chain's hex and fingerprints, every key step's hex. Read back, each equals
// what an eager decode or encoding of the same bytes gives, in both TLS versions, against openssl s_server.
import { afterEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { connectTls } from '../../src/tls/client.ts';
import { connectTcp } from '../../src/transport/tcp.ts';
import { decodeHandshake, encodeHandshake, type HandshakeMessage } from '../../src/tls/messages/handshake.ts';
import { decodeHandshake12 } from '../../src/tls/messages/tls12.ts';
import { fromHex, toHex } from '../../src/util/bytes.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import { hkdfExpandLabel } from '../../src/crypto/hkdf.ts';
import type { TlsClientOptions } from '../../src/tls/client.ts';
import type { Transport } from '../../src/transport/types.ts';
import type { TraceEvent } from '../../src/trace/types.ts';
import { recorder, spawnSServer, type SServer } from './helpers.ts';
import { usePki } from '../support/pki.ts';

const pki = usePki();
let server: SServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

/** Events as JSON reads them (every lazy part made), then the handshake events of the server. */
async function handshake(versions?: ['TLS1.2']) {
  server = await spawnSServer([versions ? '-tls1_2' : '-tls1_3', '-cert', pki.leafCert, '-key', pki.leafKey]);
  const rec = recorder();
  const conn = await connectTls(await connectTcp('127.0.0.1', server.port), { serverName: 'localhost', verifier: createVerifier({ anchors: [pki.rootDer] }), ...(versions ? { versions } : {}) }, rec.emit);
  await conn.close();
  return rec.events as TraceEvent[];
}

describe('trace parts made when first read', () => {
  it('a received message: its fields are not built before they are read', () => {
    // A Finished: msg_type, length, 32 bytes of verify_data.
    const bytes = new Uint8Array([20, 0, 0, 32, ...new Array(32).fill(7)]);
    const lazy = decodeHandshake(bytes, true);
    expect(typeof Object.getOwnPropertyDescriptor(lazy, 'fields')?.get).toBe('function');
    expect(lazy.fields).toEqual(decodeHandshake(bytes).fields);
    expect(lazy.fields.length).toBeGreaterThan(0);
  });

  for (const version of ['TLS 1.3', 'TLS 1.2'] as const) {
    it(`${version}: every handshake event's hex and fields, and the chain's hex and fingerprints, as an eager decode gives them`, async () => {
      const events = await handshake(version === 'TLS 1.2' ? ['TLS1.2'] : undefined);
      const fromServer = events.filter((e): e is Extract<TraceEvent, { kind: 'handshake' }> => e.kind === 'handshake' && e.direction === 'server');
      expect(fromServer.map((e) => e.name)).toContain('Certificate');
      for (const e of fromServer) {
        const bytes = fromHex(e.bytes);
        expect(bytes[0]).toBe(e.msgType);
        const eager = version === 'TLS 1.3' ? decodeHandshake(bytes) : decodeHandshake12(bytes, e.name === 'ServerKeyExchange' ? 'ECDHE' : undefined);
        expect(e.fields, e.name).toEqual(eager.fields);
        // The keys in the order they always had, and the same through JSON.
        expect(Object.keys(e).slice(0, 8)).toEqual(['kind', 'direction', 'epoch', 'msgType', 'name', 'bytes', 'fields', 'records']);
        expect(JSON.parse(JSON.stringify(e)).fields).toEqual(eager.fields);
      }
      const result = events.find((e): e is Extract<TraceEvent, { kind: 'cert-result' }> => e.kind === 'cert-result')!;
      expect(result.ok).toBe(true);
      expect(result.chain).toEqual([toHex(pki.leafDer)]); // the server sends its leaf alone
      expect(result.path.map((p) => p.der)).toEqual([toHex(pki.leafDer), toHex(pki.rootDer)]);
      expect(result.path.map((p) => p.sha256)).toEqual([pki.leafDer, pki.rootDer].map((d) => createHash('sha256').update(d).digest('hex')));
      expect(structuredClone(result)).toEqual(JSON.parse(JSON.stringify(result)));
    });
  }

  it("TLS 1.3: our ClientHello's and Finished's fields, made when read, are what an eager encoding gives", async () => {
    const events = await handshake();
    const ours = events.filter((e): e is Extract<TraceEvent, { kind: 'handshake' }> => e.kind === 'handshake' && e.direction === 'client');
    expect(ours.map((e) => e.name)).toEqual(['ClientHello', 'Finished']);
    for (const e of ours) {
      expect(typeof Object.getOwnPropertyDescriptor(e, 'fields')?.get, e.name).toBe('function');
      const message = decodeHandshake(fromHex(e.bytes)).message;
      const eager = encodeHandshake(message);
      expect(toHex(eager.bytes), e.name).toBe(e.bytes);
      expect(e.fields, e.name).toEqual(eager.fields);
      expect(Object.keys(e).slice(0, 8)).toEqual(['kind', 'direction', 'epoch', 'msgType', 'name', 'bytes', 'fields', 'records']);
      expect(JSON.parse(JSON.stringify(e)).fields).toEqual(eager.fields);
    }
  });

  it('every ClientHello our options make, and messages of every kind: the tree made when read equals the eager one', async () => {
    // The ClientHello of each set of options, as sent (the connection then ends: nothing answers).
    const hello = async (options: Partial<TlsClientOptions>) => {
      let sent: Uint8Array | undefined;
      const transport: Transport = { write: async (d) => void (sent ??= d.slice()), read: async () => null, close: async () => undefined };
      await connectTls(transport, { serverName: 'example.org', verifier: createVerifier({ anchors: [pki.rootDer] }), ...options }, recorder().emit).catch(() => undefined);
      return decodeHandshake(sent!.subarray(5)).message;
    };
    const session = { serverName: 'example.org', cipherSuite: 0x1301, psk: new Uint8Array(32).fill(3), ticket: new Uint8Array(40).fill(4), ageAdd: 77, lifetimeSeconds: 3600, receivedAt: Date.now(), maxEarlyData: 0 };
    const messages: HandshakeMessage[] = [
      await hello({}),
      await hello({ versions: ['TLS1.3'] }),
      await hello({ versions: ['TLS1.2'] }),
      await hello({ alpn: ['h2', 'http/1.1'], groups: ['secp256r1', 'x25519'], keyShareGroups: ['secp256r1', 'x25519'], postHandshakeAuth: true }),
      await hello({ session: session as never, padding: 100 }),
      await hello({ serverName: '127.0.0.1' }),
      { type: 'certificate', context: Uint8Array.of(1, 2), entries: [{ certData: pki.leafDer, extensions: [] }] },
      { type: 'certificate_verify', scheme: 0x0403, signature: new Uint8Array(71).fill(5) },
      { type: 'finished', verifyData: new Uint8Array(48).fill(8) },
      { type: 'key_update', updateRequested: true },
    ];
    // The PSK offer (pre_shared_key, with its binder) and ALPN are among them.
    const codes = (m: HandshakeMessage) => (m.type === 'client_hello' ? m.extensions.map((x) => x.code) : []);
    expect(codes(messages[4])).toContain(41);
    expect(codes(messages[3])).toContain(16);
    for (const m of messages) {
      const eager = encodeHandshake(m);
      const lazy = encodeHandshake(m, true);
      expect(typeof Object.getOwnPropertyDescriptor(lazy, 'fields')?.get, m.type).toBe('function');
      expect(toHex(lazy.bytes), m.type).toBe(toHex(eager.bytes));
      expect(lazy.fields, m.type).toEqual(eager.fields);
      expect(eager.fields.length, m.type).toBeGreaterThan(0);
    }
  });

  it('TLS 1.3: every key step, its hex made when first read, is what an eager derivation gives', async () => {
    const events = await handshake();
    const keys = events.filter((e): e is Extract<TraceEvent, { kind: 'key' }> => e.kind === 'key');
    expect(keys.length).toBeGreaterThan(15);
    for (const e of keys) {
      expect(typeof Object.getOwnPropertyDescriptor(e, 'output')?.get, e.name).toBe('function');
      // The keys in the order they always had, whether a step has a label and a context or not.
      const order = ['kind', 'op', 'name', ...(e.label !== undefined ? ['label'] : []), ...(e.context !== undefined ? ['context'] : []), 'inputs', 'output', 'hash', 'index', 't', 'conn'];
      expect(Object.keys(e), e.name).toEqual(order);
      const plain = JSON.parse(JSON.stringify(e));
      expect(plain.inputs.every((i: { value: unknown }) => typeof i.value === 'string' && /^[0-9a-f]*$/.test(i.value)), e.name).toBe(true);
      expect({ ...e, inputs: e.inputs.map((i) => ({ ...i })) }).toEqual(plain);
      expect(structuredClone(e)).toEqual(plain);
      // Expand steps checked by deriving them again from the hex the event shows.
      if (e.op === 'HKDF-Expand-Label' || e.op === 'Derive-Secret') {
        const label = e.label!.replace(/^tls13 /, '');
        const out = await hkdfExpandLabel(e.hash as 'SHA-256', fromHex(e.inputs[0].value), label, fromHex(e.context ?? ''), e.output.length / 2);
        expect(toHex(out), e.name).toBe(e.output);
      }
    }
    expect(keys.filter((e) => e.op === 'HKDF-Expand-Label' || e.op === 'Derive-Secret').length).toBeGreaterThan(12);
  });
});
