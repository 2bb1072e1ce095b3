// TLS 1.2 ec_point_formats (RFC 8422 §5.1.2): a client listing curves must list the uncompressed point format, the
// only one written here; otherwise illegal_parameter (OpenSSL's s_server refuses such a ClientHello too), and an
// empty list is decode_error. Lists with uncompressed, or no extension at all, are served.
import { describe, expect, it } from 'vitest';
import { ExtensionType as X } from '../../src/tls/messages/constants.ts';
import type { Extension } from '../../src/tls/messages/extensions.ts';
import { encodeHandshake } from '../../src/tls/messages/handshake.ts';
import { concat } from '../../src/util/bytes.ts';
import { usePki } from '../support/pki.ts';
import { feedServer } from './support/feed.ts';

const pki = usePki();

/** A TLS 1.2 ClientHello record (ECDHE-ECDSA-AES128-GCM-SHA256, x25519 and P-256) with these extensions added. */
function hello12(extra: Extension[]): Uint8Array {
  const body = encodeHandshake({
    type: 'client_hello',
    legacyVersion: 0x0303,
    random: crypto.getRandomValues(new Uint8Array(32)),
    sessionId: new Uint8Array(0),
    cipherSuites: [0xc02b],
    compressionMethods: [0],
    extensions: [{ code: X.supported_groups, groups: [0x001d, 0x0017] }, { code: X.signature_algorithms, schemes: [0x0403] }, ...extra],
  }).bytes;
  return concat(Uint8Array.of(22, 3, 1, body.length >> 8, body.length & 0xff), body);
}

const sentServerHello = (o: Awaited<ReturnType<typeof feedServer>>) => o.trace.events.some((e) => e.kind === 'handshake' && e.direction === 'server' && e.name === 'ServerHello');

describe('TLS 1.2 ec_point_formats', () => {
  it('only ansiX962_compressed_prime: illegal_parameter, no ServerHello', async () => {
    const o = await feedServer(pki, hello12([{ code: X.ec_point_formats, data: Uint8Array.of(1, 1) }]));
    expect([o.code, o.sentAlert], o.message).toEqual(['ILLEGAL_PARAMETER', 'illegal_parameter']);
    expect(sentServerHello(o)).toBe(false);
  });

  it('an empty list: decode_error', async () => {
    const o = await feedServer(pki, hello12([{ code: X.ec_point_formats, data: Uint8Array.of(0) }]));
    expect([o.code, o.sentAlert], o.message).toEqual(['DECODE_ERROR', 'decode_error']);
  });

  it.each([
    ['uncompressed among others', [{ code: X.ec_point_formats, data: Uint8Array.of(3, 0, 1, 2) }]],
    ['no ec_point_formats', []],
  ])('%s: served (the ServerHello goes out; then the client hangs up)', async (_name, extra) => {
    const o = await feedServer(pki, hello12(extra as Extension[]));
    expect(o.code, o.message).toBe('CLOSED');
    expect(sentServerHello(o)).toBe(true);
  });
});
