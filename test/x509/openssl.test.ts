// Chains made by the openssl CLI (its own encoding choices and default extensions), checked by
// TLS Lens and cross-checked against `openssl verify` on the same files.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readCertificateInput } from '../../src/x509/input.ts';

const readCertificates = (input: Uint8Array | string) => readCertificateInput(input).certificates.map((c) => c.der);
import { validateChain } from '../../src/x509/validate.ts';

let dir: string;
const f = (name: string) => path.join(dir, name);
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
const certs = (name: string) => readCertificates(readFileSync(f(name)));

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'tls-lens-openssl-'));
  writeFileSync(
    f('ext.cnf'),
    [
      '[ca]',
      'basicConstraints = critical, CA:true',
      'keyUsage = critical, keyCertSign, cRLSign',
      'subjectKeyIdentifier = hash',
      'authorityKeyIdentifier = keyid:always',
      '[leaf]',
      'basicConstraints = critical, CA:false',
      'keyUsage = critical, digitalSignature',
      'extendedKeyUsage = serverAuth',
      'subjectAltName = DNS:www.example.test, IP:127.0.0.1',
      'subjectKeyIdentifier = hash',
      'authorityKeyIdentifier = keyid:always',
      '',
    ].join('\n'),
  );
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '30', '-subj', '/O=Lens Test/CN=Lens Root', '-keyout', 'root.key', '-out', 'root.pem');
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384', '-nodes', '-subj', '/O=Lens Test/CN=Lens Intermediate', '-keyout', 'int.key', '-out', 'int.csr');
  openssl('x509', '-req', '-in', 'int.csr', '-CA', 'root.pem', '-CAkey', 'root.key', '-CAcreateserial', '-days', '20', '-extfile', 'ext.cnf', '-extensions', 'ca', '-out', 'int.pem');
  openssl('req', '-newkey', 'ed25519', '-nodes', '-subj', '/CN=www.example.test', '-keyout', 'leaf.key', '-out', 'leaf.csr');
  openssl('x509', '-req', '-in', 'leaf.csr', '-CA', 'int.pem', '-CAkey', 'int.key', '-CAcreateserial', '-days', '10', '-extfile', 'ext.cnf', '-extensions', 'leaf', '-out', 'leaf.pem');
  // A self-signed server certificate as the test servers of this project make it.
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '3', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', 'self.key', '-out', 'self.pem');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('chains made by openssl', () => {
  it('RSA root -> P-384 intermediate -> Ed25519 leaf verifies, as openssl verify agrees', async () => {
    const r = await validateChain({ leaf: certs('leaf.pem')[0], intermediates: certs('int.pem'), anchors: certs('root.pem'), time: new Date(), name: 'www.example.test' });
    expect(r.error).toBeUndefined();
    expect(r.path.map((p) => p.subject)).toEqual(['CN=www.example.test', 'O=Lens Test, CN=Lens Intermediate', 'O=Lens Test, CN=Lens Root']);
    const v = spawnSync('openssl', ['verify', '-CAfile', 'root.pem', '-untrusted', 'int.pem', '-verify_hostname', 'www.example.test', 'leaf.pem'], { cwd: dir, encoding: 'utf8' });
    expect(v.stdout).toMatch(/leaf.pem: OK/);
  });

  it('the same failures as openssl verify: wrong name, unknown issuer', async () => {
    const wrongName = await validateChain({ leaf: certs('leaf.pem')[0], intermediates: certs('int.pem'), anchors: certs('root.pem'), time: new Date(), name: 'other.example.test' });
    expect(wrongName.error?.openssl).toBe('X509_V_ERR_HOSTNAME_MISMATCH');
    const v1 = spawnSync('openssl', ['verify', '-CAfile', 'root.pem', '-untrusted', 'int.pem', '-verify_hostname', 'other.example.test', 'leaf.pem'], { cwd: dir, encoding: 'utf8' });
    expect(v1.stdout + v1.stderr).toMatch(/hostname mismatch/);
    const noInt = await validateChain({ leaf: certs('leaf.pem')[0], anchors: certs('root.pem'), time: new Date() });
    expect(noInt.error?.openssl).toBe('X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY');
    const v2 = spawnSync('openssl', ['verify', '-CAfile', 'root.pem', 'leaf.pem'], { cwd: dir, encoding: 'utf8' });
    expect(v2.stdout + v2.stderr).toMatch(/unable to get local issuer certificate/);
  });

  it('a self-signed openssl req -x509 certificate is trusted when it is the anchor, and refused otherwise', async () => {
    const self = certs('self.pem')[0];
    const trusted = await validateChain({ leaf: self, anchors: [self], time: new Date(), name: '127.0.0.1' });
    expect(trusted.error).toBeUndefined();
    const untrusted = await validateChain({ leaf: self, anchors: certs('root.pem'), time: new Date(), name: 'localhost' });
    expect(untrusted.error?.code).toBe('SELF_SIGNED_LEAF');
  });
});
