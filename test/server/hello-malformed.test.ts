// Malformed ClientHellos get the alert a careful server sends (OpenSSL's s_server, run on the same bytes, agrees):
// decode_error for an empty compression list, an empty ALPN list, and data in extended_master_secret; a
// ClientHello followed by more handshake bytes in its record is refused before the ServerHello, in plaintext.
import { describe, expect, it } from 'vitest';
import { generateKeyShare } from '../../src/crypto/key-exchange.ts';
import { ExtensionType as X } from '../../src/tls/messages/constants.ts';
import type { Extension } from '../../src/tls/messages/extensions.ts';
import { encodeHandshake, type ClientHello } from '../../src/tls/messages/handshake.ts';
import { concat } from '../../src/util/bytes.ts';
import { usePki } from '../support/pki.ts';
import { feedServer, type FeedOutcome } from './support/feed.ts';

const pki = usePki();

async function clientHello(version: '1.3' | '1.2', change: (ch: ClientHello) => void = () => undefined): Promise<Uint8Array> {
  const share = await generateKeyShare('x25519');
  const extensions: Extension[] = [
    { code: X.supported_groups, groups: [0x001d, 0x0017] },
    { code: X.signature_algorithms, schemes: [0x0403, 0x0804] },
  ];
  if (version === '1.3') extensions.push({ code: X.supported_versions, versions: [0x0304] }, { code: X.key_share, shares: [{ group: 0x001d, keyExchange: share.publicKey }] });
  const ch: ClientHello = {
    type: 'client_hello',
    legacyVersion: 0x0303,
    random: crypto.getRandomValues(new Uint8Array(32)),
    sessionId: new Uint8Array(0),
    cipherSuites: version === '1.3' ? [0x1301] : [0xc02b],
    compressionMethods: [0],
    extensions,
  };
  change(ch);
  return encodeHandshake(ch).bytes;
}

const record = (fragment: Uint8Array) => concat(Uint8Array.of(22, 3, 1, fragment.length >> 8, fragment.length & 0xff), fragment);
const sentServerHello = (o: FeedOutcome) => o.trace.events.some((e) => e.kind === 'handshake' && e.direction === 'server' && e.name === 'ServerHello');

describe('malformed ClientHellos', () => {
  it.each(['1.3', '1.2'] as const)('TLS %s: no compression method at all is decode_error', async (v) => {
    const o = await feedServer(pki, record(await clientHello(v, (ch) => (ch.compressionMethods = []))));
    expect([o.code, o.sentAlert], o.message).toEqual(['DECODE_ERROR', 'decode_error']);
  });

  it.each(['1.3', '1.2'] as const)('TLS %s: an ALPN extension listing no protocol is decode_error, even with no ALPN configured', async (v) => {
    const o = await feedServer(pki, record(await clientHello(v, (ch) => ch.extensions.push({ code: X.alpn, protocols: [] }))));
    expect([o.code, o.sentAlert], o.message).toEqual(['DECODE_ERROR', 'decode_error']);
  });

  it('TLS 1.2: extended_master_secret with data is decode_error', async () => {
    const o = await feedServer(pki, record(await clientHello('1.2', (ch) => ch.extensions.push({ code: X.extended_master_secret, data: Uint8Array.of(0) }))));
    expect([o.code, o.sentAlert], o.message).toEqual(['DECODE_ERROR', 'decode_error']);
    expect(sentServerHello(o)).toBe(false);
  });

  it('TLS 1.3: a ClientHello and more handshake bytes in one record: unexpected_message before any ServerHello', async () => {
    const hello = await clientHello('1.3');
    const o = await feedServer(pki, record(concat(hello, hello)));
    expect([o.code, o.sentAlert], o.message).toEqual(['UNEXPECTED_MESSAGE', 'unexpected_message']);
    expect(sentServerHello(o)).toBe(false);
  });
});
