// Where a client's ChangeCipherSpec may come (RFC 8446 §5, RFC 5246 §7.1): in TLS 1.3 one is dropped after the
// first ClientHello (middlebox compatibility); before that ClientHello, inside it, or in TLS 1.2 before the
// client's key exchange, it is unexpected_message (OpenSSL's s_server answers the same: "ccs received early").
import { beforeAll, describe, expect, it } from 'vitest';
import type { ServerOptions } from '../../src/tls/server.ts';
import { concat } from '../../src/util/bytes.ts';
import { usePki } from '../support/pki.ts';
import { feedServer } from './support/feed.ts';
import { openSslHello } from './support/real-hellos.ts';

const pki = usePki();
let hello: Uint8Array;
beforeAll(async () => {
  hello = await openSslHello();
}, 60_000);

const CCS = Uint8Array.of(20, 3, 3, 0, 1, 1);

/** A handshake record carrying these bytes. */
function handshakeRecord(fragment: Uint8Array): Uint8Array {
  return concat(Uint8Array.of(22, 3, 1, fragment.length >> 8, fragment.length & 0xff), fragment);
}

const feed = (bytes: Uint8Array, server: Partial<ServerOptions> = {}) => feedServer(pki, bytes, server);

describe('ChangeCipherSpec from the client, in and out of place', () => {
  it('TLS 1.3: one after the ClientHello is dropped; the server waits for the Finished (the client hangs up: CLOSED)', async () => {
    const o = await feed(concat(hello, CCS));
    expect(o.code, o.message).toBe('CLOSED');
  });

  it('before the ClientHello: unexpected_message', async () => {
    const o = await feed(concat(CCS, hello));
    expect([o.code, o.sentAlert], o.message).toEqual(['UNEXPECTED_MESSAGE', 'unexpected_message']);
    expect(o.message).toMatch(/before the ClientHello/);
  });

  it('between two records of the ClientHello: unexpected_message (RFC 8446 §5.1: no interleaving)', async () => {
    const fragment = hello.subarray(5);
    const o = await feed(concat(handshakeRecord(fragment.subarray(0, 40)), CCS, handshakeRecord(fragment.subarray(40))));
    expect([o.code, o.sentAlert], o.message).toEqual(['UNEXPECTED_MESSAGE', 'unexpected_message']);
  });

  it('TLS 1.2: one right after the ClientHello, before any key exchange, is unexpected_message, not dropped', async () => {
    const o = await feed(concat(hello, CCS), { versions: ['TLS1.2'] });
    expect([o.code, o.sentAlert], o.message).toEqual(['UNEXPECTED_MESSAGE', 'unexpected_message']);
    expect(o.message).toMatch(/key exchange/);
  });
});
