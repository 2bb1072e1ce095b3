// HKDF (RFC 5869) built from HMAC, because WebCrypto only offers extract+expand in one call,
// and the TLS 1.3 wrappers HKDF-Expand-Label and Derive-Secret (RFC 8446 §7.1).
import { concat, utf8 } from '../util/bytes.ts';
import { emptyStringHash, hashLength, hmac, type HashName } from './hash.ts';

/** HKDF-Extract(salt, IKM) = HMAC-Hash(salt, IKM); an absent salt is HashLen zeros. */
export async function hkdfExtract(hash: HashName, salt: Uint8Array | null, ikm: Uint8Array): Promise<Uint8Array> {
  const s = salt && salt.length > 0 ? salt : new Uint8Array(hashLength(hash));
  return hmac(hash, s, ikm);
}

/** HKDF-Expand(PRK, info, L): T(i) = HMAC(PRK, T(i-1) || info || i), concatenated and cut to L. */
export async function hkdfExpand(hash: HashName, prk: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array> {
  const n = hashLength(hash);
  if (length < 0 || length > 255 * n) throw new RangeError(`HKDF-Expand length ${length} out of range`);
  const out = new Uint8Array(length);
  let previous: Uint8Array = new Uint8Array(0);
  for (let i = 1, filled = 0; filled < length; i++) {
    previous = await hmac(hash, prk, concat(previous, info, Uint8Array.of(i)));
    out.set(previous.subarray(0, Math.min(n, length - filled)), filled);
    filled += n;
  }
  return out;
}

/**
 * The HkdfLabel structure: uint16 length, opaque label<7..255> = "tls13 " + label,
 * opaque context<0..255>. Exposed so traces can show the exact info bytes.
 */
export function hkdfLabel(label: string, context: Uint8Array, length: number): Uint8Array {
  const fullLabel = labelBytes(label);
  if (fullLabel.length > 255) throw new RangeError('HKDF label too long');
  if (context.length > 255) throw new RangeError('HKDF context too long');
  return concat(
    Uint8Array.of(length >> 8, length & 0xff, fullLabel.length),
    fullLabel,
    Uint8Array.of(context.length),
    context,
  );
}

/** "tls13 " + label in UTF-8, encoded once per label: a handshake asks for a score of them, always the same few. */
function labelBytes(label: string): Uint8Array {
  let bytes = encodedLabels.get(label);
  if (!bytes) {
    bytes = utf8.encode('tls13 ' + label);
    // Exporter labels come from callers: keep the table to the schedule's own few and a handful more.
    if (encodedLabels.size < 64) encodedLabels.set(label, bytes);
  }
  return bytes;
}
const encodedLabels = new Map<string, Uint8Array>();

/** HKDF-Expand-Label(Secret, Label, Context, Length); `label` is given without the "tls13 " prefix. */
export async function hkdfExpandLabel(
  hash: HashName,
  secret: Uint8Array,
  label: string,
  context: Uint8Array,
  length: number,
): Promise<Uint8Array> {
  return hkdfExpand(hash, secret, hkdfLabel(label, context, length), length);
}

/** Derive-Secret(Secret, Label, Messages) with the transcript hash already computed. */
export async function deriveSecret(hash: HashName, secret: Uint8Array, label: string, transcriptHash: Uint8Array): Promise<Uint8Array> {
  return hkdfExpandLabel(hash, secret, label, transcriptHash, hashLength(hash));
}

/** Hash of the empty string, the context of Derive-Secret(., "derived", "") and binder keys. */
export async function emptyHash(hash: HashName): Promise<Uint8Array> {
  return emptyStringHash(hash);
}
