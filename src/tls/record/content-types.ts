// TLS record content types and the size limits of RFC 8446 §5.1/§5.2.
import { withArticle } from '../../util/words.ts';

export const ContentType = {
  change_cipher_spec: 20,
  alert: 21,
  handshake: 22,
  application_data: 23,
} as const;

export type ContentTypeName = keyof typeof ContentType;

const NAMES: Record<number, ContentTypeName> = Object.fromEntries(Object.entries(ContentType).map(([name, code]) => [code, name as ContentTypeName]));

export function isKnownContentType(type: number): boolean {
  return type in NAMES;
}

/** "handshake", or "unknown(N)". */
export function contentTypeName(type: number): string {
  return NAMES[type] ?? `unknown(${type})`;
}

/** The name with its article, for messages: "an alert", "an application_data", "a handshake". */
export function aContentType(type: number): string {
  return withArticle(contentTypeName(type));
}

export const RECORD_HEADER_LENGTH = 5;
/** Largest TLSPlaintext fragment (and TLSInnerPlaintext content). */
export const MAX_PLAINTEXT = 1 << 14;
/** Largest TLS 1.3 TLSCiphertext fragment: 2^14 + 256. */
export const MAX_CIPHERTEXT_TLS13 = (1 << 14) + 256;
/** Largest TLS 1.2 TLSCiphertext fragment: 2^14 + 2048. */
export const MAX_CIPHERTEXT_TLS12 = (1 << 14) + 2048;
