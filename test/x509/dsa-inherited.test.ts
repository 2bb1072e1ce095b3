// DSA parameters inherited down the path (RFC 3279 §2.3.2; RFC 5280 §6.1.4 (d)-(f), §6.1.3 (a)(1)), on chains made
// by OpenSSL: a DSA root with its parameters, an intermediate whose SubjectPublicKeyInfo leaves them out (written by
// hand from OpenSSL's certificate and signed again with the root's key), a leaf signed by the intermediate. The
// intermediate's key is checked with the root's p, q and g, and so is the leaf's when it leaves them out too. A root
// with another parameter set fails; an RSA issuer above a DSA key without parameters, or a trust anchor without any,
// is said to be not checkable, and why.
import { execFile, execFileSync } from 'node:child_process';
import { sign } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pemToDer } from '../../src/x509/pem.ts';
import { validateChain, type ValidationResult } from '../../src/x509/validate.ts';
import { DsaParametersInherited, readDsaPublicKey } from '../../src/crypto/dsa.ts';
import { describeEachProvider } from '../crypto/providers.ts';
import { expectPlain } from '../support/plain-words.ts';
import { encodeTlv, parseTlv } from './resign.ts';

const BIN = path.resolve(__dirname, '../../bin/tls-lens.js');
let dir: string;
const file = (name: string) => path.join(dir, name);
const read = (name: string): Uint8Array => {
  const bytes = fs.readFileSync(file(name));
  return name.endsWith('.der') ? new Uint8Array(bytes) : pemToDer(bytes.toString('utf8'))[0];
};
const AT = new Date(Date.now() + 3600_000);

/** `cert` with its key's Dss-Parms left out (RFC 3279 §2.3.2), its TBS signed again with `issuerKey`. */
function withoutParameters(cert: Uint8Array, issuerKey: string, rsa = false): Uint8Array {
  const top = parseTlv(cert)[0];
  const tbs = top.kids![0];
  const spki = tbs.kids![6];
  spki.kids![0] = { tag: 0x30, kids: [spki.kids![0].kids![0]] };
  const key = fs.readFileSync(file(issuerKey));
  const signature = sign('sha256', encodeTlv(tbs), rsa ? key : { key, dsaEncoding: 'der' });
  top.kids![2] = { tag: 0x03, value: Buffer.concat([Uint8Array.of(0), signature]) };
  return encodeTlv(top);
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-lens-x509-dsa-inherited-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  // Two parameter sets; the one with the smaller p is the path's, so any y under it is below the other's p too (the
  // wrong set then makes a usable key that does not verify, rather than one refused for its size).
  for (const name of ['a', 'b']) openssl('genpkey', '-genparam', '-algorithm', 'DSA', '-pkeyopt', 'dsa_paramgen_bits:2048', '-pkeyopt', 'dsa_paramgen_q_bits:256', '-out', `params-${name}.pem`);
  const p = (name: string) => readDsaPublicKey(new Uint8Array(execFileSync('openssl', ['pkey', '-in', file(`key-${name}.pem`), '-pubout', '-outform', 'DER']))).p;
  for (const name of ['a', 'b']) openssl('genpkey', '-paramfile', `params-${name}.pem`, '-out', `key-${name}.pem`);
  const [good, wrong] = p('a') < p('b') ? ['a', 'b'] : ['b', 'a'];
  openssl('genpkey', '-paramfile', `params-${good}.pem`, '-out', 'root.key');
  openssl('genpkey', '-paramfile', `params-${wrong}.pem`, '-out', 'wrong-root.key');
  openssl('genpkey', '-paramfile', `params-${good}.pem`, '-out', 'inter.key');
  openssl('genpkey', '-paramfile', `params-${good}.pem`, '-out', 'leaf.key');
  openssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'rsa-root.key');
  const ca = ['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'];
  openssl('req', '-new', '-x509', '-key', 'root.key', '-subj', '/CN=TLS Lens DSA root', '-days', '30', '-sha256', '-out', 'root.pem', ...ca);
  openssl('req', '-new', '-x509', '-key', 'wrong-root.key', '-subj', '/CN=TLS Lens DSA root', '-days', '30', '-sha256', '-out', 'wrong-root.pem', ...ca);
  openssl('req', '-new', '-x509', '-key', 'rsa-root.key', '-subj', '/CN=TLS Lens RSA root', '-days', '30', '-sha256', '-out', 'rsa-root.pem', ...ca);
  fs.writeFileSync(file('ca.ext'), 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n');
  fs.writeFileSync(file('leaf.ext'), 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost\nauthorityKeyIdentifier=keyid\n');
  openssl('req', '-new', '-key', 'inter.key', '-subj', '/CN=TLS Lens DSA intermediate', '-out', 'inter.csr');
  openssl('req', '-new', '-key', 'leaf.key', '-subj', '/CN=localhost', '-out', 'leaf.csr');
  for (const [root, out] of [['root', 'inter'], ['wrong-root', 'inter-wrong'], ['rsa-root', 'inter-rsa']]) {
    openssl('x509', '-req', '-in', 'inter.csr', '-CA', `${root}.pem`, '-CAkey', `${root}.key`, '-CAcreateserial', '-days', '30', '-sha256', '-extfile', 'ca.ext', '-out', `${out}-full.pem`);
    fs.writeFileSync(file(`${out}.der`), withoutParameters(read(`${out}-full.pem`), `${root}.key`, root === 'rsa-root'));
  }
  openssl('x509', '-req', '-in', 'leaf.csr', '-CA', 'inter-full.pem', '-CAkey', 'inter.key', '-CAcreateserial', '-days', '30', '-sha256', '-extfile', 'leaf.ext', '-out', 'leaf.pem');
  // The same leaf with its own parameters left out too: p, q, g come from two certificates up.
  fs.writeFileSync(file('leaf-bare.der'), withoutParameters(read('leaf.pem'), 'inter.key'));
  for (const name of ['inter', 'inter-rsa', 'leaf-bare']) openssl('x509', '-inform', 'DER', '-in', `${name}.der`, '-out', `${name}.pem`);
}, 120_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const check = (leaf: string, intermediate: string, root: string): Promise<ValidationResult> =>
  validateChain({ leaf: read(leaf), intermediates: [read(intermediate)], anchors: [read(root)], time: AT, name: 'localhost', purpose: 'server', profile: 'rfc5280' });
const step = (r: ValidationResult, check: string, certificate: number) => r.steps.find((s) => s.check === check && s.certificate === certificate);
const failed = (r: ValidationResult) => r.steps.find((s) => s.ok === false);

describe('the hand-made certificates', () => {
  it('leave the parameters out, as RFC 3279 §2.3.2 allows; the chain OpenSSL made with them verifies in OpenSSL', () => {
    expect(() => readDsaPublicKey(parseSpki(read('inter.der')))).toThrow(DsaParametersInherited);
    expect(() => readDsaPublicKey(parseSpki(read('leaf-bare.der')))).toThrow(DsaParametersInherited);
    // (OpenSSL 3 itself cannot read a DSA key without parameters: "X509_PUBKEY_get0: decode error".)
    const out = execFileSync('openssl', ['verify', '-CAfile', file('root.pem'), '-untrusted', file('inter-full.pem'), file('leaf.pem')], { encoding: 'utf8' });
    expect(out.trim()).toBe(`${file('leaf.pem')}: OK`);
  });
});

/** The certificate's SubjectPublicKeyInfo, whole. */
function parseSpki(cert: Uint8Array): Uint8Array {
  return encodeTlv(parseTlv(cert)[0].kids![0].kids![6]);
}

describeEachProvider(() => {
  it('an intermediate without parameters verifies the leaf with the root\'s p, q and g', async () => {
    const r = await check('leaf.pem', 'inter.der', 'root.pem');
    expect(r.error).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.path.map((e) => e.subject)).toEqual(['CN=localhost', 'CN=TLS Lens DSA intermediate', 'CN=TLS Lens DSA root']);
    expect(step(r, 'publicKey', 1)?.detail).toBe('DSA 2048 bits (q 256 bits), its p, q and g inherited from "CN=TLS Lens DSA root" (RFC 3279 §2.3.2)');
    expect(step(r, 'signature', 0)?.detail).toBe('DSA with SHA-256 signature verified with the key of "CN=TLS Lens DSA intermediate" (its p, q and g inherited from "CN=TLS Lens DSA root")');
    expect(step(r, 'signature', 1)?.detail).toBe('DSA with SHA-256 signature verified with the key of "CN=TLS Lens DSA root"');
  });

  it('a leaf without parameters under it takes them from two certificates up', async () => {
    const r = await check('leaf-bare.der', 'inter.der', 'root.pem');
    expect(r.error).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(step(r, 'publicKey', 0)?.detail).toBe('DSA 2048 bits (q 256 bits), its p, q and g inherited from "CN=TLS Lens DSA root" (RFC 3279 §2.3.2)');
  });

  it('a root with another parameter set: the leaf\'s signature does not verify', async () => {
    const r = await check('leaf.pem', 'inter-wrong.der', 'wrong-root.pem');
    expect(r.ok).toBe(false);
    expect(r.error?.code).toBe('BAD_SIGNATURE');
    // The intermediate itself was signed by that root, with the root's own (complete) key: that link holds.
    expect(step(r, 'signature', 1)?.ok).toBe(true);
    expect(failed(r)).toMatchObject({ check: 'signature', certificate: 0 });
    // The other q is another number: r or s may be above it (said), else the arithmetic fails.
    expect(failed(r)?.detail).toMatch(/^the DSA with SHA-256 signature does not verify with the key of "CN=TLS Lens DSA intermediate" \(its p, q and g inherited from "CN=TLS Lens DSA root"\)(: the signature's [rs] is not below q \(it must be between 0 and q\))?$/);
  });

  it('an RSA issuer above a DSA key without parameters: not checkable, and why', async () => {
    const r = await check('leaf.pem', 'inter-rsa.der', 'rsa-root.pem');
    expect(r.ok).toBe(false);
    const why = 'not checkable: the DSA parameters are inherited from the issuer (RFC 3279 §2.3.2), but the key of its issuer "CN=TLS Lens RSA root" is an RSA key, not DSA, so there are none to inherit (RFC 5280 §6.1.4 (e))';
    expect(step(r, 'publicKey', 1)).toMatchObject({ ok: false, detail: why });
    expect(step(r, 'signature', 1)?.ok).toBe(true);
    expect(step(r, 'signature', 0)).toMatchObject({ ok: false, code: 'BAD_SIGNATURE', detail: `the DSA with SHA-256 signature cannot be checked with the key of "CN=TLS Lens DSA intermediate": ${why}` });
    for (const s of r.steps) expectPlain(s.detail, s.check);
    // A leaf without parameters under that intermediate: two DSA keys without, then the RSA key.
    const bare = await check('leaf-bare.der', 'inter-rsa.der', 'rsa-root.pem');
    expect(step(bare, 'publicKey', 0)).toMatchObject({
      ok: false,
      detail: 'not checkable: the DSA parameters are inherited from the issuer (RFC 3279 §2.3.2), but its issuer "CN=TLS Lens DSA intermediate" has none of its own either, and the key above that, of "CN=TLS Lens RSA root", is an RSA key, not DSA (RFC 5280 §6.1.4 (e))',
    });
  });

  it('a trust anchor without parameters has none to give', async () => {
    const r = await validateChain({ leaf: read('leaf.pem'), anchors: [read('inter.der')], time: AT, name: 'localhost', purpose: 'server', profile: 'rfc5280' });
    expect(r.ok).toBe(false);
    const why = 'not checkable: the DSA parameters are inherited from the issuer (RFC 3279 §2.3.2), and "CN=TLS Lens DSA intermediate" is the trust anchor, where the path starts: there is no issuer above it to take p, q, g from';
    expect(step(r, 'publicKey', 1)).toMatchObject({ ok: false, detail: why });
    expect(step(r, 'signature', 0)).toMatchObject({ ok: false, detail: `the DSA with SHA-256 signature cannot be checked with the key of "CN=TLS Lens DSA intermediate": ${why}` });
    for (const s of r.steps) expectPlain(s.detail, s.check);
  });
});

describe('tls-lens verify --profile rfc5280 (the WebCrypto provider, its DSA code from a side bundle)', () => {
  const verify = async (intermediate: string, root: string) => {
    const args = [BIN, 'verify', '--leaf', file('leaf-bare.pem'), '--intermediates', file(intermediate), '--roots', file(root), '--name', 'localhost', '--profile', 'rfc5280'];
    try {
      return { code: 0, out: (await promisify(execFile)(process.execPath, args, { timeout: 60_000 })).stdout };
    } catch (e) {
      const err = e as { code: number; stdout: string };
      return { code: err.code, out: err.stdout };
    }
  };

  it('names the inherited parameters on the good chain, and says why they cannot be found under an RSA root', async () => {
    const good = await verify('inter.pem', 'root.pem');
    expect(good.code).toBe(0);
    expect(good.out).toContain('publicKey: DSA 2048 bits (q 256 bits), its p, q and g inherited from "CN=TLS Lens DSA root" (RFC 3279 §2.3.2)');
    expect(good.out).toContain('signature: DSA with SHA-256 signature verified with the key of "CN=TLS Lens DSA intermediate" (its p, q and g inherited from "CN=TLS Lens DSA root")');
    const rsa = await verify('inter-rsa.pem', 'rsa-root.pem');
    expect(rsa.code).toBe(1);
    expect(rsa.out).toContain('the key of its issuer "CN=TLS Lens RSA root" is an RSA key, not DSA, so there are none to inherit (RFC 5280 §6.1.4 (e))');
    expectPlain(rsa.out, 'verify under an RSA root');
  }, 120_000);
});
