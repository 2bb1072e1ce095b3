// The workbench's decision and share links, without the page: what-if settings re-decide and name the
// checks that changed; a link carries chain and settings and reads back exactly; the export has the
// shape `verify --json` prints.
import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { decide, DEFAULT_SETTINGS, pathPem, readShareFragment, shareFragment, type WorkbenchChain } from '../../src/ui/workbench/model.ts';
import { TrustStore } from '../../src/x509/trustStore.ts';
import { readCertificates } from '../../src/x509/pem.ts';
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

  it('a share link carries the chain and the settings and reads back the same; its length for 3 certificates', async () => {
    const { root, inter, leaf } = await simpleChain('example.com');
    const chain: WorkbenchChain = { certificates: [leaf.der, inter.der, root.der], anchors: [], crls: [] };
    const settings = { ...DEFAULT_SETTINGS, name: 'example.com', time: NOW.toISOString(), profile: 'cabf' as const, maxDepth: 3, trustChainRoot: true };
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
