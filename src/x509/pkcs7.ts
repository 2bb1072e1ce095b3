// Where each certificate of a PKCS#7 SignedData bundle lies in the bundle's own bytes. The envelope may be BER
// (indefinite lengths, as Windows and `openssl cms -stream` write it); the certificates inside are handed on
// exactly as they are there, never re-encoded, so a signature is checked over the bytes that were signed and a
// certificate that is not DER is refused as it would be on its own.

/** One BER element: `end` is past its end-of-contents octets when its length is indefinite. */
interface BerElement {
  tag: number;
  start: number;
  valueStart: number;
  /** Where the contents stop (the end-of-contents octets, for an indefinite length). */
  contentEnd: number;
  end: number;
}

export class BundleLayoutError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'BundleLayoutError';
  }
}

/** A definite length whose first octet is `first`, its long form's octets from `pos` on: the length and where they end. */
function definiteLength(bytes: Uint8Array, pos: number, first: number, limit: number, start: number): { len: number; at: number } {
  if (!(first & 0x80)) return { len: first, at: pos };
  const n = first & 0x7f;
  if (n > 4 || pos + n > limit) throw new BundleLayoutError('a length is too large or cut short', start);
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + bytes[pos++];
  return { len, at: pos };
}

/** Read one BER element at `pos`, inside [pos, limit). `depth` bounds the walk into indefinite lengths. */
function readBer(bytes: Uint8Array, pos: number, limit: number, depth: number): BerElement {
  if (depth > 64) throw new BundleLayoutError('nested too deep', pos);
  const start = pos;
  if (pos + 2 > limit) throw new BundleLayoutError('an element is cut short', pos);
  const tag = bytes[pos++];
  if ((tag & 0x1f) === 0x1f) {
    for (let i = 0; pos < limit && bytes[pos++] & 0x80; i++) if (i > 3) throw new BundleLayoutError('a tag number is too large', start);
  }
  if (pos >= limit) throw new BundleLayoutError('an element is cut short', start);
  const first = bytes[pos++];
  if (first === 0x80) {
    if (!(tag & 0x20)) throw new BundleLayoutError('a primitive element has an indefinite length', start);
    let p = pos;
    for (;;) {
      if (p + 2 > limit) throw new BundleLayoutError('an indefinite length has no end-of-contents', start);
      if (bytes[p] === 0 && bytes[p + 1] === 0) break;
      p = readBer(bytes, p, limit, depth + 1).end;
    }
    return { tag, start, valueStart: pos, contentEnd: p, end: p + 2 };
  }
  const { len, at } = definiteLength(bytes, pos, first, limit, start);
  pos = at;
  if (pos + len > limit) throw new BundleLayoutError('an element runs past the end of the data', start);
  return { tag, start, valueStart: pos, contentEnd: pos + len, end: pos + len };
}

/** A bundle's certificates as far as they could be walked: `problem` is where the walk stopped, if it did. */
export interface BundleWalk {
  /** The ContentInfo's contentType, its OID's content bytes. */
  contentType: Uint8Array;
  certificates: { der: Uint8Array; offset: number }[];
  problem?: BundleLayoutError;
}

/** id-signedData, 1.2.840.113549.1.7.2, as its content bytes. */
const SIGNED_DATA = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];

/** An element's header alone: where its contents start and, unless its length is indefinite, where they end. */
function readHead(bytes: Uint8Array, pos: number, limit: number): { tag: number; valueStart: number; contentEnd?: number } {
  const start = pos;
  if (pos + 2 > limit) throw new BundleLayoutError('an element is cut short', start);
  const tag = bytes[pos++];
  if ((tag & 0x1f) === 0x1f) throw new BundleLayoutError('an unexpected tag', start);
  const first = bytes[pos++];
  if (first === 0x80) return { tag, valueStart: pos };
  const { len, at } = definiteLength(bytes, pos, first, limit, start);
  pos = at;
  // A length running past the data is damage; what lies inside is still read as far as it goes.
  return { tag, valueStart: pos, contentEnd: Math.min(pos + len, limit) };
}

/**
 * The certificates of a ContentInfo holding SignedData (RFC 5652 5.1: version, digestAlgorithms,
 * encapContentInfo, [0] IMPLICIT certificates OPTIONAL, ...), each as its own bytes with its offset in `bytes`.
 * Other CertificateChoices (attribute certificates, [0]-[3]) are not certificates and are left out. The envelope is
 * walked header by header, so damage further on (a certificate, the signer infos) does not hide the certificates
 * before it: the walk stops there and says where (`problem`). Damage before the certificate set throws.
 */
export function bundleCertificates(bytes: Uint8Array): BundleWalk {
  const info = readHead(bytes, 0, bytes.length);
  if (info.tag !== 0x30) throw new BundleLayoutError('the ContentInfo is not a SEQUENCE', 0);
  const type = readBer(bytes, info.valueStart, info.contentEnd ?? bytes.length, 1);
  if (type.tag !== 0x06) throw new BundleLayoutError('the ContentInfo does not start with its content type', type.start);
  const contentType = bytes.subarray(type.valueStart, type.contentEnd);
  // Another content type is for the caller to name; its content is not walked as SignedData.
  if (!SIGNED_DATA.every((b, i) => contentType[i] === b) || contentType.length !== SIGNED_DATA.length) return { contentType, certificates: [] };
  const explicit = readHead(bytes, type.end, info.contentEnd ?? bytes.length);
  if (explicit.tag !== 0xa0) throw new BundleLayoutError('the ContentInfo has no [0] content', type.end);
  const signed = readHead(bytes, explicit.valueStart, explicit.contentEnd ?? bytes.length);
  if (signed.tag !== 0x30) throw new BundleLayoutError('the content is not a SignedData SEQUENCE', explicit.valueStart);
  const end = signed.contentEnd ?? bytes.length;
  // version, digestAlgorithms, encapContentInfo: read whole; then the optional [0] certificate set.
  let p = signed.valueStart;
  for (let i = 0; i < 3; i++) p = readBer(bytes, p, end, 2).end;
  const certificates: { der: Uint8Array; offset: number }[] = [];
  if (p >= end || bytes[p] !== 0xa0) return { contentType, certificates };
  const set = readHead(bytes, p, end);
  const setEnd = set.contentEnd ?? end;
  for (let q = set.valueStart; q < setEnd; ) {
    if (set.contentEnd === undefined && bytes[q] === 0 && bytes[q + 1] === 0) return { contentType, certificates };
    let c: BerElement;
    try {
      c = readBer(bytes, q, setEnd, 3);
    } catch (e) {
      return { contentType, certificates, problem: e as BundleLayoutError };
    }
    if (c.tag === 0x30) certificates.push({ der: bytes.subarray(c.start, c.end), offset: c.start });
    q = c.end;
  }
  if (set.contentEnd === undefined) return { contentType, certificates, problem: new BundleLayoutError('the certificate set has no end-of-contents', p) };
  return { contentType, certificates };
}
