// Fuzzing the TLS 1.2 decoders and record protectors: random and mutated input ends in a coded TLS error
// (TlsAlertError / TlsError), never another exception.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TlsAlertError, TlsError } from '../../src/tls/errors.ts';
import { decodeHandshake12, encodeHandshake12 } from '../../src/tls/messages/tls12.ts';
import { Tls12CbcProtector } from '../../src/tls/record/tls12-cbc-protector.ts';
import { Tls12AeadProtector } from '../../src/tls/record/tls12-aead-protector.ts';
import { suite12ByName } from '../../src/tls/suites12.ts';
import { concat } from '../../src/util/bytes.ts';

const coded = (e: unknown) => e instanceof TlsAlertError || e instanceof TlsError;

const seeds = [
  encodeHandshake12({ type: 'server_key_exchange', kx: 'ECDHE', params: concat(Uint8Array.of(3, 0, 0x1d, 32), new Uint8Array(32).fill(5)), scheme: 0x0403, signature: new Uint8Array(70).fill(1) }).bytes,
  encodeHandshake12({ type: 'certificate_request12', certificateTypes: [1, 64], schemes: [0x0403, 0x0804], authorities: [new Uint8Array(10)] }).bytes,
  encodeHandshake12({ type: 'new_session_ticket12', lifetimeHint: 300, ticket: new Uint8Array(40) }).bytes,
  encodeHandshake12({ type: 'certificate12', chain: [new Uint8Array(50), new Uint8Array(20)] }).bytes,
];

describe('TLS 1.2 fuzzing', () => {
  it('mutated handshake messages decode or fail with a coded error', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: seeds.length - 1 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), fc.constantFrom('ECDHE', 'DHE', 'RSA', undefined), (i, edits, kx) => {
        const m = Uint8Array.from(seeds[i]);
        for (const [at, v] of edits) m[at % m.length] = v;
        try {
          decodeHandshake12(m, kx as 'ECDHE' | 'DHE' | 'RSA' | undefined);
        } catch (e) {
          expect(coded(e), String(e)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('random records fail authentication with bad_record_mac (CBC both orders, GCM, ChaCha20)', async () => {
    const protectors = [
      await Tls12CbcProtector.create(suite12ByName('TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA')!, new Uint8Array(20), new Uint8Array(16), false),
      await Tls12CbcProtector.create(suite12ByName('TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256')!, new Uint8Array(32), new Uint8Array(16), true),
      await Tls12AeadProtector.create(suite12ByName('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256')!, new Uint8Array(16), new Uint8Array(4)),
      await Tls12AeadProtector.create(suite12ByName('TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256')!, new Uint8Array(32), new Uint8Array(12)),
    ];
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 3 }), fc.uint8Array({ minLength: 0, maxLength: 200 }), async (i, fragment) => {
        const bytes = concat(Uint8Array.of(23, 3, 3, fragment.length >> 8, fragment.length & 0xff), fragment);
        await expect(protectors[i].decrypt({ contentType: 23, version: 0x0303, bytes, fragment: bytes.subarray(5) })).rejects.toMatchObject({ code: 'BAD_RECORD_MAC' });
      }),
      { numRuns: 400 },
    );
  });
});
