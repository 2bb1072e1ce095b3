// Certificates named to a person by their place on the path as built and their subject ("the leaf "CN=..."",
// "intermediate 2 of the path "CN=..."", "the trust anchor "CN=...""), never by the bare 0-based index the steps carry
// (src/x509/path-words.ts). The steps' `certificate` field itself stays the path index.
import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { renderEvent } from '../../src/cli/render.ts';
import type { CertificateCheckEvent } from '../../src/trace/types.ts';
import { describePathCertificate, ordinal, pathMembers, pathRole } from '../../src/x509/path-words.ts';
import { validateChain } from '../../src/x509/validate.ts';
import { DAY, dns, makeCert, NOW, refusedIssuers, SERVER_AUTH, simpleChain } from './pki.ts';

const expiredAt = { notBefore: new Date(NOW.getTime() - 400 * DAY), notAfter: new Date(NOW.getTime() - 10 * DAY) };
const leafOptions = { san: [{ type: 'dns' as const, value: 'example.com' }], eku: [SERVER_AUTH] };

describe('a failure names its certificate by role and subject', () => {
  it('the leaf', async () => {
    const { root, inter, leaf } = await simpleChain('example.com', expiredAt);
    const r = await validateChain({ leaf: leaf.der, intermediates: [inter.der], anchors: [root.der], time: NOW, name: 'example.com' });
    expect(r.error?.code).toBe('EXPIRED');
    expect(r.error?.message).toMatch(/^A certificate has expired: the leaf "CN=example\.com": expired at 2026-05-22T12:00:00Z, checked at 2026-06-01T12:00:00Z$/);
    // The step keeps its index: the trace's contract.
    expect(r.steps.find((s) => s.ok === false)).toMatchObject({ check: 'validity', certificate: 0, detail: expect.stringMatching(/^expired at /) });
  });

  it('an intermediate', async () => {
    const root = await makeCert({ name: 'Test Root', ca: true });
    const inter = await makeCert({ name: 'Test Intermediate', ca: true, issuer: root, ...expiredAt });
    const leaf = await makeCert({ name: 'example.com', issuer: inter, ...leafOptions });
    const r = await validateChain({ leaf: leaf.der, intermediates: [inter.der], anchors: [root.der], time: NOW, name: 'example.com' });
    expect(r.error?.code).toBe('EXPIRED');
    expect(r.error?.message).toMatch(/^A certificate has expired: intermediate 1 of the path "CN=Test Intermediate": expired at 2026-05-22T12:00:00Z/);
    expect(r.steps.find((s) => s.ok === false)?.certificate).toBe(1);
  });

  it('the trust anchor', async () => {
    const root = await makeCert({ name: 'Test Root', ca: true, ...expiredAt });
    const inter = await makeCert({ name: 'Test Intermediate', ca: true, issuer: root });
    const leaf = await makeCert({ name: 'example.com', issuer: inter, ...leafOptions });
    const r = await validateChain({ leaf: leaf.der, intermediates: [inter.der], anchors: [root.der], time: NOW, name: 'example.com' });
    expect(r.error?.code).toBe('EXPIRED');
    expect(r.error?.message).toMatch(/^A certificate has expired: the trust anchor "CN=Test Root": expired at 2026-05-22T12:00:00Z/);
    expect(r.steps.find((s) => s.ok === false)?.certificate).toBe(2);
  });

  it('an intermediate is numbered on the path as built, not in the order it was sent', async () => {
    const root = await makeCert({ name: 'Test Root', ca: true });
    const upper = await makeCert({ name: 'Upper CA', ca: true, issuer: root, ...expiredAt });
    const lower = await makeCert({ name: 'Lower CA', ca: true, issuer: upper });
    const leaf = await makeCert({ name: 'example.com', issuer: lower, ...leafOptions });
    // Sent upper first: 2nd certificate as sent, but two steps above the leaf on the path.
    const r = await validateChain({ leaf: leaf.der, intermediates: [upper.der, lower.der], anchors: [root.der], time: NOW, name: 'example.com' });
    expect(r.path.map((p) => p.subject)).toEqual(['CN=example.com', 'CN=Lower CA', 'CN=Upper CA', 'CN=Test Root']);
    expect(r.error?.message).toMatch(/^A certificate has expired: intermediate 2 of the path "CN=Upper CA": expired at /);
  });

  it('a name-constraint violation names the constrained certificate too', async () => {
    const root = await makeCert({ name: 'Test Root', ca: true });
    const inter = await makeCert({ name: 'Test Intermediate', ca: true, issuer: root, nameConstraints: { permitted: [dns('allowed.example')] } });
    const leaf = await makeCert({ name: 'example.com', issuer: inter, ...leafOptions });
    const r = await validateChain({ leaf: leaf.der, intermediates: [inter.der], anchors: [root.der], time: NOW, name: 'example.com' });
    expect(r.error?.code).toBe('NAME_CONSTRAINTS');
    expect(r.error?.message).toMatch(/intermediate 1 of the path "CN=Test Intermediate": .*\(a name of the leaf "CN=example\.com", constrained by this CA\)/);
    expect(r.error?.message).not.toMatch(/certificate \d/);
  });

  it('a refused path in the search says which of its certificates failed', async () => {
    const { root, inter, otherKey, noSki, expired, leaf } = await refusedIssuers();
    const r = await validateChain({ leaf: leaf.der, intermediates: [expired.der, otherKey.der, noSki.der, inter.der], anchors: [root.der], time: NOW, name: 'example.com' });
    expect(r.ok).toBe(true);
    const refused = r.steps.find((s) => s.check === 'issuerCandidate' && s.detail.includes('path refused'));
    expect(refused?.detail).toMatch(/path refused \(validity, intermediate 1 of the path "CN=Test Intermediate": expired at /);
  });

  it('an offered certificate that cannot be decoded is counted after the leaf', async () => {
    const { root, inter, leaf } = await simpleChain();
    const r = await validateChain({ leaf: leaf.der, intermediates: [inter.der, new Uint8Array([0x30, 0x03, 1, 2, 3])], anchors: [root.der], time: NOW, name: 'example.com' });
    expect(r.ok).toBe(true);
    expect(r.steps.find((s) => s.check === 'decode' && s.certificate === -1)?.detail).toMatch(/^the 2nd certificate offered after the leaf cannot be decoded and is ignored: /);
  });
});

describe('path-words', () => {
  const path = pathMembers([
    { subject: 'CN=leaf', source: 'peer' },
    { subject: 'CN=a', source: 'peer' },
    { subject: 'CN=b', source: 'peer' },
    { subject: 'CN=root', source: 'anchor' },
  ]);

  it('roles and names on a known path', () => {
    expect([0, 1, 2, 3].map((i) => pathRole(i, path))).toEqual(['the leaf', 'intermediate 1', 'intermediate 2', 'the trust anchor']);
    expect([0, 1, 3].map((i) => describePathCertificate(i, path))).toEqual(['the leaf "CN=leaf"', 'intermediate 1 of the path "CN=a"', 'the trust anchor "CN=root"']);
    expect(pathRole(-1, path)).toBe('the path');
    // A partial path (no anchor reached): its top is an intermediate, not an anchor.
    expect(describePathCertificate(2, path.slice(0, 3))).toBe('intermediate 2 of the path "CN=b"');
    // A leaf that is itself a trust anchor is still the leaf.
    expect(describePathCertificate(0, [{ subject: 'CN=self', anchor: true }])).toBe('the leaf "CN=self"');
  });

  it('without the path: counted up from the leaf, never a bare index', () => {
    expect(pathRole(0)).toBe('the leaf');
    expect(pathRole(2)).toBe('the certificate 2 above the leaf');
    expect(describePathCertificate(5, path)).toBe('the certificate 5 above the leaf');
  });

  it('ordinals', () => {
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111].map(ordinal)).toEqual(['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd', '101st', '111th']);
  });

  it('the terminal walk names the certificate of each check in the same words', () => {
    const check = (certificate: number): CertificateCheckEvent => ({ kind: 'cert-check', index: 0, t: 0, conn: 0, check: 'validity', certificate, ok: false, detail: 'expired at X', code: 'EXPIRED' });
    expect(renderEvent(check(0), { color: false })).toEqual(['  ✗ certificate validity (the leaf): expired at X']);
    expect(renderEvent(check(1), { color: false })).toEqual(['  ✗ certificate validity (the certificate 1 above the leaf): expired at X']);
    expect(renderEvent({ ...check(-1), check: 'depth', ok: true }, { color: false })).toEqual(['  ✓ certificate depth: expired at X']);
  });
});
