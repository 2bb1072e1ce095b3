// The words of a verdict on a client's certificate (purpose 'client', as a server checks it): they name the client's
// certificate, not a server's, and say key purposes by name. Certificates made by openssl. The server-purpose words
// are unchanged.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateChain } from '../../src/x509/validate.ts';
import { pemToDer } from '../../src/x509/pem.ts';
import { ekuNames } from '../../src/x509/extensions.ts';
import { ERRORS, templateFor } from '../../src/x509/errors.ts';
import { makeClientCertPki, type ClientCertPki } from '../support/client-cert-pki.ts';
import { expectPlain } from '../support/plain-words.ts';

let pki: ClientCertPki;
beforeAll(() => {
  pki = makeClientCertPki();
});
afterAll(() => fs.rmSync(pki.dir, { recursive: true, force: true }));

const der = (file: string) => pemToDer(fs.readFileSync(file, 'utf8'))[0];
const check = (leaf: string, purpose: 'server' | 'client' | 'any', intermediates: string[] = []) =>
  validateChain({ leaf: der(leaf), intermediates: intermediates.map(der), anchors: [der(pki.caPem)], time: new Date(), purpose });

describe("a client's certificate, checked for a client", () => {
  it("a self-signed one: the client's certificate signs itself", async () => {
    const r = await check(pki.selfSigned.cert, 'client');
    expect(r.error?.code).toBe('SELF_SIGNED_LEAF');
    expect(r.error?.message).toBe('The client\'s certificate signs itself and is not trusted: "CN=self-signed client" is self-signed and is not a trust anchor');
    expect(r.error?.message).not.toMatch(/server/i);
    expectPlain(r.error?.message, 'self-signed client');
  });

  it('one for serverAuth only: named, and said to lack the clientAuth a client certificate needs', async () => {
    const r = await check(pki.serverOnly.cert, 'client');
    expect(r.error?.code).toBe('EXTENDED_KEY_USAGE');
    const step = r.steps.find((s) => s.check === 'extendedKeyUsage' && s.ok === false);
    expect(step?.detail).toBe("extendedKeyUsage (serverAuth) lacks clientAuth (1.3.6.1.5.5.7.3.2), which a TLS client's certificate needs");
    expect(r.error?.message).toBe('The certificate is not allowed for this purpose: the leaf "CN=server-only client": ' + step?.detail);
    expect(r.error?.message).not.toContain('1.3.6.1.5.5.7.3.1');
    expectPlain(r.error?.message, 'serverAuth-only client');
  });

  it('codeSigning and an unnamed purpose: the known one by name, the other by its OID', async () => {
    const r = await check(pki.codeSigning.cert, 'client');
    expect(r.steps.find((s) => s.check === 'extendedKeyUsage')?.detail).toMatch(/^extendedKeyUsage \(codeSigning, 1\.2\.3\.4\) lacks clientAuth/);
  });

  it("a CA for serverAuth only above it: it may not issue a client's certificate", async () => {
    const r = await check(pki.underServerCa.cert, 'client', [pki.underServerCa.chain]);
    expect(r.error?.code).toBe('EXTENDED_KEY_USAGE');
    expect(r.error?.message).toBe(
      'The certificate is not allowed for this purpose: intermediate 1 of the path "CN=Server-only CA": the CA\'s extendedKeyUsage (serverAuth) lacks clientAuth (1.3.6.1.5.5.7.3.2), so it may not issue a TLS client\'s certificate',
    );
  });
});

describe('the same certificates checked for a server, or for no purpose', () => {
  it('a self-signed one is still the server certificate for a server; for no purpose, the certificate', async () => {
    expect((await check(pki.selfSigned.cert, 'server')).error?.message).toMatch(/^The server certificate signs itself and is not trusted: /);
    expect((await check(pki.selfSigned.cert, 'any')).error?.message).toMatch(/^The certificate signs itself and is not trusted: /);
  });

  it("a clientAuth leaf checked for a server lacks serverAuth, which a server's certificate needs", async () => {
    const under = await check(pki.underServerCa.cert, 'server', [pki.underServerCa.chain]);
    expect(under.steps.find((s) => s.check === 'extendedKeyUsage' && s.ok === false)?.detail).toBe(
      "extendedKeyUsage (clientAuth) lacks serverAuth (1.3.6.1.5.5.7.3.1), which a TLS server's certificate needs",
    );
  });

  it('every template for another purpose has its {detail} and never speaks of a server', () => {
    for (const [code, info] of Object.entries(ERRORS)) {
      for (const [purpose, template] of Object.entries(info.byPurpose ?? {})) {
        expect(template, `${code} ${purpose}`).toContain('{detail}');
        expect(template, `${code} ${purpose}`).not.toMatch(/server/i);
      }
    }
    expect(templateFor('SELF_SIGNED_LEAF', 'server')).toBe(ERRORS.SELF_SIGNED_LEAF.template);
  });

  it('ekuNames: names for the purposes OpenSSL names, OIDs for the rest', () => {
    expect(ekuNames(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2', '1.3.6.1.5.5.7.3.3', '1.3.6.1.5.5.7.3.9', '2.5.29.37.0', '1.2.3.4'])).toBe(
      'serverAuth, clientAuth, codeSigning, OCSPSigning, anyExtendedKeyUsage, 1.2.3.4',
    );
  });
});
