// connect's and serve's certificate options read files as `tls-lens verify` does (src/cli/files.ts over
// x509/input.ts): PKCS#7 bundles, OpenSSL's TRUSTED CERTIFICATE with its trust settings applied to the purpose
// (serverAuth for connect --ca, clientAuth for serve --ca), a certificate and its key in one --cert file. Every file
// is made by openssl; the peers are openssl s_server and s_client.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usePki } from '../support/pki.ts';
import { spawnSServer, type SServer } from '../tls/helpers.ts';
import { startServe } from '../serve/serve-process.ts';

const BIN = path.resolve(__dirname, '../../bin/tls-lens.js');
const pki = usePki();
let server: SServer;
const file = (name: string) => path.join(pki.dir, name);
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: pki.dir, stdio: 'pipe' });

beforeAll(async () => {
  // The root as a DER PKCS#7 bundle (.p7b), and as TRUSTED CERTIFICATEs with three kinds of trust settings.
  openssl('crl2pkcs7', '-nocrl', '-certfile', 'ca.pem', '-outform', 'DER', '-out', 'ca.p7b');
  openssl('x509', '-in', 'ca.pem', '-addtrust', 'serverAuth', '-out', 'ca-server.pem');
  openssl('x509', '-in', 'ca.pem', '-addtrust', 'clientAuth', '-out', 'ca-client.pem');
  openssl('x509', '-in', 'ca.pem', '-addreject', 'serverAuth', '-out', 'ca-reject-server.pem');
  // The client's certificate and key in one file, as s_server's -cert takes them.
  fs.writeFileSync(file('leaf-and-key.pem'), fs.readFileSync(pki.leafCert, 'utf8') + fs.readFileSync(pki.leafKey, 'utf8'));
  server = await spawnSServer(['-tls1_3', '-cert', pki.leafCert, '-key', pki.leafKey]);
});
afterAll(async () => server?.stop());

function connect(ca: string): Promise<{ status: number | null; stderr: string; json: { ok: boolean; certificate?: { verified: boolean }; error?: { code: string; message: string } } }> {
  return new Promise((resolve, reject) => {
    const child = spawn('node', [BIN, 'connect', `127.0.0.1:${server.port}`, '--servername', 'localhost', '--ca', ca, '--json']);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stderr: err, json: JSON.parse(out) }));
  });
}

describe('connect --ca', () => {
  it('takes a PKCS#7 bundle of roots', async () => {
    const r = await connect(file('ca.p7b'));
    expect(r.json.ok).toBe(true);
    expect(r.json.certificate?.verified).toBe(true);
  });

  it('applies a TRUSTED CERTIFICATE root to serverAuth: trusted for it, used; rejected or trusted for clientAuth only, refused', async () => {
    const trusted = await connect(file('ca-server.pem'));
    expect(trusted.json.certificate?.verified).toBe(true);
    for (const name of ['ca-reject-server.pem', 'ca-client.pem']) {
      const r = await connect(file(name));
      expect(r.status).toBe(2);
      expect(r.json.error?.code).toBe('BAD_CERTIFICATE_INPUT');
      expect(r.json.error?.message).toMatch(/no certificate in it may anchor a chain for serverAuth/);
      expect(r.stderr).toMatch(/warning: --ca file .*block 1 is not used: its OpenSSL trust settings \((rejected for serverAuth|trusted for clientAuth)\) do not allow serverAuth/);
    }
  });

  it('says where a damaged file breaks and what it read before', () => {
    const broken = file('two-then-junk.pem');
    fs.writeFileSync(broken, fs.readFileSync(pki.rootPem, 'utf8') + '-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n');
    const r = spawnSync('node', [BIN, 'connect', `127.0.0.1:${server.port}`, '--ca', broken, '--json'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(JSON.parse(r.stdout).error.message).toMatch(/--ca file ".*two-then-junk\.pem", block 2: .*valid base64.*read before it: block 1 "CN=TLS Lens Test Root"/);
  });

  it('writes an error quoting a file name with control characters so that it cannot drive the terminal', () => {
    const r = spawnSync('node', [BIN, 'connect', `127.0.0.1:${server.port}`, '--ca', file('\x1b]0;retitled\x07.pem')], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('\\u001b]0;retitled\\u0007.pem');
    expect(r.stderr).not.toMatch(/[\x00-\x08\x0b-\x1f]/);
  });
});

describe('serve --cert and --ca', () => {
  it('serves a certificate whose key is in the same file, with no warning about the key', async () => {
    const s = await startServe(['--cert', file('leaf-and-key.pem')]);
    try {
      const r = spawnSync('openssl', ['s_client', '-connect', `127.0.0.1:${s.port}`, '-servername', 'localhost', '-CAfile', pki.rootPem, '-verify_return_error'], { input: '', encoding: 'utf8', timeout: 30_000 });
      expect(r.stdout).toMatch(/Verify return code: 0 \(ok\)/);
      expect(s.output()).not.toMatch(/private key/);
    } finally {
      await s.stop();
    }
  });

  it('requires client certificates that chain to a PKCS#7 --ca, and refuses a root not trusted for clientAuth', async () => {
    const s = await startServe(['--cert', pki.leafCert, '--key', pki.leafKey, '--ca', file('ca.p7b'), '--Verify']);
    try {
      const r = spawnSync('openssl', ['s_client', '-connect', `127.0.0.1:${s.port}`, '-servername', 'localhost', '-CAfile', pki.rootPem, '-cert', pki.clientCert, '-key', pki.clientKey], { input: '', encoding: 'utf8', timeout: 30_000 });
      expect(r.stdout).toMatch(/Verify return code: 0 \(ok\)/);
      const [report] = await s.waitForReports(1);
      expect(JSON.stringify(report)).toMatch(/"clientCertificate":\{[^}]*"verified":true/);
    } finally {
      await s.stop();
    }
    const refused = spawnSync('node', [BIN, 'serve', '--port', '0', '--json', '--cert', pki.leafCert, '--key', pki.leafKey, '--ca', file('ca-server.pem'), '--Verify'], { encoding: 'utf8', timeout: 30_000 });
    expect(refused.status).toBe(2);
    expect(JSON.parse(refused.stdout).error).toEqual({ code: 'BAD_CERTIFICATE_INPUT', message: expect.stringMatching(/--ca file .*no certificate in it may anchor a chain for clientAuth/) });
  });
});
