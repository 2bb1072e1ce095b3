// Every way a chain arrives (PEM with text around it, DER, PKCS#7 from openssl, base64) and every kind of bad
// input, each answered with where it went wrong. Certificates are generated here; bundles and keys by openssl.
import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { assembleChain, MAX_INPUT_BYTES, readCertificateInput, type CertificateInput } from '../../src/x509/input.ts';
import { validateChain } from '../../src/x509/validate.ts';
import { NOW, simpleChain, toPem, type Identity } from './pki.ts';
import { inputError } from './input-error.ts';

let dir: string;
const f = (name: string) => path.join(dir, name);
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
let root: Identity, inter: Identity, leaf: Identity;

const ders = (input: CertificateInput) => input.certificates.map((c) => Buffer.from(c.der).toString('hex'));
const hexOf = (...ids: Identity[]) => ids.map((i) => Buffer.from(i.der).toString('hex'));

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'tls-lens-input-'));
  ({ root, inter, leaf } = await simpleChain('example.com'));
  writeFileSync(f('leaf.pem'), toPem(leaf.der));
  writeFileSync(f('inter.pem'), toPem(inter.der));
  writeFileSync(f('root.pem'), toPem(root.der));
  openssl('crl2pkcs7', '-nocrl', '-certfile', 'leaf.pem', '-certfile', 'inter.pem', '-certfile', 'root.pem', '-outform', 'DER', '-out', 'chain.p7b');
  openssl('crl2pkcs7', '-nocrl', '-certfile', 'leaf.pem', '-certfile', 'inter.pem', '-out', 'chain.p7c');
  openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'key.pem');
  openssl('pkey', '-in', 'key.pem', '-outform', 'DER', '-out', 'key.der');
  openssl('ec', '-in', 'key.pem', '-out', 'sec1.pem');
  // A signed message streamed by openssl: BER with indefinite lengths, certificates inside.
  openssl('req', '-x509', '-new', '-key', 'key.pem', '-subj', '/CN=signer', '-days', '2', '-out', 'signer.pem');
  writeFileSync(f('msg.txt'), 'hello');
  openssl('cms', '-sign', '-stream', '-in', 'msg.txt', '-signer', 'signer.pem', '-inkey', 'key.pem', '-certfile', 'inter.pem', '-outform', 'DER', '-out', 'signed.p7m');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('reading certificates', () => {
  it('PEM: many blocks in any order with text around them; the leaf is found whatever the order', async () => {
    const text = `Here is our chain, as our CA sent it:\n${toPem(root.der)}\nand then\r\n${toPem(leaf.der)}${toPem(inter.der)}-- thanks\n`;
    const input = readCertificateInput(text, 'paste');
    expect(ders(input)).toEqual(hexOf(root, leaf, inter));
    expect(input.certificates.map((c) => [c.origin.format, c.origin.block])).toEqual([['PEM', 1], ['PEM', 2], ['PEM', 3]]);
    expect(text.slice(input.certificates[1].origin.offset)).toMatch(/^-----BEGIN CERTIFICATE-----/);
    const chain = assembleChain([input]);
    expect(Buffer.from(chain.leaf.der).toString('hex')).toBe(hexOf(leaf)[0]);
    const r = await validateChain({ leaf: chain.leaf.der, intermediates: chain.intermediates.map((c) => c.der), anchors: [root.der], time: NOW, name: 'example.com' });
    expect(r.ok).toBe(true);
  });

  it('DER: one certificate, and several concatenated', () => {
    expect(ders(readCertificateInput(leaf.der, 'leaf.cer'))).toEqual(hexOf(leaf));
    const both = readCertificateInput(new Uint8Array([...inter.der, ...leaf.der]), 'both.der');
    expect(ders(both)).toEqual(hexOf(inter, leaf));
    expect(both.certificates[1].origin).toEqual({ file: 'both.der', format: 'DER', block: 2, offset: inter.der.length });
  });

  it('PKCS#7 bundles made by openssl: DER .p7b, PEM .p7c, and a BER signed message with certificates', () => {
    const p7b = readCertificateInput(readFileSync(f('chain.p7b')), 'chain.p7b');
    expect(new Set(ders(p7b))).toEqual(new Set(hexOf(leaf, inter, root)));
    expect(p7b.certificates.every((c) => c.origin.format === 'PKCS#7')).toBe(true);
    const p7c = readCertificateInput(readFileSync(f('chain.p7c'), 'utf8'), 'chain.p7c');
    expect(new Set(ders(p7c))).toEqual(new Set(hexOf(leaf, inter)));
    const signed = readCertificateInput(readFileSync(f('signed.p7m')), 'signed.p7m');
    expect(signed.certificates.map((c) => c.cert.subject.text)).toEqual(expect.arrayContaining(['CN=signer', 'CN=Test Intermediate']));
  });

  it('base64 of a DER certificate without PEM lines', () => {
    expect(ders(readCertificateInput(`  ${Buffer.from(leaf.der).toString('base64')}\n`))).toEqual(hexOf(leaf));
  });

  it('a leaf plus a separate pool and anchors', () => {
    const chain = assembleChain([readCertificateInput(leaf.der, 'leaf')], [readCertificateInput(toPem(inter.der), 'pool')], [readCertificateInput(toPem(root.der), 'anchors')]);
    expect(chain.leaf.origin.file).toBe('leaf');
    expect(chain.intermediates.map((c) => c.origin.file)).toEqual(['pool']);
    expect(chain.anchors.map((c) => c.cert.subject.text)).toEqual(['CN=Test Root']);
  });
});

describe('bad input, in plain words with where', () => {
  it('truncated PEM: no END line, named with its block and offset; what came before is kept', () => {
    const whole = toPem(leaf.der) + toPem(inter.der);
    const cut = whole.slice(0, toPem(leaf.der).length + 100);
    const e = inputError(() => readCertificateInput(cut, 'chain.pem'));
    expect(e.block).toBe(2);
    expect(e.offset).toBe(toPem(leaf.der).length);
    expect(e.message).toMatch(/chain\.pem, block 2, byte \d+: .*no "-----END CERTIFICATE-----" line: the text is cut short/);
    expect(e.certificates).toHaveLength(1);
  });

  it('truncated PEM body: lines missing inside the block', () => {
    const pem = toPem(leaf.der).split('\n');
    pem.splice(3, 2); // two whole base64 lines gone: still base64, no longer a certificate
    const e = inputError(() => readCertificateInput(pem.join('\n'), 'leaf.pem'));
    expect(e.block).toBe(1);
    expect(e.problem).toMatch(/certificate cannot be read \(byte \d+ of its DER\)/);
  });

  it('a block that is not a certificate is ignored with a notice; alone, it is an error', () => {
    const csr = '-----BEGIN CERTIFICATE REQUEST-----\nMAA=\n-----END CERTIFICATE REQUEST-----\n';
    const input = readCertificateInput(csr + toPem(leaf.der), 'mixed.pem');
    expect(input.certificates).toHaveLength(1);
    expect(input.notices).toEqual([expect.objectContaining({ kind: 'ignored-block', block: 1, offset: 0, message: expect.stringMatching(/"CERTIFICATE REQUEST", not a certificate/) })]);
    expect(inputError(() => readCertificateInput(csr, 'csr.pem')).problem).toMatch(/no certificate here .*CERTIFICATE REQUEST/);
  });

  it('a CERTIFICATE block holding something else; in a lenient (anchors) reading it is set aside with a notice', () => {
    const pem = `-----BEGIN CERTIFICATE-----\n${Buffer.from([0x30, 0x03, 0x01, 0x01, 0xff]).toString('base64')}\n-----END CERTIFICATE-----\n`;
    expect(inputError(() => readCertificateInput(pem, 'x.pem')).problem).toMatch(/certificate cannot be read/);
    const lenient = readCertificateInput(pem + toPem(root.der), 'roots.pem', { lenient: true });
    expect(ders(lenient)).toEqual(hexOf(root));
    expect(lenient.notices).toEqual([expect.objectContaining({ kind: 'undecodable', block: 1, message: expect.stringMatching(/certificate cannot be read .*; it is ignored/) })]);
    expect(inputError(() => readCertificateInput(pem, 'roots.pem', { lenient: true })).problem).toMatch(/no certificate here \(block 1: the certificate cannot be read/);
  });

  it('garbage, text or binary, and empty input', () => {
    expect(inputError(() => readCertificateInput('hello, this is not a certificate', 'note.txt')).problem).toMatch(/no "-----BEGIN CERTIFICATE-----" block, and not DER, PKCS#7 or base64 either/);
    const bytes = new Uint8Array(512).map((_, i) => (i * 7919 + 13) & 0xff);
    bytes[0] = 0x89; // a PNG, say
    expect(inputError(() => readCertificateInput(bytes, 'photo.png')).message).toMatch(/^photo\.png, byte 0:/);
    expect(inputError(() => readCertificateInput(new Uint8Array([0x30, 0x05, 0x30, 0x01]), 'short.der')).problem).toMatch(/cut short or damaged: .*runs past the end/);
    expect(inputError(() => readCertificateInput('', 'empty')).problem).toBe('the input is empty');
  });

  it('a 10 MB file is refused before any parsing', () => {
    const big = new Uint8Array(10 * 1024 * 1024).fill(0x41);
    const started = performance.now();
    const e = inputError(() => readCertificateInput(big, 'huge.pem'));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(e.problem).toMatch(/the input is 10\.0 MB; at most 2\.0 MB is read/);
    expect(big.length).toBeGreaterThan(MAX_INPUT_BYTES);
  });

  it('deep nesting: a PKCS#7 block nested 100,000 levels, and a DER certificate nested as deep', () => {
    const ber = new Uint8Array(200_000);
    for (let i = 0; i < ber.length; i += 2) [ber[i], ber[i + 1]] = [0x30, 0x80];
    ber[2] = 0x06; // looks like a ContentInfo (OID first) at the top
    ber[3] = 0x00;
    const pem = `-----BEGIN PKCS7-----\n${Buffer.from(ber).toString('base64')}\n-----END PKCS7-----\n`;
    expect(inputError(() => readCertificateInput(pem, 'deep.p7b')).problem).toMatch(/nested more than 64 levels/);
    // Definite lengths, built inside out: the DER walker stops at the first level that is not a certificate.
    const depth = 20_000;
    const header = (len: number) => (len < 0x80 ? [0x30, len] : len < 0x10000 ? [0x30, 0x82, len >> 8, len & 0xff] : [0x30, 0x83, len >> 16, (len >> 8) & 0xff, len & 0xff]);
    const heads: number[][] = [];
    let size = 2; // NULL at the core
    for (let i = 0; i < depth; i++) {
      heads.push(header(size));
      size += heads[heads.length - 1].length;
    }
    const der = new Uint8Array(size);
    let at = 0;
    for (let i = depth - 1; i >= 0; i--) for (const b of heads[i]) der[at++] = b;
    der.set([0x05, 0x00], at);
    expect(inputError(() => readCertificateInput(der, 'deep.der')).problem).toMatch(/certificate cannot be read/);
  });

  it('a private key pasted by mistake: said so, never kept', () => {
    const keyPem = readFileSync(f('key.pem'), 'utf8');
    const keyBody = keyPem.split('\n')[1];
    const alone = inputError(() => readCertificateInput(keyPem, 'paste'));
    expect(alone.problem).toMatch(/is a private key, not a certificate\. It was not kept and is never sent anywhere/);
    const withCert = readCertificateInput(`${toPem(leaf.der)}${readFileSync(f('sec1.pem'), 'utf8')}`, 'server.pem');
    expect(withCert.certificates).toHaveLength(1);
    expect(withCert.notices).toEqual([expect.objectContaining({ kind: 'private-key', block: 2 })]);
    expect(withCert.notices[0].message).toMatch(/"EC PRIVATE KEY"\) is a private key/);
    expect(JSON.stringify(withCert.notices)).not.toContain(keyBody.slice(0, 20));
    expect(inputError(() => readCertificateInput(readFileSync(f('key.der')), 'key.der')).problem).toMatch(/is a private key/);
  });

  it('a PKCS#7 that is not SignedData, or holds no certificate', () => {
    // ContentInfo { id-data, [0] OCTET STRING "x" }
    const data = new Uint8Array([0x30, 0x12, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01, 0xa0, 0x05, 0x04, 0x03, 0x78, 0x78, 0x78]);
    expect(inputError(() => readCertificateInput(data, 'data.p7')).problem).toMatch(/not SignedData/);
    openssl('crl2pkcs7', '-nocrl', '-outform', 'DER', '-out', 'empty.p7b');
    expect(inputError(() => readCertificateInput(readFileSync(f('empty.p7b')), 'empty.p7b')).problem).toMatch(/holds no certificate/);
  });
});
