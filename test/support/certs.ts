// A self-signed certificate for the test servers, made with the openssl CLI.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface TestCert {
  cert: string;
  key: string;
  certPem: string;
  keyPem: string;
}

/** Write localhost.crt / localhost.key (ECDSA P-256, CN=localhost, SAN localhost + 127.0.0.1) into dir. */
export function makeCert(dir: string, name = 'localhost'): TestCert {
  fs.mkdirSync(dir, { recursive: true });
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '3',
    '-subj', `/CN=${name}`, '-addext', `subjectAltName=DNS:${name},IP:127.0.0.1`, '-keyout', key, '-out', cert,
  ], { stdio: 'pipe' });
  fs.chmodSync(key, 0o600);
  return { cert, key, certPem: fs.readFileSync(cert, 'utf8'), keyPem: fs.readFileSync(key, 'utf8') };
}
