// connect's bundle leaves the STARTTLS dialogues out (scripts/build-cli.mjs, SIDE_MODULES): a plain connect reads
// and deserialises less, and --starttls loads them from their side bundle when first used. The dialogues themselves
// run in test/cli/connect-starttls.test.ts; here, the bundles' contents and a usage answer that needs the side bundle.
// The ASN.1 schema packages are a side bundle of connect too (SIDE_REDIRECTS): loaded, with their own code cache,
// only for a chain whose certificates carry policies; checked against real s_servers with such chains.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnSServer } from '../tls/helpers.ts';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin/tls-lens.js');
const CACHED = path.join(ROOT, 'dist-cli/cached');
// Text of the SMTP/LMTP dialogue (src/starttls/smtp.ts) that no other part of connect has.
const DIALOGUE_MARK = '"LHLO"';
// An error text of asn1js (under @peculiar/asn1-schema), which nothing else in connect has.
const ASN1_MARK = 'End of input reached before message was fully decoded';
// Names in crypto-js's RC4 and in des.js's cipher, which nothing else has (src/capture/legacy-cipher-libs.ts).
const LEGACY_CIPHER_MARKS = ['RC4Drop', '_updateDecrypt'];

/**
 * root -> intermediate (certificatePolicies 1.3.6.1.4.1.55555.1, requireExplicitPolicy 0) -> two leaves for
 * localhost: `leaf1` under that policy (valid), `leaf2` under 1.3.6.1.4.1.55555.2 (no valid policy: POLICY).
 */
function makePolicyPki(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-lens-policy-pki-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ecKey = (name: string) => openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`);
  const issue = (name: string, subject: string, issuer: string, ext: string) => {
    ecKey(name);
    fs.writeFileSync(path.join(dir, `${name}.ext`), ext);
    openssl('req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${issuer}.pem`, '-CAkey', `${issuer}.key`, '-CAcreateserial', '-days', '30', '-sha256', '-extfile', `${name}.ext`, '-out', `${name}.pem`);
  };
  ecKey('ca');
  openssl('req', '-new', '-x509', '-key', 'ca.key', '-subj', '/CN=Policy Test Root', '-days', '30', '-sha256', '-out', 'ca.pem', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  issue('int', '/CN=Policy Test Intermediate', 'ca', 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\ncertificatePolicies=1.3.6.1.4.1.55555.1\npolicyConstraints=critical,requireExplicitPolicy:0\n');
  for (const n of [1, 2]) {
    issue(`leaf${n}`, '/CN=localhost', 'int', `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost\nauthorityKeyIdentifier=keyid\ncertificatePolicies=1.3.6.1.4.1.55555.${n}\n`);
  }
  return dir;
}

/** `tls-lens connect --json` in a child process (the test must not block while s_server answers). */
function connect(port: number, ca: string): Promise<{ status: number | null; result: { ok: boolean; certificate: { verified: boolean; error: { code: string } | null } } }> {
  return new Promise((resolve, reject) => {
    const child = spawn('node', [BIN, 'connect', `127.0.0.1:${port}`, '--servername', 'localhost', '--ca', ca, '--json']);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, result: JSON.parse(out) }));
  });
}

describe('tls-lens side bundles', () => {
  it('keeps the STARTTLS dialogues out of connect and loads them for --starttls', () => {
    // Any run builds dist-cli/ first when it is stale.
    execFileSync('node', [BIN, '--help'], { encoding: 'utf8', timeout: 60_000 });
    const index = JSON.parse(fs.readFileSync(path.join(CACHED, 'index.json'), 'utf8')) as Record<string, string>;
    const connect = fs.readFileSync(path.join(CACHED, index.connect), 'latin1');
    const side = fs.readdirSync(path.join(CACHED, 'side')).filter((f) => /^starttls-[A-Z0-9]+\.cjs$/.test(f));
    expect(side).toHaveLength(1);
    expect(fs.readFileSync(path.join(CACHED, 'side', side[0]), 'latin1')).toContain(DIALOGUE_MARK);
    expect(connect).not.toContain(DIALOGUE_MARK);
    expect(connect).toContain(`./side/${side[0]}`);

    // The list of protocols in this answer comes from the side bundle; no connection is tried (port 9 on loopback).
    const r = spawnSync('node', [BIN, 'connect', '127.0.0.1:9', '--starttls', 'gopher', '--json'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(JSON.parse(r.stdout).error).toEqual({ code: 'BAD_OPTION_VALUE', message: expect.stringMatching(/unknown --starttls protocol 'gopher' \(smtp, lmtp, imap, .*mysql/) });
  });

  it('keeps the ASN.1 schema packages out of connect and loads them, cached, for a chain with certificate policies', async () => {
    execFileSync('node', [BIN, '--help'], { encoding: 'utf8', timeout: 60_000 });
    const index = JSON.parse(fs.readFileSync(path.join(CACHED, 'index.json'), 'utf8')) as Record<string, string>;
    const side = fs.readdirSync(path.join(CACHED, 'side')).filter((f) => /^asn1-[A-Z0-9]+\.cjs$/.test(f));
    expect(side).toHaveLength(1);
    expect(fs.readFileSync(path.join(CACHED, 'side', side[0]), 'latin1')).toContain(ASN1_MARK);
    const connectBundle = fs.readFileSync(path.join(CACHED, index.connect), 'latin1');
    expect(connectBundle).not.toContain(ASN1_MARK);
    expect(connectBundle).toContain(`./side/${side[0]}`);

    const dir = makePolicyPki();
    const servers = await Promise.all([1, 2].map((n) => spawnSServer(['-tls1_3', '-cert', path.join(dir, `leaf${n}.pem`), '-key', path.join(dir, `leaf${n}.key`), '-cert_chain', path.join(dir, 'int.pem')])));
    try {
      const cacheFile = path.join(CACHED, 'side', `${side[0]}.v8cache`);
      fs.rmSync(cacheFile, { force: true });
      // The policy decoders run (from the side bundle): the intermediate requires an explicit policy, which only
      // leaf1's chain has. Twice: the first run leaves the side bundle's cache, the second starts from it.
      for (let i = 0; i < 2; i++) {
        const good = await connect(servers[0].port, path.join(dir, 'ca.pem'));
        expect(good.status).toBe(0);
        expect(good.result.ok).toBe(true);
        expect(good.result.certificate.verified).toBe(true);
        expect(fs.statSync(cacheFile).size).toBeGreaterThan(1000);
      }
      expect(fs.readFileSync(cacheFile)[0]).toBe(2);
      const bad = await connect(servers[1].port, path.join(dir, 'ca.pem'));
      expect(bad.status).toBe(3);
      expect(bad.result.certificate.error?.code).toBe('POLICY');
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps the RC4 and 3DES libraries out of pcap and decode: a side bundle read only for such a session', () => {
    execFileSync('node', [BIN, '--help'], { encoding: 'utf8', timeout: 60_000 });
    const index = JSON.parse(fs.readFileSync(path.join(CACHED, 'index.json'), 'utf8')) as Record<string, string>;
    const side = fs.readdirSync(path.join(CACHED, 'side')).filter((f) => /^legacy-ciphers-[A-Z0-9]+\.cjs$/.test(f));
    expect(side).toHaveLength(1);
    const sideText = fs.readFileSync(path.join(CACHED, 'side', side[0]), 'latin1');
    for (const mark of LEGACY_CIPHER_MARKS) expect(sideText).toContain(mark);
    for (const command of Object.keys(index)) {
      const bundle = fs.readFileSync(path.join(CACHED, index[command]), 'latin1');
      for (const mark of LEGACY_CIPHER_MARKS) expect(bundle, command).not.toContain(mark);
      // The capture commands know where it is (test/capture/legacy-ciphers.test.ts runs pcap on such captures).
      if (command === 'pcap' || command === 'decode') expect(bundle).toContain(`./side/${side[0]}`);
    }
  });
});
