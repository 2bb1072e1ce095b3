import { describe, it, expect } from 'vitest';
import { generateKeyPairSync, sign } from 'node:crypto';
import { verifySignature, describePublicKey, ecdsaDerToRaw } from '../../src/crypto/signature.ts';
import { describeEachProvider } from './providers.ts';

const data = new TextEncoder().encode('TLS Lens signs this');

function spkiOf(key: ReturnType<typeof generateKeyPairSync>['publicKey']): Uint8Array {
  return new Uint8Array((key as any).export({ format: 'der', type: 'spki' }));
}

describeEachProvider((_provider) => {
  describe('verifySignature with keys and signatures made by OpenSSL (node:crypto)', () => {
    it('ECDSA P-256 and P-384, DER signatures', async () => {
      for (const [curve, hash, bits] of [['prime256v1', 'sha256', 256], ['secp384r1', 'sha384', 384]] as const) {
        const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: curve });
        const sig = new Uint8Array(sign(hash, data, privateKey));
        const spki = spkiOf(publicKey);
        expect(describePublicKey(spki)).toMatchObject({ type: 'ec', bits });
        const h = hash === 'sha256' ? 'SHA-256' : 'SHA-384';
        expect(await verifySignature(spki, { kind: 'ecdsa', hash: h, encoding: 'der' }, data, sig)).toBe(true);
        const bad = new Uint8Array(data); bad[0] ^= 1;
        expect(await verifySignature(spki, { kind: 'ecdsa', hash: h, encoding: 'der' }, bad, sig)).toBe(false);
      }
    });

    it('RSA PKCS#1 v1.5 and PSS, Ed25519', async () => {
      const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const spki = spkiOf(rsa.publicKey);
      expect(describePublicKey(spki)).toEqual({ type: 'rsa', bits: 2048, pssOnly: false });
      const s1 = new Uint8Array(sign('sha256', data, rsa.privateKey));
      expect(await verifySignature(spki, { kind: 'rsa-pkcs1', hash: 'SHA-256' }, data, s1)).toBe(true);
      const s2 = new Uint8Array(sign('sha256', data, { key: rsa.privateKey, padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: 32 }));
      expect(await verifySignature(spki, { kind: 'rsa-pss', hash: 'SHA-256', saltLength: 32 }, data, s2)).toBe(true);
      expect(await verifySignature(spki, { kind: 'rsa-pkcs1', hash: 'SHA-256' }, data, s2)).toBe(false);

      const ed = generateKeyPairSync('ed25519');
      const s3 = new Uint8Array(sign(null, data, ed.privateKey));
      expect(await verifySignature(spkiOf(ed.publicKey), { kind: 'ed25519' }, data, s3)).toBe(true);
      await expect(verifySignature(spkiOf(ed.publicKey), { kind: 'rsa-pkcs1', hash: 'SHA-256' }, data, s3)).rejects.toThrow(/RSA key/);
    });

    it('RSA-PSS-only (id-RSASSA-PSS) keys verify PSS signatures', async () => {
      const pss = generateKeyPairSync('rsa-pss', { modulusLength: 2048 });
      const spki = spkiOf(pss.publicKey);
      expect(describePublicKey(spki)).toMatchObject({ type: 'rsa', pssOnly: true });
      const sig = new Uint8Array(sign('sha256', data, { key: pss.privateKey, padding: 6, saltLength: 32 }));
      expect(await verifySignature(spki, { kind: 'rsa-pss', hash: 'SHA-256', saltLength: 32 }, data, sig)).toBe(true);
    });

    it('rejects malformed ECDSA DER', () => {
      expect(() => ecdsaDerToRaw(new Uint8Array([0x30, 0x02, 0x02, 0x00]), 256)).toThrow(/malformed/);
    });
  });
});
