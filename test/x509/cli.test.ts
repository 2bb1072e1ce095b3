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
import { resign } from './resign.ts';

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
  // A leaf whose organisation name carries a line end and terminal escapes (cursor up, erase line) around "VALID".
  const hostile = await resign(leaf, inter, (tbs) => {
    const subject = tbs.kids![5];
    const value = new Uint8Array(Buffer.from('Evil\n\u001b[1A\u001b[2KVALID\u202e'));
    subject.kids!.push({ tag: 0x31, kids: [{ tag: 0x30, kids: [{ tag: 0x06, value: new Uint8Array([0x55, 0x04, 0x0a]) }, { tag: 0x0c, value }] }] });
  });
  writeFileSync(file('hostile.pem'), toPem(hostile));
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

  it('text output names each path entry and each check by its role on the path, as the rest of the product does', async () => {
    const chain = ['--leaf', file('leaf.pem'), '--intermediates', file('inter.pem'), '--roots', file('root.pem'), '--name', 'example.com', ...TIME];
    const r = await verify(chain);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    const pathLines = lines.slice(lines.indexOf('Path (leaf first):') + 1, lines.indexOf('Checks:')).filter((l) => /^ {2}\S/.test(l));
    expect(pathLines).toEqual(['  [the leaf] CN=example.com', '  [intermediate 1] CN=Test Intermediate', '  [the trust anchor] CN=Test Root']);
    const checks = lines.slice(lines.indexOf('Checks:') + 1).filter((l) => l.trim());
    // Every check carries a role, never a bare index or '[*]'.
    for (const line of checks) expect(line).toMatch(/^ {2}(ok {2}|FAIL| {2}- ) \[(the leaf|intermediate 1|the trust anchor|the path)\] \w+: /);
    expect(r.stdout).not.toMatch(/\[\d\]|\[\*\]/);
    expect(checks).toContainEqual(expect.stringMatching(/^ {2}ok {3}\[intermediate 1\] basicConstraints: /));
    expect(checks).toContainEqual(expect.stringMatching(/^ {2}ok {3}\[the trust anchor\] keyUsage: /));
    expect(checks).toContainEqual(expect.stringMatching(/^ {2}ok {3}\[the path\] pathBuilding: /));
    const failing = await verify(['--leaf', file('leaf.pem'), '--roots', file('root.pem'), ...TIME]);
    expect(failing.stdout).toMatch(/^ {2}FAIL \[the leaf\] pathBuilding: .*\(UNKNOWN_ISSUER\)$/m);
  });

  it('takes intermediates from the leaf file and DER input', async () => {
    const r = await verify(['--leaf', file('fullchain.pem'), '--roots', file('root.pem'), '--name', 'example.com', ...TIME]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^VALID/);
    expect(r.stdout).toMatch(/ok {3}\[the leaf\] hostname: example.com matches DNS:example.com/);
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
    // Which certificate, in words: its role on the path as built and its subject, not a 0-based index.
    expect(JSON.parse(expired.stdout).error.message).toMatch(/^A certificate has expired: the leaf "CN=example\.com": expired at 2027-06-01T12:00:00Z, checked at 2031-01-01T00:00:00Z$/);
    const expiredText = await verify(['--leaf', file('fullchain.pem'), '--roots', file('root.pem'), '--time', '2031-01-01T00:00:00Z']);
    expect(expiredText.stdout).toMatch(/^INVALID: EXPIRED — A certificate has expired: the leaf "CN=example\.com": expired at /);
    expect(expiredText.stdout).not.toMatch(/certificate \d/);
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
    expect(cut.stderr).toMatch(/leaf file .*cut\.pem", block 1: the "CERTIFICATE" block has no "-----END CERTIFICATE-----" line: the text is cut short \(at byte 0 of the file\)/);
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

  it('--name: a U-label is compared as its A-label; a name that is no host name is bad usage, not a verdict on the chain', async () => {
    const chain = ['--leaf', file('fullchain.pem'), '--roots', file('root.pem'), ...TIME, '--json'];
    const upper = await verify([...chain, '--name', 'EXAMPLE.com']);
    expect(upper.code).toBe(0);
    // "bücher.example" is xn--bcher-kva.example: the leaf is for example.com, so the chain is checked and the name fails.
    const idn = await verify([...chain, '--name', 'bücher.example']);
    expect(idn.code).toBe(1);
    const out = JSON.parse(idn.stdout);
    expect(out.error.code).toBe('HOSTNAME_MISMATCH');
    expect(out.error.message).toMatch(/xn--bcher-kva\.example matches none of DNS:example\.com/);
    expect(out.steps.some((s: { check: string }) => s.check === 'signature')).toBe(true);
    const typo = await verify([...chain, '--name', 'example..com']);
    expect(typo.code).toBe(2);
    expect(JSON.parse(typo.stdout).error).toEqual({ code: 'BAD_OPTION_VALUE', message: '--name: "example..com" is neither a host name nor an IP address' });
  });

  it('text output escapes control characters from certificate names, so a name cannot print over the verdict', async () => {
    const r = await verify(['--leaf', file('hostile.pem'), '--intermediates', file('inter.pem'), '--roots', file('root.pem'), '--name', 'example.com', ...TIME]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/[\u001b\u202e]/);
    expect(r.stdout.split('\n').filter((line) => line === 'VALID')).toHaveLength(1);
    expect(r.stdout).toContain('[the leaf] CN=example.com, O=Evil\\u000a\\u001b[1A\\u001b[2KVALID\\u202e');
    const json = await verify(['--leaf', file('hostile.pem'), '--intermediates', file('inter.pem'), '--roots', file('root.pem'), ...TIME, '--json']);
    expect(JSON.parse(json.stdout).path[0].subject).toBe('CN=example.com, O=Evil\n\u001b[1A\u001b[2KVALID\u202e');
  });

  it('--roots in OpenSSL\'s TRUSTED CERTIFICATE form: read, and its trust settings applied to the purpose as openssl verify does', async () => {
    const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    openssl('x509', '-in', 'root.pem', '-trustout', '-addtrust', 'serverAuth', '-out', 'root-server.pem');
    openssl('x509', '-in', 'root.pem', '-trustout', '-addreject', 'serverAuth', '-out', 'root-rejected.pem');
    const chain = ['--leaf', file('fullchain.pem'), '--name', 'example.com', ...TIME, '--json'];
    expect((await verify([...chain, '--roots', file('root-server.pem')])).code).toBe(0);
    const rejected = await verify([...chain, '--roots', file('root-rejected.pem')]);
    expect(rejected.code).toBe(2);
    expect(rejected.stderr).toMatch(/warning: roots file .*root-rejected\.pem": block 1 is not used: its OpenSSL trust settings \(rejected for serverAuth\) do not allow serverAuth/);
    expect(JSON.parse(rejected.stdout).error.message).toMatch(/no certificate in it may anchor a chain for serverAuth/);
  });

  it('--time: an impossible date is refused, not rolled over into the next month', async () => {
    for (const time of ['2027-02-30', '2026-02-29T12:00:00Z', '2026-06-01T24:00:00Z']) {
      const r = await verify(['--leaf', file('leaf.pem'), '--time', time, '--json']);
      expect(r.code, time).toBe(2);
      expect(JSON.parse(r.stdout).error).toEqual({ code: 'BAD_OPTION_VALUE', message: `--time: "${time}" is not a real date and time` });
    }
    const leap = await verify(['--leaf', file('fullchain.pem'), '--roots', file('root.pem'), '--time', '2028-02-29T00:00:00Z', '--json']);
    expect(JSON.parse(leap.stdout).error.code).toBe('EXPIRED');
  });

  it('--crls that holds no readable CRL is bad input (exit 2), never a VALID verdict with revocation unchecked', async () => {
    const chain = ['--leaf', file('fullchain.pem'), '--roots', file('root.pem'), ...TIME, '--json'];
    const cert = await verify([...chain, '--crls', file('leaf.der')]);
    expect(cert.code).toBe(2);
    expect(JSON.parse(cert.stdout).error).toEqual({ code: 'BAD_INPUT', message: `CRL file "${file('leaf.der')}" cannot be read: it holds a certificate, not a CRL` });
    writeFileSync(file('cut.crl'), readFileSync(file('revoked.crl'), 'utf8').split('-----END')[0]);
    const cut = await verify([...chain, '--crls', file('cut.crl')]);
    expect(cut.code).toBe(2);
    expect(JSON.parse(cut.stdout).error.code).toBe('BAD_INPUT');
    expect(JSON.parse(cut.stdout).error.message).toMatch(/CRL file .*cut\.crl": the PEM block "(X509 )?CRL" has no END line/);
    // A DER CRL with a line end after it is read (and still revokes the leaf).
    const der = Buffer.from(readFileSync(file('revoked.crl'), 'utf8').replace(/-----[^-]+-----|\s/g, ''), 'base64');
    writeFileSync(file('revoked-nl.crl'), Buffer.concat([der, Buffer.from('\n')]));
    const revoked = await verify([...chain, '--crls', file('revoked-nl.crl')]);
    expect(revoked.code).toBe(1);
    expect(JSON.parse(revoked.stdout).error.code).toBe('REVOKED');
  });

  it('names what was read before a damaged block, and says plainly that a directory is not a file', async () => {
    // The leaf and the intermediate are fine; a third block is cut short.
    writeFileSync(file('third-cut.pem'), readFileSync(file('fullchain.pem'), 'utf8') + readFileSync(file('root.pem'), 'utf8').slice(0, 300));
    const cut = await verify(['--leaf', file('third-cut.pem'), '--json']);
    expect(cut.code).toBe(2);
    const { error } = JSON.parse(cut.stdout);
    expect(error.code).toBe('BAD_CERTIFICATE_INPUT');
    expect(error.message).toMatch(/block 3: .*the text is cut short \(at byte \d+ of the file\); read before it: block 1 "CN=example.com", block 2 "CN=Test Intermediate"$/);
    const folder = await verify(['--leaf', dir, '--json']);
    expect(folder.code).toBe(2);
    expect(JSON.parse(folder.stdout).error).toEqual({ code: 'UNREADABLE_FILE', message: `cannot read leaf file "${dir}": it is a directory` });
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
