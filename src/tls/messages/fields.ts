// Field displays and the one signed structure TLS 1.3 and TLS 1.2 messages share: a SignatureScheme
// (SignatureAndHashAlgorithm in RFC 5246, the same two bytes) followed by a signature<1..2^16-1>.
import { toHex } from '../../util/bytes.ts';
import type { Reader } from '../codec/reader.ts';
import type { Writer } from '../codec/writer.ts';
import { hex4, schemeName } from './constants.ts';

export const showHex = (b: Uint8Array) => (b.length ? toHex(b) : '(empty)');
export const showScheme = (n: number) => `${schemeName(n)} (0x${hex4(n)})`;

/** `signatureExplain` tells which message the signature belongs to (CertificateVerify, ServerKeyExchange). */
export function readSchemeAndSignature(r: Reader, signatureExplain: string): { scheme: number; signature: Uint8Array } {
  const scheme = r.u16('algorithm', 'cv.algorithm', showScheme);
  const signature = r.opaque('signature', 2, signatureExplain, showHex, { min: 1 });
  return { scheme, signature };
}

export function writeSchemeAndSignature(w: Writer, scheme: number, signature: Uint8Array, signatureExplain: string): void {
  w.u16('algorithm', scheme, 'cv.algorithm', showScheme);
  w.opaque('signature', 2, signature, signatureExplain, showHex);
}
