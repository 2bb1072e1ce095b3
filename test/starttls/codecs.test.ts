// The small codecs of the STARTTLS layer, checked against bytes from the RFCs and from real servers.
import { describe, expect, it } from 'vitest';
import { PROTOCOLS, describeChange, runStartTls, starttlsTranscript, StartTlsError } from '../../src/starttls/index.ts';
import { berDecode, berHeader, berLength, berInteger } from '../../src/starttls/ber.ts';
import { describeLdap, searchRootDse, startTlsRequest } from '../../src/starttls/ldap.ts';
import { parseElement, parseStreamHeader } from '../../src/starttls/xml.ts';
import { sieveTokens } from '../../src/starttls/sieve.ts';
import { capabilityNames, CLIENT_SSL, parseGreeting, sslRequest } from '../../src/starttls/mysql.ts';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import { fromHex, toHex } from '../../src/util/bytes.ts';

const text = (s: string) => new TextEncoder().encode(s);

describe('protocol list', () => {
  it('has the eleven protocols with their usual ports', () => {
    expect(PROTOCOLS.map((p) => p.id).sort()).toEqual(['ftp', 'imap', 'ldap', 'lmtp', 'mysql', 'nntp', 'pop3', 'postgres', 'sieve', 'smtp', 'xmpp']);
    expect(PROTOCOLS.find((p) => p.id === 'sieve')).toMatchObject({ name: 'ManageSieve', defaultPort: 4190, rfc: 'RFC 5804' });
    expect(PROTOCOLS.find((p) => p.id === 'postgres')?.defaultPort).toBe(5432);
  });

  it('an unknown protocol is a clear error', async () => {
    const t = { write: async () => undefined, read: async () => null, close: async () => undefined };
    await expect(runStartTls('gopher' as never, t, new TraceRecorder().emit)).rejects.toThrow(/unknown STARTTLS protocol "gopher"/);
  });
});

describe('BER for LDAP', () => {
  it('encodes the StartTLS extended request as RFC 4511 4.12 lays it out', () => {
    // SEQUENCE { INTEGER 1, [APPLICATION 23] { [0] "1.3.6.1.4.1.1466.20037" } }
    expect(toHex(startTlsRequest(1))).toBe('301d02010177188016' + toHex(text('1.3.6.1.4.1.1466.20037')));
  });

  it('long lengths round-trip; indefinite lengths are refused', () => {
    expect(berLength(300)).toEqual([0x82, 0x01, 0x2c]);
    expect(berHeader(new Uint8Array([0x30, 0x82, 0x01, 0x2c]))).toEqual({ id: 0x30, headerLength: 4, length: 300 });
    expect(berHeader(new Uint8Array([0x30, 0x82, 0x01]))).toBeNull();
    expect(() => berHeader(new Uint8Array([0x30, 0x80]))).toThrow(/indefinite/);
    const search = searchRootDse(7);
    const [msg] = berDecode(search);
    expect(berInteger(msg.children![0])).toBe(7);
    expect(msg.children![1]).toMatchObject({ cls: 'application', tag: 3, constructed: true });
    expect(describeLdap(msg)).toMatch(/\[APPLICATION 3\] SearchRequest\n {4}OCTET STRING ""\n {4}ENUMERATED 0/);
  });

  it('refuses a truncated element', () => {
    expect(() => berDecode(fromHex('300502010100'))).toThrow(/truncated/);
  });
});

describe('XMPP stream XML', () => {
  const header = `<?xml version='1.0'?><stream:stream xmlns='jabber:client' to='a>b' version="1.0">`;

  it('reads the header, with ">" inside a quoted attribute', () => {
    const r = parseStreamHeader(text(header + '<stream:features/>'))!;
    expect(r.used).toBe(header.length);
    expect(r.value.attrs).toMatchObject({ to: 'a>b', version: '1.0' });
  });

  it('waits for a complete element and keeps nested structure and text', () => {
    const el = `<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-1</mechanism><mechanism>PLAIN</mechanism></mechanisms></stream:features>`;
    for (let cut = 1; cut < el.length; cut += 7) expect(parseElement(text(el.slice(0, cut)))).toBeNull();
    const r = parseElement(text(el + '<next/>'))!;
    expect(r.used).toBe(el.length);
    const v = r.value as Exclude<typeof r.value, 'end-of-stream'>;
    expect(v.children[0].children.map((m) => m.text)).toEqual(['SCRAM-SHA-1', 'PLAIN']);
    expect(parseElement(text('</stream:stream>'))!.value).toBe('end-of-stream');
  });

  it('refuses DTDs and mismatched tags', () => {
    expect(() => parseStreamHeader(text('<!DOCTYPE x><stream:stream>'))).toThrow(/DTD/);
    expect(() => parseElement(text('<a><b></a>'))).toThrow(/closes/);
  });
});

describe('ManageSieve strings', () => {
  it('splits quoted strings with escapes and atoms', () => {
    expect(sieveTokens('"SIEVE" "fileinto \\"x\\" vacation"')).toEqual(['SIEVE', 'fileinto "x" vacation']);
    expect(sieveTokens('OK "ready"')).toEqual(['OK', 'ready']);
  });
});

describe('MySQL packets', () => {
  // The Initial Handshake sent by Debian's MariaDB 10.11 (captured from the real server).
  const greeting = fromHex(
    '0a352e352e352d31302e31312e31392d4d6172696144422d302b6465623132753100030000007d786261405b295b00feff080200ff81150000000000001d0000006d3458427c6d2f413939526f006d7973716c5f6e61746976655f70617373776f726400',
  );

  it('decodes the greeting fields', () => {
    const g = parseGreeting(greeting);
    expect(g.serverVersion).toBe('5.5.5-10.11.19-MariaDB-0+deb12u1');
    expect(g.connectionId).toBe(3);
    expect(g.capabilities & CLIENT_SSL).toBe(CLIENT_SSL);
    expect(g.characterSet).toBe(8);
    expect(g.authPluginName).toBe('mysql_native_password');
  });

  it('builds a 32-byte SSL Request with sequence id 1 and only flags the server has', () => {
    const r = sslRequest(0x0000_0a00); // PROTOCOL_41 | SSL only
    expect(r.bytes.length).toBe(36);
    expect(toHex(r.bytes.slice(0, 4))).toBe('20000001');
    expect(capabilityNames(r.flags)).toEqual(['CLIENT_PROTOCOL_41', 'CLIENT_SSL']);
  });

  it('refuses a protocol 9 greeting', () => {
    expect(() => parseGreeting(fromHex('09352e3000'))).toThrow(StartTlsError);
  });
});

describe('transcript and changes', () => {
  it('builds the CLI transcript from preamble events, one entry per line', () => {
    const rec = new TraceRecorder();
    rec.emit({ kind: 'preamble', protocol: 'SMTP', direction: 'server', bytes: '', text: '220 hi' });
    rec.emit({ kind: 'note', text: 'x' });
    rec.emit({ kind: 'preamble', protocol: 'LDAP', direction: 'client', bytes: '', text: 'other protocol' });
    rec.emit({ kind: 'preamble', protocol: 'SMTP', direction: 'client', bytes: '', text: 'EHLO a' });
    expect(starttlsTranscript('smtp', rec.events, ['STARTTLS'], [])).toEqual({
      protocol: 'smtp',
      transcript: [{ direction: 'server', line: '220 hi' }, { direction: 'client', line: 'EHLO a' }],
      capabilitiesBefore: ['STARTTLS'],
      capabilitiesAfter: [],
    });
  });

  it('the transcript says advertised: false when the STARTTLS command was sent unadvertised', () => {
    const rec = new TraceRecorder();
    rec.emit({ kind: 'preamble', protocol: 'SMTP', direction: 'server', bytes: '', text: '250 ok' });
    rec.emit({ kind: 'preamble', protocol: 'SMTP', direction: 'client', bytes: '', text: 'STARTTLS', advertised: false });
    expect(starttlsTranscript('smtp', rec.events, [], [])).toMatchObject({ advertised: false });
    expect(starttlsTranscript('smtp', rec.events.slice(0, 1), [], [])).not.toHaveProperty('advertised');
  });

  it('describes what TLS changed', () => {
    expect(describeChange(['A', 'STARTTLS'], ['A', 'AUTH PLAIN'])).toBe('capabilities after TLS: added AUTH PLAIN; removed STARTTLS');
    expect(describeChange(['A'], ['A'])).toBe('capabilities after TLS: unchanged');
  });
});
