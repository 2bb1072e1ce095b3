// DSA certificates made by OpenSSL (a DSA root -> DSA leaf, 2048-bit keys with 256-bit q, id-dsa-with-sha256):
// checked under the plain RFC 5280 profile, refused by the web-PKI profiles with the reason in words; a leaf signed
// with dsa-with-sha1 refused as SHA-1 is everywhere; a broken signature fails. Under both crypto providers (node:crypto
// and the WebCrypto provider's micro-rsa-dsa-dh), and through `tls-lens verify` (the WebCrypto provider, its DSA
// code from a side bundle).
import { execFile, execFileSync } from 'node:child_process';
import { sign } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pemToDer } from '../../src/x509/pem.ts';
import { validateChain, type ValidationResult } from '../../src/x509/validate.ts';
import type { ProfileName } from '../../src/x509/profile.ts';
import { describeEachProvider } from '../crypto/providers.ts';
import { encodeTlv, parseTlv } from './resign.ts';

const BIN = path.resolve(__dirname, '../../bin/tls-lens.js');
let dir: string;
const file = (name: string) => path.join(dir, name);
const der = (name: string) => pemToDer(fs.readFileSync(file(name), 'utf8'))[0];
const AT = new Date(Date.now() + 3600_000);

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-lens-x509-dsa-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  openssl('genpkey', '-genparam', '-algorithm', 'DSA', '-pkeyopt', 'dsa_paramgen_bits:2048', '-pkeyopt', 'dsa_paramgen_q_bits:256', '-out', 'params.pem');
  openssl('genpkey', '-paramfile', 'params.pem', '-out', 'ca.key');
  openssl('genpkey', '-paramfile', 'params.pem', '-out', 'leaf.key');
  openssl('req', '-new', '-x509', '-key', 'ca.key', '-subj', '/CN=TLS Lens DSA root', '-days', '30', '-sha256', '-out', 'ca.pem', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  fs.writeFileSync(file('leaf.ext'), 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost\nauthorityKeyIdentifier=keyid\n');
  openssl('req', '-new', '-key', 'leaf.key', '-subj', '/CN=localhost', '-out', 'leaf.csr');
  for (const [name, digest] of [['leaf', '-sha256'], ['leaf-sha1', '-sha1']]) {
    openssl('x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '30', digest, '-extfile', 'leaf.ext', '-out', `${name}.pem`);
  }
  // A leaf with a 1024-bit DSA key (160-bit q).
  openssl('genpkey', '-genparam', '-algorithm', 'DSA', '-pkeyopt', 'dsa_paramgen_bits:1024', '-pkeyopt', 'dsa_paramgen_q_bits:160', '-out', 'params1024.pem');
  openssl('genpkey', '-paramfile', 'params1024.pem', '-out', 'small.key');
  openssl('req', '-new', '-key', 'small.key', '-subj', '/CN=localhost', '-out', 'small.csr');
  openssl('x509', '-req', '-in', 'small.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '30', '-sha256', '-extfile', 'leaf.ext', '-out', 'small.pem');
  // The leaf with its key's Dss-Parms left out (RFC 3279 §2.3.2: then its issuer's apply), signed again by the CA.
  const cert = parseTlv(der('leaf.pem'))[0];
  const tbs = cert.kids![0];
  const spki = tbs.kids![6];
  spki.kids![0] = { tag: 0x30, kids: [spki.kids![0].kids![0]] };
  const signature = sign('sha256', encodeTlv(tbs), { key: fs.readFileSync(file('ca.key')), dsaEncoding: 'der' });
  cert.kids![2] = { tag: 0x03, value: Buffer.concat([Uint8Array.of(0), signature]) };
  fs.writeFileSync(file('leaf-inherited.der'), encodeTlv(cert));
  // The same leaf with the last byte of its signature (s) flipped.
  const broken = Buffer.from(der('leaf.pem'));
  broken[broken.length - 1] ^= 0x01;
  fs.writeFileSync(file('leaf-broken.der'), broken);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const check = (leaf: Uint8Array, profile: ProfileName): Promise<ValidationResult> => validateChain({ leaf, anchors: [der('ca.pem')], time: AT, name: 'localhost', purpose: 'server', profile });
const failed = (r: ValidationResult) => r.steps.find((s) => s.ok === false);

describeEachProvider(() => {
  it('a DSA chain verifies under plain RFC 5280, its key and signature named', async () => {
    const r = await check(der('leaf.pem'), 'rfc5280');
    expect(r.error).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.steps.find((s) => s.check === 'publicKey' && s.certificate === 0)?.detail).toBe('DSA 2048 bits (q 256 bits)');
    expect(r.steps.find((s) => s.check === 'signature' && s.certificate === 0)?.detail).toBe('DSA with SHA-256 signature verified with the key of "CN=TLS Lens DSA root"');
  });

  it('the web-PKI profiles refuse it, saying why in plain words', async () => {
    for (const profile of ['browser', 'cabf'] as const) {
      const r = await check(der('leaf.pem'), profile);
      expect(r.ok).toBe(false);
      expect(r.error?.code).toBe('WEAK_ALGORITHM');
      expect(failed(r)).toMatchObject({ check: 'publicKey', certificate: 0 });
      expect(failed(r)?.detail).toBe('a DSA key: the web PKI does not accept DSA: the CA/B Forum Baseline Requirements allow RSA and ECDSA keys only (BR 6.1.5); the plain RFC 5280 profile checks DSA');
      expect(r.steps.find((s) => s.check === 'signature' && s.certificate === 0)?.detail).toMatch(/^DSA with SHA-256: the web PKI does not accept DSA/);
    }
  });

  it('dsa-with-sha1 is refused as SHA-1 is, under RFC 5280 too', async () => {
    const r = await check(der('leaf-sha1.pem'), 'rfc5280');
    expect(r.ok).toBe(false);
    expect(r.error?.code).toBe('WEAK_ALGORITHM');
    expect(failed(r)?.detail).toBe('DSA with SHA-1: SHA-1 is too weak for certificate signatures');
  });

  it('under RFC 5280 too, a DSA key below 2048 bits is too small; one with inherited parameters takes its issuer\'s', async () => {
    const small = await check(der('small.pem'), 'rfc5280');
    expect(small.error?.code).toBe('WEAK_ALGORITHM');
    expect(failed(small)).toMatchObject({ check: 'publicKey', certificate: 0, detail: 'a DSA key of 1024 bits is too small (at least 2048)' });
    // RFC 3279 §2.3.2: the CA's p, q and g (the path is known); test/x509/dsa-inherited.test.ts has the longer paths.
    const inherited = await check(new Uint8Array(fs.readFileSync(file('leaf-inherited.der'))), 'rfc5280');
    expect(inherited.error).toBeUndefined();
    expect(inherited.steps.find((s) => s.check === 'publicKey' && s.certificate === 0)?.detail).toBe('DSA 2048 bits (q 256 bits), its p, q and g inherited from "CN=TLS Lens DSA root" (RFC 3279 §2.3.2)');
    // Its own signature, by the CA's key (which has its parameters), verifies.
    expect(inherited.steps.find((s) => s.check === 'signature' && s.certificate === 0)?.ok).toBe(true);
  });

  it('a broken DSA signature fails under RFC 5280', async () => {
    const r = await check(new Uint8Array(fs.readFileSync(file('leaf-broken.der'))), 'rfc5280');
    expect(r.ok).toBe(false);
    expect(r.error?.code).toBe('BAD_SIGNATURE');
    expect(r.error?.message).toBe('A signature in the chain does not verify: "CN=TLS Lens DSA root" has the right name but its key did not sign "CN=localhost"');
  });
});

describe('tls-lens verify with a DSA chain', () => {
  const verify = async (...args: string[]) => {
    try {
      const { stdout } = await promisify(execFile)(process.execPath, [BIN, 'verify', '--leaf', file('leaf.pem'), '--roots', file('ca.pem'), '--name', 'localhost', '--json', ...args], { timeout: 60_000 });
      return { code: 0, out: JSON.parse(stdout) };
    } catch (e) {
      const err = e as { code: number; stdout: string };
      return { code: err.code, out: JSON.parse(err.stdout) };
    }
  };

  it('keeps micro-rsa-dsa-dh out of every command bundle: a side bundle, read only for a DSA signature', () => {
    execFileSync(process.execPath, [BIN, '--help'], { timeout: 60_000 });
    const cached = path.resolve(__dirname, '../../dist-cli/cached');
    const index = JSON.parse(fs.readFileSync(path.join(cached, 'index.json'), 'utf8')) as Record<string, string>;
    const side = fs.readdirSync(path.join(cached, 'side')).filter((f) => /^dsa-[A-Z0-9]+\.cjs$/.test(f));
    expect(side).toHaveLength(1);
    // An error text of the library's DER reader, which nothing else has.
    const MARK = 'Invalid signature integer';
    expect(fs.readFileSync(path.join(cached, 'side', side[0]), 'latin1')).toContain(MARK);
    for (const command of Object.keys(index)) expect(fs.readFileSync(path.join(cached, index[command]), 'latin1'), command).not.toContain(MARK);
    expect(fs.readFileSync(path.join(cached, index.verify), 'latin1')).toContain(`./side/${side[0]}`);
  });

  it('--profile rfc5280: valid; the default profile: refused with the reason', async () => {
    const plain = await verify('--profile', 'rfc5280');
    expect(plain.code).toBe(0);
    expect(plain.out).toMatchObject({ ok: true, profile: 'rfc5280', error: null });
    const browser = await verify();
    expect(browser.code).toBe(1);
    expect(browser.out).toMatchObject({ ok: false, profile: 'browser', error: { code: 'WEAK_ALGORITHM' } });
    expect(browser.out.error.message).toContain('the CA/B Forum Baseline Requirements allow RSA and ECDSA keys only');
  }, 120_000);
});
