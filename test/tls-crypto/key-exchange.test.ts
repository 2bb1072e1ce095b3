// Key shares: generation, deterministic import, agreement, and rejection of bad peer shares.
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/util/bytes.ts';
import { generateKeyShare, importKeyShare, type GroupName } from '../../src/crypto/key-exchange.ts';
import { TlsAlertError } from '../../src/tls/record/alerts.ts';
import { GROUPS, GROUP_NAMES, groupByCode, groupByName, suiteByCode, suiteByName, TLS13_SUITES } from '../../src/tls/suites.ts';
import { describeEachProvider } from '../crypto/providers.ts';

const GROUP_LIST: GroupName[] = ['x25519', 'secp256r1', 'secp384r1'];

async function expectIllegal(p: Promise<unknown>, message: RegExp) {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TlsAlertError);
  expect((err as TlsAlertError).code).toBe('ILLEGAL_PARAMETER');
  expect((err as TlsAlertError).alert).toBe(47);
  expect((err as Error).message).toMatch(message);
}

describeEachProvider((_provider) => {
  describe.each(GROUP_LIST)('%s', (group) => {
    it('two fresh shares agree on the shared secret, with the wire lengths of RFC 8446 §4.2.8', async () => {
      const a = await generateKeyShare(group);
      const b = await generateKeyShare(group);
      expect(a.publicKey.length).toBe(GROUPS[group].shareLength);
      if (group !== 'x25519') expect(a.publicKey[0]).toBe(4);
      const s1 = await a.computeSharedSecret(b.publicKey);
      const s2 = await b.computeSharedSecret(a.publicKey);
      expect(toHex(s1)).toBe(toHex(s2));
      expect(s1.length).toBe(group === 'secp384r1' ? 48 : 32);
    });

    it('importing a private scalar gives the same public key and secret as the original', async () => {
      // Take a scalar from a generated JWK, import it raw, and compare.
      const algorithm = group === 'x25519' ? { name: 'X25519' } : { name: 'ECDH', namedCurve: group === 'secp256r1' ? 'P-256' : 'P-384' };
      const pair = (await crypto.subtle.generateKey(algorithm, true, ['deriveBits'])) as CryptoKeyPair;
      const jwk = await crypto.subtle.exportKey('jwk', pair.privateKey);
      const scalar = Uint8Array.from(Buffer.from(jwk.d!, 'base64url'));
      const share = await importKeyShare(group, scalar);
      const rawPublic = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
      expect(toHex(share.publicKey)).toBe(toHex(rawPublic));
      const other = await generateKeyShare(group);
      expect(toHex(await share.computeSharedSecret(other.publicKey))).toBe(toHex(await other.computeSharedSecret(rawPublic)));
    });

    it('rejects peer shares of the wrong length with illegal_parameter', async () => {
      const share = await generateKeyShare(group);
      await expectIllegal(share.computeSharedSecret(new Uint8Array(GROUPS[group].shareLength - 1)), /must be \d+ bytes/);
      await expectIllegal(share.computeSharedSecret(new Uint8Array(0)), /must be \d+ bytes/);
    });

    it('rejects a private key of the wrong length', async () => {
      await expect(importKeyShare(group, new Uint8Array(5))).rejects.toThrow(/private key must be/);
    });
  });

  describe('peer share validation', () => {
    it('X25519: the all-zero point (small order) gives no usable secret', async () => {
      const share = await generateKeyShare('x25519');
      await expectIllegal(share.computeSharedSecret(new Uint8Array(32)), /small-order|all zeros/);
      const one = new Uint8Array(32);
      one[0] = 1; // the point u = 1 has order 1 as well
      await expectIllegal(share.computeSharedSecret(one), /small-order|all zeros/);
    });

    it('P-256: a point off the curve and a compressed point are refused', async () => {
      const share = await generateKeyShare('secp256r1');
      const offCurve = new Uint8Array(65).fill(1);
      offCurve[0] = 4;
      await expectIllegal(share.computeSharedSecret(offCurve), /not a point on the curve/);
      const compressed = new Uint8Array(65);
      compressed[0] = 2;
      await expectIllegal(share.computeSharedSecret(compressed), /uncompressed/);
    });

    it('P-384: a point off the curve is refused', async () => {
      const share = await generateKeyShare('secp384r1');
      const offCurve = new Uint8Array(97).fill(7);
      offCurve[0] = 4;
      await expectIllegal(share.computeSharedSecret(offCurve), /not a point on the curve/);
    });
  });
});

describe('suite and group tables', () => {
  it('look up suites by code and name', () => {
    expect(suiteByCode(0x1301)).toMatchObject({ name: 'TLS_AES_128_GCM_SHA256', hash: 'SHA-256', hashLength: 32, keyLength: 16, ivLength: 12, aead: 'AES-GCM' });
    expect(suiteByCode(0x1302)).toMatchObject({ hash: 'SHA-384', hashLength: 48, keyLength: 32 });
    expect(suiteByName('tls_chacha20_poly1305_sha256')?.code).toBe(0x1303);
    expect(suiteByCode(0xc02f)).toBeUndefined();
    expect(Object.keys(TLS13_SUITES)).toHaveLength(3);
  });

  it('names groups both ways', () => {
    expect(GROUP_NAMES[0x001d]).toBe('x25519');
    expect(GROUPS.secp384r1.code).toBe(0x0018);
    expect(groupByCode(0x0017)?.name).toBe('secp256r1');
    expect(groupByName('X25519')?.code).toBe(0x001d);
    expect(groupByName('toString')).toBeUndefined();
  });
});
