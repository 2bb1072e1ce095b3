// A TLS 1.3 ClientHello's legacy_version (RFC 8446 §4.2.1): with supported_versions the server must not negotiate
// on it, so a real ClientHello with 0x0301, 0x0302 or 0x0304 there still gets TLS 1.3 (as from OpenSSL's
// s_server); only an SSL 3.0 one is refused with protocol_version.
import { beforeAll, describe, expect, it } from 'vitest';
import { usePki } from '../support/pki.ts';
import { feedServer } from './support/feed.ts';
import { openSslHello } from './support/real-hellos.ts';

const pki = usePki();
let hello: Uint8Array;
beforeAll(async () => {
  hello = await openSslHello();
}, 60_000);

/** The recorded hello (a record: 5-byte header, 4-byte handshake header, then legacy_version) with another version. */
function withLegacyVersion(version: number): Uint8Array {
  const copy = hello.slice();
  copy[9] = version >> 8;
  copy[10] = version & 0xff;
  return copy;
}

describe('legacy_version of a TLS 1.3 ClientHello', () => {
  it.each([
    ['0x0301', 0x0301],
    ['0x0302', 0x0302],
    ['0x0304', 0x0304],
  ])('%s: TLS 1.3 all the same (the ServerHello goes out; then the client hangs up)', async (_name, version) => {
    const o = await feedServer(pki, withLegacyVersion(version));
    expect(o.code, o.message).toBe('CLOSED');
    expect(o.trace.events.some((e) => e.kind === 'handshake' && e.direction === 'server' && e.name === 'ServerHello')).toBe(true);
  });

  it('0x0300 (SSL 3.0): protocol_version', async () => {
    const o = await feedServer(pki, withLegacyVersion(0x0300));
    expect([o.code, o.sentAlert], o.message).toEqual(['PROTOCOL_VERSION', 'protocol_version']);
  });
});
