// The workbench's model applies a root's OpenSSL trust settings (a TRUSTED CERTIFICATE block made by openssl) to the
// purpose, by the rule tls-lens verify uses (trustAllows), and a share link keeps them.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCertificateInput } from '../../src/x509/input.ts';
import { TrustStore } from '../../src/x509/trustStore.ts';
import { decide, DEFAULT_SETTINGS, readShareFragment, shareFragment, trustRefusal, type WorkbenchChain } from '../../src/ui/workbench/model.ts';

let dir: string;
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
const read = (name: string, lenient = false) => readCertificateInput(fs.readFileSync(path.join(dir, name)), name, { lenient }).certificates;
let leaf: Uint8Array;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-lens-wb-trust-'));
  fs.writeFileSync(path.join(dir, 'ext.cnf'), '[leaf]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=DNS:trust.test\n');
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'root.key', '-subj', '/CN=Trust Root', '-days', '30', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign', '-out', 'root.pem');
  openssl('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'leaf.key', '-subj', '/CN=trust.test', '-out', 'leaf.csr');
  openssl('x509', '-req', '-in', 'leaf.csr', '-CA', 'root.pem', '-CAkey', 'root.key', '-CAcreateserial', '-days', '20', '-extfile', 'ext.cnf', '-extensions', 'leaf', '-out', 'leaf.pem');
  openssl('x509', '-in', 'root.pem', '-addtrust', 'serverAuth', '-out', 'root-server.pem');
  openssl('x509', '-in', 'root.pem', '-addreject', 'serverAuth', '-out', 'root-rejected.pem');
  openssl('x509', '-in', 'root.pem', '-addtrust', 'clientAuth', '-out', 'root-client.pem');
  leaf = read('leaf.pem')[0].der;
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const noMozilla = () => new TrustStore([]);
async function verdict(rootFile: string, purpose: 'server' | 'client') {
  const root = read(rootFile, true)[0];
  const chain: WorkbenchChain = { certificates: [leaf], anchors: [root.der], crls: [], anchorTrust: [root.trustSettings] };
  return decide(chain, { ...DEFAULT_SETTINGS, mozilla: false, purpose, name: 'trust.test' }, noMozilla);
}

describe('workbench trust settings', () => {
  it('a root trusted for serverAuth anchors a server check; one rejected for it, or trusted for clientAuth only, does not', async () => {
    expect((await verdict('root-server.pem', 'server')).result.ok).toBe(true);
    const rejected = await verdict('root-rejected.pem', 'server');
    expect(rejected.result.ok).toBe(false);
    expect(rejected.setAside).toEqual([{ list: 'anchors', index: 0, reason: 'not used as a trust anchor for a TLS server check: its OpenSSL trust settings (rejected for serverAuth) do not allow serverAuth' }]);
    const clientOnly = await verdict('root-client.pem', 'server');
    expect(clientOnly.result.ok).toBe(false);
    expect(clientOnly.setAside[0].reason).toContain('(trusted for clientAuth) do not allow serverAuth');
    // For a client check the same root anchors the path (the leaf is for clientAuth too).
    const client = await verdict('root-client.pem', 'client');
    expect(client.setAside).toEqual([]);
    expect(client.result.ok).toBe(true);
    expect((await verdict('root.pem', 'server')).result.ok).toBe(true);
  });

  it('trustRefusal says nothing for a root without settings', () => {
    expect(trustRefusal(undefined, 'server')).toBeUndefined();
    expect(trustRefusal({ trust: [], reject: ['2.5.29.37.0'] }, 'client')).toBe('not used as a trust anchor for a TLS client check: its OpenSSL trust settings (rejected for anyExtendedKeyUsage) do not allow clientAuth');
  });

  it('a share link keeps the trust settings; a hand-made link cannot put anything else there', async () => {
    const root = read('root-rejected.pem', true)[0];
    const chain: WorkbenchChain = { certificates: [leaf, root.der], anchors: [root.der], crls: [], certificateTrust: [undefined, root.trustSettings], anchorTrust: [root.trustSettings] };
    const back = await readShareFragment(await shareFragment(chain, DEFAULT_SETTINGS));
    expect(back?.chain.anchorTrust).toEqual([{ trust: [], reject: ['1.3.6.1.5.5.7.3.1'] }]);
    expect(back?.chain.certificateTrust).toEqual([undefined, { trust: [], reject: ['1.3.6.1.5.5.7.3.1'] }]);
    const plain = await readShareFragment(await shareFragment({ certificates: [leaf], anchors: [], crls: [] }, DEFAULT_SETTINGS));
    expect(plain?.chain.anchorTrust).toBeUndefined();
    // Settings of the wrong shape (as a hand-edited link could carry) are left out, never passed on.
    const odd = { trust: ['serverAuth', 5], reject: 'everything' } as never;
    const edited = await readShareFragment(await shareFragment({ certificates: [leaf], anchors: [root.der], crls: [], anchorTrust: [odd] }, DEFAULT_SETTINGS));
    expect(edited?.chain.anchorTrust).toEqual([undefined]);
  });
});
