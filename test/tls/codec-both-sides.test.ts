// The codec serves both sides: every message a server writes and every message a client writes reads back to the
// same fields (write -> read), in TLS 1.3 and TLS 1.2. The server engine will write what the client reads today.
import { describe, expect, it } from 'vitest';
import { decodeHandshake, encodeHandshake, type HandshakeMessage } from '../../src/tls/messages/handshake.ts';
import { decodeHandshake12, encodeHandshake12, serverKeyExchangeParams, type AnyMessage12 } from '../../src/tls/messages/tls12.ts';
import type { KeyExchange12 } from '../../src/tls/suites12.ts';

const bytes = (n: number, fill = 7) => new Uint8Array(n).fill(fill);

describe('TLS 1.3 messages, written and read back', () => {
  const server: HandshakeMessage[] = [
    { type: 'server_hello', isHelloRetryRequest: false, legacyVersion: 0x0303, random: bytes(32, 1), sessionIdEcho: bytes(32, 2), cipherSuite: 0x1302, compressionMethod: 0, extensions: [{ code: 43, selectedVersion: 0x0304 }, { code: 51, share: { group: 0x1d, keyExchange: bytes(32, 3) } }, { code: 41, selectedIdentity: 0 }] },
    { type: 'encrypted_extensions', extensions: [{ code: 16, protocols: ['http/1.1'] }, { code: 28, recordSizeLimit: 4096 }, { code: 42 }] },
    { type: 'certificate_request', context: Uint8Array.of(9), extensions: [{ code: 13, schemes: [0x0804, 0x0403] }, { code: 50, schemes: [0x0403] }] },
    { type: 'certificate', context: new Uint8Array(0), entries: [{ certData: bytes(40, 4), extensions: [] }, { certData: bytes(20, 5), extensions: [] }] },
    { type: 'certificate_verify', scheme: 0x0804, signature: bytes(256, 6) },
    { type: 'finished', verifyData: bytes(48, 8) },
    { type: 'new_session_ticket', lifetime: 7200, ageAdd: 0xdeadbeef, nonce: Uint8Array.of(0, 1), ticket: bytes(64, 9), extensions: [{ code: 42, maxEarlyData: 16384 }] },
    { type: 'key_update', updateRequested: false },
  ];
  const client: HandshakeMessage[] = [
    { type: 'client_hello', legacyVersion: 0x0303, random: bytes(32, 1), sessionId: bytes(32, 2), cipherSuites: [0x1301, 0x1303], compressionMethods: [0], extensions: [{ code: 0, hostName: 'example.org' }, { code: 43, versions: [0x0304, 0x0303] }, { code: 10, groups: [0x1d, 0x17] }, { code: 51, shares: [{ group: 0x1d, keyExchange: bytes(32, 3) }] }, { code: 45, modes: [1] }, { code: 41, identities: [{ identity: bytes(16, 4), obfuscatedTicketAge: 1234 }], binders: [bytes(32, 5)] }] },
    { type: 'certificate', context: Uint8Array.of(1, 2), entries: [] },
    { type: 'finished', verifyData: bytes(32, 8) },
  ];
  for (const [side, list] of [['server', server], ['client', client]] as const) {
    it(`what the ${side} writes reads back to the same fields and bytes`, () => {
      for (const m of list) {
        const written = encodeHandshake(m);
        const read = decodeHandshake(written.bytes);
        expect(withoutRawExtensionBodies(read.message), m.type).toEqual(m);
        expect(encodeHandshake(read.message).bytes).toEqual(written.bytes);
      }
    });
  }
});

describe('TLS 1.2 messages, written and read back', () => {
  const cases: { m: AnyMessage12; kx?: KeyExchange12 }[] = [
    // The server's.
    { m: { type: 'server_hello', isHelloRetryRequest: false, legacyVersion: 0x0303, random: bytes(32, 1), sessionIdEcho: bytes(32, 2), cipherSuite: 0xc02f, compressionMethod: 0, extensions: [{ code: 0xff01, data: Uint8Array.of(0) }, { code: 23 }] } },
    { m: { type: 'certificate12', chain: [bytes(30, 1), bytes(20, 2)] } },
    { m: { type: 'server_key_exchange', kx: 'ECDHE', group: 0x17, publicKey: bytes(65, 4), params: serverKeyExchangeParams({ kx: 'ECDHE', group: 0x17, publicKey: bytes(65, 4) }), scheme: 0x0401, signature: bytes(256, 5) }, kx: 'ECDHE' },
    { m: { type: 'server_key_exchange', kx: 'DHE', dhP: bytes(256, 0xff), dhG: Uint8Array.of(2), dhYs: bytes(256, 6), params: serverKeyExchangeParams({ kx: 'DHE', dhP: bytes(256, 0xff), dhG: Uint8Array.of(2), dhYs: bytes(256, 6) }), scheme: 0x0804, signature: bytes(256, 7) }, kx: 'DHE' },
    { m: { type: 'certificate_request12', certificateTypes: [1, 64], schemes: [0x0401, 0x0403], authorities: [bytes(10, 1)] } },
    { m: { type: 'server_hello_done' } },
    { m: { type: 'new_session_ticket12', lifetimeHint: 300, ticket: bytes(100, 3) } },
    { m: { type: 'finished12', verifyData: bytes(12, 9) } },
    { m: { type: 'hello_request' } },
    // The client's.
    { m: { type: 'client_key_exchange', kx: 'ECDHE', exchange: bytes(65, 4) }, kx: 'ECDHE' },
    { m: { type: 'client_key_exchange', kx: 'RSA', exchange: bytes(256, 5) }, kx: 'RSA' },
    { m: { type: 'certificate_verify12', scheme: 0x0403, signature: bytes(72, 6) } },
  ];
  it('every message of either side reads back to the same fields and bytes', () => {
    for (const { m, kx } of cases) {
      const written = encodeHandshake12(m);
      const read = decodeHandshake12(written.bytes, kx);
      expect(withoutRawExtensionBodies(read.message), m.type).toEqual(m);
      expect(encodeHandshake12(read.message).bytes, m.type).toEqual(written.bytes);
    }
  });
});

describe("TLS 1.0 and 1.1's signed messages (no algorithm field), written and read back", () => {
  const cases: { m: AnyMessage12; kx?: KeyExchange12 }[] = [
    { m: { type: 'server_key_exchange10', kx: 'ECDHE', group: 0x17, publicKey: bytes(65, 4), params: serverKeyExchangeParams({ kx: 'ECDHE', group: 0x17, publicKey: bytes(65, 4) }), signature: bytes(256, 5) }, kx: 'ECDHE' },
    { m: { type: 'server_key_exchange10', kx: 'DHE', dhP: bytes(128, 0xff), dhG: Uint8Array.of(2), dhYs: bytes(128, 6), params: serverKeyExchangeParams({ kx: 'DHE', dhP: bytes(128, 0xff), dhG: Uint8Array.of(2), dhYs: bytes(128, 6) }), signature: bytes(71, 7) }, kx: 'DHE' },
    { m: { type: 'certificate_request10', certificateTypes: [1, 64], authorities: [bytes(10, 1)] } },
    { m: { type: 'certificate_verify10', signature: bytes(72, 6) } },
  ];
  it("read in TLS 1.0's form they give back the same fields and bytes; in TLS 1.2's they do not read", () => {
    for (const { m, kx } of cases) {
      const written = encodeHandshake12(m);
      const read = decodeHandshake12(written.bytes, kx, false, 'tls10');
      expect(read.message, m.type).toEqual(m);
      expect(encodeHandshake12(read.message).bytes, m.type).toEqual(written.bytes);
      const signature = read.fields[1].children?.find((f) => f.name === 'signature');
      if (m.type !== 'certificate_request10') expect(signature?.explain, m.type).toBe(m.type === 'certificate_verify10' ? 'cv10.signature' : 'ske10.signature');
      expect(() => decodeHandshake12(written.bytes, kx), m.type).toThrow();
    }
  });
});

/** The reader keeps each extension's raw body in `data` as well; a message written from fields has none. */
function withoutRawExtensionBodies<M>(m: M): M {
  const strip = (list: { data?: Uint8Array; code: number }[]) => list.map((e) => (KNOWN_BODY.has(e.code) ? (({ data: _d, ...rest }) => rest)(e) : e));
  const out = { ...(m as object) } as Record<string, unknown>;
  if (Array.isArray(out.extensions)) out.extensions = strip(out.extensions as { data?: Uint8Array; code: number }[]);
  if (Array.isArray(out.entries)) out.entries = (out.entries as { extensions: { code: number }[] }[]).map((en) => ({ ...en, extensions: strip(en.extensions) }));
  return out as M;
}
/** Extensions whose fields the reader decodes (others stay as their raw `data`, which the writer writes back). */
const KNOWN_BODY = new Set([0, 10, 13, 16, 23, 28, 41, 42, 43, 44, 45, 50, 51]);
