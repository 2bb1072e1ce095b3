// Loading private keys as openssl writes them: PKCS#8 (genpkey), SEC1 (ecparam -genkey), PKCS#1 (genrsa -traditional),
// alone or with the chain in one file. Each key must sign something its certificate's public key verifies, and a
// key that belongs to another certificate is reported (SSL_CTX_check_private_key).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkKeyMatchesCertificate, importPrivateKey, PrivateKeyError, readPrivateKeyPem } from '../../src/x509/private-key.ts';
import { pemToDer } from '../../src/x509/pem.ts';
import { decodeCertificate } from '../../src/x509/certificate.ts';

let dir = '';
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');

/** A self-signed certificate for a key file. */
function certFor(keyFile: string, certFile: string) {
  openssl('req', '-new', '-x509', '-key', keyFile, '-subj', '/CN=localhost', '-days', '2', '-out', certFile);
  return pemToDer(read(certFile))[0];
}

const KEYS: { name: string; make: string[]; label: string; format: string; description: RegExp }[] = [
  { name: 'PKCS#8 EC P-256', make: ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'k.pem'], label: 'PRIVATE KEY', format: 'PKCS#8', description: /^EC P-256$/ },
  { name: 'PKCS#8 RSA 2048', make: ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'k.pem'], label: 'PRIVATE KEY', format: 'PKCS#8', description: /^RSA 2048$/ },
  { name: 'PKCS#8 Ed25519', make: ['genpkey', '-algorithm', 'ed25519', '-out', 'k.pem'], label: 'PRIVATE KEY', format: 'PKCS#8', description: /^Ed25519$/ },
  // ecparam -genkey without -noout also writes an "EC PARAMETERS" block first: it must be skipped.
  { name: 'SEC1 EC P-256 with EC PARAMETERS', make: ['ecparam', '-name', 'prime256v1', '-genkey', '-out', 'k.pem'], label: 'EC PRIVATE KEY', format: 'SEC1', description: /^EC P-256$/ },
  { name: 'SEC1 EC P-384', make: ['ecparam', '-name', 'secp384r1', '-genkey', '-noout', '-out', 'k.pem'], label: 'EC PRIVATE KEY', format: 'SEC1', description: /^EC P-384$/ },
  { name: 'PKCS#1 RSA 2048', make: ['genrsa', '-traditional', '-out', 'k.pem', '2048'], label: 'RSA PRIVATE KEY', format: 'PKCS#1', description: /^RSA 2048$/ },
];

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-lens-keys-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function signsForCertificate(key: ReturnType<typeof readPrivateKeyPem>, certDer: Uint8Array) {
  const privateKey = await importPrivateKey(key);
  const data = new TextEncoder().encode('signed by the loaded key');
  const params = key.algorithm.name === 'ECDSA' ? { name: 'ECDSA', hash: 'SHA-256' } : key.algorithm.name === 'RSA-PSS' ? { name: 'RSA-PSS', saltLength: 32 } : { name: 'Ed25519' };
  const signature = await crypto.subtle.sign(params, privateKey, data);
  const publicKey = await crypto.subtle.importKey('spki', new Uint8Array(decodeCertificate(certDer).spki), key.algorithm, false, ['verify']);
  return crypto.subtle.verify(params, publicKey, signature, data);
}

describe.each(KEYS)('$name', ({ make, label, format, description }) => {
  it('loads alone, signs what the certificate verifies, and matches its certificate', async () => {
    openssl(...make);
    expect(read('k.pem')).toContain(`-----BEGIN ${label}-----`);
    const certDer = certFor('k.pem', 'c.pem');
    const key = readPrivateKeyPem(read('k.pem'));
    expect(key.format).toBe(format);
    expect(key.description).toMatch(description);
    expect(key.chain).toEqual([]);
    expect(await signsForCertificate(key, certDer)).toBe(true);
    await expect(checkKeyMatchesCertificate(key, certDer)).resolves.toBeUndefined();
    // openssl reads our PKCS#8 re-wrapping back as the same key.
    fs.writeFileSync(path.join(dir, 'w.der'), key.pkcs8);
    const ours = openssl('pkey', '-inform', 'DER', '-in', 'w.der', '-pubout').toString();
    const theirs = openssl('pkey', '-in', 'k.pem', '-pubout').toString();
    expect(ours).toBe(theirs);
  });

  it('loads from one file with the certificate chain, key after the certificates', async () => {
    openssl(...make);
    const certDer = certFor('k.pem', 'c.pem');
    const combined = read('c.pem') + read('c.pem') + read('k.pem');
    const key = readPrivateKeyPem(combined);
    expect(key.chain.length).toBe(2);
    expect(Buffer.from(key.chain[0]).equals(Buffer.from(certDer))).toBe(true);
    await checkKeyMatchesCertificate(key, key.chain[0]);
  });
});

describe('mismatches and bad files', () => {
  it('reports a key that belongs to another certificate of the same type', async () => {
    openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'a.key');
    openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'b.key');
    const certB = certFor('b.key', 'b.pem');
    const err = await checkKeyMatchesCertificate(readPrivateKeyPem(read('a.key')), certB).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PrivateKeyError);
    expect((err as Error).message).toMatch(/not the key of this certificate/);
  });

  it('reports an RSA key given for an EC certificate', async () => {
    openssl('genrsa', '-traditional', '-out', 'r.key', '2048');
    openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'e.key');
    const certE = certFor('e.key', 'e.pem');
    await expect(checkKeyMatchesCertificate(readPrivateKeyPem(read('r.key')), certE)).rejects.toThrow(/does not match the certificate's ec public key/);
  });

  it('says what to do with an encrypted key, a file without a key, and two keys in one file', () => {
    openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-aes-128-cbc', '-pass', 'pass:secret', '-out', 'enc.pem');
    expect(() => readPrivateKeyPem(read('enc.pem'))).toThrow(/encrypted; decrypt it first/);
    openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'k1.pem');
    certFor('k1.pem', 'c1.pem');
    const certOnly = read('c1.pem');
    expect(() => readPrivateKeyPem(certOnly)).toThrow(/no private key found/);
    expect(() => readPrivateKeyPem(read('k1.pem') + read('k1.pem'))).toThrow(/2 private keys/);
  });

  it('refuses a damaged SEC1 body with a parse error, not a crash', () => {
    const bad = '-----BEGIN EC PRIVATE KEY-----\nMAMCAQE=\n-----END EC PRIVATE KEY-----\n';
    expect(() => readPrivateKeyPem(bad)).toThrow(PrivateKeyError);
  });
});
