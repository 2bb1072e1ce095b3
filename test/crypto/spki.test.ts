// The engine's SubjectPublicKeyInfo reader (DER walker) against OpenSSL's keys (node:crypto) and the full
// @peculiar ASN.1 decode the verifier uses: same fields, same bytes, and malformed input refused.
import { describe, expect, it } from 'vitest';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { AsnConvert, AsnParser } from '@peculiar/asn1-schema';
import { SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { RSAPublicKey } from '@peculiar/asn1-rsa';
import { parameterOid, readRsaPublicKey, readSpki, withRsaEncryptionAlgorithm } from '../../src/crypto/spki.ts';
import { describePublicKey, rsaPublicNumbers } from '../../src/crypto/signature.ts';

type KeyObject = ReturnType<typeof generateKeyPairSync>['publicKey'];
const spkiOf = (key: KeyObject) => new Uint8Array(key.export({ format: 'der', type: 'spki' }));

const keys: Record<string, Uint8Array> = {
  'EC P-256': spkiOf(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey),
  'EC P-521': spkiOf(generateKeyPairSync('ec', { namedCurve: 'secp521r1' }).publicKey),
  'RSA 1024': spkiOf(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey),
  'RSA-PSS 2048': spkiOf(generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).publicKey),
  Ed25519: spkiOf(generateKeyPairSync('ed25519').publicKey),
  Ed448: spkiOf(generateKeyPairSync('ed448').publicKey),
};

describe('readSpki', () => {
  for (const [name, der] of Object.entries(keys)) {
    it(`${name}: the same algorithm, parameters and key bits as a full ASN.1 decode`, () => {
      const full = AsnParser.parse(der, SubjectPublicKeyInfo);
      const parts = readSpki(der);
      expect(parts.algorithm).toBe(full.algorithm.algorithm);
      // The library reads a NULL parameters element (rsaEncryption's) as none; the walker keeps it as written.
      const expected = full.algorithm.parameters ? Array.from(new Uint8Array(full.algorithm.parameters)) : name === 'RSA 1024' ? [5, 0] : undefined;
      expect(parts.parameters ? Array.from(parts.parameters) : undefined).toEqual(expected);
      expect(Array.from(parts.publicKey)).toEqual(Array.from(new Uint8Array(full.subjectPublicKey)));
    });
  }

  it('an EC key names its curve; RSA moduli have the sizes they were made with', () => {
    expect(parameterOid(readSpki(keys['EC P-256']).parameters)).toBe('1.2.840.10045.3.1.7');
    expect(describePublicKey(keys['EC P-521'])).toEqual({ type: 'ec', curve: 'P-521', bits: 521 });
    expect(describePublicKey(keys['RSA 1024'])).toEqual({ type: 'rsa', bits: 1024, pssOnly: false });
    expect(describePublicKey(keys['RSA-PSS 2048'])).toEqual({ type: 'rsa', bits: 2048, pssOnly: true });
    expect(describePublicKey(keys.Ed448)).toEqual({ type: 'ed448', bits: 456 });
  });

  it("an RSA key's modulus and exponent are the integers OpenSSL wrote", () => {
    const der = keys['RSA 1024'];
    const full = AsnParser.parse(AsnParser.parse(der, SubjectPublicKeyInfo).subjectPublicKey, RSAPublicKey);
    const { n, e } = rsaPublicNumbers(der);
    expect(Array.from(n)).toEqual(Array.from(new Uint8Array(full.modulus)));
    expect(Array.from(e)).toEqual(Array.from(new Uint8Array(full.publicExponent)));
    const jwk = createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' }).export({ format: 'jwk' });
    expect(Buffer.from(e).toString('base64url')).toBe(jwk.e);
    expect(() => rsaPublicNumbers(keys['EC P-256'])).toThrow(/not an rsaEncryption key/);
  });

  it('an id-RSASSA-PSS key rewrapped as rsaEncryption is what the ASN.1 library encodes, and OpenSSL reads it', () => {
    const der = keys['RSA-PSS 2048'];
    const full = AsnParser.parse(der, SubjectPublicKeyInfo);
    full.algorithm.algorithm = '1.2.840.113549.1.1.1';
    full.algorithm.parameters = new Uint8Array([5, 0]).buffer;
    const rewrapped = withRsaEncryptionAlgorithm(readSpki(der));
    expect(Array.from(rewrapped)).toEqual(Array.from(new Uint8Array(AsnConvert.serialize(full))));
    expect(createPublicKey({ key: Buffer.from(rewrapped), format: 'der', type: 'spki' }).asymmetricKeyType).toBe('rsa');
  });

  it('malformed keys are refused with a reason, never half-read', () => {
    const good = keys['EC P-256'];
    const trailing = Uint8Array.from([...good, 0]);
    expect(() => readSpki(trailing)).toThrow(/trailing/);
    const notSequence = Uint8Array.from(good);
    notSequence[0] = 0x31;
    expect(() => readSpki(notSequence)).toThrow(/expected a SEQUENCE/);
    const longerAlgorithm = Uint8Array.from(good);
    longerAlgorithm[3] += 1; // the AlgorithmIdentifier now swallows the BIT STRING's tag
    expect(() => readSpki(longerAlgorithm)).toThrow();
    const unusedBits = Uint8Array.from(good);
    unusedBits[good.length - 66] = 1; // P-256: BIT STRING (66 bytes: unused-bits byte + 65-byte point)
    expect(() => readSpki(unusedBits)).toThrow(/whole number of bytes/);
    expect(() => readRsaPublicKey(Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x01))).toThrow(/two INTEGERs/);
    expect(() => readSpki(new Uint8Array(0))).toThrow();
  });
});
