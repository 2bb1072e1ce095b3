// A CA, two server leaves (one revoked), a delegated OCSP responder and the OCSP responses an OCSP responder gives
// about them, all made by the openssl CLI at test time: `openssl ocsp -index index.txt ... -respout` writes each
// response as a responder would answer it, from an index.txt with a "V" (valid) line and an "R" (revoked) line
// (server/lab/openssl-ocsp.ts, which the lab's own responder uses too).
// No vitest here: Playwright's specs use it too (vitest files take useOcspPki from use-ocsp-pki.ts).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { indexFile, ocspRespondArgs } from '../../server/lab/openssl-ocsp.ts';

export interface OcspPki {
  dir: string;
  caPem: string;
  caDer: Uint8Array;
  /** The good leaf (localhost, 127.0.0.1) and the revoked one, with their keys. */
  leaf: { cert: string; key: string; der: Uint8Array; serial: string };
  revoked: { cert: string; key: string; der: Uint8Array; serial: string };
  /** DER OCSP responses (files): for the leaf signed by the CA; for the revoked leaf; for the leaf signed by a
   * delegated responder named by key hash; the same by a delegated responder that carries id-pkix-ocsp-nocheck; for
   * the leaf by a responder certificate without id-kp-OCSPSigning. */
  responses: { good: string; revoked: string; delegated: string; delegatedNoCheck: string; notDelegated: string };
  /** When the responses were made (their thisUpdate); each is valid for one day (-ndays 1). */
  madeAt: number;
}

const LEAF_EXT = 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\nauthorityKeyIdentifier=keyid\n';

/** Make the PKI and the responses in a new temp dir. */
export function makeOcspPki(): OcspPki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-lens-ocsp-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' }).toString();
  const p = (f: string) => path.join(dir, f);
  openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key');
  openssl('req', '-new', '-x509', '-key', 'ca.key', '-subj', '/CN=OCSP Test Root', '-days', '30', '-sha256', '-out', 'ca.pem', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-addext', 'subjectKeyIdentifier=hash');
  const issue = (name: string, subject: string, ext: string) => {
    openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`);
    fs.writeFileSync(p(`${name}.ext`), ext);
    openssl('req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '30', '-sha256', '-extfile', `${name}.ext`, '-out', `${name}.pem`);
    openssl('x509', '-in', `${name}.pem`, '-outform', 'DER', '-out', `${name}.der`);
    return { cert: p(`${name}.pem`), key: p(`${name}.key`), der: new Uint8Array(fs.readFileSync(p(`${name}.der`))), serial: openssl('x509', '-in', `${name}.pem`, '-noout', '-serial').trim().replace(/^serial=/, '') };
  };
  const leaf = issue('leaf', '/CN=localhost', LEAF_EXT);
  const revoked = issue('revoked', '/CN=localhost', LEAF_EXT);
  issue('responder', '/CN=OCSP Test Responder', 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=OCSPSigning\nauthorityKeyIdentifier=keyid\n');
  issue('responder-nocheck', '/CN=OCSP Test Responder NoCheck', 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=OCSPSigning\nnoCheck=ignored\nauthorityKeyIdentifier=keyid\n');
  issue('imposter', '/CN=Not An OCSP Responder', 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nauthorityKeyIdentifier=keyid\n');
  openssl('x509', '-in', 'ca.pem', '-outform', 'DER', '-out', 'ca.der');

  const expiry = new Date(Date.now() + 30 * 86_400_000);
  fs.writeFileSync(
    p('index.txt'),
    indexFile([
      { serial: leaf.serial, notAfter: expiry, subject: '/CN=localhost' },
      { serial: revoked.serial, notAfter: expiry, subject: '/CN=localhost', revoked: { at: new Date(Date.now() - 3_600_000), reason: 'keyCompromise' } },
    ]),
  );
  const madeAt = Date.now();
  const respond = (cert: string, out: string, signer: string, byKeyId = false) =>
    openssl(...ocspRespondArgs({ index: 'index.txt', issuer: 'ca.pem', signerCert: `${signer}.pem`, signerKey: `${signer}.key`, cert, out, validity: { days: 1 }, byKeyId }));
  respond('leaf.pem', 'good.der', 'ca');
  respond('revoked.pem', 'revoked.der', 'ca');
  respond('leaf.pem', 'delegated.der', 'responder', true);
  respond('leaf.pem', 'delegated-nocheck.der', 'responder-nocheck');
  respond('leaf.pem', 'not-delegated.der', 'imposter');
  return {
    dir,
    caPem: p('ca.pem'),
    caDer: new Uint8Array(fs.readFileSync(p('ca.der'))),
    leaf,
    revoked,
    responses: { good: p('good.der'), revoked: p('revoked.der'), delegated: p('delegated.der'), delegatedNoCheck: p('delegated-nocheck.der'), notDelegated: p('not-delegated.der') },
    madeAt,
  };
}
