// Details the Certificates panel and the workbench show: policies, AIA, CRL distribution points, embedded
// SCTs (RFC 6962), key and fingerprints, on certificates made by the openssl CLI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeCertificate } from '../../src/x509/certificate.ts';
import { CERTIFICATE_EXPLANATIONS, certificateDetails, decodeSctList } from '../../src/x509/details.ts';
import { readCertificateInput } from '../../src/x509/input.ts';

const readCertificates = (input: Uint8Array | string) => readCertificateInput(input).certificates.map((c) => c.der);

let dir: string;
const f = (name: string) => path.join(dir, name);
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });

/** One SCT in the TLS encoding of RFC 6962 §3.2: v1, log id, timestamp, no extensions, ECDSA/SHA-256 signature. */
function sct(logByte: number, ms: number): number[] {
  const ts = [...Array(8)].map((_, i) => Math.floor(ms / 256 ** (7 - i)) % 256);
  const sig = [0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02];
  return [0, ...Array(32).fill(logByte), ...ts, 0, 0, 4, 3, 0, sig.length, ...sig];
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'tls-lens-details-'));
  const list = [sct(0xaa, Date.UTC(2026, 0, 2, 3, 4, 5)), sct(0xbb, Date.UTC(2026, 0, 2, 3, 4, 6))].flatMap((s) => [s.length >> 8, s.length & 0xff, ...s]);
  const body = [list.length >> 8, list.length & 0xff, ...list];
  const octets = Buffer.from([0x04, ...(body.length < 0x80 ? [body.length] : [0x81, body.length]), ...body]).toString('hex').toUpperCase().replace(/(..)/g, '$1:').slice(0, -1);
  writeFileSync(
    f('ext.cnf'),
    [
      '[req]',
      'distinguished_name = dn',
      '[dn]',
      '[leaf]',
      'basicConstraints = critical, CA:false',
      'subjectAltName = DNS:www.example.test',
      'certificatePolicies = 2.23.140.1.2.1, @cps',
      'authorityInfoAccess = OCSP;URI:http://ocsp.example.test, caIssuers;URI:http://ca.example.test/inter.der',
      'crlDistributionPoints = URI:http://crl.example.test/inter.crl',
      `1.3.6.1.4.1.11129.2.4.2 = DER:${octets}`,
      '[cps]',
      'policyIdentifier = 1.3.6.1.4.1.99999.1',
      'CPS.1 = "https://cps.example.test/"',
    ].join('\n'),
  );
  openssl('req', '-x509', '-newkey', 'rsa:3072', '-nodes', '-keyout', 'k.pem', '-subj', '/CN=www.example.test', '-days', '30', '-extensions', 'leaf', '-config', 'ext.cnf', '-out', 'leaf.pem');
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384', '-nodes', '-keyout', 'k2.pem', '-subj', '/CN=plain', '-days', '30', '-out', 'plain.pem');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('certificate details', () => {
  it('policies, AIA, CRL distribution points, SCTs, key size and fingerprints', () => {
    const der = readCertificates(readFileSync(f('leaf.pem')))[0];
    const d = certificateDetails(decodeCertificate(der));
    expect(d.problems).toEqual([]);
    expect(d.policies.map((p) => [p.label, p.value])).toEqual([
      ['Domain Validated (CA/B Forum)', '2.23.140.1.2.1'],
      ['Policy', '1.3.6.1.4.1.99999.1 (CPS: https://cps.example.test/)'],
    ]);
    expect(d.authorityInfoAccess.map((a) => [a.label, a.value])).toEqual([
      ['OCSP responder', 'http://ocsp.example.test'],
      ['CA issuers (the issuer certificate)', 'http://ca.example.test/inter.der'],
    ]);
    expect(d.crlDistributionPoints.map((c) => c.value)).toEqual(['http://crl.example.test/inter.crl']);
    expect(d.scts).toEqual([
      { version: 1, logId: Buffer.alloc(32, 0xaa).toString('base64'), timestamp: '2026-01-02T03:04:05.000Z', hash: 'SHA-256', signature: 'ECDSA', extensionsLength: 0 },
      { version: 1, logId: Buffer.alloc(32, 0xbb).toString('base64'), timestamp: '2026-01-02T03:04:06.000Z', hash: 'SHA-256', signature: 'ECDSA', extensionsLength: 0 },
    ]);
    expect(d.key.value).toMatch(/RSA 3072/);
    const x509 = openssl('x509', '-in', 'leaf.pem', '-noout', '-fingerprint', '-sha256').toString();
    expect(x509).toContain(d.fingerprints[0].value);
    expect(d.fingerprints[1]).toMatchObject({ label: 'SHA-1 (legacy)', legacy: true, value: createHash('sha1').update(der).digest('hex').toUpperCase().replace(/(..)(?!$)/g, '$1:') });
    for (const item of [...d.policies, ...d.authorityInfoAccess, ...d.crlDistributionPoints, d.key, ...d.fingerprints]) expect(CERTIFICATE_EXPLANATIONS[item.explain], item.explain).toBeDefined();
  });

  it('a certificate without them: empty lists, the curve named', () => {
    const d = certificateDetails(decodeCertificate(readCertificates(readFileSync(f('plain.pem')))[0]));
    expect([d.policies, d.authorityInfoAccess, d.crlDistributionPoints, d.scts]).toEqual([[], [], [], []]);
    expect(d.key.value).toMatch(/P-384/);
  });

  it('a damaged SCT list is a problem in words, not a crash', () => {
    expect(() => decodeSctList(new Uint8Array([0x04, 0x04, 0x00, 0x10, 0x00, 0x01]))).toThrow(/says 16 bytes but holds 2/);
    expect(() => decodeSctList(new Uint8Array([0x04, 0x05, 0x00, 0x03, 0x00, 0x01, 0x00]))).toThrow(/SCT #1 is cut short/);
  });
});
