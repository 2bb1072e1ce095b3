// What a person reads about one certificate beyond the checks: policies, where to fetch the issuer and
// the CRL, embedded SCTs (RFC 6962; shown, not verified), key size and curve, fingerprints. Each item
// carries an explanation key of the small catalogue below (same shape as the trace's catalogue).
import { sha256 } from '@noble/hashes/sha2.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { AsnConvert } from '@peculiar/asn1-schema';
import { CertificatePolicies, CRLDistributionPoints, UserNotice, type GeneralName as AsnGeneralName } from '@peculiar/asn1-x509';
import { toHex } from '../util/bytes.ts';
import { describeKey, type DecodedCertificate } from './certificate.ts';
import { readRoot, valueOf } from './der.ts';
import { decodeInfoAccess, EXT, generalNameText } from './extensions.ts';

export interface DetailItem {
  label: string;
  value: string;
  /** Key into CERTIFICATE_EXPLANATIONS. */
  explain: string;
  /** Set when the value is kept for compatibility only (SHA-1 fingerprints). */
  legacy?: boolean;
}

export interface Sct {
  version: number;
  logId: string;
  timestamp: string;
  hash: string;
  signature: string;
  extensionsLength: number;
}

export interface CertificateDetails {
  key: DetailItem;
  fingerprints: DetailItem[];
  policies: DetailItem[];
  authorityInfoAccess: DetailItem[];
  crlDistributionPoints: DetailItem[];
  scts: Sct[];
  /** Extensions present but malformed, with the reason (the rest of the details are still given). */
  problems: string[];
}

export const POLICY_NAMES: Record<string, string> = {
  '2.5.29.32.0': 'anyPolicy',
  '2.23.140.1.1': 'Extended Validation (CA/B Forum)',
  '2.23.140.1.2.1': 'Domain Validated (CA/B Forum)',
  '2.23.140.1.2.2': 'Organization Validated (CA/B Forum)',
  '2.23.140.1.2.3': 'Individual Validated (CA/B Forum)',
  '2.23.140.1.3': 'Extended Validation code signing (CA/B Forum)',
  '1.3.6.1.4.1.44947.1.1.1': "ISRG Domain Validated (Let's Encrypt)",
};

const ACCESS_METHODS: Record<string, string> = {
  '1.3.6.1.5.5.7.48.1': 'OCSP responder',
  '1.3.6.1.5.5.7.48.2': 'CA issuers (the issuer certificate)',
};

const HASHES = ['none', 'MD5', 'SHA-1', 'SHA-224', 'SHA-256', 'SHA-384', 'SHA-512'];
const SIGNATURES = ['anonymous', 'RSA', 'DSA', 'ECDSA'];

function asnNameText(n: AsnGeneralName): string {
  if (n.uniformResourceIdentifier) return n.uniformResourceIdentifier;
  if (n.dNSName) return `DNS:${n.dNSName}`;
  if (n.rfc822Name) return `email:${n.rfc822Name}`;
  if (n.directoryName) return 'a directory name';
  return 'a name of another kind';
}

/** RFC 6962 §3.3: the SignedCertificateTimestampList inside the extension's OCTET STRING (TLS encoding). */
export function decodeSctList(extValue: Uint8Array): Sct[] {
  const root = readRoot(extValue);
  if (root.tag !== 0x04) throw new Error('the SCT list is not wrapped in an OCTET STRING');
  const b = valueOf(extValue, root);
  const u16 = (p: number) => {
    if (p + 2 > b.length) throw new Error('the SCT list is cut short');
    return (b[p] << 8) | b[p + 1];
  };
  const total = u16(0);
  if (total + 2 !== b.length) throw new Error(`the SCT list says ${total} bytes but holds ${b.length - 2}`);
  const out: Sct[] = [];
  let p = 2;
  while (p < b.length) {
    const len = u16(p);
    const start = p + 2;
    const end = start + len;
    if (end > b.length || len < 1 + 32 + 8 + 2 + 4) throw new Error(`SCT #${out.length + 1} is cut short`);
    const version = b[start];
    const logId = b.subarray(start + 1, start + 33);
    let ms = 0;
    for (let i = 0; i < 8; i++) ms = ms * 256 + b[start + 33 + i];
    const extLen = (b[start + 41] << 8) | b[start + 42];
    const q = start + 43 + extLen;
    if (q + 4 > end) throw new Error(`SCT #${out.length + 1} is cut short`);
    const sigLen = (b[q + 2] << 8) | b[q + 3];
    if (q + 4 + sigLen !== end) throw new Error(`SCT #${out.length + 1} has ${end - q - 4 - sigLen} stray bytes`);
    out.push({
      version: version + 1,
      logId: btoa(String.fromCharCode(...logId)),
      timestamp: new Date(ms).toISOString(),
      hash: HASHES[b[q]] ?? `hash ${b[q]}`,
      signature: SIGNATURES[b[q + 1]] ?? `signature ${b[q + 1]}`,
      extensionsLength: extLen,
    });
    p = end;
  }
  return out;
}

function colonHex(bytes: Uint8Array): string {
  return toHex(bytes).toUpperCase().replace(/(..)(?!$)/g, '$1:');
}

export function certificateDetails(c: DecodedCertificate): CertificateDetails {
  const problems: string[] = [];
  const ext = (oid: string) => c.extensions.find((e) => e.oid === oid);
  const guarded = <T>(what: string, f: () => T[]): T[] => {
    try {
      return f();
    } catch (e) {
      problems.push(`${what}: ${(e as Error).message}`);
      return [];
    }
  };

  const policies = guarded('certificatePolicies', () => {
    const x = ext(EXT.certificatePolicies);
    if (!x) return [];
    return AsnConvert.parse(x.value, CertificatePolicies).map((p) => {
      const notes = (p.policyQualifiers ?? []).map((q) => {
        if (q.policyQualifierId === '1.3.6.1.5.5.7.2.1') return `CPS: ${cpsUri(q.qualifier)}`;
        if (q.policyQualifierId === '1.3.6.1.5.5.7.2.2') {
          const notice = AsnConvert.parse(q.qualifier, UserNotice);
          return `notice: "${notice.explicitText?.toString() ?? ''}"`;
        }
        return `qualifier ${q.policyQualifierId}`;
      });
      const name = POLICY_NAMES[p.policyIdentifier];
      return { label: name ?? 'Policy', value: `${p.policyIdentifier}${notes.length ? ` (${notes.join('; ')})` : ''}`, explain: p.policyIdentifier === '2.5.29.32.0' ? 'x509.policy.any' : 'x509.policy' };
    });
  });

  const authorityInfoAccess = guarded('authorityInfoAccess', () => {
    const x = ext(EXT.authorityInfoAccess);
    if (!x) return [];
    return decodeInfoAccess(x.value).map((a) => ({
      label: ACCESS_METHODS[a.method] ?? a.method,
      value: a.location.type === 'uri' ? a.location.value : generalNameText(a.location),
      explain: a.method === '1.3.6.1.5.5.7.48.1' ? 'x509.aia.ocsp' : 'x509.aia.caIssuers',
    }));
  });

  const crlDistributionPoints = guarded('cRLDistributionPoints', () => {
    const x = ext(EXT.crlDistributionPoints);
    if (!x) return [];
    return AsnConvert.parse(x.value, CRLDistributionPoints).flatMap((dp) =>
      (dp.distributionPoint?.fullName ?? []).map((n) => ({ label: 'CRL', value: asnNameText(n), explain: 'x509.crldp' })),
    );
  });

  const scts = guarded('signed certificate timestamps', () => {
    const x = ext(EXT.sctList);
    return x ? decodeSctList(x.value) : [];
  });

  return {
    key: { label: 'Public key', value: describeKey(c.key), explain: 'x509.key' },
    fingerprints: [
      { label: 'SHA-256', value: colonHex(sha256(c.der)), explain: 'x509.fingerprint' },
      { label: 'SHA-1 (legacy)', value: colonHex(sha1(c.der)), explain: 'x509.fingerprint.sha1', legacy: true },
    ],
    policies,
    authorityInfoAccess,
    crlDistributionPoints,
    scts,
    problems,
  };
}

/** The CPS pointer qualifier is an IA5String. */
function cpsUri(v: ArrayBuffer): string {
  const der = new Uint8Array(v);
  const root = readRoot(der);
  if (root.tag !== 0x16) throw new Error('a CPS pointer must be an IA5String');
  return new TextDecoder().decode(valueOf(der, root));
}

export interface CertificateExplanation {
  title: string;
  text: string;
  rfc: string;
  url: string;
}

function rfc(num: number, section: string) {
  return { rfc: `RFC ${num} §${section}`, url: `https://www.rfc-editor.org/rfc/rfc${num}#section-${section}` };
}
const e = (title: string, text: string, ref: { rfc: string; url: string }): CertificateExplanation => ({ title, text, ...ref });

export const CERTIFICATE_EXPLANATIONS: Readonly<Record<string, CertificateExplanation>> = {
  'x509.policy': e('Certificate policy', 'An identifier of the rules the CA followed when it issued this certificate, e.g. the CA/Browser Forum\'s "domain validated". A relying party can require a policy; browsers use the EV one to decide what to show.', rfc(5280, '4.2.1.4')),
  'x509.policy.any': e('anyPolicy', 'A wildcard policy: the CA vouches for every policy it may issue under. Only meaningful in CA certificates, and it can be disabled further down with inhibitAnyPolicy.', rfc(5280, '4.2.1.4')),
  'x509.aia.ocsp': e('OCSP responder', 'Where a client can ask the CA, online, whether this certificate has been revoked (Authority Information Access).', rfc(5280, '4.2.2.1')),
  'x509.aia.caIssuers': e('CA issuers', 'Where the issuer\'s certificate can be downloaded, so that a client missing an intermediate can still build the path (browsers do, TLS Lens does not fetch).', rfc(5280, '4.2.2.1')),
  'x509.crldp': e('CRL distribution point', 'Where the CA publishes the list of certificates it has revoked. TLS Lens checks revocation only against CRLs you supply.', rfc(5280, '4.2.1.13')),
  'x509.sct': e('Signed certificate timestamp', 'A Certificate Transparency log\'s promise to publish this certificate: the log\'s id, the time it saw the certificate, and its signature. Browsers require SCTs; TLS Lens shows them but does not verify them without a log list.', rfc(6962, '3.3')),
  'x509.key': e('Public key', 'The subject\'s key: its type and size (RSA modulus bits) or curve (ECDSA). The web PKI asks for RSA of 2048 bits or more, or P-256/P-384.', rfc(5280, '4.1.2.7')),
  'x509.fingerprint': e('SHA-256 fingerprint', 'A hash of the whole certificate (DER). It names this exact certificate; two people can compare it over the phone.', rfc(5280, '4.1')),
  'x509.fingerprint.sha1': e('SHA-1 fingerprint (legacy)', 'The same over SHA-1, still shown by older tools. SHA-1 collisions can be made, so it should not be relied on to tell certificates apart.', rfc(5280, '4.1')),
};
