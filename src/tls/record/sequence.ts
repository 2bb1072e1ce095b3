// The 64-bit record sequence number as bytes, for nonces and TLS 1.2's additional data. Written as two 32-bit
// halves rather than eight BigInt shifts: it runs for every record.

/** `seq` big-endian into out[at..at+8]. */
export function writeSeq(out: Uint8Array, at: number, seq: bigint): void {
  const high = Number(seq >> 32n);
  const low = Number(seq & 0xffffffffn);
  out[at] = high >>> 24;
  out[at + 1] = (high >>> 16) & 0xff;
  out[at + 2] = (high >>> 8) & 0xff;
  out[at + 3] = high & 0xff;
  out[at + 4] = low >>> 24;
  out[at + 5] = (low >>> 16) & 0xff;
  out[at + 6] = (low >>> 8) & 0xff;
  out[at + 7] = low & 0xff;
}

/** `seq` as 8 big-endian bytes. */
export function seqBytes(seq: bigint): Uint8Array {
  const out = new Uint8Array(8);
  writeSeq(out, 0, seq);
  return out;
}

/**
 * A per-record nonce: a copy of `iv` with the sequence number, left-padded to the IV's length, XORed in
 * (RFC 8446 §5.3; RFC 7905 for TLS 1.2 ChaCha20-Poly1305).
 */
export function xorSeq(iv: Uint8Array, seq: bigint): Uint8Array {
  const nonce = iv.slice();
  writeSeq(SEQ, 0, seq);
  const at = nonce.length - 8;
  for (let i = 0; i < 8; i++) nonce[at + i] ^= SEQ[i];
  return nonce;
}

/** xorSeq's scratch: the sequence number's bytes, used at once (one allocation less per record). */
const SEQ = new Uint8Array(8);
