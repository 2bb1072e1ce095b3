// Hostile input: mutated certificates never crash the decoder, the tree view or the verifier,
// and a pathological pool is answered quickly.
import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeCertificate, MalformedCertificateError } from '../../src/x509/certificate.ts';
import { asn1Tree, DerError } from '../../src/x509/der.ts';
import { validateChain } from '../../src/x509/validate.ts';
import { makeCert, NOW, simpleChain } from './pki.ts';

describe('mutated certificates', () => {
  it('decode, tree and validate fail cleanly (never an unexpected exception)', async () => {
    const { root, inter, leaf } = await simpleChain();
    const base = leaf.der;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ at: fc.nat(base.length - 1), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 4 }),
        fc.nat(base.length),
        async (edits, cut) => {
          const bytes = base.slice(0, Math.max(1, cut === 0 ? base.length : cut));
          for (const e of edits) if (e.at < bytes.length) bytes[e.at] = e.value;
          try {
            decodeCertificate(bytes);
          } catch (err) {
            expect(err).toBeInstanceOf(MalformedCertificateError);
            expect(typeof (err as MalformedCertificateError).offset).toBe('number');
          }
          try {
            asn1Tree(bytes);
          } catch (err) {
            expect(err).toBeInstanceOf(DerError);
          }
          const r = await validateChain({ leaf: bytes, intermediates: [inter.der], anchors: [root.der], time: NOW, name: 'example.com' });
          expect(typeof r.ok).toBe('boolean');
          if (!r.ok) expect(r.error?.code).toBeTruthy();
        },
      ),
      { numRuns: 300, seed: 20261122 },
    );
  });
});

describe('pathological pools', () => {
  it('a long chain of 60 intermediates is refused by depth without a long search', async () => {
    const root = await makeCert({ name: 'Root', ca: true });
    let issuer = root;
    const pool: Uint8Array[] = [];
    for (let i = 0; i < 60; i++) {
      issuer = await makeCert({ name: `ICA ${i}`, ca: true, issuer });
      pool.push(issuer.der);
    }
    const leaf = await makeCert({ name: 'example.com', issuer, san: [{ type: 'dns', value: 'example.com' }] });
    const r = await validateChain({ leaf: leaf.der, intermediates: pool.reverse(), anchors: [root.der], time: NOW, name: 'example.com' });
    expect(r.error?.code).toBe('CHAIN_TOO_LONG');
    // Bounded by depth, not by the work limit: one link examined per certificate, a single path tried.
    expect(r.stats.pathsTried).toBeLessThanOrEqual(1);
    expect(r.stats.work).toBeLessThan(200);
    const deep = await validateChain({ leaf: leaf.der, intermediates: pool, anchors: [root.der], time: NOW, name: 'example.com', maxDepth: 100 });
    expect(deep.ok).toBe(true);
    expect(deep.path).toHaveLength(62);
  });
});
