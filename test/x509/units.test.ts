// Small pieces on their own: DER strictness, OIDs, names, host names, name-constraint matching.
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeOid, DerError, readRoot } from '../../src/x509/der.ts';
import { dnsNameMatches, isPublicSuffix, loadPublicSuffixList, parseReferenceIdentity } from '../../src/x509/hostname.ts';
import { decodeNameDer, nameWithin } from '../../src/x509/names.ts';
import { classifySignatureAlgorithm } from '../../src/x509/algorithms.ts';

// The list loads on first need (validateChain awaits it); these call the matchers directly.
beforeAll(loadPublicSuffixList);

const bytes = (...b: number[]) => new Uint8Array(b);

describe('DER walker', () => {
  it('refuses non-minimal and indefinite lengths, and trailing bytes', () => {
    expect(() => readRoot(bytes(0x04, 0x81, 0x01, 0xaa))).toThrow(/shortest form/);
    expect(() => readRoot(bytes(0x30, 0x80, 0x00, 0x00))).toThrow(/indefinite/);
    expect(() => readRoot(bytes(0x05, 0x00, 0x00))).toThrow(/trailing/);
    let caught: unknown;
    try {
      readRoot(bytes(0x30, 0x03, 0x02, 0x01));
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(DerError);
    expect((caught as DerError).offset).toBe(0);
  });

  it('decodes OIDs, including large arcs', () => {
    expect(decodeOid(bytes(0x55, 0x1d, 0x11))).toBe('2.5.29.17');
    expect(decodeOid(bytes(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b))).toBe('1.2.840.113549.1.1.11');
    expect(() => decodeOid(bytes(0x2a, 0x86))).toThrow(/truncated/);
    expect(() => decodeOid(bytes(0x2a, 0x80, 0x01))).toThrow(/leading zero/);
    // Arcs around and beyond what a double holds exactly (2^53): the same digits as the arc's own BigInt.
    const base128 = (arc: bigint) => {
      const out = [Number(arc & 0x7fn)];
      for (arc >>= 7n; arc > 0n; arc >>= 7n) out.unshift(Number(arc & 0x7fn) | 0x80);
      return out;
    };
    for (const arc of [2n ** 45n - 1n, 2n ** 45n, 2n ** 52n + 1n, 2n ** 53n + 1n, 2n ** 64n + 3n, 10n ** 30n]) {
      expect(decodeOid(bytes(0x2a, ...base128(arc), 0x05))).toBe(`1.2.${arc}.5`);
      expect(decodeOid(bytes(...base128(arc + 80n)))).toBe(`2.${arc}`);
    }
  });
});

describe('distinguished names', () => {
  // SEQUENCE { SET { SEQUENCE { OID 2.5.4.3, value } } }
  const cn = (tag: number, text: string) => {
    const v = [...new TextEncoder().encode(text)];
    const ava = [0x06, 0x03, 0x55, 0x04, 0x03, tag, v.length, ...v];
    const set = [0x30, ava.length, ...ava];
    const rdn = [0x31, set.length, ...set];
    return new Uint8Array([0x30, rdn.length, ...rdn]);
  };

  it('compares case-insensitively with spaces folded, across string types', () => {
    const a = decodeNameDer(cn(0x13, 'Example  CA'));
    const b = decodeNameDer(cn(0x0c, ' example ca'));
    expect(a.key).toBe(b.key);
    expect(a.text).toBe('CN=Example  CA');
    expect(nameWithin(a, b)).toBe(true);
    expect(decodeNameDer(cn(0x0c, 'other')).key).not.toBe(a.key);
  });
});

describe('host names', () => {
  it('parses reference identities: names, IPv4, IPv6 with brackets; refuses junk', () => {
    expect(parseReferenceIdentity('WWW.Example.COM.')).toEqual({ kind: 'dns', value: 'www.example.com' });
    expect(parseReferenceIdentity('192.0.2.1')).toMatchObject({ kind: 'ip', text: '192.0.2.1' });
    expect(parseReferenceIdentity('[::1]')).toMatchObject({ kind: 'ip', text: '::1' });
    expect(parseReferenceIdentity('exa mple.com')).toBeUndefined();
    expect(parseReferenceIdentity('foo_bar.example.com')).toBeUndefined();
  });

  it('answers a name read before the same way, also once many others pushed it out of what is kept', () => {
    const first = ['192.0.2.7', 'Host.Example.', '[2001:db8::1]', 'not a name', 'a..b'].map((n) => [n, parseReferenceIdentity(n)] as const);
    expect(first.map(([, id]) => id && ('text' in id ? id.text : id.value))).toEqual(['192.0.2.7', 'host.example', '2001:db8::1', undefined, undefined]);
    for (const [n, id] of first) expect(parseReferenceIdentity(n)).toEqual(id);
    for (let i = 0; i < 200; i++) parseReferenceIdentity(`h${i}.example`);
    for (const [n, id] of first) expect(parseReferenceIdentity(n)).toEqual(id);
    // Text longer than any name is refused every time, kept or not.
    const long = `${'a'.repeat(300)}.example`;
    expect(parseReferenceIdentity(long)).toBeUndefined();
    expect(parseReferenceIdentity(long)).toBeUndefined();
  });

  it('applies the wildcard rules', () => {
    expect(dnsNameMatches('*.example.com', 'a.example.com')).toBe(true);
    expect(dnsNameMatches('*.example.com', 'example.com')).toBe(false);
    expect(dnsNameMatches('*.example.com', 'a.b.example.com')).toBe(false);
    expect(dnsNameMatches('a*.example.com', 'ab.example.com')).toBe(false);
    expect(dnsNameMatches('*', 'com')).toBe(false);
    expect(dnsNameMatches('*.com', 'example.com')).toBe(false);
    expect(dnsNameMatches('Example.COM', 'example.com')).toBe(true);
    expect(isPublicSuffix('co.uk')).toBe(true);
    expect(isPublicSuffix('example.co.uk')).toBe(false);
  });
});

describe('signature algorithms', () => {
  it('classifies AlgorithmIdentifiers: strong, weak, malformed parameters', () => {
    const alg = (oid: number[], params: number[] = []) => new Uint8Array([0x30, oid.length + 2 + params.length, 0x06, oid.length, ...oid, ...params]);
    const sha256Rsa = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
    const sha1Rsa = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05];
    const md5Rsa = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x04];
    const ecdsa256 = [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
    expect(classifySignatureAlgorithm(alg(sha256Rsa, [0x05, 0x00]))).toMatchObject({ ok: true, algorithm: { kind: 'rsa-pkcs1', hash: 'SHA-256' } });
    expect(classifySignatureAlgorithm(alg(sha1Rsa, [0x05, 0x00]))).toMatchObject({ ok: false, weak: true });
    expect(classifySignatureAlgorithm(alg(md5Rsa, [0x05, 0x00]))).toMatchObject({ ok: false, weak: true });
    expect(classifySignatureAlgorithm(alg(ecdsa256))).toMatchObject({ ok: true, algorithm: { kind: 'ecdsa', hash: 'SHA-256' } });
    expect(classifySignatureAlgorithm(alg(ecdsa256, [0x05, 0x00]))).toMatchObject({ ok: false, weak: false });
  });
});

describe('validity times', () => {
  it('reads UTCTime (both centuries) and GeneralizedTime to the second, as encoded', async () => {
    const { makeCert } = await import('./pki.ts');
    const { decodeCertificate } = await import('../../src/x509/certificate.ts');
    // @peculiar/x509 writes years before 2050 as UTCTime (YY >= 50: 19YY) and from 2050 as GeneralizedTime.
    const pairs = [
      ['1950-01-01T00:00:00Z', '1999-12-31T23:59:59Z'],
      ['2000-01-01T00:00:00Z', '2049-12-31T23:59:59Z'],
      ['2024-02-29T12:34:56Z', '2050-01-01T00:00:00Z'],
      ['2026-06-01T08:09:10Z', '2200-06-15T08:09:10Z'],
    ];
    for (const [from, to] of pairs) {
      const { der } = await makeCert({ name: 'times', notBefore: new Date(from), notAfter: new Date(to) });
      const cert = decodeCertificate(der);
      expect([cert.notBefore.toISOString(), cert.notAfter.toISOString()]).toEqual([new Date(from).toISOString(), new Date(to).toISOString()]);
    }
  });
});
