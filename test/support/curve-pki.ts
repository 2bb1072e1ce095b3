// Certificates with the less common keys, made by the openssl CLI at test time: a P-521 root (ecdsa-with-SHA512)
// and an Ed448 root, each issuing a localhost server leaf and a client leaf with a key of its own kind. The leaves'
// signatures are the roots' (P-521 ECDSA, Ed448), so path validation checks those algorithms too.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';

export interface CurveLeaf {
  /** PEM files, as openssl and Node's tls take them. */
  cert: string;
  key: string;
  /** The same as DER and PKCS#8 DER, as the engine takes them. */
  der: Uint8Array;
  pkcs8: Uint8Array;
}

export interface CurveFamily {
  rootPem: string;
  rootDer: Uint8Array;
  server: CurveLeaf;
  client: CurveLeaf;
}

export interface CurvePki {
  dir: string;
  /** Both roots in one PEM file (s_server -CAfile, Node's `ca`). */
  bothRootsPem: string;
  p521: CurveFamily;
  ed448: CurveFamily;
}

const KEY_ARGS = {
  p521: ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-521'],
  ed448: ['genpkey', '-algorithm', 'ed448'],
} as const;

export function makeCurvePki(): CurvePki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-lens-curve-pki-'));
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const p = (f: string) => path.join(dir, f);
  fs.writeFileSync(p('server.ext'), 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\nauthorityKeyIdentifier=keyid\n');
  fs.writeFileSync(p('client.ext'), 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\nauthorityKeyIdentifier=keyid\n');
  const family = (kind: 'p521' | 'ed448'): CurveFamily => {
    // Ed448 signs without a separate digest; openssl refuses -sha512 for it.
    const digest = kind === 'p521' ? ['-sha512'] : [];
    run([...KEY_ARGS[kind], '-out', `${kind}-ca.key`]);
    run(['req', '-new', '-x509', '-key', `${kind}-ca.key`, '-subj', `/CN=TLS Lens ${kind} test root`, '-days', '30', ...digest, '-out', `${kind}-ca.pem`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    const leaf = (name: string, subject: string, ext: string): CurveLeaf => {
      const base = `${kind}-${name}`;
      run([...KEY_ARGS[kind], '-out', `${base}.key`]);
      run(['req', '-new', '-key', `${base}.key`, '-subj', subject, '-out', `${base}.csr`]);
      run(['x509', '-req', '-in', `${base}.csr`, '-CA', `${kind}-ca.pem`, '-CAkey', `${kind}-ca.key`, '-CAcreateserial', '-days', '30', ...digest, '-extfile', ext, '-out', `${base}.pem`]);
      run(['x509', '-in', `${base}.pem`, '-outform', 'DER', '-out', `${base}.der`]);
      run(['pkcs8', '-topk8', '-nocrypt', '-in', `${base}.key`, '-outform', 'DER', '-out', `${base}.p8`]);
      return { cert: p(`${base}.pem`), key: p(`${base}.key`), der: new Uint8Array(fs.readFileSync(p(`${base}.der`))), pkcs8: new Uint8Array(fs.readFileSync(p(`${base}.p8`))) };
    };
    run(['x509', '-in', `${kind}-ca.pem`, '-outform', 'DER', '-out', `${kind}-ca.der`]);
    return {
      rootPem: p(`${kind}-ca.pem`),
      rootDer: new Uint8Array(fs.readFileSync(p(`${kind}-ca.der`))),
      server: leaf('server', '/CN=localhost', 'server.ext'),
      client: leaf('client', `/CN=TLS Lens ${kind} test client`, 'client.ext'),
    };
  };
  const p521 = family('p521');
  const ed448 = family('ed448');
  fs.writeFileSync(p('roots.pem'), fs.readFileSync(p521.rootPem, 'utf8') + fs.readFileSync(ed448.rootPem, 'utf8'));
  return { dir, bothRootsPem: p('roots.pem'), p521, ed448 };
}

/** One curve PKI for a test file: made before its tests, removed after them. */
export function useCurvePki(): CurvePki {
  const pki = {} as CurvePki;
  beforeAll(() => {
    Object.assign(pki, makeCurvePki());
  });
  afterAll(() => fs.rmSync(pki.dir, { recursive: true, force: true }));
  return pki;
}
