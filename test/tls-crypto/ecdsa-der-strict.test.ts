// An ECDSA signature in TLS (CertificateVerify, ServerKeyExchange) and X.509 is a DER ECDSA-Sig-Value. The same r and
// s written another way (a padded INTEGER, a long-form length) is not DER, and both providers refuse it: node:crypto
// through OpenSSL always did; the WebCrypto provider, which reads r and s itself, now does too, so a signature's
// verdict does not depend on where TLS Lens runs.
import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ecdsaDerProblem } from '../../src/crypto/ecdsa-encoding.ts';
import { verifySignature } from '../../src/crypto/signature.ts';
import { concat } from '../../src/util/bytes.ts';
import { describeEachProvider } from '../crypto/providers.ts';

const data = new TextEncoder().encode('TLS 1.3, server CertificateVerify');
const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
const algorithm = { kind: 'ecdsa', hash: 'SHA-256', encoding: 'der' } as const;

/** A real signature whose r and s both have their top bit clear, so each INTEGER can be padded with a zero byte. */
function signatureWithSmallHalves(): { r: Uint8Array; s: Uint8Array } {
  for (;;) {
    const raw = new Uint8Array(sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' }));
    const r = raw.subarray(0, 32);
    const s = raw.subarray(32);
    if (r[0] > 0 && r[0] < 0x80 && s[0] > 0 && s[0] < 0x80) return { r, s };
  }
}

const { r, s } = signatureWithSmallHalves();
const integer = (v: Uint8Array, pad = false) => (pad ? concat(Uint8Array.of(0x02, v.length + 1, 0), v) : concat(Uint8Array.of(0x02, v.length), v));
const sequence = (body: Uint8Array, longForm = false) => (longForm ? concat(Uint8Array.of(0x30, 0x81, body.length), body) : concat(Uint8Array.of(0x30, body.length), body));

const DER = sequence(concat(integer(r), integer(s)));
const NOT_DER: [string, Uint8Array][] = [
  ['r padded with a zero byte', sequence(concat(integer(r, true), integer(s)))],
  ['s padded with a zero byte', sequence(concat(integer(r), integer(s, true)))],
  ['the SEQUENCE length in long form', sequence(concat(integer(r), integer(s)), true)],
  ['a byte after the SEQUENCE', concat(DER, Uint8Array.of(0))],
];

describe('strict DER for ECDSA signatures', () => {
  it('names what is wrong with each non-DER form, and nothing for DER', () => {
    expect(ecdsaDerProblem(DER)).toBeUndefined();
    expect(NOT_DER.map(([, sig]) => ecdsaDerProblem(sig))).toEqual([
      'an INTEGER is not in its shortest form',
      'an INTEGER is not in its shortest form',
      'a length is in long form below 128',
      'the SEQUENCE length does not match the signature',
    ]);
  });

  describeEachProvider(() => {
    it('verifies the DER signature', async () => {
      expect(await verifySignature(spki, algorithm, data, DER)).toBe(true);
    });

    it.each(NOT_DER)('refuses the same r and s with %s', async (_what, sig) => {
      expect(await verifySignature(spki, algorithm, data, sig)).toBe(false);
    });
  });
});
