// ECDSA signatures in X.509 and TLS are DER SEQUENCE { INTEGER r, INTEGER s }; WebCrypto signs and verifies
// fixed-size r || s. Both directions, for the WebCrypto provider and for tests.
import { concat } from '../util/bytes.ts';

/** DER SEQUENCE { r, s } to r || s, each left-padded to the curve's size; throws on malformed DER. */
export function ecdsaDerToRaw(der: Uint8Array, curveBits: number): Uint8Array {
  const size = Math.ceil(curveBits / 8);
  let p = 0;
  const fail = () => {
    throw new Error('malformed ECDSA signature');
  };
  const readLen = (): number => {
    if (p >= der.length) fail();
    let len = der[p++];
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n < 1 || n > 2) fail();
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + der[p++];
    }
    return len;
  };
  if (der[p++] !== 0x30) fail();
  const seqLen = readLen();
  if (p + seqLen !== der.length) fail();
  const out = new Uint8Array(size * 2);
  for (let k = 0; k < 2; k++) {
    if (der[p++] !== 0x02) fail();
    let len = readLen();
    if (len === 0 || p + len > der.length) fail();
    let start = p;
    p += len;
    while (len > size && der[start] === 0) {
      start++;
      len--;
    }
    if (len > size) fail();
    out.set(der.subarray(start, start + len), k * size + (size - len));
  }
  if (p !== der.length) fail();
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
  const len = body.length < 0x80 ? Uint8Array.of(body.length) : Uint8Array.of(0x81, body.length);
  return concat(Uint8Array.of(0x30), len, body);
}
