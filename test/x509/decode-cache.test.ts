// Certificates are decoded once per distinct DER, and nothing else is remembered: each caller gets its own
// object, a caller changing its bytes afterwards changes nothing decoded, signatures are checked on every
// validation (a tampered signature after a good one still fails), and the search record a view reads is the
// same whether read at once or later.
import { describe, expect, it } from 'vitest';
import { decodeCertificate } from '../../src/x509/certificate.ts';
import { validateChain } from '../../src/x509/validate.ts';
import { NOW, simpleChain } from './pki.ts';

describe('decoding once per distinct DER', () => {
  it('gives each caller its own object with the same content', async () => {
    const { leaf } = await simpleChain('cache.example');
    const a = decodeCertificate(leaf.der);
    const b = decodeCertificate(Uint8Array.from(leaf.der));
    expect(a).not.toBe(b);
    expect(b.subject.text).toBe(a.subject.text);
    expect(b.id).toBe(a.id);
    expect(Buffer.from(b.der).equals(Buffer.from(leaf.der))).toBe(true);
  });

  it('keeps what was decoded when the caller changes its bytes afterwards', async () => {
    const { leaf } = await simpleChain('mutable.example');
    const bytes = Uint8Array.from(leaf.der);
    const first = decodeCertificate(bytes);
    const subjectAt = Buffer.from(bytes).indexOf(Buffer.from('mutable.example'));
    bytes[subjectAt] = 'M'.charCodeAt(0);
    // The changed bytes are another certificate: decoded afresh.
    expect(decodeCertificate(bytes).subject.text).toContain('Mutable.example');
    // The original bytes still decode to what they said.
    const again = decodeCertificate(leaf.der);
    expect(again.subject.text).toBe(first.subject.text);
    expect(Buffer.from(again.der).equals(Buffer.from(leaf.der))).toBe(true);
  });

  it('still checks the signature on every validation', async () => {
    const { root, inter, leaf } = await simpleChain('sig.example');
    const good = await validateChain({ leaf: leaf.der, intermediates: [inter.der], anchors: [root.der], time: NOW, name: 'sig.example' });
    expect(good.ok).toBe(true);
    const tampered = Uint8Array.from(leaf.der);
    tampered[tampered.length - 3] ^= 0x01; // inside the signature value
    const bad = await validateChain({ leaf: tampered, intermediates: [inter.der], anchors: [root.der], time: NOW, name: 'sig.example' });
    expect(bad.ok).toBe(false);
    expect(bad.error?.code).toBe('BAD_SIGNATURE');
    const goodAgain = await validateChain({ leaf: leaf.der, intermediates: [inter.der], anchors: [root.der], time: NOW, name: 'sig.example' });
    expect(goodAgain.ok).toBe(true);
  });

  it('makes the search record when it is first read, the same as a copy made at once', async () => {
    const { root, inter, leaf } = await simpleChain('search.example');
    const result = await validateChain({ leaf: leaf.der, intermediates: [inter.der], anchors: [root.der], time: NOW, name: 'search.example' });
    const viaJson = JSON.parse(JSON.stringify(result)).search;
    expect(viaJson.paths).toHaveLength(1);
    expect(viaJson.certificates.map((c: { source: string }) => c.source)).toEqual(['leaf', 'pool', 'anchor']);
    expect(structuredClone(result).search).toEqual(viaJson);
    expect(result.search).toEqual(viaJson);
  });
});
