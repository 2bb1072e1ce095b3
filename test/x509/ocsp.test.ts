// The stapled-response checker alone (src/x509/ocsp.ts, RFC 6960), on responses `openssl ocsp` makes at test time and
// on a few made by hand: each step and the verdict, with what makes it soft (unverified) or decisive.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeCertificate } from '../../src/x509/certificate.ts';
import { checkOcspResponse } from '../../src/x509/ocsp.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import type { NewTraceEvent } from '../../src/trace/types.ts';
import { useOcspPki } from '../support/use-ocsp-pki.ts';
import { ocspSteps } from '../support/ocsp-steps.ts';

const pki = useOcspPki();
const read = (file: string) => new Uint8Array(fs.readFileSync(file));
const now = () => new Date(pki.madeAt + 60_000);

async function check(response: Uint8Array, which: 'leaf' | 'revoked' = 'leaf', at = now(), withIssuer = true) {
  return checkOcspResponse(response, decodeCertificate(pki[which].der), withIssuer ? decodeCertificate(pki.caDer) : undefined, at);
}
const failedStep = (r: Awaited<ReturnType<typeof check>>) => r.steps.find((s) => s.ok === false);

describe('stapled OCSP response checks', () => {
  it('good, signed by the issuer: six steps pass, in order', async () => {
    const r = await check(read(pki.responses.good));
    expect(r.steps.map((s) => [s.check, s.ok])).toEqual(ocspSteps());
    expect(r.verdict).toMatchObject({ verdict: 'good', signedBy: 'issuer', certIdMatches: true, certId: { hashAlgorithm: 'SHA-1' } });
  });

  it('a CertID made with SHA-256 is matched with SHA-256', async () => {
    const out = path.join(pki.dir, 'sha256.der');
    execFileSync('openssl', ['ocsp', '-index', 'index.txt', '-rsigner', 'ca.pem', '-rkey', 'ca.key', '-CA', 'ca.pem', '-issuer', 'ca.pem', '-sha256', '-cert', 'leaf.pem', '-respout', out, '-ndays', '1'], { cwd: pki.dir, stdio: 'pipe' });
    const r = await check(read(out));
    expect(r.verdict).toMatchObject({ verdict: 'good', certIdMatches: true, certId: { hashAlgorithm: 'SHA-256' } });
    expect(r.verdict.certId!.issuerKeyHash).toHaveLength(64);
  });

  it('revoked: the status step fails with REVOKED (X509_V_ERR_CERT_REVOKED), time and reason read', async () => {
    const r = await check(read(pki.responses.revoked), 'revoked');
    expect(r.verdict).toMatchObject({ verdict: 'revoked', certStatus: 'revoked', revocationReason: 'keyCompromise' });
    expect(r.steps.at(-1)).toMatchObject({ check: 'ocspStatus', ok: false, code: 'REVOKED', openssl: 'X509_V_ERR_CERT_REVOKED' });
  });

  it('before thisUpdate by the clock given: not valid yet, unverified', async () => {
    const r = await check(read(pki.responses.good), 'leaf', new Date(pki.madeAt - 3_600_000));
    expect(r.verdict.verdict).toBe('unverified');
    expect(failedStep(r)).toMatchObject({ check: 'ocspValidity', detail: expect.stringMatching(/not valid yet/) });
  });

  it('a response the responder refused (tryLater): unverified, the status named', async () => {
    // OCSPResponse { responseStatus tryLater(3) } and no responseBytes (RFC 6960 §4.2.1).
    const r = await check(Uint8Array.of(0x30, 0x03, 0x0a, 0x01, 0x03));
    expect(r.verdict).toMatchObject({ verdict: 'unverified', responseStatus: 'tryLater' });
    expect(r.steps).toEqual([expect.objectContaining({ check: 'ocspResponse', ok: false })]);
  });

  it('bytes that are not an OCSPResponse: unverified, never a throw', async () => {
    for (const junk of [Uint8Array.of(0x30, 0x00), Uint8Array.of(0x04, 0x01, 0x00), new Uint8Array(0)]) {
      const r = await check(junk);
      expect(r.verdict.verdict).toBe('unverified');
      expect(r.steps[0]).toMatchObject({ check: 'ocspResponse', ok: false });
      expect(r.steps[0].code).toBeUndefined();
    }
  });

  it('a signature that does not verify (one byte of the signed data changed): unverified at ocspSignature', async () => {
    const der = read(pki.responses.good);
    // producedAt's last digit before the Z of the first GeneralizedTime (tag 0x18) inside ResponseData.
    const at = der.indexOf(0x18);
    const tampered = Uint8Array.from(der);
    const z = tampered.indexOf(0x5a, at);
    tampered[z - 1] = tampered[z - 1] === 0x30 ? 0x31 : 0x30;
    const r = await check(tampered);
    expect(r.verdict.verdict).toBe('unverified');
    expect(failedStep(r)).toMatchObject({ check: 'ocspSignature' });
  });

  it('no issuer known: the signer cannot be judged, unverified', async () => {
    const r = await check(read(pki.responses.good), 'leaf', now(), false);
    expect(r.verdict.verdict).toBe('unverified');
    expect(failedStep(r)).toMatchObject({ check: 'ocspResponder', detail: expect.stringMatching(/issuer is not known/) });
  });

  it('a responder certificate without id-kp-OCSPSigning is not a delegated responder', async () => {
    const r = await check(read(pki.responses.notDelegated));
    expect(failedStep(r)).toMatchObject({ check: 'ocspResponder', detail: expect.stringMatching(/lacks id-kp-OCSPSigning/) });
  });

  it('through the verifier: the issuer comes from the path, each step is a cert-check event', async () => {
    const events: NewTraceEvent[] = [];
    const verifier = createVerifier({ anchors: [pki.caDer], now });
    const chain = [pki.leaf.der];
    const outcome = await verifier.verify({ chain, serverName: 'localhost', purpose: 'server', now: now(), emit: () => undefined });
    expect(outcome.ok).toBe(true);
    const verdict = await verifier.checkStapledOcsp!({ chain, path: outcome.path, certificate: 0, response: read(pki.responses.delegated), now: now(), emit: (e) => events.push(e) });
    expect(verdict).toMatchObject({ verdict: 'good', signedBy: 'delegated responder' });
    expect(events.map((e) => e.kind === 'cert-check' && e.check)).toEqual(['ocspResponse', 'ocspResponder', 'ocspResponderRevocation', 'ocspSignature', 'ocspCertId', 'ocspValidity', 'ocspStatus']);
  });

  it("a delegated responder's own revocation: id-pkix-ocsp-nocheck says it need not be asked; without it, said not checked", async () => {
    const without = await check(read(pki.responses.delegated));
    const withNoCheck = await check(read(pki.responses.delegatedNoCheck));
    for (const r of [without, withNoCheck]) expect(r.verdict).toMatchObject({ verdict: 'good', signedBy: 'delegated responder' });
    const step = (r: typeof without) => r.steps.find((s) => s.check === 'ocspResponderRevocation');
    expect(step(without)).toMatchObject({ ok: null, detail: expect.stringMatching(/"CN=OCSP Test Responder" carries no id-pkix-ocsp-nocheck.*not checked here/) });
    expect(step(withNoCheck)).toMatchObject({ ok: true, detail: expect.stringMatching(/"CN=OCSP Test Responder NoCheck" carries id-pkix-ocsp-nocheck.*until it expires/) });
    // Only a delegated responder has a certificate of its own to ask about.
    expect((await check(read(pki.responses.good))).steps.some((s) => s.check === 'ocspResponderRevocation')).toBe(false);
  });
});
