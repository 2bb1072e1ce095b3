// What the x509 input fuzzing (fuzz-input.test.ts) found, each as constructed input: a PKCS#7 bundle lost every
// certificate when one in it (or the envelope after them) was damaged, and said so in the ASN.1 library's words; a
// CRL with an empty extension or no thisUpdate failed with "Cannot read properties of undefined".
import 'reflect-metadata';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeCertificate } from '../../src/x509/certificate.ts';
import { decodeCrl } from '../../src/x509/crl.ts';
import { DerError } from '../../src/x509/der.ts';
import { readCertificateInput } from '../../src/x509/input.ts';
import { readLogList } from '../../src/x509/sct.ts';
import { DEFAULT_SETTINGS, readShareFragment, shareFragment } from '../../src/ui/workbench/model.ts';
import { expectPlain } from '../support/plain-words.ts';
import { cat, nested, pemBlock, pkcs7Of } from './fuzz-mutations.ts';
import { encodeTlv, parseTlv, type Tlv } from './resign.ts';
import { inputError } from './input-error.ts';
import { simpleChain } from './pki.ts';

let leaf: Uint8Array;
let inter: Uint8Array;
beforeAll(async () => {
  const chain = await simpleChain('example.com');
  leaf = chain.leaf.der;
  inter = chain.inter.der;
});

const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

/** `der` with its outer length replaced by four octets claiming 2 GiB. */
function gigaLength(der: Uint8Array): Uint8Array {
  const lenOctets = der[1] & 0x80 ? 1 + (der[1] & 0x7f) : 1;
  return cat([der[0], 0x84, 0x7f, 0xff, 0xff, 0xff], der.subarray(1 + lenOctets));
}

describe('a damaged PKCS#7 bundle keeps the certificates before the damage', () => {
  it('the second certificate claims a 2 GiB length: the first is still read', () => {
    const bundle = pkcs7Of([leaf, gigaLength(inter)]);
    for (const input of [bundle, pemBlock(bundle, 'PKCS7')]) {
      const e = inputError(() => readCertificateInput(input, 'chain.p7b'));
      expect(e.certificates.map((c) => c.der)).toHaveLength(1);
      expect(same(e.certificates[0].der, leaf)).toBe(true);
      expect(e.problem).toMatch(/damaged after its certificate 1/);
      expectPlain(e.message, 'bundle');
    }
  });

  it('the second certificate is nested 61 levels deep (past the bound with the envelope around it): the first is still read', () => {
    const deep = nested(61, Uint8Array.of(5, 0), false);
    const e = inputError(() => readCertificateInput(pkcs7Of([leaf, deep]), 'chain.p7b'));
    expect(e.certificates.map((c) => same(c.der, leaf))).toEqual([true]);
    expectPlain(e.message, 'deep');
  });

  it('a certificate that does not decode: named, the one before it kept', () => {
    const broken = inter.slice();
    broken[4] = 0x05; // the TBSCertificate's first field is no longer the version
    const e = inputError(() => readCertificateInput(pkcs7Of([leaf, broken]), 'chain.p7b'));
    expect(e.certificates.map((c) => same(c.der, leaf))).toEqual([true]);
    expect(e.problem).toMatch(/the certificate cannot be read/);
    expect(e.block).toBe(2);
    expectPlain(e.message, 'broken');
  });

  it('the signer infos after the certificates are damaged: said in the format\'s terms, the certificates kept', () => {
    const bundle = pkcs7Of([leaf, inter]);
    // The last element is the empty signerInfos SET (31 00): made an INTEGER, which SignedData does not allow there.
    bundle[bundle.length - 2] = 0x02;
    const e = inputError(() => readCertificateInput(bundle, 'chain.p7b'));
    expect(e.certificates).toHaveLength(2);
    expect(e.problem).toMatch(/^not a readable PKCS#7 bundle: its SignedData structure is damaged/);
    expectPlain(e.message, 'signer infos');
  });
});

describe('a damaged CRL is refused in plain words', () => {
  const alg = [0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00];
  const issuer = [0x30, 0x0f, 0x31, 0x0d, 0x30, 0x0b, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x04, ...Buffer.from('Test')];
  const time = [0x17, 0x0d, ...Buffer.from('260601000000Z')];
  const seq = (tag: number, body: number[]) => [tag, body.length, ...body];
  const crl = (tbsFields: number[]) => {
    const tbs = seq(0x30, [0x02, 0x01, 0x01, ...alg, ...issuer, ...tbsFields]);
    const body = [...tbs, ...alg, 0x03, 0x03, 0x00, 0xab, 0xcd];
    return Uint8Array.from([0x30, ...(body.length < 0x80 ? [body.length] : [0x81, body.length]), ...body]);
  };

  it('an extension that is an empty SEQUENCE', () => {
    const der = crl([...time, ...seq(0xa0, seq(0x30, [0x30, 0x00]))]);
    expect(() => decodeCrl(der)).toThrow(DerError);
    expect(() => decodeCrl(der)).toThrow(/an extension must start with its OBJECT IDENTIFIER/);
  });

  it('no thisUpdate after the issuer', () => {
    expect(() => decodeCrl(crl([]))).toThrow(/ends before its thisUpdate time/);
  });

  it('a thisUpdate that is no time', () => {
    expect(() => decodeCrl(crl([0x17, 0x03, ...Buffer.from('abc')]))).toThrow(/not a real date and time/);
  });
});

describe("the workbench's other inputs say what is wrong in words, not the engine's", () => {
  const packed = async (text: string) => {
    const out = new Blob([new TextEncoder().encode(text)]).stream().pipeThrough(new CompressionStream('deflate-raw'));
    const bytes = new Uint8Array(await new Response(out).arrayBuffer());
    return Buffer.from(bytes).toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  };

  it('a share link cut short, and one whose JSON is cut short', async () => {
    const link = await shareFragment({ certificates: [leaf, inter], anchors: [], crls: [] }, DEFAULT_SETTINGS);
    await expect(readShareFragment(link.slice(0, 40))).rejects.toThrow('this workbench link is damaged (it does not decompress: part of it is missing or changed); nothing was loaded');
    await expect(readShareFragment(`workbench=${await packed('{"v":1,"c":[')}`)).rejects.toThrow('this workbench link is damaged (what it holds is not the JSON TLS Lens writes); nothing was loaded');
  });

  it('a CT log list that is not JSON: where it stops being JSON', () => {
    expect(() => readLogList('{"operators": [')).toThrow('the log list is not JSON: it ends before its JSON does, or holds none');
    expect(() => readLogList('{ x')).toThrow('the log list is not JSON: it stops being JSON at character 3');
  });
});

describe('names in string types a bit flip can reach', () => {
  /** The leaf with its subject's CN value replaced (its signature no longer matters: only decoding is asked). */
  const withCn = (value: Tlv) => {
    const [cert] = parseTlv(leaf);
    const subject = cert.kids![0].kids![5];
    subject.kids![0].kids![0].kids![1] = value;
    return encodeTlv(cert);
  };

  it('a UniversalString past the last code point reads as U+FFFD, not "Invalid code point"', () => {
    const der = withCn({ tag: 0x1c, value: Uint8Array.of(0x46, 0x75, 0x7a, 0x7a, 0, 0, 0, 0x41) });
    expect(decodeCertificate(der).subject.text).toBe('CN=\ufffdA');
  });

  it('a Teletex name of 600,000 characters decodes (no call with that many arguments)', () => {
    const der = withCn({ tag: 0x14, value: new Uint8Array(600_000).fill(0x61) });
    expect(decodeCertificate(der).subject.text).toHaveLength(3 + 600_000);
  });
});
