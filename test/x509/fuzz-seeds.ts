// Seeds for the x509 input fuzz tests: real chains made by the openssl CLI (RSA, ECDSA and Ed25519, with an
// intermediate carrying name constraints and policies), a CRL, a PKCS#7 bundle from `openssl crl2pkcs7 -nocrl
// -certfile`, and a few roots of the Mozilla store the project ships.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MOZILLA_ROOTS_BASE64 } from '../../src/x509/mozillaRoots.generated.ts';
import { base64Decode, pemToDer } from '../../src/x509/pem.ts';
import type { Signer } from './fuzz-mutations.ts';

export interface SeedChain {
  name: string;
  /** Leaf first, then the intermediate(s); the root is separate. DER each. */
  chain: Uint8Array[];
  root: Uint8Array;
  host: string;
  /** The issuer key of each certificate of `chain` (the intermediate's for the leaf, the root's for it), to sign again. */
  signers: Signer[];
}

export interface X509Seeds {
  chains: SeedChain[];
  /** A CRL issued by the RSA chain's intermediate, revoking nothing of the chain (DER). */
  crl: Uint8Array;
  crlPem: string;
  /** The RSA chain (leaf, intermediate, root) as a PKCS#7 bundle, PEM and DER, as openssl writes them. */
  p7Pem: string;
  p7Der: Uint8Array;
  mozilla: Uint8Array[];
  /** Every seed certificate's DER as hex, to tell an unchanged certificate from a changed one. */
  original: Set<string>;
  cleanup(): void;
}

const EXT = `
[req]
distinguished_name = dn
[dn]
[ca]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
certificatePolicies = 2.23.140.1.2.1, 1.3.6.1.4.1.99999.1
nameConstraints = critical, permitted;DNS:example.test, permitted;IP:10.0.0.0/255.0.0.0, excluded;DNS:bad.example.test, permitted;email:example.test
[root]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[leaf]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = DNS:www.example.test, DNS:*.api.example.test, IP:10.1.2.3, email:ops@example.test
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
certificatePolicies = 2.23.140.1.2.1
crlDistributionPoints = URI:http://crl.example.test/int.crl
authorityInfoAccess = OCSP;URI:http://ocsp.example.test, caIssuers;URI:http://ca.example.test/int.der
`;

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

export function makeX509Seeds(): X509Seeds {
  const dir = mkdtempSync(path.join(tmpdir(), 'tls-lens-x509-fuzz-'));
  const f = (n: string) => path.join(dir, n);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  writeFileSync(f('ext.cnf'), EXT);
  const keyArgs: Record<string, string[]> = { rsa: ['-newkey', 'rsa:2048'], ec: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], ed: ['-newkey', 'ed25519'] };
  const chains: SeedChain[] = [];
  for (const kind of ['rsa', 'ec', 'ed']) {
    const p = (n: string) => `${kind}-${n}`;
    openssl('req', '-x509', ...keyArgs[kind], '-nodes', '-days', '3650', '-subj', `/O=Fuzz/CN=Fuzz ${kind} Root`, '-keyout', p('root.key'), '-out', p('root.pem'), '-config', 'ext.cnf', '-extensions', 'root');
    openssl('req', ...keyArgs[kind], '-nodes', '-subj', `/O=Fuzz/CN=Fuzz ${kind} Intermediate`, '-keyout', p('int.key'), '-out', p('int.csr'));
    openssl('x509', '-req', '-in', p('int.csr'), '-CA', p('root.pem'), '-CAkey', p('root.key'), '-set_serial', '0x1234567890abcdef01', '-days', '3000', '-extfile', 'ext.cnf', '-extensions', 'ca', '-out', p('int.pem'));
    openssl('req', ...keyArgs[kind], '-nodes', '-subj', '/CN=www.example.test', '-keyout', p('leaf.key'), '-out', p('leaf.csr'));
    openssl('x509', '-req', '-in', p('leaf.csr'), '-CA', p('int.pem'), '-CAkey', p('int.key'), '-set_serial', '0x7766554433221100ff', '-days', '2000', '-extfile', 'ext.cnf', '-extensions', 'leaf', '-out', p('leaf.pem'));
    const der = (n: string) => pemToDer(readFileSync(f(p(n)), 'latin1'))[0];
    const signer = (n: string): Signer => ({ keyPem: readFileSync(f(p(n)), 'latin1'), hash: kind === 'ed' ? null : 'sha256', ec: kind === 'ec' });
    chains.push({ name: kind, chain: [der('leaf.pem'), der('int.pem')], root: der('root.pem'), host: 'www.example.test', signers: [signer('int.key'), signer('root.key')] });
  }
  // A CRL from the RSA intermediate (openssl ca needs its little database).
  writeFileSync(f('index.txt'), '');
  writeFileSync(f('crlnumber'), '01\n');
  writeFileSync(f('ca.cnf'), `[ca]\ndefault_ca = d\n[d]\ndatabase = ${f('index.txt')}\ncrlnumber = ${f('crlnumber')}\ndefault_md = sha256\ndefault_crl_days = 30\n`);
  openssl('ca', '-config', 'ca.cnf', '-gencrl', '-cert', 'rsa-int.pem', '-keyfile', 'rsa-int.key', '-out', 'int.crl');
  const crlPem = readFileSync(f('int.crl'), 'latin1');
  const crl = pemToDer(crlPem, ['X509 CRL'])[0];
  writeFileSync(f('bundle.pem'), ['rsa-leaf.pem', 'rsa-int.pem', 'rsa-root.pem'].map((n) => readFileSync(f(n), 'latin1')).join(''));
  openssl('crl2pkcs7', '-nocrl', '-certfile', 'bundle.pem', '-out', 'bundle.p7b');
  openssl('crl2pkcs7', '-nocrl', '-certfile', 'bundle.pem', '-outform', 'DER', '-out', 'bundle.p7c');
  // Roots of several shapes: RSA with SHA-1 (old), RSA SHA-256, ECDSA P-384.
  const mozilla = [0, 16, 24].map((i) => base64Decode(MOZILLA_ROOTS_BASE64[i], 0));
  const original = new Set<string>([...chains.flatMap((c) => [...c.chain, c.root]), ...mozilla].map(hex));
  return {
    chains,
    crl,
    crlPem,
    p7Pem: readFileSync(f('bundle.p7b'), 'latin1'),
    p7Der: new Uint8Array(readFileSync(f('bundle.p7c'))),
    mozilla,
    original,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export { hex };
