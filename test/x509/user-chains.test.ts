// Chains as users bring them, checked against what OpenSSL and RFC 5280 say: each case here once got a wrong
// verdict, a wrong reason or an unclear error (found by comparing `verify` with `openssl verify -x509_strict`).
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readCertificateInput } from '../../src/x509/input.ts';
import { trustAllows } from '../../src/x509/trusted-pem.ts';
import { validateChain } from '../../src/x509/validate.ts';
import { encodeTlv, extensionById, parseTlv, resign, validityOf, type Tlv } from './resign.ts';
import { dns, makeCert, NOW, SERVER_AUTH, simpleChain, toPem, type Identity } from './pki.ts';
import { inputError } from './input-error.ts';

let dir: string;
const f = (name: string) => path.join(dir, name);
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
let root: Identity, inter: Identity, leaf: Identity;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'tls-lens-user-chains-'));
  ({ root, inter, leaf } = await simpleChain('example.com'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** A DER PKCS#7 certs-only bundle of `ders`, made by openssl. */
function p7b(name: string, ...ders: Uint8Array[]): Uint8Array {
  const args: string[] = [];
  ders.forEach((der, i) => {
    writeFileSync(f(`${name}-${i}.pem`), toPem(der));
    args.push('-certfile', `${name}-${i}.pem`);
  });
  openssl('crl2pkcs7', '-nocrl', ...args, '-outform', 'DER', '-out', `${name}.p7b`);
  return new Uint8Array(readFileSync(f(`${name}.p7b`)));
}

/** BER of `t` with indefinite lengths on every constructed element less than `depth` levels down. */
function indefinite(t: Tlv, depth: number): Uint8Array {
  if (!t.kids || depth <= 0) return encodeTlv(t);
  return new Uint8Array(Buffer.concat([Buffer.from([t.tag, 0x80]), ...t.kids.map((k) => indefinite(k, depth - 1)), Buffer.from([0, 0])]));
}

describe('PKCS#7 bundles: certificates are the bytes in the bundle', () => {
  it('a certificate whose DER the ASN.1 library would write differently keeps its bytes, and its signature verifies', async () => {
    // critical FALSE written out on the subjectKeyIdentifier (DER leaves DEFAULT values out; OpenSSL and TLS Lens accept it).
    const explicit = await resign(leaf, inter, (tbs) => extensionById(tbs, [0x55, 0x1d, 0x0e]).kids!.splice(1, 0, { tag: 0x01, value: new Uint8Array([0]) }));
    const input = readCertificateInput(p7b('explicit', explicit, inter.der), 'explicit.p7b');
    expect(input.certificates.map((c) => hex(c.der))).toEqual([hex(explicit), hex(inter.der)]);
    const r = await validateChain({ leaf: input.certificates[0].der, intermediates: [inter.der], anchors: [root.der], time: NOW, name: 'example.com' });
    expect(r.error).toBeUndefined();
    expect(r.ok).toBe(true);
  });

  it('a BER envelope is read; a certificate that is itself BER is refused, as it is on its own, not re-encoded into DER', () => {
    const bundle = parseTlv(p7b('chain', leaf.der, inter.der))[0];
    // ContentInfo, [0], SignedData and the certificate set in BER; the certificates stay DER.
    const envelope = readCertificateInput(indefinite(bundle, 4), 'envelope.p7b');
    expect(envelope.certificates.map((c) => hex(c.der))).toEqual([hex(leaf.der), hex(inter.der)]);
    // Down into the TBSCertificate: the signed bytes are no longer the ones that were signed.
    const err = inputError(() => readCertificateInput(indefinite(bundle, 7), 'ber-certs.p7b'));
    expect(err.block).toBe(1);
    expect(err.problem).toMatch(/indefinite length is not allowed in DER/);
  });
});

describe('validity times that name no real moment', () => {
  const times = (notBefore: Tlv, notAfter: Tlv) => (tbs: Tlv) => void (validityOf(tbs).kids = [notBefore, notAfter]);
  const utc = (s: string): Tlv => ({ tag: 0x17, value: new Uint8Array(Buffer.from(s)) });
  const generalized = (s: string): Tlv => ({ tag: 0x18, value: new Uint8Array(Buffer.from(s)) });

  it.each([
    ['February 30', utc('260230000000Z')],
    ['February 29 of a common year', utc('270229000000Z')],
    ['hour 24', utc('260101240000Z')],
    ['month 13', utc('261301000000Z')],
    ['minute 60', generalized('20260101006000Z')],
    ['day 0', utc('260100000000Z')],
  ])('%s is refused as OpenSSL refuses it, not rolled over into another date', async (_, notBefore) => {
    const bad = await resign(leaf, inter, times(notBefore, utc('301231235959Z')));
    const r = await validateChain({ leaf: bad, intermediates: [inter.der], anchors: [root.der], time: NOW, name: 'example.com' });
    expect(r.ok).toBe(false);
    expect(r.error?.code).toBe('MALFORMED');
    // Where it is, said once (the DER walker's "(at byte N)", not again after it).
    expect(r.error?.message).toMatch(/the leaf certificate cannot be decoded: validity time "\d+Z" is not a real date and time \(at byte \d+\)$/);
  });

  it('real dates at the edges still read: February 29 of a leap year, 23:59:59, UTCTime 2049 and GeneralizedTime 2050', async () => {
    const edge = await resign(leaf, inter, times(utc('240229235959Z'), generalized('20500101000000Z')));
    const r = await validateChain({ leaf: edge, intermediates: [inter.der], anchors: [root.der], time: NOW, name: 'example.com' });
    expect(r.error).toBeUndefined();
    expect(r.steps.find((s) => s.check === 'validity' && s.certificate === 0)?.detail).toBe('valid 2024-02-29T23:59:59Z to 2050-01-01T00:00:00Z');
    const last = await resign(leaf, inter, times(utc('240229235959Z'), utc('491231235959Z')));
    const r2 = await validateChain({ leaf: last, intermediates: [inter.der], anchors: [root.der], time: NOW, name: 'example.com' });
    expect(r2.steps.find((s) => s.check === 'validity' && s.certificate === 0)?.detail).toBe('valid 2024-02-29T23:59:59Z to 2049-12-31T23:59:59Z');
  });
});

describe('a wildcard SAN under excluded DNS subtrees', () => {
  async function wildcardUnder(excluded: string) {
    const ca = await makeCert({ name: 'Constrained CA', ca: true, issuer: root, nameConstraints: { excluded: [dns(excluded)] } });
    const wild = await makeCert({ name: 'www.example.com', issuer: ca, san: [{ type: 'dns', value: '*.example.com' }], eku: [SERVER_AUTH] });
    return validateChain({ leaf: wild.der, intermediates: [ca.der], anchors: [root.der], time: NOW, name: 'www.example.com' });
  }

  it('is refused when it can stand for a name in the subtree (the base is one label below the wildcard)', async () => {
    for (const base of ['bad.example.com', 'BAD.Example.com', 'example.com']) {
      const r = await wildcardUnder(base);
      expect(r.error?.code, base).toBe('NAME_CONSTRAINTS');
    }
  });

  it('is accepted when every name it stands for is outside the subtree (the base is deeper), as OpenSSL and Chrome accept it', async () => {
    // "*.example.com" covers exactly one label before example.com: never internal.corp.example.com or below.
    const r = await wildcardUnder('internal.corp.example.com');
    expect(r.error).toBeUndefined();
    expect(r.steps.find((s) => s.check === 'nameConstraints')?.ok).toBe(true);
    expect((await wildcardUnder('example.org')).ok).toBe(true);
  });
});

describe('a leaf keyUsage that fits no TLS use', () => {
  const KU = x509.KeyUsageFlags;
  async function leafWith(keyUsage: number, purpose: 'server' | 'client') {
    const eku = purpose === 'server' ? SERVER_AUTH : '1.3.6.1.5.5.7.3.2';
    const l = await makeCert({ name: 'example.com', issuer: inter, san: [{ type: 'dns', value: 'example.com' }], eku: [eku], keyUsage });
    return validateChain({ leaf: l.der, intermediates: [inter.der], anchors: [root.der], time: NOW, purpose, ...(purpose === 'server' ? { name: 'example.com' } : {}) });
  }

  it('is refused: cRLSign alone (or dataEncipherment alone) allows no TLS handshake (RFC 5280 4.2.1.12, OpenSSL: unsuitable purpose)', async () => {
    for (const [ku, purpose] of [[KU.cRLSign, 'server'], [KU.dataEncipherment, 'server'], [KU.keyEncipherment, 'client']] as const) {
      const r = await leafWith(ku, purpose);
      expect(r.error?.code, `${ku} ${purpose}`).toBe('KEY_USAGE');
      expect(r.error?.message).toMatch(new RegExp(`allows none of .* a TLS ${purpose} key needs`));
    }
  });

  it('is accepted with any one usage a TLS key can have', async () => {
    for (const [ku, purpose] of [[KU.digitalSignature, 'server'], [KU.keyEncipherment, 'server'], [KU.keyAgreement, 'server'], [KU.cRLSign | KU.digitalSignature, 'server'], [KU.keyAgreement, 'client']] as const) {
      const r = await leafWith(ku, purpose);
      expect(r.error, `${ku} ${purpose}`).toBeUndefined();
    }
  });
});

describe('an issuer set aside on its key identifier', () => {
  it('is named in the reason, with both key identifiers, instead of "no certificate is named"', async () => {
    const otherKeyId = new Uint8Array(20).fill(0xab);
    const wrongAki = await resign(leaf, inter, (tbs) => {
      const aki = extensionById(tbs, [0x55, 0x1d, 0x23]).kids!;
      aki[aki.length - 1] = { tag: 0x04, value: encodeTlv({ tag: 0x30, kids: [{ tag: 0x80, value: otherKeyId }] }) };
    });
    const r = await validateChain({ leaf: wrongAki, intermediates: [inter.der], anchors: [root.der], time: NOW, name: 'example.com' });
    expect(r.error?.code).toBe('UNKNOWN_ISSUER');
    expect(r.error?.message).not.toMatch(/no trust anchor or offered certificate is named/);
    expect(r.error?.message).toMatch(/the offered certificate named "CN=Test Intermediate" has subject key identifier [0-9a-f]{40}, but "CN=example.com" asks for the issuer key (ab){20}/);
    // With no certificate of that name at all, the plain reason stays.
    const alone = await validateChain({ leaf: wrongAki, anchors: [root.der], time: NOW });
    expect(alone.error?.message).toMatch(/no trust anchor or offered certificate is named "CN=Test Intermediate"/);
  });
});

describe('files as editors and shells leave them', () => {
  it('DER with a line end after it is read, the whitespace named (OpenSSL reads it too)', () => {
    const input = readCertificateInput(new Uint8Array([...leaf.der, 0x0d, 0x0a]), 'leaf.cer');
    expect(input.certificates.map((c) => hex(c.der))).toEqual([hex(leaf.der)]);
    expect(input.notices).toEqual([expect.objectContaining({ kind: 'ignored-block', offset: leaf.der.length, message: '2 byte(s) of whitespace after the last certificate are ignored' })]);
    // Anything else after the certificate is still an error that says where.
    const err = inputError(() => readCertificateInput(new Uint8Array([...leaf.der, 0x0a, 0x41]), 'leaf.cer'));
    expect(err.block).toBe(2);
    expect(err.certificates).toHaveLength(1);
  });

  it('PEM after a line of text that starts with "0" is read as text, not taken for DER (OpenSSL reads it too)', () => {
    const text = `0) the leaf\n${toPem(leaf.der)}1) its issuer\n${toPem(inter.der)}`;
    const input = readCertificateInput(new Uint8Array(Buffer.from(text)), 'chain.pem');
    expect(input.certificates.map((c) => [c.origin.format, hex(c.der)])).toEqual([['PEM', hex(leaf.der)], ['PEM', hex(inter.der)]]);
  });

  it('PEM copied out of JSON, with its line ends written as "\\n", is read', () => {
    const json = JSON.stringify({ cert: toPem(leaf.der), chain: toPem(inter.der) });
    expect(json).toContain('\\n');
    expect(readCertificateInput(json, 'config.json').certificates.map((c) => hex(c.der))).toEqual([hex(leaf.der), hex(inter.der)]);
  });

  it('PEM saved as UTF-16 with a byte order mark (Windows "Unicode", PowerShell 5) is read', () => {
    const text = `\ufeff${toPem(leaf.der)}${toPem(inter.der)}`;
    const le = Buffer.from(text, 'utf16le');
    const be = Buffer.from(le).swap16();
    for (const bytes of [le, be]) expect(readCertificateInput(new Uint8Array(bytes), 'chain.pem').certificates.map((c) => hex(c.der))).toEqual([hex(leaf.der), hex(inter.der)]);
  });

  it('a block without its END line, followed by another block, is called cut short (not "bad base64")', () => {
    const cut = toPem(leaf.der).split('\n').slice(0, 4).join('\n') + '\n';
    const err = inputError(() => readCertificateInput(`${toPem(inter.der)}${cut}${toPem(root.der)}`, 'chain.pem'));
    expect(err.block).toBe(2);
    expect(err.problem).toBe('the "CERTIFICATE" block has no "-----END CERTIFICATE-----" line before the next "-----BEGIN" line: the text is cut short');
    expect(err.certificates.map((c) => hex(c.der))).toEqual([hex(inter.der)]);
  });

  it('a private key cut short does not swallow the certificate after it', () => {
    const key = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n';
    const input = readCertificateInput(`${key}${toPem(leaf.der)}`, 'paste');
    expect(input.certificates.map((c) => hex(c.der))).toEqual([hex(leaf.der)]);
    expect(input.notices.map((n) => n.kind)).toEqual(['private-key']);
  });

  it('a damaged certificate says where once: its own DER offset and the block, no repeated "(at byte N)"', () => {
    const err = inputError(() => readCertificateInput(new Uint8Array([...leaf.der, 0, 0]), 'leaf.cer'));
    expect(err.problem).toBe('the certificate cannot be read (byte 0 of its DER): Certificate has tag 0x0, expected 0x30');
  });
});

describe('reasons stay readable with large inputs', () => {
  it('a name mismatch against a certificate with many SANs names the first 20 and counts the rest', async () => {
    const san = Array.from({ length: 500 }, (_, i) => ({ type: 'dns' as const, value: `host${i}.example.com` }));
    const many = await makeCert({ name: 'host0.example.com', issuer: inter, san, eku: [SERVER_AUTH] });
    const r = await validateChain({ leaf: many.der, intermediates: [inter.der], anchors: [root.der], time: NOW, name: 'other.example.com' });
    expect(r.error?.code).toBe('HOSTNAME_MISMATCH');
    expect(r.error?.message).toMatch(/other\.example\.com matches none of DNS:host0\.example\.com, .*DNS:host19\.example\.com and 480 more$/);
    expect((await validateChain({ leaf: many.der, intermediates: [inter.der], anchors: [root.der], time: NOW, name: 'host499.example.com' })).ok).toBe(true);
  });
});

describe('a signature algorithm refused for its parameters', () => {
  /** An RSA root and a P-256 leaf it signs with RSA-PSS and the salt length `salt` (openssl's rsa_pss_saltlen). */
  function pssChain(salt: string) {
    writeFileSync(f('ca.ext'), '[ext]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\nsubjectKeyIdentifier=hash\n');
    writeFileSync(f('leaf.ext'), '[ext]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\nsubjectAltName=DNS:example.com\n');
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'rsa.key', '-subj', '/CN=RSA Root', '-days', '3650', '-set_serial', '0x0102030405', '-extensions', 'ext', '-config', 'ca.ext', '-out', 'rsa-root.pem');
    openssl('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'l.key', '-subj', '/CN=example.com', '-out', 'l.csr');
    openssl('x509', '-req', '-in', 'l.csr', '-CA', 'rsa-root.pem', '-CAkey', 'rsa.key', '-set_serial', '0x0a0b0c0d', '-days', '365', '-extfile', 'leaf.ext', '-extensions', 'ext', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', `rsa_pss_saltlen:${salt}`, '-out', 'pss-leaf.pem');
    const der = (file: string) => readCertificateInput(readFileSync(f(file), 'utf8'), file).certificates[0].der;
    return { leaf: der('pss-leaf.pem'), root: der('rsa-root.pem') };
  }

  it('RSA-PSS with a salt other than the hash length is refused as an algorithm, not as a signature that does not verify', async () => {
    const { leaf: l, root: r } = pssChain('max');
    const res = await validateChain({ leaf: l, anchors: [r], time: new Date(), name: 'example.com' });
    expect(res.error?.code).toBe('WEAK_ALGORITHM');
    expect(res.error?.message).toMatch(/the salt length must equal the hash length \(32\)/);
    expect(res.error?.message).not.toMatch(/does not verify/);
    const ok = pssChain('digest');
    expect((await validateChain({ leaf: ok.leaf, anchors: [ok.root], time: new Date(), name: 'example.com' })).error).toBeUndefined();
  });
});

describe('two CAs that issue each other, with no trust anchor above them', () => {
  it('the reason says the chain loops, not that no certificate is named like the issuer', async () => {
    const bSelf = await makeCert({ name: 'Cyc B', ca: true });
    const a = await makeCert({ name: 'Cyc A', ca: true, issuer: bSelf });
    const b = await makeCert({ name: 'Cyc B', ca: true, issuer: a, keys: bSelf.keys });
    const l = await makeCert({ name: 'example.com', issuer: a, san: [{ type: 'dns', value: 'example.com' }], eku: [SERVER_AUTH] });
    const r = await validateChain({ leaf: l.der, intermediates: [a.der, b.der], anchors: [root.der], time: NOW, name: 'example.com' });
    expect(r.error?.code).toBe('UNKNOWN_ISSUER');
    expect(r.error?.message).toMatch(/the chain loops: "CN=Cyc B" is issued by "CN=Cyc A", which is already in the path/);
    expect(r.path.map((p) => p.subject)).toEqual(['CN=example.com', 'CN=Cyc A', 'CN=Cyc B']);
  });
});

describe('DER that is not a certificate', () => {
  it('a CRL, a CSR or a public key given as a certificate is named as what it is, and set aside like a PEM block of another kind', async () => {
    openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'k.pem');
    openssl('req', '-new', '-key', 'k.pem', '-subj', '/CN=example.com', '-outform', 'DER', '-out', 'csr.der');
    openssl('pkey', '-in', 'k.pem', '-pubout', '-outform', 'DER', '-out', 'pub.der');
    const crl = await x509.X509CrlGenerator.create({
      issuer: 'CN=Test Intermediate',
      thisUpdate: NOW,
      nextUpdate: new Date(NOW.getTime() + 86_400_000),
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } as EcdsaParams,
      signingKey: inter.keys.privateKey,
      entries: [],
    });
    const cases = [
      ['crl.der', new Uint8Array(crl.rawData), 'a certificate revocation list (CRL)'],
      ['csr.der', new Uint8Array(readFileSync(f('csr.der'))), 'a certificate signing request (CSR)'],
      ['pub.der', new Uint8Array(readFileSync(f('pub.der'))), 'a public key (SubjectPublicKeyInfo)'],
    ] as const;
    for (const [name, der, what] of cases) {
      expect(inputError(() => readCertificateInput(der, name)).problem, name).toBe(`no certificate here (block 1 is ${what}, not a certificate; it is ignored)`);
      const withLeaf = readCertificateInput(new Uint8Array([...leaf.der, ...der]), name);
      expect(withLeaf.certificates.map((c) => hex(c.der))).toEqual([hex(leaf.der)]);
      expect(withLeaf.notices).toEqual([expect.objectContaining({ kind: 'ignored-block', block: 2, offset: leaf.der.length })]);
    }
  });
});

describe('an ECDSA signature value that is not DER', () => {
  /** `leaf` with its signature value rewritten by `rewrite` (given r and s as INTEGER elements). */
  function withSignature(rewrite: (r: Tlv, s: Tlv) => Uint8Array): Uint8Array {
    const cert = parseTlv(leaf.der)[0];
    const [sig] = parseTlv(cert.kids![2].value!.subarray(1));
    const [r, s] = sig.kids!;
    cert.kids![2] = { tag: 0x03, value: new Uint8Array([0, ...rewrite(r, s)]) };
    return encodeTlv(cert);
  }
  const der = (t: Tlv) => encodeTlv(t);

  it('is refused, as OpenSSL, BoringSSL and Go refuse it: the same r and s in another encoding make another certificate', async () => {
    const inner = (r: Tlv, s: Tlv) => [...der(r), ...der(s)];
    const variants = {
      'a padded INTEGER': (r: Tlv, s: Tlv) => der({ tag: 0x30, kids: [{ tag: 0x02, value: new Uint8Array([0, ...r.value!]) }, s] }),
      'a long-form length': (r: Tlv, s: Tlv) => new Uint8Array([0x30, 0x81, inner(r, s).length, ...inner(r, s)]),
      'bytes after the SEQUENCE': (r: Tlv, s: Tlv) => new Uint8Array([...der({ tag: 0x30, kids: [r, s] }), 0, 0]),
    };
    for (const [what, rewrite] of Object.entries(variants)) {
      const res = await validateChain({ leaf: withSignature(rewrite), intermediates: [inter.der], anchors: [root.der], time: NOW, name: 'example.com' });
      expect(res.ok, what).toBe(false);
      expect(res.error?.code, what).toBe('BAD_SIGNATURE');
      expect(res.error?.message, what).toMatch(/the leaf "CN=example\.com": the ECDSA with SHA-256 signature value is not DER/);
    }
    // Written back in DER, the same values verify.
    expect((await validateChain({ leaf: withSignature((r, s) => der({ tag: 0x30, kids: [r, s] })), intermediates: [inter.der], anchors: [root.der], time: NOW })).ok).toBe(true);
  });
});

describe('hostile text stays cheap and its error short', () => {
  it('tens of thousands of PEM blocks without END lines are read in linear time', () => {
    // Each block's END line is looked for up to the next BEGIN only (a key block cut short moves on to the next).
    const keys = '-----BEGIN PRIVATE KEY-----\n'.repeat(70_000) + '-----END PRIVATE KEY-----\n';
    const started = performance.now();
    const err = inputError(() => readCertificateInput(keys, 'keys.pem'));
    expect(performance.now() - started).toBeLessThan(1500);
    expect(err.notices).toHaveLength(70_000);
    expect(err.problem).toMatch(/^no certificate here: block 1 \("PRIVATE KEY"\) is a private key/);
  });

  it('a file of thousands of blocks that are not certificates names the first three and counts the rest', () => {
    const err = inputError(() => readCertificateInput('-----BEGIN FOO-----\n-----END FOO-----\n'.repeat(5000), 'foo.pem'));
    expect(err.problem).toBe('no certificate here (block 1 is a "FOO", not a certificate; it is ignored; block 2 is a "FOO", not a certificate; it is ignored; block 3 is a "FOO", not a certificate; it is ignored; and 4997 more)');
    expect(err.notices).toHaveLength(5000);
  });
});

describe("OpenSSL's TRUSTED CERTIFICATE blocks (openssl x509 -trustout)", () => {
  const SERVER = '1.3.6.1.5.5.7.3.1';
  const CLIENT = '1.3.6.1.5.5.7.3.2';
  function trusted(name: string, ...args: string[]) {
    writeFileSync(f('plain-root.pem'), toPem(root.der));
    openssl('x509', '-in', 'plain-root.pem', '-trustout', ...args, '-out', name);
    return readCertificateInput(readFileSync(f(name), 'utf8'), name);
  }

  it('are read: the certificate is its own DER, the trust settings after it are kept for the anchor\'s use', () => {
    const input = trusted('trusted.pem', '-addtrust', 'serverAuth', '-addreject', 'emailProtection');
    expect(input.certificates.map((c) => hex(c.der))).toEqual([hex(root.der)]);
    expect(input.certificates[0].trustSettings).toEqual({ trust: [SERVER], reject: ['1.3.6.1.5.5.7.3.4'] });
    expect(trusted('bare.pem').certificates[0].trustSettings).toBeUndefined();
  });

  it('read as trust anchors (lenient), one its settings allow for no TLS purpose is set aside, with why', () => {
    writeFileSync(f('plain-root.pem'), toPem(root.der));
    openssl('x509', '-in', 'plain-root.pem', '-trustout', '-addtrust', 'emailProtection', '-out', 'email-root.pem');
    openssl('x509', '-in', 'plain-root.pem', '-trustout', '-addreject', 'serverAuth', '-out', 'no-server-root.pem');
    const bundle = readFileSync(f('email-root.pem'), 'utf8') + readFileSync(f('no-server-root.pem'), 'utf8') + toPem(inter.der);
    const input = readCertificateInput(bundle, 'roots.pem', { lenient: true });
    expect(input.certificates.map((c) => c.origin.block)).toEqual([2, 3]);
    expect(input.notices.map((n) => n.message)).toEqual([
      'block 1 is not used: its OpenSSL trust settings (trusted for emailProtection) allow it for no TLS purpose',
      "block 2's OpenSSL trust settings (rejected for serverAuth) allow it for clientAuth only",
    ]);
  });

  it('allow a purpose as OpenSSL does: rejected for it or for any purpose, or trusted only for others, is no', () => {
    expect(trustAllows(undefined, SERVER)).toBe(true);
    expect(trustAllows({ trust: [SERVER], reject: [] }, SERVER)).toBe(true);
    expect(trustAllows({ trust: [CLIENT], reject: [] }, SERVER)).toBe(false);
    expect(trustAllows({ trust: ['2.5.29.37.0'], reject: [] }, SERVER)).toBe(true);
    expect(trustAllows({ trust: [], reject: [SERVER] }, SERVER)).toBe(false);
    expect(trustAllows({ trust: [SERVER], reject: ['2.5.29.37.0'] }, SERVER)).toBe(false);
    expect(trustAllows({ trust: [], reject: [CLIENT] }, SERVER)).toBe(true);
  });
});
