// What the server fuzz tests (fuzz-hello, fuzz-flight) found, each as the shrunk input in constructed bytes:
// - a message of a type the state does not read, whose body does not decode either, was answered with the decoder's
//   decode_error (or illegal_parameter) naming a message the client never meant to send; it is unexpected_message,
//   as for the same type with a body that decodes (RFC 8446 §6.2; OpenSSL checks the type first);
// - messages said "a alert record", "a application_data record", "client_hello: extension alpn appears twice", and
//   "expected client key exchange, got HelloRequest" where the other path said ClientKeyExchange, "a x25519 key share",
//   and to a client speaking plain text "the server may not be speaking TLS on this port".
import { describe, expect, it } from 'vitest';
import { ExtensionType as X } from '../../src/tls/messages/constants.ts';
import { encodeHandshake, type ClientHello } from '../../src/tls/messages/handshake.ts';
import { concat } from '../../src/util/bytes.ts';
import { usePki } from '../support/pki.ts';
import { feedServer } from './support/feed.ts';

const pki = usePki();

const record = (type: number, fragment: Uint8Array) => concat(Uint8Array.of(type, 3, 3, fragment.length >> 8, fragment.length & 0xff), fragment);

async function clientHello12(change: (ch: ClientHello) => void = () => undefined): Promise<Uint8Array> {
  const ch: ClientHello = {
    type: 'client_hello',
    legacyVersion: 0x0303,
    random: new Uint8Array(32).fill(7),
    sessionId: new Uint8Array(0),
    cipherSuites: [0xc02b],
    compressionMethods: [0],
    extensions: [
      { code: X.supported_groups, groups: [0x001d, 0x0017] },
      { code: X.signature_algorithms, schemes: [0x0403] },
    ],
  };
  change(ch);
  return encodeHandshake(ch).bytes;
}

const notes = (o: Awaited<ReturnType<typeof feedServer>>) => o.trace.events.flatMap((e) => (e.kind === 'note' ? [e.text] : []));

describe('what fuzzing the server found', () => {
  it('a malformed ServerHello where the ClientHello belongs is unexpected_message, not decode_error', async () => {
    // fuzz-hello: a handshake record holding 02 000001 00 (a ServerHello of one byte) before the ClientHello.
    const o = await feedServer(pki, record(22, Uint8Array.of(2, 0, 0, 1, 0)));
    expect([o.code, o.sentAlert], o.message).toEqual(['UNEXPECTED_MESSAGE', 'unexpected_message']);
    expect(o.message).toBe('ExpectClientHello: expected ClientHello, got ServerHello (type 2), malformed too (ServerHello: legacy_version needs 2 byte(s) but only 1 remain (at byte 4))');
    // The record and the message's bytes stay in the trace.
    expect(o.trace.events.filter((e) => e.kind === 'record' && e.direction === 'client')).toHaveLength(1);
    expect(notes(o)).toContain('undecodable handshake message (type 2, 5 bytes): 0200000100');
  });

  it('TLS 1.2: a malformed CertificateRequest where the ClientKeyExchange belongs is unexpected_message, not decode_error', async () => {
    // fuzz-flight: the client's ClientKeyExchange with its type byte set to 13 and its body cut to one byte.
    const o = await feedServer(pki, concat(record(22, await clientHello12()), record(22, Uint8Array.of(13, 0, 0, 1, 0xff))));
    expect([o.code, o.sentAlert], o.message).toEqual(['UNEXPECTED_MESSAGE', 'unexpected_message']);
    expect(o.message).toMatch(/^ExpectClientKeyExchange \(TLS 1\.2\): expected ClientKeyExchange, got CertificateRequest \(type 13\), malformed too \(/);
  });

  it('TLS 1.2: a well-formed message of the wrong type is said the same way', async () => {
    const o = await feedServer(pki, concat(record(22, await clientHello12()), record(22, Uint8Array.of(0, 0, 0, 0))));
    expect([o.code, o.sentAlert, o.message]).toEqual(['UNEXPECTED_MESSAGE', 'unexpected_message', 'ExpectClientKeyExchange (TLS 1.2): expected ClientKeyExchange, got HelloRequest (type 0)']);
  });

  it('TLS 1.2: the expected message malformed is still decode_error', async () => {
    const o = await feedServer(pki, concat(record(22, await clientHello12()), record(22, Uint8Array.of(16, 0, 0, 1, 0xff))));
    expect([o.code, o.sentAlert], o.message).toEqual(['DECODE_ERROR', 'decode_error']);
  });

  it('a record too long for its type says which, with its article', async () => {
    const o = await feedServer(pki, concat(Uint8Array.of(0x15, 3, 3, 0x48, 0x01), new Uint8Array(0x4801)));
    expect([o.code, o.message]).toEqual(['RECORD_OVERFLOW', 'an alert record of 18433 bytes exceeds the limit of 16384 bytes']);
  });

  it('an extension twice is said in plain words', async () => {
    const hello = await clientHello12((ch) => ch.extensions.push({ code: X.alpn, protocols: ['h2'] }, { code: X.alpn, protocols: ['h2'] }));
    const o = await feedServer(pki, record(22, hello));
    expect([o.code, o.sentAlert, o.message]).toEqual(['ILLEGAL_PARAMETER', 'illegal_parameter', 'the alpn extension appears twice in the client hello (RFC 8446 §4.2: at most one of each type)']);
  });

  it('text where a record belongs: the hint names the client, not "the server may not be speaking TLS"', async () => {
    // fuzz-hello: an extension's bytes ("alhos" of localhost) framed as a record header after a cut.
    const o = await feedServer(pki, new TextEncoder().encode('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n'));
    expect([o.code, o.sentAlert, o.message]).toEqual(['UNEXPECTED_MESSAGE', 'unexpected_message', 'the client sent a record of unknown content type 71 — the bytes look like text ("GET /..."): the client may be speaking a plaintext protocol (HTTP, or a STARTTLS one before its upgrade) to this TLS port']);
  });

  it('a key share of the wrong size for x25519 is said with the right article', async () => {
    const hello = await clientHello12((ch) => (ch.cipherSuites = [0x1301]) && ch.extensions.push({ code: X.supported_versions, versions: [0x0304] }, { code: X.key_share, shares: [{ group: 0x001d, keyExchange: new Uint8Array(31).fill(9) }] }));
    const o = await feedServer(pki, record(22, hello));
    expect([o.code, o.sentAlert, o.message]).toEqual(['ILLEGAL_PARAMETER', 'illegal_parameter', 'a key share for x25519 must be 32 bytes, got 31']);
  });

  it('the ClientHello these cases start from is one the server takes (it then waits for the client: CLOSED)', async () => {
    const o = await feedServer(pki, record(22, await clientHello12()));
    expect(o.code, o.message).toBe('CLOSED');
  });
});
