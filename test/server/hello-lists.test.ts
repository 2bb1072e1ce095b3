// ClientHello lists that RFC 8446 §4.2 and RFC 6066 §3 require to be well formed, refused as s_server refuses them:
// an empty supported_versions, supported_groups or signature_algorithms list and an empty or doubled server_name list
// are decode_error; a host_name holding a NUL byte is illegal_parameter. A well-formed hello still gets its ServerHello.
import { describe, expect, it } from 'vitest';
import { generateKeyShare } from '../../src/crypto/key-exchange.ts';
import { ExtensionType as X } from '../../src/tls/messages/constants.ts';
import type { Extension } from '../../src/tls/messages/extensions.ts';
import { encodeHandshake, type ClientHello } from '../../src/tls/messages/handshake.ts';
import { concat } from '../../src/util/bytes.ts';
import { usePki } from '../support/pki.ts';
import { feedServer } from './support/feed.ts';

const pki = usePki();
/** A code point no extension has: its bytes are swapped for server_name's (0x0000) after encoding. */
const STAND_IN = 0x7e7e;

async function clientHello(change: (extensions: Extension[]) => void = () => undefined): Promise<Uint8Array> {
  const share = await generateKeyShare('x25519');
  const extensions: Extension[] = [
    { code: X.supported_versions, versions: [0x0304] },
    { code: X.supported_groups, groups: [0x001d] },
    { code: X.signature_algorithms, schemes: [0x0403, 0x0804] },
    { code: X.key_share, shares: [{ group: 0x001d, keyExchange: share.publicKey }] },
  ];
  change(extensions);
  const ch: ClientHello = { type: 'client_hello', legacyVersion: 0x0303, random: new Uint8Array(32), sessionId: new Uint8Array(0), cipherSuites: [0x1301], compressionMethods: [0], extensions };
  const message = encodeHandshake(ch).bytes;
  // The stand-in is the last extension: its code sits just before its length and data at the message's end (a
  // search for its bytes could find them in the random key share instead).
  const last = extensions[extensions.length - 1];
  if (last.code === STAND_IN) {
    const at = message.length - 4 - last.data!.length;
    expect([message[at], message[at + 1]]).toEqual([0x7e, 0x7e]);
    message.set([0, 0], at);
  }
  return concat(Uint8Array.of(22, 3, 1, message.length >> 8, message.length & 0xff), message);
}

/** A server_name extension body: a list of (type, name) entries. */
function serverNames(...entries: [number, string][]): Extension {
  const items = entries.map(([type, name]) => {
    const bytes = new TextEncoder().encode(name);
    return concat(Uint8Array.of(type, bytes.length >> 8, bytes.length & 0xff), bytes);
  });
  const list = concat(...items);
  return { code: STAND_IN, data: concat(Uint8Array.of(list.length >> 8, list.length & 0xff), list) };
}

const serverHelloSent = (events: { kind: string; direction?: string; name?: string }[]) => events.some((e) => e.kind === 'handshake' && e.direction === 'server' && e.name === 'ServerHello');

describe('lists in a ClientHello', () => {
  it('a well-formed hello with one host name is answered', async () => {
    const o = await feedServer(pki, await clientHello((x) => x.push(serverNames([0, 'localhost']))));
    expect(o.code, o.message).toBe('CLOSED');
    expect(serverHelloSent(o.trace.events)).toBe(true);
  });

  it.each([
    ['supported_versions', X.supported_versions, { versions: [] }],
    ['supported_groups', X.supported_groups, { groups: [] }],
    ['signature_algorithms', X.signature_algorithms, { schemes: [] }],
  ])('an empty %s list is decode_error', async (_name, code, empty) => {
    const o = await feedServer(pki, await clientHello((x) => Object.assign(x.find((e) => e.code === code)!, empty)));
    expect([o.code, o.sentAlert], o.message).toEqual(['DECODE_ERROR', 'decode_error']);
  });

  it.each([
    ['empty', serverNames()],
    ['holding two host names', serverNames([0, 'localhost'], [0, 'example.com'])],
    ['holding an empty host name', serverNames([0, ''])],
  ])('a server_name list %s is decode_error', async (_name, ext) => {
    const o = await feedServer(pki, await clientHello((x) => x.push(ext)));
    expect([o.code, o.sentAlert], o.message).toEqual(['DECODE_ERROR', 'decode_error']);
    expect(serverHelloSent(o.trace.events)).toBe(false);
  });

  it('a host_name holding a NUL byte is illegal_parameter', async () => {
    const o = await feedServer(pki, await clientHello((x) => x.push(serverNames([0, 'localhost\0.evil.example']))));
    expect([o.code, o.sentAlert], o.message).toEqual(['ILLEGAL_PARAMETER', 'illegal_parameter']);
  });
});
