// The plaintext lane of captured LDAP, PostgreSQL and MySQL preambles, from hand-built stream chunks: packets cut
// across TCP segments put back together and described by the live handlers' own codecs, the switch to TLS marked,
// server bytes after it flagged as injected, and bytes that are not the protocol's packets shown raw, not dropped.
import { describe, expect, it } from 'vitest';
import { emitPreamble } from '../../src/capture/starttls-lane.ts';
import type { StreamChunk } from '../../src/capture/tcp-reassembly.ts';
import { ber } from '../../src/starttls/ber.ts';
import { startTlsRequest } from '../../src/starttls/ldap.ts';
import { sslRequest } from '../../src/starttls/mysql.ts';
import { SSL_REQUEST } from '../../src/starttls/postgres.ts';
import type { PreambleEvent, TraceEvent } from '../../src/trace/types.ts';

const chunk = (direction: 'client' | 'server', bytes: Uint8Array | string): StreamChunk => ({ direction, time: 0, bytes: typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes });

function lane(protocol: 'ldap' | 'postgres' | 'mysql', chunks: StreamChunk[]) {
  const events: TraceEvent[] = [];
  const injected = emitPreamble(protocol, chunks, (e) => events.push(e as TraceEvent));
  const preambles = events.filter((e): e is PreambleEvent => e.kind === 'preamble');
  return { events, injected, preambles };
}

describe('binary STARTTLS preambles in a capture', () => {
  it("PostgreSQL: the SSLRequest and 'S' described, bytes after the 'S' in the same segment injected", () => {
    const { injected, preambles, events } = lane('postgres', [chunk('client', SSL_REQUEST), chunk('server', 'SHELLO\n')]);
    expect(preambles.map((e) => [e.direction, e.text, e.note])).toEqual([
      ['client', 'SSLRequest: length=8 code=80877103 (0x04d2162f)', undefined],
      ['server', "'S': the server is willing to perform TLS", 'go-ahead: TLS starts now'],
      ['server', '6 bytes: HELLO', 'INJECTED plaintext after the go-ahead: never passed to TLS'],
    ]);
    expect(injected).toBe(6);
    expect(events.filter((e) => e.kind === 'error').map((e) => e.kind === 'error' && e.code)).toEqual(['STARTTLS_INJECTION']);
  });

  it('LDAP: a message cut across segments is one event; a message after the successful ExtendedResponse is injected', () => {
    const request = startTlsRequest(2);
    const ok = ber.sequence(ber.integer(2), ber.constructed(0x78, ber.enumerated(0), ber.octets(''), ber.octets('')));
    const extra = ber.sequence(ber.integer(0), ber.constructed(0x78, ber.enumerated(52), ber.octets(''), ber.octets('bye')));
    const { injected, preambles } = lane('ldap', [
      chunk('client', request.subarray(0, 5)),
      chunk('client', request.subarray(5)),
      chunk('server', new Uint8Array([...ok, ...extra])),
    ]);
    expect(preambles.map((e) => e.text.split('\n')[0])).toEqual([
      'LDAPMessage messageID=2 ExtendedRequest StartTLS (1.3.6.1.4.1.1466.20037)',
      'LDAPMessage messageID=2 ExtendedResponse resultCode 0 (success)',
      'LDAPMessage messageID=0 ExtendedResponse resultCode 52 (unavailable)',
    ]);
    expect(preambles[0].text).toContain('[APPLICATION 23] ExtendedRequest\n    [0] "1.3.6.1.4.1.1466.20037"');
    expect(preambles.map((e) => e.note)).toEqual([undefined, 'go-ahead: TLS starts now', 'INJECTED plaintext after the go-ahead: never passed to TLS']);
    expect(injected).toBe(extra.length);
  });

  it('LDAP: a refused StartTLS is no go-ahead, and bytes that are not BER stay shown as bytes', () => {
    const refused = ber.sequence(ber.integer(2), ber.constructed(0x78, ber.enumerated(2), ber.octets(''), ber.octets('no')));
    const { injected, preambles } = lane('ldap', [chunk('client', startTlsRequest(2)), chunk('server', refused), chunk('server', new Uint8Array([0x1f, 0xff, 0x41]))]);
    expect(preambles.map((e) => e.text.split('\n')[0])).toEqual([
      'LDAPMessage messageID=2 ExtendedRequest StartTLS (1.3.6.1.4.1.1466.20037)',
      'LDAPMessage messageID=2 ExtendedResponse resultCode 2 (protocolError)',
      '3 bytes: \\x1f\uFFFDA',
    ]);
    expect(preambles.some((e) => e.note)).toBe(false);
    expect(injected).toBe(0);
  });

  it("MySQL: the greeting across segments described, the client's SSL Request is the switch, later server bytes injected", () => {
    const payload = Buffer.concat([
      Buffer.from([10]), Buffer.from('10.11.6-MariaDB\0'), Buffer.from([7, 0, 0, 0]), Buffer.alloc(8, 0x41), Buffer.from([0]),
      Buffer.from([0x00, 0xaa]), Buffer.from([45]), Buffer.from([2, 0]), Buffer.from([0x08, 0x00]),
      Buffer.from([21]), Buffer.alloc(10), Buffer.alloc(12, 0x42), Buffer.from([0]), Buffer.from('mysql_native_password\0'),
    ]);
    const greeting = new Uint8Array(Buffer.concat([Buffer.from([payload.length, 0, 0, 0]), payload]));
    const request = sslRequest(0xaa00 | 0x80000).bytes;
    const { injected, preambles } = lane('mysql', [chunk('server', greeting.subarray(0, 10)), chunk('server', greeting.subarray(10)), chunk('client', request), chunk('server', 'junk')]);
    expect(preambles).toHaveLength(3);
    expect(preambles[0].text.split('\n').slice(0, 3)).toEqual(['Initial Handshake (protocol 10)', 'server version: 10.11.6-MariaDB', 'connection id: 7']);
    expect(preambles[0].text).toContain('auth plugin: mysql_native_password');
    expect(preambles[0].note).toBe('packet sequence 0');
    expect(preambles[1].text.split('\n')).toEqual([
      'SSL Request (packet sequence 1, 32 bytes)',
      'client flags: 0x0008aa00 = CLIENT_PROTOCOL_41 | CLIENT_SSL | CLIENT_TRANSACTIONS | CLIENT_SECURE_CONNECTION | CLIENT_PLUGIN_AUTH',
      'max packet size: 16777216',
      'character set: 45 (utf8mb4_general_ci)',
      'filler: 23 zero bytes',
    ]);
    expect(preambles[1].note).toBe('the server does not answer: the TLS handshake starts right after this packet');
    expect(preambles[2]).toMatchObject({ direction: 'server', text: '4 bytes: junk', note: 'INJECTED plaintext after the go-ahead: never passed to TLS' });
    expect(injected).toBe(4);
  });
});
