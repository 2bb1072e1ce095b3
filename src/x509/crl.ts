// Revocation from supplied CRLs (RFC 5280 5 and 6.3): a CRL counts for a certificate when its
// issuer name is the certificate's issuer and the certificate's issuer key signed it. A CRL that
// counts but breaks the profile (no CRLNumber, critical CRLNumber, unknown critical extension,
// an issuer without cRLSign, out of date) leaves the status unknown, which fails closed.
import { equalBytes, toHex } from '../util/bytes.ts';
import { AsnParser } from '@peculiar/asn1-schema';
import { Time } from '@peculiar/asn1-x509';
import { classifySignatureAlgorithm } from './algorithms.ts';
import type { DecodedCertificate } from './certificate.ts';
import { children, decodeOid, DerError, readRoot, valueOf, wholeOf, type DerNode } from './der.ts';
import { decodeName, type DistinguishedName } from './names.ts';
import { verifySignature } from '../crypto/signature.ts';

export interface DecodedCrl {
  der: Uint8Array;
  tbs: Uint8Array;
  signatureAlgorithm: Uint8Array;
  tbsSignatureAlgorithm: Uint8Array;
  signature: Uint8Array;
  issuer: DistinguishedName;
  thisUpdate: Date;
  nextUpdate?: Date;
  /** Revoked serials as lowercase hex of the INTEGER content bytes. */
  revoked: Set<string>;
  extensions: { oid: string; critical: boolean; value: Uint8Array }[];
}

const CRL_NUMBER = '2.5.29.20';
const AUTHORITY_KEY_ID = '2.5.29.35';
const KNOWN_CRL_EXTENSIONS = new Set([CRL_NUMBER, AUTHORITY_KEY_ID, '2.5.29.28' /* issuingDistributionPoint */, '2.5.29.27' /* deltaCRLIndicator */]);


function time(der: Uint8Array, node: DerNode | undefined, after: DerNode): Date {
  if (!node) throw new DerError('the tbsCertList ends before its thisUpdate time', after.end);
  if (node.tag !== 0x17 && node.tag !== 0x18) throw new DerError('expected a UTCTime or GeneralizedTime', node.start);
  let t: Date;
  try {
    t = AsnParser.parse(wholeOf(der, node), Time).getTime();
  } catch {
    t = new Date(NaN);
  }
  // The library's words for a bad time are its own ("Cannot parse"); and an impossible date is no time at all.
  if (Number.isNaN(t.getTime())) throw new DerError('a time that is not a real date and time', node.start);
  return t;
}

function readExtensions(der: Uint8Array, list: DerNode): DecodedCrl['extensions'] {
  return children(der, list).map((e) => {
    const parts = children(der, e);
    let k = 0;
    if (parts[k]?.tag !== 0x06) throw new DerError('an extension must start with its OBJECT IDENTIFIER', e.start);
    const oid = decodeOid(valueOf(der, parts[k++]));
    let critical = false;
    if (parts[k]?.tag === 0x01) critical = valueOf(der, parts[k++])[0] === 0xff;
    if (parts[k]?.tag !== 0x04) throw new DerError('extnValue must be an OCTET STRING', e.start);
    return { oid, critical, value: valueOf(der, parts[k]) };
  });
}

/** Decode a DER CertificateList. Throws DerError with the offset. */
export function decodeCrl(der: Uint8Array): DecodedCrl {
  const root = readRoot(der);
  const top = children(der, root);
  if (root.tag !== 0x30 || top.length !== 3) throw new DerError('a CertificateList has 3 parts', root.start);
  const [tbsNode, algNode, sigNode] = top;
  const f = children(der, tbsNode);
  let i = 0;
  if (f[i]?.tag === 0x02) i++; // version v2
  const tbsAlg = f[i++];
  const issuerNode = f[i++];
  if (!tbsAlg || !issuerNode) throw new DerError('truncated tbsCertList', tbsNode.start);
  const thisUpdate = time(der, f[i++], issuerNode);
  let nextUpdate: Date | undefined;
  if (f[i] && (f[i].tag === 0x17 || f[i].tag === 0x18)) nextUpdate = time(der, f[i++], issuerNode);
  const revoked = new Set<string>();
  if (f[i]?.tag === 0x30) {
    for (const entry of children(der, f[i++])) {
      const serial = children(der, entry)[0];
      if (serial?.tag !== 0x02) throw new DerError('a revoked entry needs a serial number', entry.start);
      revoked.add(toHex(valueOf(der, serial)));
    }
  }
  let extensions: DecodedCrl['extensions'] = [];
  if (f[i]?.tag === 0xa0) {
    const inner = children(der, f[i++]);
    if (inner.length !== 1) throw new DerError('malformed crlExtensions', f[i - 1].start);
    extensions = readExtensions(der, inner[0]);
  }
  if (i !== f.length) throw new DerError('unexpected field in tbsCertList', f[i].start);
  const sig = valueOf(der, sigNode);
  if (sigNode.tag !== 0x03 || sig[0] !== 0) throw new DerError('malformed CRL signature', sigNode.start);
  return {
    der,
    tbs: wholeOf(der, tbsNode),
    signatureAlgorithm: wholeOf(der, algNode),
    tbsSignatureAlgorithm: wholeOf(der, tbsAlg),
    signature: sig.subarray(1),
    issuer: decodeName(der, issuerNode),
    thisUpdate,
    nextUpdate,
    revoked,
    extensions,
  };
}

export type RevocationVerdict =
  | { status: 'good'; detail: string }
  | { status: 'revoked'; detail: string }
  | { status: 'unknown'; detail: string }
  | { status: 'invalid-crl'; detail: string; openssl: string };


/** The revocation status of `cert` (issued by `issuer`) according to the CRLs supplied. */
export async function checkRevocation(cert: DecodedCertificate, issuer: DecodedCertificate, crls: DecodedCrl[], now: Date): Promise<RevocationVerdict> {
  const candidates = crls.filter((c) => c.issuer.key === cert.issuer.key);
  let checked: DecodedCrl | undefined;
  for (const crl of candidates) {
    const alg = classifySignatureAlgorithm(crl.signatureAlgorithm);
    if (!alg.ok || !equalBytes(crl.signatureAlgorithm, crl.tbsSignatureAlgorithm)) continue;
    let valid = false;
    try {
      valid = await verifySignature(issuer.spki, alg.algorithm, crl.tbs, crl.signature);
    } catch {
      valid = false;
    }
    if (!valid) continue;
    const number = crl.extensions.filter((e) => e.oid === CRL_NUMBER);
    if (number.length !== 1) return { status: 'invalid-crl', detail: 'the CRL has no CRLNumber extension (RFC 5280 5.2.3)', openssl: 'X509_V_ERR_UNABLE_TO_GET_CRL' };
    if (number[0].critical) return { status: 'invalid-crl', detail: 'the CRL marks CRLNumber critical (RFC 5280 5.2.3)', openssl: 'X509_V_ERR_UNHANDLED_CRITICAL_CRL_EXTENSION' };
    const unknown = crl.extensions.find((e) => e.critical && !KNOWN_CRL_EXTENSIONS.has(e.oid));
    if (unknown) return { status: 'invalid-crl', detail: `the CRL has the unknown critical extension ${unknown.oid}`, openssl: 'X509_V_ERR_UNHANDLED_CRITICAL_CRL_EXTENSION' };
    if (issuer.keyUsage && !issuer.keyUsage.has('cRLSign')) {
      return { status: 'invalid-crl', detail: `"${issuer.subject.text}" signed a CRL but its keyUsage lacks cRLSign`, openssl: 'X509_V_ERR_KEYUSAGE_NO_CRL_SIGN' };
    }
    if (crl.thisUpdate.getTime() > now.getTime()) return { status: 'invalid-crl', detail: 'the CRL is not valid yet', openssl: 'X509_V_ERR_CRL_NOT_YET_VALID' };
    if (crl.nextUpdate && crl.nextUpdate.getTime() < now.getTime()) return { status: 'invalid-crl', detail: 'the CRL has expired', openssl: 'X509_V_ERR_CRL_HAS_EXPIRED' };
    if (crl.revoked.has(toHex(cert.serial))) return { status: 'revoked', detail: `serial ${toHex(cert.serial)} is revoked by the CRL of "${crl.issuer.text}"` };
    checked = crl;
  }
  if (checked) return { status: 'good', detail: `not on the CRL of "${checked.issuer.text}" (this update ${checked.thisUpdate.toISOString()})` };
  return { status: 'unknown', detail: 'no CRL from its issuer was supplied' };
}
