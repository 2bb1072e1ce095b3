// The names a server puts in its CertificateRequest (RFC 8446 §4.2.4 certificate_authorities; RFC 5246 §7.4.4
// certificate_authorities): the subject DNs of the anchors client certificates must chain to, so that a client
// with several certificates can pick the right one (OpenSSL prints them as "Acceptable client certificate CA names").
import { toHex } from '../../util/bytes.ts';
import { children, readRoot, wholeOf } from '../../x509/der.ts';
import { ExtensionType as X } from '../messages/constants.ts';
import type { Extension } from '../messages/extensions.ts';

/** The DER subject Name of a certificate, found by walking the DER (the bytes exactly as the CA wrote them). */
export function certificateSubject(certDer: Uint8Array): Uint8Array {
  const [tbs] = children(certDer, readRoot(certDer));
  const fields = children(certDer, tbs);
  // tbsCertificate: [0] version (optional), serial, signature, issuer, validity, subject, ...
  const hasVersion = fields[0]?.cls === 2 && fields[0].tagNumber === 0;
  const subject = fields[hasVersion ? 5 : 4];
  if (!subject || subject.cls !== 0 || subject.tagNumber !== 16) throw new Error('the certificate has no subject Name');
  return wholeOf(certDer, subject);
}

/** The anchors' subject DNs, once each, skipping any that cannot be read (the verifier reports those). */
export function authorityNames(anchors: Uint8Array[] | undefined): Uint8Array[] {
  const names = new Map<string, Uint8Array>();
  for (const anchor of anchors ?? []) {
    try {
      const dn = certificateSubject(anchor);
      names.set(toHex(dn), dn);
    } catch {
      // not a certificate we can read: no name to offer for it
    }
  }
  return [...names.values()];
}

/** A TLS 1.3 CertificateRequest's extensions (RFC 8446 §4.3.2): the schemes we accept, and our anchors' names. */
export function certificateRequestExtensions13(o: { signatureSchemes: number[]; certificateAuthorities: Uint8Array[] }): Extension[] {
  const extensions: Extension[] = [{ code: X.signature_algorithms, schemes: o.signatureSchemes }];
  if (o.certificateAuthorities.length) extensions.push({ code: X.certificate_authorities, authorities: o.certificateAuthorities });
  return extensions;
}
