// status_request (RFC 6066 §8) in each message that carries it, written and read back by the one codec: asked for in
// a ClientHello, acknowledged empty in a TLS 1.2 ServerHello, answered in a TLS 1.3 CertificateEntry (RFC 8446
// §4.4.2.1) and in TLS 1.2's CertificateStatus message; bad framing is decode_error.
import { describe, expect, it } from 'vitest';
import { ExtensionType as X } from '../../src/tls/messages/constants.ts';
import { findExtension } from '../../src/tls/messages/extensions.ts';
import { decodeHandshake, encodeHandshake, type ClientHello } from '../../src/tls/messages/handshake.ts';
import { decodeHandshake12, encodeHandshake12 } from '../../src/tls/messages/tls12.ts';
import { explain } from '../../src/trace/explain.ts';
import type { FieldNode } from '../../src/trace/types.ts';
import { toHex } from '../../src/util/bytes.ts';

const hello = (extensions: ClientHello['extensions']): ClientHello => ({
  type: 'client_hello', legacyVersion: 0x0303, random: new Uint8Array(32), sessionId: new Uint8Array(0), cipherSuites: [0x1301], compressionMethods: [0], extensions,
});
const OCSP_DER = Uint8Array.of(0x30, 0x03, 0x0a, 0x01, 0x00);
const flat = (fields: FieldNode[]): FieldNode[] => fields.flatMap((f) => [f, ...flat(f.children ?? [])]);

describe('status_request codec', () => {
  it('a ClientHello asks for ocsp with no responders and no request extensions: 5 bytes 01 0000 0000', () => {
    const enc = encodeHandshake(hello([{ code: X.status_request, statusType: 1 }]));
    expect(toHex(enc.bytes)).toContain('0005000501' + '0000' + '0000');
    const dec = decodeHandshake(enc.bytes).message as ClientHello;
    expect(findExtension(dec.extensions, X.status_request)?.statusType).toBe(1);
    const named = flat(decodeHandshake(enc.bytes).fields).filter((f) => f.explain?.startsWith('ext.status_request'));
    expect(named.map((f) => f.name).filter((n) => n !== 'value')).toEqual(['status_type', 'responder_id_list', 'request_extensions']);
    // Written and read the same way: one field tree either side.
    expect(JSON.stringify(flat(enc.fields).filter((f) => f.explain?.startsWith('ext.status_request')).map((f) => [f.name, f.start, f.end]))).toBe(JSON.stringify(named.map((f) => [f.name, f.start, f.end])));
    for (const f of named) expect(explain(f.explain!)).toBeDefined();
  });

  it('a TLS 1.3 CertificateEntry carries the CertificateStatus: ocsp, then the DER response', () => {
    const cert = { type: 'certificate' as const, context: new Uint8Array(0), entries: [{ certData: Uint8Array.of(0x30, 0x00), extensions: [{ code: X.status_request, ocspResponse: OCSP_DER }] }] };
    const enc = encodeHandshake(cert);
    const dec = decodeHandshake(enc.bytes).message;
    expect(dec.type === 'certificate' && toHex(findExtension(dec.entries[0].extensions, X.status_request)!.ocspResponse!)).toBe(toHex(OCSP_DER));
    expect(toHex(encodeHandshake(dec).bytes)).toBe(toHex(enc.bytes));
  });

  it('TLS 1.2 CertificateStatus (type 22) round-trips; another status type is decode_error', () => {
    const enc = encodeHandshake12({ type: 'certificate_status', statusType: 1, ocspResponse: OCSP_DER });
    expect(enc.name).toBe('CertificateStatus');
    expect(toHex(enc.bytes)).toBe('16000009' + '01' + '000005' + toHex(OCSP_DER));
    expect(decodeHandshake12(enc.bytes).message).toMatchObject({ type: 'certificate_status', statusType: 1, ocspResponse: OCSP_DER });
    const other = Uint8Array.from(enc.bytes);
    other[4] = 2;
    expect(() => decodeHandshake12(other)).toThrow(expect.objectContaining({ code: 'DECODE_ERROR' }));
    const empty = Uint8Array.of(0x16, 0, 0, 4, 1, 0, 0, 0);
    expect(() => decodeHandshake12(empty)).toThrow(expect.objectContaining({ code: 'DECODE_ERROR' }));
  });

  it('a TLS 1.2 ServerHello acknowledges with an empty status_request; a non-empty one is decode_error', () => {
    const sh = { type: 'server_hello' as const, isHelloRetryRequest: false, legacyVersion: 0x0303, random: new Uint8Array(32).fill(1), sessionIdEcho: new Uint8Array(0), cipherSuite: 0xc02b, compressionMethod: 0, extensions: [{ code: X.status_request }] };
    const enc = encodeHandshake(sh);
    expect(toHex(enc.bytes).endsWith('00050000')).toBe(true);
    const bad = Uint8Array.from([...enc.bytes.subarray(0, enc.bytes.length - 4), 0x00, 0x05, 0x00, 0x01, 0x00]);
    bad[3] += 1; // handshake length
    bad[bad.length - 8] += 1; // extensions length
    expect(() => decodeHandshake(bad)).toThrow(expect.objectContaining({ code: 'DECODE_ERROR' }));
  });
});
