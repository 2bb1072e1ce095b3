// The workbench's decision and share links, without the page: what-if settings re-decide and name the
// checks that changed; a link carries chain and settings and reads back exactly; the export has the
// shape `verify --json` prints.
import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import * as x509 from '@peculiar/x509';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { decide, DEFAULT_SETTINGS, pathPem, readShareFragment, shareFragment, type WorkbenchChain } from '../../src/ui/workbench/model.ts';
import { TrustStore } from '../../src/x509/trustStore.ts';
import { readCertificateInput } from '../../src/x509/input.ts';

const readCertificates = (input: Uint8Array | string) => readCertificateInput(input).certificates.map((c) => c.der);
import { validateChain } from '../../src/x509/validate.ts';
import { verdictJson } from '../../src/x509/verdict.ts';
import { DAY, NOW, simpleChain, toPem } from './pki.ts';

const noMozilla = () => new TrustStore();

describe('workbench model', () => {
  it('re-decides on each what-if and names the checks whose outcome changed', async () => {
    const { root, inter, leaf } = await simpleChain('example.com');
    const chain: WorkbenchChain = { certificates: [root.der, leaf.der, inter.der], anchors: [], crls: [] };
    const base = { ...DEFAULT_SETTINGS, mozilla: false, trustChainRoot: true, name: 'example.com', time: NOW.toISOString() };
    const first = await decide(chain, base, noMozilla);
    expect(first.result.ok).toBe(true);
    expect(first.leafIndex).toBe(1);
    expect(first.changed.size).toBe(0);

    const later = await decide(chain, { ...base, time: new Date(leaf.cert.notAfter.getTime() + DAY).toISOString() }, noMozilla, first.result);
    expect(later.result.error?.code).toBe('EXPIRED');
    expect(later.result.error).toMatchObject({ openssl: 'X509_V_ERR_CERT_HAS_EXPIRED', secureTransport: 'errSSLCertExpired' });
    expect(later.result.error?.windowsCE).toBeTruthy();
    expect([...later.changed]).toEqual(expect.arrayContaining(['validity@0']));

    const otherName = await decide(chain, { ...base, name: 'other.example' }, noMozilla, first.result);
    expect(otherName.result.error?.code).toBe('HOSTNAME_MISMATCH');
    expect([...otherName.changed]).toEqual(['hostname@0']);

    const untrusted = await decide(chain, { ...base, trustChainRoot: false }, noMozilla);
    expect(untrusted.result.error?.code).toBe('UNTRUSTED_ROOT');
    const noInter = await decide({ ...chain, certificates: [root.der, leaf.der] }, base, noMozilla);
    expect(noInter.result.search?.missingIssuers.map((m) => m.issuerName)).toEqual(['CN=Test Intermediate']);
    expect(pathPem(first.result)).toBe(toPem(leaf.der) + toPem(inter.der) + toPem(root.der));
  });

  it('what-if anchors, purpose, depth, CRLs and profile each change the verdict', async () => {
    const { root, inter, leaf } = await simpleChain('example.com');
    const chain: WorkbenchChain = { certificates: [leaf.der, inter.der], anchors: [root.der], crls: [] };
    const base = { ...DEFAULT_SETTINGS, mozilla: false, name: 'example.com', time: NOW.toISOString() };
    const ok = await decide(chain, base, noMozilla);
    expect(ok.result.ok).toBe(true);
    expect((await decide({ ...chain, anchors: [] }, base, noMozilla)).result.error?.code).toBe('UNKNOWN_ISSUER');
    const client = await decide(chain, { ...base, purpose: 'client' }, noMozilla, ok.result);
    expect(client.result.error?.code).toBe('EXTENDED_KEY_USAGE');
    expect([...client.changed]).toContain('extendedKeyUsage@0');
    expect((await decide(chain, { ...base, maxDepth: 0 }, noMozilla)).result.error?.code).toBe('CHAIN_TOO_LONG');
    expect((await decide(chain, { ...base, profile: 'cabf' }, noMozilla)).result.error?.code).toBe('PROFILE_VIOLATION');
    const crl = await x509.X509CrlGenerator.create({
      issuer: `CN=${inter.name}`,
      thisUpdate: new Date(NOW.getTime() - DAY),
      nextUpdate: new Date(NOW.getTime() + DAY),
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } as EcdsaParams,
      signingKey: inter.keys.privateKey,
      extensions: [new x509.Extension('2.5.29.20', false, new Uint8Array([2, 1, 1]))],
      entries: [{ serialNumber: leaf.cert.serialNumber, revocationDate: NOW }],
    });
    const revoked = await decide({ ...chain, crls: [new Uint8Array(crl.rawData)] }, base, noMozilla, ok.result);
    expect(revoked.result.error?.code).toBe('REVOKED');
    expect([...revoked.changed].sort()).toEqual(['revocation@0', 'revocation@1']); // checks that did not run before
    expect(revoked.result.steps.find((s) => s.check === 'revocation' && s.certificate === 0)?.ok).toBe(false);
  });

  it('a share link carries the chain and the settings and reads back the same; its length for 3 certificates', async () => {
    const { root, inter, leaf } = await simpleChain('example.com');
    const chain: WorkbenchChain = { certificates: [leaf.der, inter.der, root.der], anchors: [], crls: [] };
    const settings = { ...DEFAULT_SETTINGS, name: 'example.com', time: NOW.toISOString(), profile: 'cabf' as const, maxDepth: 3, trustChainRoot: true, inhibitAnyPolicy: true };
    const fragment = await shareFragment(chain, settings);
    expect(fragment).toMatch(/^workbench=[A-Za-z0-9_-]+$/);
    const back = await readShareFragment('#' + fragment);
    expect(back!.settings).toEqual(settings);
    expect(back!.chain.certificates.map((c) => Buffer.from(c).toString('hex'))).toEqual(chain.certificates.map((c) => Buffer.from(c).toString('hex')));
    const raw = chain.certificates.reduce((n, c) => n + c.length, 0);
    console.log(JSON.stringify({ certificates: 3, derBytes: raw, linkFragmentChars: fragment.length }));
    expect(fragment.length).toBeLessThan(Math.ceil((raw * 4) / 3) + 200);
    await expect(readShareFragment('#workbench=AAAA')).rejects.toThrow(/link is damaged/);
    expect(await readShareFragment('#panel=inspector')).toBeUndefined();
    // A hand-made link with wrong types gets the defaults for those fields, nothing else.
    const payload = new TextEncoder().encode(JSON.stringify({ v: 1, c: [Buffer.from(leaf.der).toString('base64')], s: { name: 5, purpose: 'both', maxDepth: -3, profile: 'cabf', time: 'soon' } }));
    const packed = new Uint8Array(await new Response(new Blob([payload]).stream().pipeThrough(new CompressionStream('deflate-raw'))).arrayBuffer());
    const odd = await readShareFragment(`#workbench=${Buffer.from(packed).toString('base64url')}`);
    expect(odd!.settings).toEqual({ ...DEFAULT_SETTINGS, profile: 'cabf' });
  });

  it('the verdict export has exactly the shape of `tls-lens verify --json`', async () => {
    const { root, inter, leaf } = await simpleChain('example.com');
    const dir = mkdtempSync(path.join(tmpdir(), 'tls-lens-verdict-'));
    try {
      writeFileSync(path.join(dir, 'chain.pem'), toPem(leaf.der) + toPem(inter.der));
      writeFileSync(path.join(dir, 'root.pem'), toPem(root.der));
      const time = new Date(leaf.cert.notAfter.getTime() + DAY).toISOString();
      const bin = path.resolve(__dirname, '../../bin/tls-lens.js');
      const cli = await promisify(execFile)(process.execPath, [bin, 'verify', '--leaf', path.join(dir, 'chain.pem'), '--roots', path.join(dir, 'root.pem'), '--name', 'example.com', '--time', time, '--json']).catch((e) => e);
      const ours = verdictJson(await validateChain({ leaf: leaf.der, intermediates: [inter.der], anchors: readCertificates(toPem(root.der)), time: new Date(time), name: 'example.com', strictAnchors: true }));
      expect(JSON.parse(cli.stdout)).toEqual(JSON.parse(JSON.stringify(ours)));
      expect(ours.error?.code).toBe('EXPIRED');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
