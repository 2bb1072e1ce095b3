// The record header's version on a ClientHello (RFC 5246 §E.1: a server accepts any {03,XX} there; RFC 8446 §5.1:
// legacy_record_version is ignored). OpenSSL's s_server answers such hellos; only a first byte other than 3 is no TLS
// record, refused at once with protocol_version.
import { beforeAll, describe, expect, it } from 'vitest';
import { usePki } from '../support/pki.ts';
import { feedServer } from './support/feed.ts';
import { openSslHello } from './support/real-hellos.ts';

const pki = usePki();
let hello: Uint8Array;
beforeAll(async () => {
  hello = await openSslHello();
}, 60_000);

/** The recorded hello with another version in its record header (bytes 1-2). */
function withRecordVersion(version: number): Uint8Array {
  const copy = hello.slice();
  copy[1] = version >> 8;
  copy[2] = version & 0xff;
  return copy;
}

const serverHelloSent = (events: { kind: string; direction?: string; name?: string }[]) =>
  events.some((e) => e.kind === 'handshake' && e.direction === 'server' && e.name === 'ServerHello');

describe('the record version of a ClientHello', () => {
  it.each([
    ['0x0300', 0x0300],
    ['0x0304', 0x0304],
    ['0x03ff', 0x03ff],
  ])('%s: read and answered (the ServerHello goes out; then the client hangs up)', async (_name, version) => {
    const o = await feedServer(pki, withRecordVersion(version));
    expect(o.code, o.message).toBe('CLOSED');
    expect(serverHelloSent(o.trace.events)).toBe(true);
  });

  it.each([
    ['0x0203', 0x0203],
    ['0x1603', 0x1603],
  ])('%s: not a TLS record: protocol_version, no ServerHello', async (_name, version) => {
    const o = await feedServer(pki, withRecordVersion(version));
    expect(o.code, o.message).toBe('PROTOCOL_VERSION');
    expect(o.message).toContain('0x03XX');
    expect(serverHelloSent(o.trace.events)).toBe(false);
  });
});
