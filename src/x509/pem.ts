// Certificates from files: PEM (many blocks per file) or DER (one or more concatenated elements).
import { DerError, readHeader } from './der.ts';

export class CertificateInputError extends Error {
  constructor(
    message: string,
    /** Byte offset in the input where the problem is. */
    readonly offset: number,
  ) {
    super(message);
    this.name = 'CertificateInputError';
  }
}

const BEGIN = /-----BEGIN ([A-Z0-9 ]+)-----/g;

/** Decode base64 strictly (whitespace allowed), without Node's Buffer so it runs in the browser too. */
export function base64Decode(text: string, offset: number): Uint8Array {
  const clean = text.replace(/[\r\n\t ]/g, '');
  if (clean.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) {
    throw new CertificateInputError('the PEM block does not hold valid base64', offset);
  }
  const bin = atob(clean);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const CERTIFICATE_LABELS = ['CERTIFICATE', 'TRUSTED CERTIFICATE', 'X509 CERTIFICATE'];
export const CRL_LABELS = ['X509 CRL', 'CRL'];

/** Every block of a PEM text with one of `labels` (default: certificates), as DER. Others are ignored. */
export function pemToDer(text: string, labels: string[] = CERTIFICATE_LABELS): Uint8Array[] {
  const out: Uint8Array[] = [];
  BEGIN.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = BEGIN.exec(text))) {
    const label = m[1];
    const endMarker = `-----END ${label}-----`;
    const bodyStart = m.index + m[0].length;
    const endAt = text.indexOf(endMarker, bodyStart);
    if (endAt < 0) throw new CertificateInputError(`the PEM block "${label}" has no END line`, m.index);
    BEGIN.lastIndex = endAt + endMarker.length;
    if (!labels.includes(label)) continue;
    const der = base64Decode(text.slice(bodyStart, endAt), bodyStart);
    if (der.length === 0) throw new CertificateInputError('the PEM block is empty', bodyStart);
    out.push(der);
  }
  return out;
}

/** Split concatenated DER elements. */
export function splitDer(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let p = 0;
  while (p < bytes.length) {
    try {
      const node = readHeader(bytes, p, bytes.length);
      out.push(bytes.subarray(node.start, node.end));
      p = node.end;
    } catch (e) {
      const offset = e instanceof DerError ? e.offset : p;
      throw new CertificateInputError(`not a DER certificate: ${(e as Error).message}`, offset);
    }
  }
  return out;
}

/** Certificates from a file's bytes, PEM or DER, in file order. Throws CertificateInputError with an offset. */
export function readCertificates(input: Uint8Array | string): Uint8Array[] {
  if (typeof input !== 'string') {
    if (input.length === 0) throw new CertificateInputError('the input is empty', 0);
    if (input[0] === 0x30) return splitDer(input);
    input = new TextDecoder('utf-8', { fatal: false }).decode(input);
  }
  const certs = pemToDer(input);
  if (certs.length === 0) {
    throw new CertificateInputError('no "-----BEGIN CERTIFICATE-----" block and not DER either', 0);
  }
  return certs;
}

/** Base64 of bytes, without Node's Buffer (runs in the browser too). */
export function base64Encode(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/** DER as a PEM block with 64-character lines (RFC 7468). */
export function derToPem(der: Uint8Array, label = 'CERTIFICATE'): string {
  const body = base64Encode(der).replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n');
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
}
