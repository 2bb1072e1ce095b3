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
  let len = first;
  if (first & 0x80) {
    const n = first & 0x7f;
    if (n > 4 || pos + n > limit) throw new BundleLayoutError('a length is too large or cut short', start);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + bytes[pos++];
  }
  if (pos + len > limit) throw new BundleLayoutError('an element runs past the end of the data', start);
  return { tag, start, valueStart: pos, contentEnd: pos + len, end: pos + len };
}

function childrenOf(bytes: Uint8Array, el: BerElement, depth: number): BerElement[] {
  const out: BerElement[] = [];
  for (let p = el.valueStart; p < el.contentEnd; ) {
    const child = readBer(bytes, p, el.contentEnd, depth + 1);
    out.push(child);
    p = child.end;
  }
  return out;
}

/**
 * The certificates of a ContentInfo holding SignedData (RFC 5652 5.1: version, digestAlgorithms,
 * encapContentInfo, [0] IMPLICIT certificates OPTIONAL, ...), each as its own bytes with its offset in `bytes`.
 * Other CertificateChoices (attribute certificates, [0]-[3]) are not certificates and are left out.
 */
export function bundleCertificates(bytes: Uint8Array): { der: Uint8Array; offset: number }[] {
  const info = readBer(bytes, 0, bytes.length, 0);
  const [, explicit] = childrenOf(bytes, info, 0);
  if (explicit?.tag !== 0xa0) throw new BundleLayoutError('the ContentInfo has no [0] content', info.start);
  const [signed] = childrenOf(bytes, explicit, 1);
  if (signed?.tag !== 0x30) throw new BundleLayoutError('the content is not a SignedData SEQUENCE', explicit.valueStart);
  const certs = childrenOf(bytes, signed, 2)
    .slice(3)
    .find((e) => e.tag === 0xa0);
  if (!certs) return [];
  return childrenOf(bytes, certs, 3)
    .filter((e) => e.tag === 0x30)
    .map((e) => ({ der: bytes.subarray(e.start, e.end), offset: e.start }));
}
