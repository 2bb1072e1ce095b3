// What every crypto provider must do the same: published known answers for the pieces the other tests do not
// reach (CBC, record MACs, signing), and agreement across providers (a key share made by one is usable by the
// other's peer, a signature made by one verifies under the other and under OpenSSL directly).
import { createPublicKey, generateKeyPairSync, verify as opensslVerify, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createAesCbc, createHmac } from '../../src/crypto/cbc.ts';
import { importKeyShare } from '../../src/crypto/key-exchange.ts';
import { cryptoProvider, randomBytes, setCryptoProvider, type SigningAlgorithm } from '../../src/crypto/provider.ts';
import { verifySignature } from '../../src/crypto/signature.ts';
import { fromHex, toHex, utf8 } from '../../src/util/bytes.ts';
import { describeEachProvider, PROVIDERS } from './providers.ts';

// NIST SP 800-38A F.2.1 (CBC-AES128.Encrypt).
const SP800_38A = {
  key: '2b7e151628aed2a6abf7158809cf4f3c',
  iv: '000102030405060708090a0b0c0d0e0f',
  plaintext: '6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710',
  ciphertext: '7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b273bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7',
};

// RFC 4231 test case 2 (SHA-256, SHA-384) and RFC 2202 test case 2 (SHA-1): key "Jefe".
const JEFE = {
  data: 'what do ya want for nothing?',
  'SHA-1': 'effcdf6ae5eb2fa2d27416d5f184df9c259a7c79',
  'SHA-256': '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
  'SHA-384': 'af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649',
} as const;

// RFC 8032 §7.1 test 1: Ed25519, empty message (signatures are deterministic).
const RFC8032 = {
  pkcs8: '302e020100300506032b657004220420' + '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
  spki: '302a300506032b6570032100' + 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
  signature: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
};

const message = utf8.encode('TLS 1.3, server CertificateVerify: content signed by each provider');

const der = (key: KeyObject, type: 'spki' | 'pkcs8') => new Uint8Array(key.export({ format: 'der', type }));

describeEachProvider((provider) => {
  it('is the active provider inside its block', () => {
    expect(cryptoProvider()).toBe(provider);
  });

  it('AES-128-CBC without padding matches NIST SP 800-38A F.2.1 both ways', async () => {
    const cbc = await createAesCbc(fromHex(SP800_38A.key));
    expect(toHex(await cbc.encrypt(fromHex(SP800_38A.iv), fromHex(SP800_38A.plaintext)))).toBe(SP800_38A.ciphertext);
    expect(toHex(await cbc.decrypt(fromHex(SP800_38A.iv), fromHex(SP800_38A.ciphertext)))).toBe(SP800_38A.plaintext);
    await expect(cbc.encrypt(fromHex(SP800_38A.iv), new Uint8Array(15))).rejects.toThrow(/whole blocks/);
  });

  it('record HMACs match RFC 4231 / RFC 2202 (SHA-1, SHA-256, SHA-384), and an empty key works', async () => {
    for (const hash of ['SHA-1', 'SHA-256', 'SHA-384'] as const) {
      const mac = await createHmac(hash, utf8.encode('Jefe'));
      expect(toHex(await mac.sign(utf8.encode(JEFE.data)))).toBe(JEFE[hash]);
    }
    const empty = await createHmac('SHA-256', new Uint8Array(0));
    // HMAC with an empty key: the key block is all zeros (RFC 2104); the value is OpenSSL's.
    expect(toHex(await empty.sign(utf8.encode('x')))).toBe('4cbc96099a6467ce002461f10549b4898265ebe6188b45efacc44293516e62c4');
  });

  it('signs Ed25519 deterministically as RFC 8032 §7.1 test 1 says', async () => {
    const sign = await provider.signature.signer(fromHex(RFC8032.pkcs8), { kind: 'ed25519' });
    const signature = await sign(new Uint8Array(0));
    expect(toHex(signature)).toBe(RFC8032.signature);
    expect(await verifySignature(fromHex(RFC8032.spki), { kind: 'ed25519' }, new Uint8Array(0), signature)).toBe(true);
  });

  it('signs ECDSA (DER), RSA-PSS and RSA PKCS#1 v1.5 so that OpenSSL and every provider verify it', async () => {
    const ec256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const ec384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const cases: { keys: { publicKey: KeyObject; privateKey: KeyObject }; signing: SigningAlgorithm; openssl: [string, object] }[] = [
      { keys: ec256, signing: { kind: 'ecdsa', curve: 'P-256', hash: 'SHA-256' }, openssl: ['sha256', { dsaEncoding: 'der' }] },
      { keys: ec384, signing: { kind: 'ecdsa', curve: 'P-384', hash: 'SHA-384' }, openssl: ['sha384', { dsaEncoding: 'der' }] },
      { keys: rsa, signing: { kind: 'rsa-pss', hash: 'SHA-256', saltLength: 32 }, openssl: ['sha256', { padding: 6, saltLength: 32 }] },
      { keys: rsa, signing: { kind: 'rsa-pkcs1', hash: 'SHA-384' }, openssl: ['sha384', { padding: 1 }] },
    ];
    for (const c of cases) {
      const sign = await provider.signature.signer(der(c.keys.privateKey, 'pkcs8'), c.signing);
      const signature = await sign(message);
      const [hash, options] = c.openssl;
      expect(opensslVerify(hash, message, { key: c.keys.publicKey, ...options }, signature), `${c.signing.kind} by OpenSSL`).toBe(true);
      const spki = der(c.keys.publicKey, 'spki');
      const algorithm =
        c.signing.kind === 'ecdsa' ? { kind: 'ecdsa' as const, hash: c.signing.hash, encoding: 'der' as const } : c.signing.kind === 'rsa-pss' ? c.signing : { kind: 'rsa-pkcs1' as const, hash: 'SHA-384' as const };
      for (const verifier of PROVIDERS) {
        const before = setCryptoProvider(verifier);
        try {
          expect(await verifySignature(spki, algorithm, message, signature), `${c.signing.kind} under ${verifier.name}`).toBe(true);
          const tampered = Uint8Array.from(signature);
          tampered[tampered.length - 1] ^= 1;
          expect(await verifySignature(spki, algorithm, message, tampered)).toBe(false);
        } finally {
          setCryptoProvider(before);
        }
      }
    }
  });

  it('signs with a WebCrypto key as well as with PKCS#8 bytes', async () => {
    const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])) as CryptoKeyPair;
    const sign = await provider.signature.signer(pair.privateKey, { kind: 'ecdsa', curve: 'P-256', hash: 'SHA-256' });
    const spki = new Uint8Array(await crypto.subtle.exportKey('spki', pair.publicKey));
    expect(opensslVerify('sha256', message, createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }), await sign(message))).toBe(true);
  });

  it('gives the same public key for a known scalar as every other provider, and agrees with their shares', async () => {
    for (const [group, length] of [['x25519', 32], ['secp256r1', 32], ['secp384r1', 48]] as const) {
      const scalar = fromHex('0f'.repeat(length - 1) + '01');
      const ours = await importKeyShare(group, scalar);
      for (const other of PROVIDERS) {
        const peer = await other.keyExchange.import(group, fromHex('1e'.repeat(length)));
        const theirs = await other.keyExchange.import(group, scalar);
        expect(toHex(theirs.publicKey), `${group} public key, ${other.name}`).toBe(toHex(ours.publicKey));
        expect(toHex(await ours.computeSharedSecret(peer.publicKey))).toBe(toHex(await peer.agree(ours.publicKey)));
      }
    }
  });

  it('fills any amount of randomness (more than one getRandomValues call holds), differently each time', () => {
    const a = randomBytes(100_000);
    const b = randomBytes(100_000);
    expect(a.length).toBe(100_000);
    expect(toHex(a.subarray(70_000, 70_032))).not.toBe(toHex(b.subarray(70_000, 70_032)));
    expect(a.subarray(99_968).some((x) => x !== 0)).toBe(true);
  });
});

describe('setCryptoProvider', () => {
  it('returns the provider it replaced, so a host (or a test) can put it back', () => {
    const [first, second] = PROVIDERS;
    const original = setCryptoProvider(second);
    try {
      expect(cryptoProvider()).toBe(second);
      expect(setCryptoProvider(first)).toBe(second);
      expect(cryptoProvider()).toBe(first);
    } finally {
      setCryptoProvider(original);
    }
  });
});

describe('node:crypto randomness pool', () => {
  it('hands out fresh bytes on every call, across pool refills, small and large requests alike', async () => {
    const { nodeCryptoProvider } = await import('../../src/crypto/node-provider.ts');
    const seen = new Set<string>();
    // 4096-byte pool: 300 requests of 32 bytes cross two refills; odd sizes shift the boundaries.
    for (let i = 0; i < 300; i++) {
      const out = new Uint8Array(i % 7 === 0 ? 33 : 32);
      nodeCryptoProvider.randomFill(out);
      expect(out.some((b) => b !== 0)).toBe(true);
      const hex = toHex(out.subarray(0, 32));
      expect(seen.has(hex)).toBe(false);
      seen.add(hex);
    }
    const large = new Uint8Array(5000);
    nodeCryptoProvider.randomFill(large);
    // 5000 random bytes: each byte value appears (the chance of a miss is about 256 * e^-19.5, ~1e-6).
    expect(new Set(large).size).toBe(256);
  });
});
