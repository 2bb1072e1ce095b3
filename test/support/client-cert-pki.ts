// Client certificates made by openssl for the words a server says when it checks one: a client CA, a self-signed
// client certificate, one for serverAuth only, one for codeSigning and an unnamed purpose, and one issued by a CA
// whose extendedKeyUsage allows serverAuth only. Made in a temp dir the caller removes.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface ClientCertPki {
  dir: string;
  caPem: string;
  /** Self-signed, not a CA: signs itself. */
  selfSigned: { cert: string; key: string };
  /** Issued by the CA, extendedKeyUsage serverAuth only. */
  serverOnly: { cert: string; key: string };
  /** Issued by the CA, extendedKeyUsage codeSigning and 1.2.3.4. */
  codeSigning: { cert: string; key: string };
  /** clientAuth, issued by an intermediate (in `chain`) whose extendedKeyUsage is serverAuth only. */
  underServerCa: { cert: string; key: string; chain: string };
}

const openssl = (dir: string, args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });

export function makeClientCertPki(): ClientCertPki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-lens-client-words-'));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  const ext = (name: string, lines: string[]) => {
    fs.writeFileSync(path.join(dir, `${name}.ext`), lines.join('\n') + '\n');
    return `${name}.ext`;
  };
  const issue = (name: string, subject: string, issuer: string, lines: string[]) => {
    openssl(dir, ['req', '-new', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
    openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${issuer}.pem`, '-CAkey', `${issuer}.key`, '-set_serial', String(Date.now() % 1e9 + name.length), '-days', '30', '-out', `${name}.pem`, '-extfile', ext(name, lines)]);
    return { cert: path.join(dir, `${name}.pem`), key: path.join(dir, `${name}.key`) };
  };
  const ca = ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign', 'subjectKeyIdentifier=hash'];
  openssl(dir, ['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '30', '-subj', '/CN=Words Client CA', ...ca.flatMap((l) => ['-addext', l])]);
  openssl(dir, ['req', '-x509', ...ec, '-keyout', 'self.key', '-out', 'self.pem', '-days', '30', '-subj', '/CN=self-signed client', '-addext', 'basicConstraints=critical,CA:FALSE', '-addext', 'extendedKeyUsage=clientAuth']);
  const leaf = (eku: string) => ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature', `extendedKeyUsage=${eku}`, 'subjectKeyIdentifier=hash', 'authorityKeyIdentifier=keyid'];
  const serverOnly = issue('server-only', '/CN=server-only client', 'ca', leaf('serverAuth'));
  const codeSigning = issue('code-signing', '/CN=code-signing client', 'ca', leaf('codeSigning,1.2.3.4'));
  issue('server-ca', '/CN=Server-only CA', 'ca', [...ca, 'authorityKeyIdentifier=keyid', 'extendedKeyUsage=serverAuth']);
  const underServerCa = issue('under-server-ca', '/CN=client under a server CA', 'server-ca', leaf('clientAuth'));
  return {
    dir,
    caPem: path.join(dir, 'ca.pem'),
    selfSigned: { cert: path.join(dir, 'self.pem'), key: path.join(dir, 'self.key') },
    serverOnly,
    codeSigning,
    underServerCa: { ...underServerCa, chain: path.join(dir, 'server-ca.pem') },
  };
}
