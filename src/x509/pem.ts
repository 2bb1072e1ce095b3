// PEM's pieces: strict base64 both ways, blocks of a label found in text, DER written as PEM. Certificates people
// bring in any format are read by input.ts, which uses these.

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
