// A stapled OCSP response's outcome in plain words, from its 'ocsp' trace event alone: the one wording the
// certificate view, the ladder, the inspector and the CLI share.
import type { OcspEvent } from './types.ts';

/** A short headline: "OCSP staple: good", "OCSP staple: REVOKED", "OCSP staple not verified". */
export function ocspHeadline(e: Pick<OcspEvent, 'verdict'>): string {
  switch (e.verdict) {
    case 'good':
      return 'OCSP staple: the certificate is good';
    case 'revoked':
      return 'OCSP staple: the certificate is REVOKED';
    case 'unknown':
      return 'OCSP staple: the responder does not know the certificate';
    case 'unverified':
      return 'OCSP staple not verified (warning; the handshake goes on)';
    case 'unchecked':
      return 'OCSP staple not checked';
  }
}

/** The response's fields as label / value pairs, in the order people read them; absent fields are left out. */
export function ocspFields(e: OcspEvent): [string, string][] {
  const out: [string, string][] = [];
  const add = (label: string, value: string | undefined) => value !== undefined && out.push([label, value]);
  add('Response status', e.responseStatus);
  add('Responder', e.responder && (e.signedBy ? `${e.responder} (${e.signedBy === 'issuer' ? 'the issuer itself' : 'a responder the issuer delegated to'})` : e.responder));
  add('Produced at', e.producedAt);
  add('This update', e.thisUpdate);
  add('Next update', e.nextUpdate ?? (e.thisUpdate ? 'none given (no end to its validity)' : undefined));
  add('Certificate status', e.certStatus && (e.certStatus === 'revoked' ? `revoked${e.revocationTime ? ` at ${e.revocationTime}` : ''}${e.revocationReason ? `, reason ${e.revocationReason}` : ''}` : e.certStatus));
  if (e.certId) {
    add('CertID hash', e.certId.hashAlgorithm);
    add('CertID issuer name hash', e.certId.issuerNameHash);
    add('CertID issuer key hash', e.certId.issuerKeyHash);
    add('CertID serial', e.certId.serialNumber);
    add('CertID names this certificate', e.certIdMatches === undefined ? undefined : e.certIdMatches ? 'yes' : 'no');
  }
  return out;
}
