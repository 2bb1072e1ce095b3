// TLS 1.0 and 1.1's RSA signature (RFC 4346 §4.7, §7.4.3, §7.4.8; RFC 2246 the same): MD5(data) || SHA-1(data),
// 36 bytes, in a PKCS#1 v1.5 block of type 1 with no DigestInfo around them. WebCrypto's RSASSA-PKCS1-v1_5 always
// wraps a named hash in a DigestInfo and cannot check this form, and this runs in a browser worker too, so the RSA
// public operation is done here with BigInt (s^e mod n), as key-exchange12.ts encrypts a premaster secret. The block
// is checked the strict way (RFC 8017 §8.2.2: encode the expected block and compare it whole), so every padding
// byte counts and nothing after the digest is tolerated. MD5 and SHA-1 come from @noble/hashes (prf10.ts).
import { equalBytes } from '../util/bytes.ts';
import { bigIntToBytes, bytesToBigInt, modPow } from './ffdhe.ts';
import { md5Sha1 } from './prf10.ts';
import { rsaPublicNumbers } from './signature.ts';

/** MD5 (16 bytes) || SHA-1 (20 bytes). */
const DIGEST_LENGTH = 36;
/** 00 01, at least 8 bytes of FF, 00 (RFC 8017 §9.2 note 1: the padding string is at least 8 bytes). */
const MIN_PADDING = 11;

export type RsaMd5Sha1Result = { ok: true } | { ok: false; reason: string };

/**
 * Whether `signature` is the RSA key's (an rsaEncryption SubjectPublicKeyInfo) TLS 1.0/1.1 signature over `data`;
 * when not, why, in plain words. Throws only for a key that is not an RSA key or cannot be read.
 */
export function verifyRsaMd5Sha1(spki: Uint8Array, data: Uint8Array, signature: Uint8Array): RsaMd5Sha1Result {
  const { n, e } = rsaPublicNumbers(spki);
  const modulus = bytesToBigInt(n);
  const k = byteLength(modulus);
  if (k < DIGEST_LENGTH + MIN_PADDING) return { ok: false, reason: `the key's modulus (${k} bytes) is too short to carry a 36-byte digest` };
  if (signature.length !== k) return { ok: false, reason: `the signature is ${signature.length} bytes, the key's modulus ${k}: an RSA signature is exactly as long as the modulus` };
  const s = bytesToBigInt(signature);
  if (s >= modulus) return { ok: false, reason: 'the signature, as a number, is not smaller than the modulus' };
  const block = bigIntToBytes(modPow(s, bytesToBigInt(e), modulus), k);
  const expected = type1Block(md5Sha1(data), k);
  if (equalBytes(block, expected)) return { ok: true };
  const padding = k - DIGEST_LENGTH;
  if (equalBytes(block.subarray(0, padding), expected.subarray(0, padding))) {
    return { ok: false, reason: 'the PKCS#1 v1.5 block is well formed, but the 36 bytes it carries are not MD5 || SHA-1 of the signed bytes: what was signed is not what the capture shows' };
  }
  return { ok: false, reason: 'with the key, the signature does not give a PKCS#1 v1.5 type 1 block (00 01 FF…FF 00, then the 36-byte digest): it was made with another key, or altered' };
}

/** EM = 0x00 || 0x01 || PS (0xFF bytes) || 0x00 || T, k bytes long (RFC 8017 §9.2 step 5, T without a DigestInfo). */
function type1Block(digest: Uint8Array, k: number): Uint8Array {
  const block = new Uint8Array(k).fill(0xff);
  block[0] = 0x00;
  block[1] = 0x01;
  block[k - digest.length - 1] = 0x00;
  block.set(digest, k - digest.length);
  return block;
}

/** The modulus's length in bytes (the INTEGER's content may start with a zero byte). */
function byteLength(v: bigint): number {
  return Math.ceil(v.toString(16).length / 2);
}
