// ECDSA signatures in X.509 and TLS are DER SEQUENCE { INTEGER r, INTEGER s }; WebCrypto signs and verifies
// fixed-size r || s. Both directions, for the WebCrypto provider and for tests.
import { concat } from '../util/bytes.ts';

/**
 * Why `der` is not a DER ECDSA-Sig-Value (SEQUENCE of two INTEGERs, each non-empty, non-negative and in its
 * shortest form, lengths in their shortest form too), or undefined. A value written otherwise still yields r and s,
 * so it would be a second valid signature over the same bytes: OpenSSL (behind node:crypto), BoringSSL and Go refuse
 * it, and so must the WebCrypto provider, which reads r and s itself.
 */
export function ecdsaDerProblem(der: Uint8Array): string | undefined {
  let p = 0;
  const length = (): number | string => {
    if (p >= der.length) return 'it is cut short';
    const first = der[p++];
    if (!(first & 0x80)) return first;
    const n = first & 0x7f;
    if (n < 1 || n > 2 || p + n > der.length) return 'a length is malformed';
    if (der[p] === 0) return 'a length has a leading zero byte';
    let len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[p++];
    return len < 0x80 ? 'a length is in long form below 128' : len;
  };
  if (der[p++] !== 0x30) return 'it is not a SEQUENCE';
  const seq = length();
  if (typeof seq === 'string') return seq;
  if (p + seq !== der.length) return 'the SEQUENCE length does not match the signature';
  for (let k = 0; k < 2; k++) {
    if (der[p++] !== 0x02) return 'it is not a SEQUENCE of two INTEGERs';
    const len = length();
    if (typeof len === 'string') return len;
    if (len === 0 || p + len > der.length) return 'an INTEGER is empty or runs past the end';
    if (der[p] & 0x80) return 'an INTEGER is negative';
    if (len > 1 && der[p] === 0 && !(der[p + 1] & 0x80)) return 'an INTEGER is not in its shortest form';
    p += len;
  }
  return p === der.length ? undefined : 'bytes follow the two INTEGERs';
}

/** DER SEQUENCE { r, s } to r || s, each left-padded to the curve's size; throws on anything but strict DER. */
export function ecdsaDerToRaw(der: Uint8Array, curveBits: number): Uint8Array {
  const problem = ecdsaDerProblem(der);
  if (problem) throw new Error(`malformed ECDSA signature: ${problem}`);
  const size = Math.ceil(curveBits / 8);
  const out = new Uint8Array(size * 2);
  let p = der[1] & 0x80 ? 2 + (der[1] & 0x7f) : 2;
  for (let k = 0; k < 2; k++) {
    p++; // the INTEGER tag
    let len = der[p++];
    if (len & 0x80) {
      const n = len & 0x7f;
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + der[p++];
    }
    let start = p;
    p += len;
    // One leading zero keeps a value with its top bit set positive; it is not part of the number.
    if (der[start] === 0) {
      start++;
      len--;
    }
    if (len > size) throw new Error('malformed ECDSA signature: an INTEGER is larger than the curve');
    out.set(der.subarray(start, start + len), k * size + (size - len));
  }
  return out;
}

/** r || s (two equal halves) to DER SEQUENCE { INTEGER r, INTEGER s }. */
export function ecdsaRawToDer(raw: Uint8Array): Uint8Array {
  const half = raw.length / 2;
  const integer = (b: Uint8Array): Uint8Array => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    let v = b.subarray(i);
    if (v[0] & 0x80) v = concat(Uint8Array.of(0), v);
    return concat(Uint8Array.of(0x02, v.length), v);
  };
  const body = concat(integer(raw.subarray(0, half)), integer(raw.subarray(half)));
  // P-521's 66-byte halves make INTEGERs of up to 67 bytes: the SEQUENCE then passes 127 and takes the long form.
  const len = body.length < 0x80 ? Uint8Array.of(body.length) : Uint8Array.of(0x81, body.length);
  return concat(Uint8Array.of(0x30), len, body);
}
