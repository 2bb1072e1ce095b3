// RFC 5280 §6.1 certificate policy processing on generated chains: policies carried down the path,
// requireExplicitPolicy, policy mappings (and inhibitPolicyMapping), inhibitAnyPolicy, a relying party's
// required policy.
import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import * as x509 from '@peculiar/x509';
import { AsnConvert } from '@peculiar/asn1-schema';
import { PolicyMapping, PolicyMappings } from '@peculiar/asn1-x509';
import { validateChain } from '../../src/x509/validate.ts';
import { processPolicies } from '../../src/x509/policy.ts';
import { decodeCertificate } from '../../src/x509/certificate.ts';
import { makeCert, NOW, type Identity } from './pki.ts';

const DV = '2.23.140.1.2.1';
const OV = '2.23.140.1.2.2';
const ANY = '2.5.29.32.0';
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';

const policies = (...ids: string[]) => new x509.CertificatePolicyExtension(ids, false);
/** policyConstraints { requireExplicitPolicy [0], inhibitPolicyMapping [1] }, critical as RFC 5280 asks. */
const constraints = (requireExplicit?: number, inhibitMapping?: number) =>
  new x509.Extension('2.5.29.36', true, new Uint8Array([0x30, (requireExplicit !== undefined ? 3 : 0) + (inhibitMapping !== undefined ? 3 : 0), ...(requireExplicit !== undefined ? [0x80, 1, requireExplicit] : []), ...(inhibitMapping !== undefined ? [0x81, 1, inhibitMapping] : [])]));
const mappings = (from: string, to: string) => new x509.Extension('2.5.29.33', true, AsnConvert.serialize(new PolicyMappings([Object.assign(new PolicyMapping(), { issuerDomainPolicy: from, subjectDomainPolicy: to })])));
const inhibitAny = (skip: number) => new x509.Extension('2.5.29.54', true, new Uint8Array([0x02, 0x01, skip]));

async function chain(interExtra: x509.Extension[], leafExtra: x509.Extension[]) {
  const root = await makeCert({ name: 'Policy Root', ca: true });
  const inter = await makeCert({ name: 'Policy CA', ca: true, issuer: root, extra: interExtra });
  const leaf = await makeCert({ name: 'example.com', issuer: inter, san: [{ type: 'dns', value: 'example.com' }], eku: [SERVER_AUTH], extra: leafExtra });
  return { root, inter, leaf };
}

async function run(c: { root: Identity; inter: Identity; leaf: Identity }, requiredPolicies?: string[]) {
  const r = await validateChain({ leaf: c.leaf.der, intermediates: [c.inter.der], anchors: [c.root.der], time: NOW, name: 'example.com', requiredPolicies });
  return { ok: r.ok, code: r.error?.code, step: r.steps.find((s) => s.check === 'policies')! };
}

describe('certificate policies (RFC 5280 6.1)', () => {
  it('no policies anywhere: nothing required, the step is not applicable', async () => {
    const r = await run(await chain([], []));
    expect(r.ok).toBe(true);
    expect(r.step).toMatchObject({ ok: null, certificate: -1 });
  });

  it('anyPolicy in the CA, DV in the leaf: the path is valid for DV', async () => {
    const r = await run(await chain([policies(ANY)], [policies(DV)]));
    expect(r.ok).toBe(true);
    expect(r.step.ok).toBe(true);
    expect(r.step.detail).toBe(`the path is valid for ${DV}`);
  });

  it('the valid_policy_tree comes back as data for the workbench to draw, also when the path fails', async () => {
    const c = await chain([policies(ANY)], [policies(DV)]);
    const path = [c.leaf, c.inter, c.root].map((x, i) => ({ cert: decodeCertificate(x.der), anchor: i === 2 }));
    const r = processPolicies(path);
    expect(r).toMatchObject({ ok: true, policies: [DV] });
    expect(r.tree).toEqual({ policy: ANY, expected: [ANY], depth: 0, children: [{ policy: ANY, expected: [ANY], depth: 1, children: [{ policy: DV, expected: [DV], depth: 2, children: [] }] }] });
    const mapped = await chain([policies(OV), mappings(OV, DV)], [policies(DV)]);
    const m = processPolicies([mapped.leaf, mapped.inter, mapped.root].map((x, i) => ({ cert: decodeCertificate(x.der), anchor: i === 2 })));
    expect(m.tree!.children[0]).toMatchObject({ policy: OV, expected: [DV], depth: 1 });
    expect(m.tree!.children[0].children[0]).toMatchObject({ policy: DV, expected: [DV], depth: 2 });
    const refused = processPolicies(path, { initialPolicySet: [OV], explicitPolicy: true });
    expect(refused).toMatchObject({ ok: false, certificate: -1 });
    expect(refused.detail).toMatch(/explicit policy is required/);
  });

  it('requireExplicitPolicy=0 in the CA: a leaf without policies fails, with DV passes', async () => {
    const bad = await run(await chain([policies(ANY), constraints(0)], []));
    expect(bad).toMatchObject({ ok: false, code: 'POLICY' });
    expect(bad.step.certificate).toBe(0);
    const good = await run(await chain([policies(ANY), constraints(0)], [policies(DV)]));
    expect(good.ok).toBe(true);
    expect(good.step.detail).toMatch(/valid for 2\.23\.140\.1\.2\.1 \(an explicit policy is required\)/);
  });

  it('a CA limited to OV and a DV leaf: no common policy, which fails only when a policy is required', async () => {
    const c = await chain([policies(OV), constraints(0)], [policies(DV)]);
    expect(await run(c)).toMatchObject({ ok: false, code: 'POLICY' });
    const lax = await chain([policies(OV)], [policies(DV)]);
    expect((await run(lax)).ok).toBe(true);
    expect(await run(lax, [DV])).toMatchObject({ ok: false, code: 'POLICY' });
  });

  it('the relying party requires a policy (initial-explicit-policy): DV required, DV or EV present', async () => {
    const c = await chain([policies(ANY)], [policies(DV)]);
    expect((await run(c, [DV])).ok).toBe(true);
    const r = await run(c, [OV]);
    expect(r).toMatchObject({ ok: false, code: 'POLICY' });
    expect(r.step.detail).toMatch(/required and the path is valid for none of 2\.23\.140\.1\.2\.2/);
  });

  it('policy mapping: the CA maps OV to DV; the leaf asserts DV; inhibitPolicyMapping=0 stops it', async () => {
    const mapped = await run(await chain([policies(OV), mappings(OV, DV), constraints(0)], [policies(DV)]));
    expect(mapped.ok).toBe(true);
    expect(mapped.step.detail).toMatch(/valid for 2\.23\.140\.1\.2\.2/);
    // inhibitPolicyMapping acts on the certificates below the one that carries it: put it in an upper CA.
    const root = await makeCert({ name: 'Policy Root', ca: true });
    const upper = await makeCert({ name: 'Upper CA', ca: true, issuer: root, extra: [policies(ANY), constraints(0, 0)] });
    const lower = await makeCert({ name: 'Policy CA', ca: true, issuer: upper, extra: [policies(OV), mappings(OV, DV)] });
    const leaf = await makeCert({ name: 'example.com', issuer: lower, san: [{ type: 'dns', value: 'example.com' }], eku: [SERVER_AUTH], extra: [policies(DV)] });
    const inhibited = await validateChain({ leaf: leaf.der, intermediates: [lower.der, upper.der], anchors: [root.der], time: NOW, name: 'example.com' });
    expect(inhibited.error?.code).toBe('POLICY');
    const upperFree = await makeCert({ name: 'Upper CA', ca: true, issuer: root, keys: upper.keys, extra: [policies(ANY), constraints(0)] });
    expect((await validateChain({ leaf: leaf.der, intermediates: [lower.der, upperFree.der], anchors: [root.der], time: NOW, name: 'example.com' })).ok).toBe(true);
    const toAny = await run(await chain([policies(OV), mappings(OV, ANY)], [policies(DV)]));
    expect(toAny).toMatchObject({ ok: false, code: 'POLICY' });
    expect(toAny.step.detail).toMatch(/maps to or from anyPolicy/);
  });

  it("the relying party's own inhibits (RFC 5280 6.1.1 e, f): no mapping followed, anyPolicy not standing for all", async () => {
    const decide = (c: { root: Identity; inter: Identity; leaf: Identity }, extra: { inhibitPolicyMapping?: boolean; inhibitAnyPolicy?: boolean }, requiredPolicies: string[]) =>
      validateChain({ leaf: c.leaf.der, intermediates: [c.inter.der], anchors: [c.root.der], time: NOW, name: 'example.com', requiredPolicies, ...extra });
    const mapped = await chain([policies(OV), mappings(OV, DV)], [policies(DV)]);
    expect((await decide(mapped, {}, [OV])).ok).toBe(true);
    const noMapping = await decide(mapped, { inhibitPolicyMapping: true }, [OV]);
    expect(noMapping.error?.code).toBe('POLICY');
    expect(noMapping.steps.find((s) => s.check === 'policies')!.detail).toMatch(/explicit policy is required/);
    const anyCa = await chain([policies(ANY)], [policies(DV)]);
    expect((await decide(anyCa, {}, [DV])).ok).toBe(true);
    expect((await decide(anyCa, { inhibitAnyPolicy: true }, [DV])).error?.code).toBe('POLICY');
    // Without a required policy the inhibits only shrink what the path is valid for.
    expect((await decide(anyCa, { inhibitAnyPolicy: true }, [])).ok).toBe(true);
  });

  it('inhibitAnyPolicy=0 in the CA: a leaf asserting only anyPolicy gets no policy', async () => {
    const c = await chain([policies(ANY), inhibitAny(0), constraints(0)], [policies(ANY)]);
    expect(await run(c)).toMatchObject({ ok: false, code: 'POLICY' });
    const allowed = await chain([policies(ANY), constraints(0)], [policies(ANY)]);
    expect((await run(allowed)).ok).toBe(true);
  });
});
