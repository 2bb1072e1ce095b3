// `tls-lens verify` as a user runs it: a real process, files on disk, exit codes, JSON and text output.
import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as x509 from '@peculiar/x509';
import { makeCert, NOW, simpleChain, toPem } from './pki.ts';

const run = promisify(execFile);
const BIN = path.resolve(__dirname, '../../bin/tls-lens.js');

async function verify(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, 'verify', ...args], { timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

let dir: string;
const file = (name: string) => path.join(dir, name);

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'tls-lens-verify-'));
  const { root, inter, leaf } = await simpleChain('example.com');
  writeFileSync(file('leaf.pem'), toPem(leaf.der));
  writeFileSync(file('leaf.der'), leaf.der);
  writeFileSync(file('fullchain.pem'), toPem(leaf.der) + toPem(inter.der));
  writeFileSync(file('inter.pem'), toPem(inter.der));
  writeFileSync(file('root.pem'), toPem(root.der));
  writeFileSync(file('bad.pem'), '-----BEGIN CERTIFICATE-----\n@@@@\n-----END CERTIFICATE-----\n');
  const ipLeaf = await makeCert({ name: 'ip', issuer: root, san: [{ type: 'ip', value: '127.0.0.1' }] });
  // The intermediate revokes the leaf.
  const crl = await x509.X509CrlGenerator.create({
    issuer: `CN=${inter.name}`,
    thisUpdate: new Date(NOW.getTime() - 86_400_000),
    nextUpdate: new Date(NOW.getTime() + 86_400_000),
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } as EcdsaParams,
    signingKey: inter.keys.privateKey,
    extensions: [new x509.Extension('2.5.29.20', false, new Uint8Array([2, 1, 1]))],
    entries: [{ serialNumber: leaf.cert.serialNumber, revocationDate: NOW }],
  });
  writeFileSync(file('revoked.crl'), crl.toString('pem'));
  writeFileSync(file('ip.pem'), toPem(ipLeaf.der));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TIME = ['--time', NOW.toISOString()];

describe('tls-lens verify', () => {
  it('prints JSON with ok, path and steps, and exits 0 for a valid chain', async () => {
    const r = await verify(['--leaf', file('leaf.pem'), '--intermediates', file('inter.pem'), '--roots', file('root.pem'), '--name', 'example.com', ...TIME, '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.ok).toBe(true);
    expect(out.error).toBeNull();
    expect(out.path.map((p: { subject: string }) => p.subject)).toEqual(['CN=example.com', 'CN=Test Intermediate', 'CN=Test Root']);
    expect(out.path[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(out.steps.length).toBeGreaterThan(10);
    for (const s of out.steps) expect(Object.keys(s)).toEqual(expect.arrayContaining(['check', 'certificate', 'ok', 'detail']));
  });

  it('takes intermediates from the leaf file and DER input', async () => {
    const r = await verify(['--leaf', file('fullchain.pem'), '--roots', file('root.pem'), '--name', 'example.com', ...TIME]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^VALID/);
    expect(r.stdout).toMatch(/ok {3}\[0\] hostname: example.com matches DNS:example.com/);
    const der = await verify(['--leaf', file('leaf.der'), '--intermediates', file('inter.pem'), '--roots', file('root.pem'), ...TIME]);
    expect(der.code).toBe(0);
  });

  it('exits 1 with the error code and its other names for an invalid chain', async () => {
    const r = await verify(['--leaf', file('leaf.pem'), '--intermediates', file('inter.pem'), '--roots', file('root.pem'), '--name', 'wrong.example', ...TIME, '--json']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.ok).toBe(false);
    expect(out.error).toMatchObject({ code: 'HOSTNAME_MISMATCH', openssl: 'X509_V_ERR_HOSTNAME_MISMATCH', secureTransport: 'errSSLHostNameMismatch' });
    expect(out.error.message).toMatch(/wrong\.example/);
    const text = await verify(['--leaf', file('leaf.pem'), '--roots', file('root.pem'), ...TIME]);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^INVALID: UNKNOWN_ISSUER/);
    expect(text.stdout).toMatch(/errSSLNoRootCert/);
  });

  it('checks IP addresses, time and max depth', async () => {
    expect((await verify(['--leaf', file('ip.pem'), '--roots', file('root.pem'), '--name', '127.0.0.1', ...TIME])).code).toBe(0);
    expect((await verify(['--leaf', file('ip.pem'), '--roots', file('root.pem'), '--name', '127.0.0.2', ...TIME])).code).toBe(1);
    const expired = await verify(['--leaf', file('fullchain.pem'), '--roots', file('root.pem'), '--time', '2031-01-01T00:00:00Z', '--json']);
    expect(JSON.parse(expired.stdout).error.code).toBe('EXPIRED');
    const deep = await verify(['--leaf', file('fullchain.pem'), '--roots', file('root.pem'), '--max-depth', '0', ...TIME, '--json']);
    expect(JSON.parse(deep.stdout).error.code).toBe('CHAIN_TOO_LONG');
  });

  it('matches a wildcard name, which loads the Public Suffix List (the bundled CLI once could not)', async () => {
    const { root, inter, leaf } = await simpleChain('www.example.com', { san: [{ type: 'dns', value: '*.example.com' }] });
    writeFileSync(file('wild.pem'), toPem(leaf.der) + toPem(inter.der));
    writeFileSync(file('wild-root.pem'), toPem(root.der));
    const ok = await verify(['--leaf', file('wild.pem'), '--roots', file('wild-root.pem'), '--name', 'www.example.com', ...TIME, '--json']);
    expect(ok.stderr).not.toMatch(/unexpected failure/);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, error: null });
    expect(ok.code).toBe(0);
    const deeper = await verify(['--leaf', file('wild.pem'), '--roots', file('wild-root.pem'), '--name', 'a.www.example.com', ...TIME, '--json']);
    expect(JSON.parse(deeper.stdout).error.code).toBe('HOSTNAME_MISMATCH');
  });

  it('checks revocation against --crls', async () => {
    const r = await verify(['--leaf', file('fullchain.pem'), '--roots', file('root.pem'), '--crls', file('revoked.crl'), ...TIME, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'REVOKED', openssl: 'X509_V_ERR_CERT_REVOKED' });
  });

  it('uses the Mozilla store without --roots', async () => {
    const r = await verify(['--leaf', file('fullchain.pem'), ...TIME, '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error.code).toBe('UNKNOWN_ISSUER');
  });

  it('reads a PKCS#7 bundle and a PEM bundle in any order, and names a private key in the input', async () => {
    const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    openssl('crl2pkcs7', '-nocrl', '-certfile', 'inter.pem', '-certfile', 'leaf.pem', '-outform', 'DER', '-out', 'chain.p7b');
    const p7b = await verify(['--leaf', file('chain.p7b'), '--roots', file('root.pem'), '--name', 'example.com', '--json', ...TIME]);
    expect(p7b.code).toBe(0);
    expect(JSON.parse(p7b.stdout).path.map((p: { subject: string }) => p.subject)).toEqual(['CN=example.com', 'CN=Test Intermediate', 'CN=Test Root']);
    openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'key.pem');
    writeFileSync(file('reversed.pem'), `our chain:\n${readFileSync(file('inter.pem'), 'utf8')}${readFileSync(file('key.pem'), 'utf8')}${readFileSync(file('leaf.pem'), 'utf8')}`);
    const reversed = await verify(['--leaf', file('reversed.pem'), '--roots', file('root.pem'), '--name', 'example.com', ...TIME]);
    expect(reversed.code).toBe(0);
    expect(reversed.stderr).toMatch(/warning: leaf file .*reversed\.pem": block 2 \("PRIVATE KEY"\) is a private key, not a certificate/);
    writeFileSync(file('cut.pem'), readFileSync(file('leaf.pem'), 'utf8').slice(0, 200));
    const cut = await verify(['--leaf', file('cut.pem')]);
    expect(cut.code).toBe(2);
    expect(cut.stderr).toMatch(/leaf file .*cut\.pem", block 1: the "CERTIFICATE" block has no "-----END CERTIFICATE-----" line: the text is cut short \(at byte 0\)/);
    // A roots bundle with one certificate that cannot be decoded still works; that one is named and ignored.
    writeFileSync(file('roots-odd.pem'), `-----BEGIN CERTIFICATE-----\nMAMBAf8=\n-----END CERTIFICATE-----\n${readFileSync(file('root.pem'), 'utf8')}`);
    const odd = await verify(['--leaf', file('fullchain.pem'), '--roots', file('roots-odd.pem'), '--name', 'example.com', ...TIME]);
    expect(odd.code).toBe(0);
    expect(odd.stderr).toMatch(/warning: roots file .*roots-odd\.pem": block 1: the certificate cannot be read .*; it is ignored/);
  });

  it('gives a clear message and exit 2 for bad input', async () => {
    const missing = await verify(['--leaf', file('nope.pem')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read leaf file .*nope\.pem.*no such file/);
    const bad = await verify(['--leaf', file('bad.pem')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not hold valid base64/);
    const noLeaf = await verify([]);
    expect(noLeaf.code).toBe(2);
    expect(noLeaf.stderr).toMatch(/--leaf FILE is required/);
    const badTime = await verify(['--leaf', file('leaf.pem'), '--time', 'yesterday']);
    expect(badTime.code).toBe(2);
    expect(badTime.stderr).toMatch(/not an ISO-8601 time/);
  });
});

describe('tls-lens verify --profile', () => {
  let caLeaf: string[];
  let cnElsewhere: string[];
  beforeAll(async () => {
    // A CA certificate in the leaf position (root -> CA pathlen 0 -> CA pathlen 0): refused by browsers, valid under RFC 5280.
    const root = await makeCert({ name: 'Profile Root', ca: true });
    const inter = await makeCert({ name: 'Profile Inter', ca: true, pathLen: 0, issuer: root });
    const inner = await makeCert({ name: 'Inner CA', ca: true, pathLen: 0, issuer: inter });
    writeFileSync(file('ca-leaf.pem'), toPem(inner.der) + toPem(inter.der));
    writeFileSync(file('profile-root.pem'), toPem(root.der));
    caLeaf = ['--leaf', file('ca-leaf.pem'), '--roots', file('profile-root.pem'), ...TIME, '--json'];
    // A leaf whose CN names something outside its SANs: tolerated unless the CN rule applies.
    const { root: r2, inter: i2, leaf } = await simpleChain('example.com', { subject: 'CN=other.example.com' });
    writeFileSync(file('cn-chain.pem'), toPem(leaf.der) + toPem(i2.der));
    writeFileSync(file('cn-root.pem'), toPem(r2.der));
    cnElsewhere = ['--leaf', file('cn-chain.pem'), '--roots', file('cn-root.pem'), '--name', 'example.com', ...TIME, '--json'];
  });

  it('browser (the default), rfc5280 and strict decide the same chain differently, and say which decided', async () => {
    const browser = await verify(caLeaf);
    expect(browser.code).toBe(1);
    expect(JSON.parse(browser.stdout)).toMatchObject({ ok: false, profile: 'browser', error: { code: 'PROFILE_VIOLATION' } });
    expect(JSON.parse(browser.stdout).error.message).toMatch(/cannot be used as the end-entity/);
    expect(JSON.parse((await verify([...caLeaf, '--profile', 'browser'])).stdout)).toEqual(JSON.parse(browser.stdout));
    const plain = await verify([...caLeaf, '--profile', 'rfc5280']);
    expect(plain.code).toBe(0);
    const out = JSON.parse(plain.stdout);
    expect(out).toMatchObject({ ok: true, profile: 'rfc5280', error: null });
    expect(out.steps.find((s: { check: string; certificate: number }) => s.check === 'basicConstraints' && s.certificate === 0).detail).toMatch(/allowed by RFC 5280/);
    const text = await verify([...caLeaf.slice(0, -1), '--profile', 'rfc5280']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^VALID\n {2}Profile: rfc5280 \(Plain RFC 5280\)\n/);
    // The test PKI's serial numbers are 3 octets: the Baseline Requirements ask for 64 random bits.
    const strict = await verify([...cnElsewhere.slice(0, -1), '--profile', 'strict', '--json']);
    expect(strict.code).toBe(1);
    expect(JSON.parse(strict.stdout)).toMatchObject({ ok: false, profile: 'strict', error: { code: 'PROFILE_VIOLATION' } });
    expect(JSON.parse(strict.stdout).error.message).toMatch(/CA\/Browser Forum|not one of the subjectAltName entries/);
    // cabf, the name limbo and the share links use, is the same profile.
    expect(JSON.parse((await verify([...cnElsewhere, '--profile', 'cabf'])).stdout)).toEqual(JSON.parse(strict.stdout));
  });

  it('--strict-cn keeps working: the CN rule alone, on top of the chosen profile', async () => {
    const lenient = await verify(cnElsewhere);
    expect(lenient.code).toBe(0);
    expect(JSON.parse(lenient.stdout).steps.find((s: { check: string }) => s.check === 'commonName').detail).toMatch(/other\.example\.com/);
    const strictCn = await verify([...cnElsewhere, '--strict-cn']);
    expect(strictCn.code).toBe(1);
    expect(JSON.parse(strictCn.stdout)).toMatchObject({ profile: 'browser', error: { code: 'PROFILE_VIOLATION' } });
    expect(JSON.parse(strictCn.stdout).error.message).toMatch(/not one of the subjectAltName entries/);
    const both = await verify([...cnElsewhere, '--strict-cn', '--profile', 'rfc5280']);
    expect(JSON.parse(both.stdout)).toMatchObject({ ok: false, profile: 'rfc5280', error: { code: 'PROFILE_VIOLATION' } });
  });

  it('a bad or missing profile is a usage error (exit 2), as JSON with --json', async () => {
    const bad = await verify([...caLeaf, '--profile', 'firefox']);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout)).toEqual({ ok: false, error: { code: 'BAD_OPTION_VALUE', message: '--profile must be browser, strict or rfc5280, not "firefox"' } });
    expect(bad.stderr).toMatch(/--profile must be browser, strict or rfc5280, not "firefox"/);
    const text = await verify(['--leaf', file('leaf.pem'), '--profile', 'RFC5280']);
    expect(text.code).toBe(2);
    expect(text.stdout).toBe('');
    expect(text.stderr).toMatch(/not "RFC5280"/);
    const missing = await verify(['--leaf', file('leaf.pem'), '--json', '--profile']);
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.stdout).error).toEqual({ code: 'MISSING_ARGUMENT', message: '--profile needs a value' });
  });
});

describe('tls-lens limbo', () => {
  it('reads a suite on stdin and writes the results format, skipping unimplemented features with the reason', async () => {
    const { root, inter, leaf } = await simpleChain('example.com');
    const { spawn } = await import('node:child_process');
    const tc = (id: string, name: string, features: string[] = []) => ({
      id,
      features,
      validation_kind: 'SERVER',
      trusted_certs: [toPem(root.der)],
      untrusted_intermediates: [],
      peer_certificate: toPem(leaf.der),
      validation_time: NOW.toISOString(),
      expected_result: 'FAILURE',
      expected_peer_name: { kind: 'DNS', value: name },
      extended_key_usage: [],
      key_usage: [],
    });
    // A feature that asks for a profile runs under it (no longer skipped); an RFC822 server name is still skipped.
    const rfc822 = { ...tc('b::skipped', 'example.com'), expected_peer_name: { kind: 'RFC822', value: 'a@example.com' } };
    const eku = { ...tc('c::pedantic-eku', 'example.com', ['pedantic-webpki-eku']), untrusted_intermediates: [toPem(inter.der)] };
    const suite = { version: 1, testcases: [tc('a::missing-intermediate', 'example.com'), rfc822, eku] };
    const child = spawn(process.execPath, [BIN, 'limbo'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stdin.end(JSON.stringify(suite));
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    const results = JSON.parse(out);
    expect(results).toMatchObject({ version: 1, harness: 'tls-lens-0.1.0' });
    expect(results.results[0]).toMatchObject({ id: 'a::missing-intermediate', actual_result: 'FAILURE' });
    expect(results.results[0].context).toMatch(/^UNKNOWN_ISSUER/);
    expect(results.results[1]).toMatchObject({ id: 'b::skipped', actual_result: 'SKIPPED' });
    expect(results.results[1].context).toMatch(/RFC822 server names are not supported/);
    // The chain is whole and valid for a browser; under the strict CA/B profile the test PKI's short serials are refused.
    expect(results.results[2]).toMatchObject({ id: 'c::pedantic-eku', actual_result: 'FAILURE' });
    expect(results.results[2].context).toMatch(/^PROFILE_VIOLATION: .*the serial number has \d octets; the CA\/B Forum requires at least 64 random bits/);
  });
});
