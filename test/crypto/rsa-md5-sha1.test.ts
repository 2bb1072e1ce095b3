// TLS 1.0/1.1's RSA signature form (PKCS#1 v1.5 type 1 over MD5 || SHA-1, no DigestInfo), checked by BigInt against
// signatures node:crypto (OpenSSL) makes: the right one verifies, and every block a lenient parser might accept is
// refused, each with its reason.
import { constants, createPublicKey, generateKeyPairSync, privateEncrypt, sign, type KeyObject } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { md5Sha1 } from '../../src/crypto/prf10.ts';
import { verifyRsaMd5Sha1 } from '../../src/crypto/rsa-md5-sha1.ts';

const data = new TextEncoder().encode('client_random || server_random || params');
let privateKey: KeyObject;
let spki: Uint8Array;
const K = 256;

/** The RSA private operation on a whole block we built (no padding added by OpenSSL). */
const raw = (block: Uint8Array) => new Uint8Array(privateEncrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, block));
/** 00 01 FF.. 00 || payload, `k` bytes, optionally altered. */
function block(payload: Uint8Array, alter?: (b: Uint8Array) => void): Uint8Array {
  const b = new Uint8Array(K).fill(0xff);
  b[0] = 0;
  b[1] = 1;
  b[K - payload.length - 1] = 0;
  b.set(payload, K - payload.length);
  alter?.(b);
  return b;
}

beforeAll(() => {
  const pair = generateKeyPairSync('rsa', { modulusLength: K * 8 });
  privateKey = pair.privateKey;
  spki = new Uint8Array(pair.publicKey.export({ type: 'spki', format: 'der' }));
});

describe('verifyRsaMd5Sha1', () => {
  it("accepts OpenSSL's PKCS#1 type 1 signature of MD5 || SHA-1 (what a TLS 1.0 peer sends)", () => {
    const signature = new Uint8Array(privateEncrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, md5Sha1(data)));
    expect(signature).toEqual(raw(block(md5Sha1(data))));
    expect(verifyRsaMd5Sha1(spki, data, signature)).toEqual({ ok: true });
  });

  it('refuses a signature over other bytes: the block is right, its digest is not', () => {
    const other = raw(block(md5Sha1(new TextEncoder().encode('something else'))));
    const r = verifyRsaMd5Sha1(spki, data, other);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/well formed, but the 36 bytes it carries are not MD5 \|\| SHA-1/);
  });

  it("refuses TLS 1.2's form (a SHA-1 DigestInfo), and blocks a lenient parser would take", () => {
    const digest = md5Sha1(data);
    const refused = [
      new Uint8Array(sign('sha1', data, privateKey)),
      // Block type 2 (encryption padding), a padding byte that is not FF, too short a padding string with garbage after the digest.
      raw(block(digest, (b) => (b[1] = 2))),
      raw(block(digest, (b) => (b[5] = 0xfe))),
      raw(Uint8Array.from([0, 1, 0xff, 0xff, 0, ...digest, ...new Uint8Array(K - 5 - digest.length).fill(7)])),
    ];
    for (const signature of refused) {
      const r = verifyRsaMd5Sha1(spki, data, signature);
      expect(r.ok).toBe(false);
      expect(!r.ok && r.reason).toMatch(/does not give a PKCS#1 v1\.5 type 1 block/);
    }
  });

  it('refuses a signature of the wrong length or not below the modulus', () => {
    const good = raw(block(md5Sha1(data)));
    const longer = verifyRsaMd5Sha1(spki, data, Uint8Array.from([0, ...good]));
    expect(!longer.ok && longer.reason).toMatch(/the signature is 257 bytes, the key's modulus 256/);
    const modulus = Buffer.from((createPublicKey(privateKey).export({ format: 'jwk' }).n as string), 'base64url');
    const atModulus = verifyRsaMd5Sha1(spki, data, new Uint8Array(modulus));
    expect(!atModulus.ok && atModulus.reason).toMatch(/not smaller than the modulus/);
  });

  it('throws for a key that is not RSA', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() => verifyRsaMd5Sha1(new Uint8Array(ec.publicKey.export({ type: 'spki', format: 'der' })), data, new Uint8Array(64))).toThrow(/not an rsaEncryption key/);
  });
});
