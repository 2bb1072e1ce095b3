// X25519MLKEM768 (draft-ietf-tls-ecdhe-mlkem): round trip client <-> server, wire sizes, and the layout of the
// shares and the shared secret (ML-KEM first, then X25519), checked against ML-KEM and X25519 run separately.
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { describe, expect, it } from 'vitest';
import { generateKeyShare, importKeyShare, privateKeyLength, respondToKeyShare } from '../../src/crypto/key-exchange.ts';
import { hybridLayout } from '../../src/crypto/hybrid-kem.ts';
import { TlsAlertError } from '../../src/tls/record/alerts.ts';
import { GROUPS, groupByCode, groupByName } from '../../src/tls/suites.ts';
import { toHex } from '../../src/util/bytes.ts';
import { describeEachProvider } from '../crypto/providers.ts';

async function rejection(p: Promise<unknown>): Promise<TlsAlertError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(TlsAlertError);
  expect((err as TlsAlertError).alert).toBe(47); // illegal_parameter
  return err as TlsAlertError;
}

describeEachProvider((_provider) => {
  describe('X25519MLKEM768', () => {
    it('is registered under its code point and found by name in any case', () => {
      expect(groupByCode(0x11ec)?.name).toBe('X25519MLKEM768');
      expect(groupByName('x25519mlkem768')?.code).toBe(0x11ec);
      expect(GROUPS.X25519MLKEM768.tls13Only).toBe(true);
    });

    it('client and server agree on a 64-byte secret; the shares are 1216 and 1120 bytes', async () => {
      const client = await generateKeyShare('X25519MLKEM768');
      expect(client.publicKey.length).toBe(1216);
      const { serverShare, sharedSecret } = await respondToKeyShare('X25519MLKEM768', client.publicKey);
      expect(serverShare.length).toBe(1120);
      expect(sharedSecret.length).toBe(64);
      expect(toHex(await client.computeSharedSecret(serverShare))).toBe(toHex(sharedSecret));
      // Two runs give different secrets (fresh randomness on both sides).
      const again = await respondToKeyShare('X25519MLKEM768', client.publicKey);
      expect(toHex(again.sharedSecret)).not.toBe(toHex(sharedSecret));
    });

    it('lays out shares and secret as ML-KEM || X25519, matching each primitive run alone', async () => {
      const seed = Uint8Array.from({ length: 64 }, (_, i) => i);
      const scalar = Uint8Array.from({ length: 32 }, (_, i) => 200 - i);
      expect(privateKeyLength('X25519MLKEM768')).toBe(96);
      const client = await importKeyShare('X25519MLKEM768', Uint8Array.from([...seed, ...scalar]));
      const clientX25519 = await importKeyShare('x25519', scalar);
      const { publicKey: encapsulationKey, secretKey } = ml_kem768.keygen(seed);
      expect(toHex(client.publicKey)).toBe(toHex(encapsulationKey) + toHex(clientX25519.publicKey));

      const serverX25519 = await generateKeyShare('x25519');
      const { serverShare, sharedSecret } = await respondToKeyShare('X25519MLKEM768', client.publicKey, serverX25519);
      const ciphertext = serverShare.subarray(0, 1088);
      expect(toHex(serverShare.subarray(1088))).toBe(toHex(serverX25519.publicKey));
      const kemSecret = ml_kem768.decapsulate(ciphertext, secretKey);
      const ecdhSecret = await clientX25519.computeSharedSecret(serverX25519.publicKey);
      expect(toHex(sharedSecret)).toBe(toHex(kemSecret) + toHex(ecdhSecret));
      expect(toHex(await client.computeSharedSecret(serverShare))).toBe(toHex(sharedSecret));
      expect(hybridLayout('X25519MLKEM768')!.map((p) => [p.part, p.clientShareBytes, p.serverShareBytes, p.secretBytes])).toEqual([
        ['ML-KEM-768', 1184, 1088, 32],
        ['X25519', 32, 32, 32],
      ]);
      expect(hybridLayout('x25519')).toBeUndefined();
    });

    it('refuses shares of the wrong length on either side with illegal_parameter', async () => {
      const client = await generateKeyShare('X25519MLKEM768');
      expect((await rejection(respondToKeyShare('X25519MLKEM768', client.publicKey.subarray(0, 1215)))).message).toMatch(/1216 bytes.*got 1215/);
      expect((await rejection(client.computeSharedSecret(new Uint8Array(1088)))).message).toMatch(/1120 bytes.*got 1088/);
    });

    it('refuses an encapsulation key whose coefficients are not reduced mod q (FIPS 203 input check)', async () => {
      const client = await generateKeyShare('X25519MLKEM768');
      const bad = client.publicKey.slice();
      bad[0] = 0xff; // first 12-bit coefficient becomes >= 3329
      bad[1] |= 0x0f;
      expect((await rejection(respondToKeyShare('X25519MLKEM768', bad))).message).toMatch(/encapsulation key/);
    });

    it('refuses a small-order X25519 half inside an otherwise good share', async () => {
      const client = await generateKeyShare('X25519MLKEM768');
      const bad = client.publicKey.slice();
      bad.fill(0, 1184); // the all-zero point
      await rejection(respondToKeyShare('X25519MLKEM768', bad));
    });
  });
});
