// OpenSSL's "TRUSTED CERTIFICATE" PEM (`openssl x509 -trustout`): the certificate's DER followed by X509_CERT_AUX,
// its trust settings: SEQUENCE { trust SEQUENCE OF OID OPTIONAL, reject [0] SEQUENCE OF OID OPTIONAL,
// alias UTF8String OPTIONAL, keyid OCTET STRING OPTIONAL, other [1] OPTIONAL }.
import { children, decodeOid, DerError, readHeader, valueOf } from './der.ts';
import { EKU, ekuNames } from './extensions.ts';

/** Purposes (OIDs) a certificate is trusted for, and rejected for; empty when not said. */
export interface TrustSettings {
  trust: string[];
  reject: string[];
}

export interface TrustedCertificate extends TrustSettings {
  /** The certificate's own DER, without the trust settings after it. */
  certificate: Uint8Array;
}

/** Split a TRUSTED CERTIFICATE block's DER; throws DerError when either part is damaged. */
export function readTrustedCertificate(der: Uint8Array): TrustedCertificate {
  const cert = readHeader(der, 0, der.length);
  const out: TrustedCertificate = { certificate: der.subarray(0, cert.end), trust: [], reject: [] };
  if (cert.end === der.length) return out; // no trust settings: a plain certificate
  const aux = readHeader(der, cert.end, der.length);
  if (aux.tag !== 0x30 || aux.end !== der.length) throw new DerError('the trust settings after the certificate are not one SEQUENCE', cert.end);
  const oids = (node: ReturnType<typeof readHeader>) => children(der, node).map((o) => decodeOid(valueOf(der, o)));
  for (const field of children(der, aux)) {
    if (field.tag === 0x30) out.trust = oids(field);
    else if (field.tag === 0xa0) out.reject = oids(field);
  }
  return out;
}

/**
 * Whether a trust anchor with these settings may anchor a chain for `purpose` (an EKU OID), as OpenSSL decides it:
 * rejected for the purpose or for anyExtendedKeyUsage: no; a trust list that names neither: no; otherwise yes.
 */
export function trustAllows(settings: TrustSettings | undefined, purpose: string): boolean {
  if (!settings) return true;
  const names = (list: string[]) => list.includes(purpose) || list.includes(EKU.any);
  if (names(settings.reject)) return false;
  return settings.trust.length === 0 || names(settings.trust);
}

export function purposeNames(oids: string[]): string {
  return ekuNames(oids);
}

/** "trusted for serverAuth, rejected for emailProtection". */
export function describeTrust(settings: TrustSettings): string {
  const parts = [settings.trust.length ? `trusted for ${purposeNames(settings.trust)}` : '', settings.reject.length ? `rejected for ${purposeNames(settings.reject)}` : ''];
  return parts.filter(Boolean).join(', ');
}

/**
 * What a trust anchor's settings leave of it for TLS, before the purpose is known: unusable when they allow neither
 * serverAuth nor clientAuth; otherwise usable, with a word when they allow only one (the purpose is checked where it
 * is known, with `trustAllows`).
 */
export function anchorUse(settings: TrustSettings, block: number): { usable: boolean; message?: string } {
  const tls = [EKU.serverAuth, EKU.clientAuth].filter((p) => trustAllows(settings, p));
  const said = describeTrust(settings);
  if (tls.length === 0) return { usable: false, message: `block ${block} is not used: its OpenSSL trust settings (${said}) allow it for no TLS purpose` };
  if (tls.length === 1) return { usable: true, message: `block ${block}'s OpenSSL trust settings (${said}) allow it for ${purposeNames(tls)} only` };
  return { usable: true };
}
