// What a file's bytes are, told before they are parsed: DER or text, UTF-16 text, which DER structure (a certificate,
// a PKCS#7 bundle, a key, a CRL, a CSR, a public key). Only layouts are looked at; decoding says what is wrong.
import { children, readHeader } from './der.ts';

/** What a DER element starting at 0 is: its first child's tag tells a certificate, a bundle and a key apart. */
export function derKind(der: Uint8Array): 'certificate' | 'pkcs7' | 'private-key' | 'unknown' {
  if (der[0] !== 0x30 || der.length < 4) return 'unknown';
  let p = 1;
  const l = der[p++];
  if (l & 0x80) p += l === 0x80 ? 0 : l & 0x7f;
  const first = der[p];
  if (first === 0x30) return 'certificate';
  if (first === 0x06) return 'pkcs7'; // ContentInfo: contentType OID first
  if (first === 0x02) return 'private-key'; // PKCS#1 / PKCS#8 / SEC1 keys start with a version INTEGER
  return 'unknown';
}

/**
 * What a DER element that is shaped like no certificate is, told by its layout, or undefined (a certificate, or too
 * damaged to tell: decoding it then says what is wrong). A CRL, a CSR or a public key given in place of a certificate
 * would otherwise be answered with "validity has tag 0x17".
 */
export function notACertificate(der: Uint8Array): string | undefined {
  try {
    const top = readHeader(der, 0, der.length);
    const parts = children(der, top);
    if (parts.length === 2 && parts[0].tag === 0x30 && parts[1].tag === 0x03) return 'a public key (SubjectPublicKeyInfo)';
    if (parts.length !== 3 || parts[0].tag !== 0x30) return undefined;
    const tbs = children(der, parts[0]);
    // CertificateList: [version,] signature, issuer, thisUpdate (a time); CertificationRequestInfo: version, subject,
    // key, [0] attributes; a TBSCertificate: [0] version or the serial INTEGER, signature, issuer, validity (a SEQUENCE).
    const isTime = (k: number) => tbs[k]?.tag === 0x17 || tbs[k]?.tag === 0x18;
    if ((tbs[0]?.tag === 0x30 && isTime(2)) || (tbs[0]?.tag === 0x02 && isTime(3))) return 'a certificate revocation list (CRL)';
    if (tbs.length === 4 && tbs[0].tag === 0x02 && tbs[3].tag === 0xa0) return 'a certificate signing request (CSR)';
  } catch {
    /* too damaged to tell */
  }
  return undefined;
}

/** Only whitespace (line ends, spaces, tabs) from `from` to the end. */
export function isWhitespaceTail(bytes: Uint8Array, from: number): boolean {
  for (let i = from; i < bytes.length; i++) if (bytes[i] !== 0x0a && bytes[i] !== 0x0d && bytes[i] !== 0x20 && bytes[i] !== 0x09) return false;
  return true;
}

/** Only printable ASCII, tabs and line ends. */
export function isPlainText(bytes: Uint8Array): boolean {
  for (const b of bytes) if ((b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) || b > 0x7e) return false;
  return true;
}

/** UTF-16 text, told by its byte order mark (TextDecoder drops the mark). */
export function utf16Encoding(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return undefined;
}
