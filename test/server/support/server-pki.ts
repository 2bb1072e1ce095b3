// Server certificates for the server tests, from the shared test PKI (test/tls/helpers.ts): DER chains and PKCS#8 keys.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { ServerCertificate } from '../../../src/tls/server.ts';
import type { TestPki } from '../../tls/helpers.ts';

function der(dir: string, pem: string, kind: 'x509' | 'pkcs8'): Uint8Array {
  const out = path.join(dir, `${path.basename(pem)}.${kind}.der`);
  if (!fs.existsSync(out)) {
    const args = kind === 'x509' ? ['x509', '-in', pem, '-outform', 'DER', '-out', out] : ['pkcs8', '-topk8', '-nocrypt', '-in', pem, '-outform', 'DER', '-out', out];
    execFileSync('openssl', args, { stdio: 'pipe' });
  }
  return new Uint8Array(fs.readFileSync(out));
}

/** The test PKI's server leaves as ServerCertificates: P-256 (default), RSA, Ed25519, P-384, RSA-PSS. */
export function serverCertificates(pki: TestPki) {
  const make = (cert: string, key: string, keyAlgorithm: string): ServerCertificate => ({ chain: [der(pki.dir, cert, 'x509')], key: der(pki.dir, key, 'pkcs8'), keyAlgorithm });
  return {
    p256: make(pki.leafCert, pki.leafKey, 'ECDSA P-256'),
    rsa: make(pki.rsaCert, pki.rsaKey, 'RSA 2048'),
    ed25519: make(...pki.extraLeaves.ed25519, 'Ed25519'),
    p384: make(...pki.extraLeaves.p384, 'ECDSA P-384'),
    rsaPss: make(...pki.extraLeaves.rsaPss, 'RSA-PSS 2048'),
  };
}

/** A leaf for another name (for SNI selection), signed by the test root. */
export function otherNameCertificate(pki: TestPki, name: string): ServerCertificate {
  const dir = pki.dir;
  const base = `other-${name}`;
  const p = (f: string) => path.join(dir, f);
  if (!fs.existsSync(p(`${base}.pem`))) {
    fs.writeFileSync(p(`${base}.ext`), `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:${name}\n`);
    const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    run(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${base}.key`]);
    run(['req', '-new', '-key', `${base}.key`, '-subj', `/CN=${name}`, '-out', `${base}.csr`]);
    run(['x509', '-req', '-in', `${base}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '30', '-sha256', '-extfile', `${base}.ext`, '-out', `${base}.pem`]);
  }
  return { chain: [der(dir, p(`${base}.pem`), 'x509')], key: der(dir, p(`${base}.key`), 'pkcs8'), keyAlgorithm: 'ECDSA P-256' };
}

/** A client leaf with an RSA 2048 key (PEM files), signed by the test root: for PKCS#1 v1.5 CertificateVerify. */
export function rsaClientCertificate(pki: TestPki): { cert: string; key: string } {
  const dir = pki.dir;
  const p = (f: string) => path.join(dir, f);
  if (!fs.existsSync(p('rsa-client.pem'))) {
    const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    run(['genrsa', '-out', 'rsa-client.key', '2048']);
    run(['req', '-new', '-key', 'rsa-client.key', '-subj', '/CN=TLS Lens RSA test client', '-out', 'rsa-client.csr']);
    run(['x509', '-req', '-in', 'rsa-client.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '30', '-sha256', '-extfile', 'client.ext', '-out', 'rsa-client.pem']);
  }
  return { cert: p('rsa-client.pem'), key: p('rsa-client.key') };
}
