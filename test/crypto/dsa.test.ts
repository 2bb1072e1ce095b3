// DSA verification in both providers: node:crypto (OpenSSL) and the WebCrypto provider's micro-rsa-dsa-dh
// (src/crypto/dsa.ts). Keys under parameters OpenSSL made (1024/160, 2048/224, 2048/256), random messages and every
// hash; signatures made by OpenSSL and by the library, each checked by both, as made and altered: the two agree on
// every one. Then what both refuse before any arithmetic: r or s out of range, a signature not in DER (which the
// library alone would read as r || s), a key whose parameters are inherited or are not DSA's.
import { createPrivateKey, generateKeyPairSync, randomBytes, randomInt, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DSA } from 'micro-rsa-dsa-dh/dsa.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { sha224, sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { dsaSignatureProblem, readDsaPublicKey, type DsaHash, type DsaPublicKey } from '../../src/crypto/dsa.ts';
import { ecdsaRawToDer } from '../../src/crypto/ecdsa-encoding.ts';
import { nodeCryptoProvider } from '../../src/crypto/node-provider.ts';
import { setCryptoProvider } from '../../src/crypto/provider.ts';
import { describePublicKey, verifySignature } from '../../src/crypto/signature.ts';
import { webCryptoProvider } from '../../src/crypto/webcrypto-provider.ts';
import { derElement } from '../../src/x509/der.ts';

const HASHES: DsaHash[] = ['SHA-1', 'SHA-224', 'SHA-256', 'SHA-384', 'SHA-512'];
const NOBLE = { 'SHA-1': sha1, 'SHA-224': sha224, 'SHA-256': sha256, 'SHA-384': sha384, 'SHA-512': sha512 };
const NODE = { 'SHA-1': 'sha1', 'SHA-224': 'sha224', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };
const DSA_ALGORITHM = Uint8Array.of(0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01); // id-dsa

const bytesOf = (n: bigint): Uint8Array => {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  if (parseInt(hex[0], 16) >= 8) hex = `00${hex}`;
  return Uint8Array.from(Buffer.from(hex, 'hex'));
};
const int = (n: bigint) => derElement(0x02, bytesOf(n));
const seq = (...parts: Uint8Array[]) => derElement(0x30, Buffer.concat(parts));
const modPow = (b: bigint, e: bigint, m: bigint) => {
  let r = 1n;
  for (b %= m; e > 0n; e >>= 1n, b = (b * b) % m) if (e & 1n) r = (r * b) % m;
  return r;
};
const randomBelow = (q: bigint) => (BigInt(`0x${randomBytes(40).toString('hex')}`) % (q - 2n)) + 1n;

interface Key {
  spki: Uint8Array;
  pkcs8: Uint8Array;
  x: bigint;
  params: DsaPublicKey;
}

/** A key under parameters OpenSSL made: x at random, y = g^x mod p, written as SPKI and PKCS#8 (RFC 3279, RFC 5958). */
function keyUnder(params: DsaPublicKey): Key {
  const { p, q, g } = params;
  const x = randomBelow(q);
  const y = modPow(g, x, p);
  const algorithm = seq(DSA_ALGORITHM, seq(int(p), int(q), int(g)));
  const spki = seq(algorithm, derElement(0x03, Buffer.concat([Uint8Array.of(0), int(y)])));
  const pkcs8 = seq(int(0n), algorithm, derElement(0x04, int(x)));
  return { spki, pkcs8, x, params: readDsaPublicKey(spki) };
}

function parametersOf(modulusLength: number, divisorLength: number): DsaPublicKey {
  const { publicKey } = generateKeyPairSync('dsa', { modulusLength, divisorLength });
  return readDsaPublicKey(new Uint8Array(publicKey.export({ format: 'der', type: 'spki' })));
}

async function both(spki: Uint8Array, hash: DsaHash, data: Uint8Array, signature: Uint8Array): Promise<[boolean, boolean]> {
  const info = describePublicKey(spki);
  const algorithm = { kind: 'dsa', hash } as const;
  return [await nodeCryptoProvider.signature.verify(spki, info, algorithm, data, signature), await webCryptoProvider.signature.verify(spki, info, algorithm, data, signature)];
}

describe('DSA: node:crypto and micro-rsa-dsa-dh agree', () => {
  const sets = [parametersOf(1024, 160), parametersOf(2048, 224), parametersOf(2048, 256)];

  it('on signatures made by OpenSSL and by the library, as made and altered (300 keys and messages)', async () => {
    let checked = 0;
    for (const params of sets) {
      for (let i = 0; i < 100; i++) {
        const key = keyUnder(params);
        const hash = HASHES[i % HASHES.length];
        const message = randomBytes(randomInt(0, 300));
        // OpenSSL's signature (random k), DER.
        const byOpenssl = new Uint8Array(nodeSign(NODE[hash], message, { key: createPrivateKey({ key: Buffer.from(key.pkcs8), format: 'der', type: 'pkcs8' }), dsaEncoding: 'der' }));
        // The library's (RFC 6979 k), r || s made DER.
        const byLibrary = ecdsaRawToDer(DSA({ p: params.p, q: params.q, g: params.g, hash: NOBLE[hash] }).sign(key.x, message));
        expect(nodeVerify(NODE[hash], message, { key: createPrivateKey({ key: Buffer.from(key.pkcs8), format: 'der', type: 'pkcs8' }), dsaEncoding: 'der' }, byLibrary)).toBe(true);
        for (const signature of [byOpenssl, byLibrary]) {
          expect(await both(key.spki, hash, message, signature)).toEqual([true, true]);
          const altered = Uint8Array.from(signature);
          altered[altered.length - 1 - randomInt(0, 8)] ^= 1 << randomInt(0, 8);
          const alteredMessage = Buffer.concat([message, Uint8Array.of(randomInt(0, 256))]);
          const [n1, w1] = await both(key.spki, hash, message, altered);
          expect(n1).toBe(w1);
          expect(await both(key.spki, hash, alteredMessage, signature)).toEqual([false, false]);
          // Another hash than the one signed.
          expect(await both(key.spki, HASHES[(i + 1) % HASHES.length], message, signature)).toEqual([false, false]);
          checked++;
        }
      }
    }
    expect(checked).toBe(600);
  }, 120_000);

  it('refuses r or s out of range (0, q, above q), and a signature not in DER, in both', async () => {
    const key = keyUnder(sets[0]);
    const { q } = key.params;
    const message = randomBytes(50);
    const good = DSA({ p: key.params.p, q, g: key.params.g, hash: sha1 }).sign(key.x, message);
    const half = good.length / 2;
    const r = BigInt(`0x${Buffer.from(good.subarray(0, half)).toString('hex')}`);
    const s = BigInt(`0x${Buffer.from(good.subarray(half)).toString('hex')}`);
    expect(await both(key.spki, 'SHA-1', message, seq(int(r), int(s)))).toEqual([true, true]);
    // r + q and s + q give the same values mod q: a check without the range test would take them.
    for (const [bad, words] of [
      [seq(int(0n), int(s)), "the signature's r is zero (it must be between 0 and q)"],
      [seq(int(r), int(0n)), "the signature's s is zero (it must be between 0 and q)"],
      [seq(int(q), int(s)), "the signature's r is not below q (it must be between 0 and q)"],
      [seq(int(r + q), int(s)), "the signature's r is not below q (it must be between 0 and q)"],
      [seq(int(r), int(s + q)), "the signature's s is not below q (it must be between 0 and q)"],
    ] as const) {
      expect(dsaSignatureProblem(bad, q)).toBe(words);
      expect(await both(key.spki, 'SHA-1', message, bad)).toEqual([false, false]);
    }
    // The same r and s as bare r || s (the library alone would take it), and with a padded INTEGER.
    expect(DSA({ p: key.params.p, q, g: key.params.g, hash: sha1 }).verify(key.params.y, message, good)).toBe(true);
    expect(dsaSignatureProblem(good, q)).toMatch(/^the signature is not a DER Dss-Sig-Value SEQUENCE \{ r, s \}/);
    expect(await both(key.spki, 'SHA-1', message, good)).toEqual([false, false]);
    const padded = seq(derElement(0x02, Buffer.concat([Uint8Array.of(0, 0), bytesOf(r)])), int(s));
    expect(await both(key.spki, 'SHA-1', message, padded)).toEqual([false, false]);
  });

  it('refuses keys it cannot check, in words, before either provider', async () => {
    const key = keyUnder(sets[0]);
    const y = key.params.y;
    const withoutParams = seq(seq(DSA_ALGORITHM), derElement(0x03, Buffer.concat([Uint8Array.of(0), int(y)])));
    const oddQ = seq(seq(DSA_ALGORITHM, seq(int(key.params.p), int(key.params.q * 4n), int(key.params.g))), derElement(0x03, Buffer.concat([Uint8Array.of(0), int(y)])));
    for (const provider of [nodeCryptoProvider, webCryptoProvider]) {
      const before = setCryptoProvider(provider);
      try {
        const sig = seq(int(1n), int(1n));
        await expect(verifySignature(withoutParams, { kind: 'dsa', hash: 'SHA-1' }, Uint8Array.of(1), sig)).rejects.toThrow('not checkable: the DSA parameters are inherited from the issuer');
        await expect(verifySignature(oddQ, { kind: 'dsa', hash: 'SHA-1' }, Uint8Array.of(1), sig)).rejects.toThrow("the DSA key's q has 162 bits; DSA's q has 160, 224 or 256");
        await expect(verifySignature(key.spki, { kind: 'ecdsa', hash: 'SHA-256', encoding: 'der' }, Uint8Array.of(1), sig)).rejects.toThrow('an ECDSA signature needs an EC key, not unknown');
      } finally {
        setCryptoProvider(before);
      }
    }
  });
});
