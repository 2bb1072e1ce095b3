// One certificate decoded into the few lines a person reads first (the Certificates panel's summary).
import { classifySignatureAlgorithm } from './algorithms.ts';
import { decodeCertificate, describeKey, extensionName, generalNameText } from './certificate.ts';
import { sha256Hex } from './validate.ts';

/** What the UI shows for one certificate. */
export interface CertificateSummary {
  subject: string;
  issuer: string;
  /** Serial as colon-separated hex. */
  serial: string;
  version: number;
  notBefore: string;
  notAfter: string;
  subjectAltNames: string[];
  publicKey: string;
  signatureAlgorithm: string;
  extensions: { oid: string; name: string; critical: boolean; offset: number; length: number }[];
  sha256: string;
  selfIssued: boolean;
  isCa: boolean;
}

/**
 * Decode one DER certificate for display. Throws MalformedCertificateError (message and byte
 * offset) when the bytes are not a certificate.
 */
export async function parseCertificate(der: Uint8Array): Promise<CertificateSummary> {
  const c = decodeCertificate(der);
  return {
    subject: c.subject.text,
    issuer: c.issuer.text,
    serial: Array.from(c.serial, (b) => b.toString(16).padStart(2, '0')).join(':'),
    version: c.version,
    notBefore: c.notBefore.toISOString(),
    notAfter: c.notAfter.toISOString(),
    subjectAltNames: (c.subjectAltNames ?? []).map(generalNameText),
    publicKey: describeKey(c.key),
    signatureAlgorithm: classifySignatureAlgorithm(c.signatureAlgorithm).name,
    extensions: c.extensions.map((e) => ({ oid: e.oid, name: extensionName(e.oid), critical: e.critical, offset: e.offset, length: e.value.length })),
    sha256: await sha256Hex(c.der),
    selfIssued: c.selfIssued,
    isCa: c.basicConstraints?.ca === true,
  };
}
