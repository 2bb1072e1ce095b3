import { AsnConvert, AsnParser } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import { describe, expect, it } from 'vitest';
import { describePublicKey, ecdsaDerToRaw, verifySignature } from '../../src/crypto/signature.ts';
import { certificateSpki, certificateVerifyContent, createSigner, ecdsaRawToDer, schemeAlgorithm } from '../../src/tls/handshake/signatures.ts';
import { SignatureScheme as S } from '../../src/tls/messages/constants.ts';
import { usePki } from '../support/pki.ts';

const pki = usePki();

describe('CertificateVerify helpers', () => {
  it('the fast SPKI walk gives the same bytes as a full ASN.1 parse', () => {
    for (const der of [pki.leafDer, pki.rootDer, pki.clientCertDer]) {
      const full = new Uint8Array(AsnConvert.serialize(AsnParser.parse(der, Certificate).tbsCertificate.subjectPublicKeyInfo));
      expect(certificateSpki(der)).toEqual(full);
    }
  });

  it('the signed content is 64 spaces, the context string, a zero byte and the hash', () => {
    const c = certificateVerifyContent('server', new Uint8Array(32).fill(1));
    expect(c.length).toBe(64 + 33 + 1 + 32);
    expect(c.subarray(0, 64).every((b) => b === 0x20)).toBe(true);
    expect(new TextDecoder().decode(c.subarray(64, 97))).toBe('TLS 1.3, server CertificateVerify');
    expect(c[97]).toBe(0);
  });

  it('a scheme must fit the key: P-256 key, P-384 scheme is refused; PKCS#1 is refused in TLS 1.3', () => {
    const key = describePublicKey(certificateSpki(pki.leafDer));
    expect(schemeAlgorithm(S.ecdsa_secp256r1_sha256, key)).toEqual({ kind: 'ecdsa', hash: 'SHA-256', encoding: 'der' });
    expect(typeof schemeAlgorithm(S.ecdsa_secp384r1_sha384, key)).toBe('string');
    expect(typeof schemeAlgorithm(S.rsa_pkcs1_sha256, key)).toBe('string');
    expect(typeof schemeAlgorithm(S.rsa_pss_rsae_sha256, key)).toBe('string');
  });

  it('signs a client CertificateVerify that verifies with the certificate key (DER ECDSA)', async () => {
    const signer = await createSigner(pki.clientCertDer, pki.clientKeyPkcs8);
    expect(signer.schemes).toEqual([S.ecdsa_secp256r1_sha256]);
    const content = certificateVerifyContent('client', new Uint8Array(32));
    const sig = await signer.sign(S.ecdsa_secp256r1_sha256, content);
    expect(sig[0]).toBe(0x30);
    expect(await verifySignature(certificateSpki(pki.clientCertDer), { kind: 'ecdsa', hash: 'SHA-256', encoding: 'der' }, content, sig)).toBe(true);
  });

  it('raw ECDSA r||s to DER and back, including high-bit and leading-zero integers', () => {
    const raw = new Uint8Array(64);
    raw[0] = 0x80;
    raw[31] = 1;
    raw[63] = 5;
    expect(ecdsaDerToRaw(ecdsaRawToDer(raw), 256)).toEqual(raw);
  });
});
