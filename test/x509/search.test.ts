// The path builder's whole search as data (candidates, refusals and why, the accepted path, missing issuers,
// both paths of a cross-signature), and the three profiles: browser (default), strict CA/B Forum, plain RFC 5280.
import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import * as x509 from '@peculiar/x509';
import { validateChain, type ValidateOptions } from '../../src/x509/validate.ts';
import type { ProfileName } from '../../src/x509/profile.ts';
import { crossSignedChain, dns, makeCert, NOW, refusedIssuers, SERVER_AUTH, simpleChain, type CertOptions, type Identity } from './pki.ts';

let serial = 0x1000;
/** A 16-octet serial, as the CA/B Forum asks (64 random bits at least). */
const longSerial = () => `41${(serial++).toString(16).padStart(30, '0')}`;

function run(leaf: Identity, pool: Identity[], anchors: Identity[], extra: Partial<ValidateOptions> = {}) {
  return validateChain({ leaf: leaf.der, intermediates: pool.map((c) => c.der), anchors: anchors.map((c) => c.der), time: NOW, name: 'example.com', ...extra });
}

describe('the search, recorded', () => {
  it('a plain chain: every certificate, each link followed, the accepted path chosen', async () => {
    const { root, inter, leaf } = await simpleChain();
    const r = await run(leaf, [inter], [root], { allPaths: true });
    expect(r.ok).toBe(true);
    const s = r.search!;
    expect(s.certificates.map((c) => [c.subject, c.source])).toEqual([['CN=example.com', 'leaf'], ['CN=Test Intermediate', 'pool'], ['CN=Test Root', 'anchor']]);
    expect(s.links.map((l) => [l.child, l.candidate, l.outcome, l.depth])).toEqual([[0, 1, 'followed', 0], [1, 2, 'path accepted', 1]]);
    expect(s.paths).toEqual([{ certificates: [0, 1, 2], accepted: true }]);
    expect(s.chosen).toBe(0);
    expect(s.missingIssuers).toEqual([]);
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });

  it('the intermediate removed: the search names the missing issuer', async () => {
    const { root, leaf } = await simpleChain();
    const r = await run(leaf, [], [root]);
    expect(r.error?.code).toBe('UNKNOWN_ISSUER');
    expect(r.search!.paths).toEqual([]);
    expect(r.search!.chosen).toBeNull();
    expect(r.search!.missingIssuers).toEqual([{ certificate: 0, issuerName: 'CN=Test Intermediate', selfSigned: false }]);
  });

  it('a cross-signed intermediate gives two paths, both accepted with allPaths; one without', async () => {
    const { rootA, rootB, interA, interB, leaf } = await crossSignedChain();
    const all = await run(leaf, [interA, interB], [rootA, rootB], { allPaths: true });
    expect(all.ok).toBe(true);
    const s = all.search!;
    const names = (p: { certificates: number[] }) => p.certificates.map((k) => s.certificates[k].subject);
    expect(s.paths.map(names)).toEqual([
      ['CN=example.com', 'CN=Cross Inter', 'CN=Root A'],
      ['CN=example.com', 'CN=Cross Inter', 'CN=Root B'],
    ]);
    expect(s.paths.every((p) => p.accepted)).toBe(true);
    expect(s.chosen).toBe(0);
    const first = await run(leaf, [interA, interB], [rootA, rootB]);
    expect(first.search!.paths).toHaveLength(1);
  });

  it('why each candidate was refused: key identifier, signature, validity of a complete path', async () => {
    // Same name, other key, with an SKI; other key, no SKI; same key, expired (see refusedIssuers).
    const { root, inter, otherKey, noSki, expired, leaf } = await refusedIssuers();
    const r = await run(leaf, [otherKey, noSki, expired, inter], [root], { allPaths: true });
    expect(r.ok).toBe(true);
    const s = r.search!;
    const outcomes = s.links.filter((l) => l.child === 0).map((l) => l.outcome);
    expect(outcomes).toEqual(['key identifier differs', 'signature invalid', 'followed', 'followed']);
    expect(s.paths.map((p) => [p.accepted, p.refusedBy?.check, p.refusedBy?.code])).toEqual([
      [false, 'validity', 'EXPIRED'],
      [true, undefined, undefined],
    ]);
    expect(s.paths[0].refusedBy!.certificate).toBe(1);
    expect(s.chosen).toBe(1);
  });
});

async function cabfChain(leafOptions: Partial<CertOptions> = {}, interOptions: Partial<CertOptions> = {}) {
  const root = await makeCert({ name: 'Root', ca: true, serial: longSerial() });
  const inter = await makeCert({ name: 'Inter', ca: true, issuer: root, serial: longSerial(), ...interOptions });
  const leaf = await makeCert({ name: 'example.com', issuer: inter, san: [{ type: 'dns', value: 'example.com' }], eku: [SERVER_AUTH], serial: longSerial(), ...leafOptions });
  return { root, inter, leaf };
}

async function verdicts(c: { root: Identity; inter: Identity; leaf: Identity }, profiles: ProfileName[] = ['browser', 'cabf', 'rfc5280']) {
  const out: Record<string, string> = {};
  for (const profile of profiles) {
    const r = await run(c.leaf, [c.inter], [c.root], { profile });
    out[profile] = r.ok ? 'ok' : `${r.error!.code}: ${r.error!.message}`;
  }
  return out;
}

describe('profiles', () => {
  it('a chain that meets the Baseline Requirements passes under all three', async () => {
    expect(await verdicts(await cabfChain())).toEqual({ browser: 'ok', cabf: 'ok', rfc5280: 'ok' });
  });

  it('strict CA/B: EKU required in the leaf', async () => {
    const v = await verdicts(await cabfChain({ eku: undefined }));
    expect(v.browser).toBe('ok');
    expect(v.cabf).toMatch(/^EXTENDED_KEY_USAGE: .*must carry extendedKeyUsage/);
    expect(v.rfc5280).toBe('ok');
  });

  it('strict CA/B: no anyExtendedKeyUsage in a CA', async () => {
    const v = await verdicts(await cabfChain({}, { eku: ['2.5.29.37.0'] }));
    expect(v.browser).toBe('ok');
    expect(v.cabf).toMatch(/^EXTENDED_KEY_USAGE: .*: intermediate 1 of the path "CN=Inter": anyExtendedKeyUsage is not allowed in a TLS CA/);
  });

  it('strict CA/B: CN among the SANs, and serial numbers of 64 bits at least', async () => {
    const cn = await verdicts(await cabfChain({ subject: 'CN=other.example.com' }));
    expect(cn.browser).toBe('ok');
    expect(cn.cabf).toMatch(/^PROFILE_VIOLATION: .*not one of the subjectAltName entries/);
    const short = await verdicts(await cabfChain({ serial: '0102' }));
    expect(short.browser).toBe('ok');
    expect(short.cabf).toMatch(/^PROFILE_VIOLATION: .*: the leaf "CN=example\.com": the serial number has 2 octets; the CA\/B Forum requires at least 64 random bits/);
  });

  it('plain RFC 5280: a CA certificate may be the leaf, its own pathLenConstraint ignored', async () => {
    const root = await makeCert({ name: 'Root', ca: true });
    const inter = await makeCert({ name: 'Inter', ca: true, pathLen: 0, issuer: root });
    const caLeaf = await makeCert({ name: 'Inner CA', ca: true, pathLen: 0, issuer: inter });
    const opts = { name: undefined } as const;
    expect((await run(caLeaf, [inter], [root], { ...opts, profile: 'browser' })).error?.message).toMatch(/cannot be used as the end-entity/);
    const plain = await run(caLeaf, [inter], [root], { ...opts, profile: 'rfc5280' });
    expect(plain.ok).toBe(true);
    expect(plain.steps.find((s) => s.check === 'basicConstraints' && s.certificate === 0)?.detail).toMatch(/allowed by RFC 5280/);
  });

  it('plain RFC 5280: nameConstraints must be critical', async () => {
    const root = await makeCert({ name: 'Root', ca: true });
    const nc = root.cert.getExtension('2.5.29.30');
    expect(nc).toBeNull();
    const constrained = await makeCert({ name: 'Inter', ca: true, issuer: root, nameConstraints: { permitted: [dns('example.com')] } });
    // The same constraint, marked non-critical.
    const raw = constrained.cert.getExtension('2.5.29.30')!;
    const loose = await makeCert({ name: 'Inter', ca: true, issuer: root, keys: constrained.keys, extra: [new x509.Extension('2.5.29.30', false, raw.value)] });
    const leaf = await makeCert({ name: 'example.com', issuer: loose, san: [{ type: 'dns', value: 'example.com' }], eku: [SERVER_AUTH] });
    expect((await run(leaf, [loose], [root], { profile: 'browser' })).ok).toBe(true);
    expect((await run(leaf, [loose], [root], { profile: 'rfc5280' })).error?.message).toMatch(/nameConstraints must be critical/);
    expect((await run(leaf, [constrained], [root], { profile: 'rfc5280' })).ok).toBe(true);
  });
});
