// The throwaway PKI of `tls-lens serve`: openssl verifies the leaf against the CA for localhost and 127.0.0.1,
// our key loader accepts the key for the leaf, and a second run reuses the same files.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureThrowawayPki } from '../../src/cli/serve-pki.ts';
import { pemToDer } from '../../src/x509/pem.ts';
import { checkKeyMatchesCertificate, readPrivateKeyPem } from '../../src/x509/private-key.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-lens-serve-pki-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('throwaway PKI', () => {
  it('makes a CA and a localhost/127.0.0.1 leaf that openssl verifies, then reuses them', async () => {
    const pki = await ensureThrowawayPki(path.join(dir, 'pki'));
    expect(pki.generated).toBe(true);
    const chain = pemToDer(fs.readFileSync(pki.chainFile, 'utf8'));
    expect(chain.length).toBe(2);
    fs.writeFileSync(path.join(dir, 'leaf.pem'), execFileSync('openssl', ['x509', '-in', pki.chainFile]));
    for (const check of [['-verify_hostname', 'localhost'], ['-verify_ip', '127.0.0.1']]) {
      const out = execFileSync('openssl', ['verify', '-CAfile', pki.caFile, '-purpose', 'sslserver', ...check, path.join(dir, 'leaf.pem')]).toString();
      expect(out).toMatch(/: OK/);
    }
    expect(() => execFileSync('openssl', ['verify', '-CAfile', pki.caFile, '-verify_hostname', 'example.com', path.join(dir, 'leaf.pem')], { stdio: 'pipe' })).toThrow();
    await checkKeyMatchesCertificate(readPrivateKeyPem(fs.readFileSync(pki.keyFile, 'utf8')), chain[0]);
    expect(fs.statSync(pki.keyFile).mode & 0o077).toBe(0);

    const again = await ensureThrowawayPki(path.join(dir, 'pki'));
    expect(again.generated).toBe(false);
    expect(fs.readFileSync(again.caFile, 'utf8')).toBe(fs.readFileSync(pki.caFile, 'utf8'));
  });
});
