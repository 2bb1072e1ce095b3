// OCSP stapling, client side, against `openssl s_server -status_file` (RFC 6066 §8; TLS 1.3 in the leaf's
// CertificateEntry, RFC 8446 §4.4.2.1; TLS 1.2 in CertificateStatus): the client asks by default, checks the
// response as part of the certificate check, fails on a verified "revoked" with certificate_revoked, and warns (and
// goes on) for a response it cannot verify. The responses are made by `openssl ocsp` from an index.txt.
import { afterAll, describe, expect, it } from 'vitest';
import { connectTls, type TlsClientOptions } from '../../src/tls/client.ts';
import type { OcspEvent, TraceEvent } from '../../src/trace/types.ts';
import { connectTcp } from '../../src/transport/tcp.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import { recorder, spawnSServer, type SServer } from './helpers.ts';
import { useOcspPki } from '../support/use-ocsp-pki.ts';
import { ocspSteps } from '../support/ocsp-steps.ts';

const pki = useOcspPki();
const servers: SServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

type Version = '-tls1_3' | '-tls1_2';

async function sServer(version: Version, staple: string | null, cert = pki.leaf): Promise<SServer> {
  const s = await spawnSServer([version, '-cert', cert.cert, '-key', cert.key, ...(staple ? ['-status_file', staple] : [])]);
  servers.push(s);
  return s;
}

/** Connect with the chain checked against the test CA; the verifier's clock may be moved (`now`). */
async function connect(s: SServer, options: Partial<TlsClientOptions> = {}, now?: () => Date) {
  const rec = recorder();
  const verifier = createVerifier({ anchors: [pki.caDer], ...(now ? { now } : {}) });
  const outcome = await connectTls(await connectTcp('127.0.0.1', s.port), { serverName: 'localhost', verifier, timeoutMs: 10_000, ...options }, rec.emit).then(
    (conn) => ({ conn, error: null as null | { code: string; message: string } }),
    (error) => ({ conn: null, error }),
  );
  const events = rec.events as TraceEvent[];
  const ocsp = events.filter((e): e is OcspEvent => e.kind === 'ocsp');
  const steps = events.filter((e) => e.kind === 'cert-check' && e.check.startsWith('ocsp')) as Extract<TraceEvent, { kind: 'cert-check' }>[];
  return { ...outcome, events, ocsp, steps };
}

const clientHelloOffers = (events: TraceEvent[], name: string) =>
  events.some((e) => e.kind === 'handshake' && e.direction === 'client' && e.name === 'ClientHello' && JSON.stringify(e.fields).includes(`"${name} (`));

for (const [version, label, messageName] of [['-tls1_3', 'TLS 1.3', 'Certificate'], ['-tls1_2', 'TLS 1.2', 'CertificateStatus']] as const) {
  describe(`OCSP stapling from openssl s_server, ${label}`, () => {
    it('a good response signed by the issuer: every step passes, the verdict and its fields are in the trace and the summary', async () => {
      const r = await connect(await sServer(version, pki.responses.good));
      expect(r.error).toBeNull();
      expect(clientHelloOffers(r.events, 'status_request')).toBe(true);
      expect(r.steps.map((s) => [s.check, s.ok])).toEqual(ocspSteps());
      expect(r.ocsp).toHaveLength(1);
      const e = r.ocsp[0];
      expect(e).toMatchObject({ verdict: 'good', certificate: 0, responseStatus: 'successful', responder: 'CN=OCSP Test Root', signedBy: 'issuer', certStatus: 'good', certIdMatches: true });
      expect(e.certId).toMatchObject({ hashAlgorithm: 'SHA-1', serialNumber: pki.leaf.serial.toLowerCase() });
      expect(e.certId!.issuerNameHash).toMatch(/^[0-9a-f]{40}$/);
      expect(Date.parse(e.thisUpdate!)).toBeLessThanOrEqual(Date.now());
      expect(Date.parse(e.nextUpdate!) - Date.parse(e.thisUpdate!)).toBe(86_400_000);
      expect(e.producedAt).toBeDefined();
      // The staple comes after the chain's own verdict, in the message that carries it.
      const result = r.events.findIndex((x) => x.kind === 'cert-result');
      expect(result).toBeGreaterThan(-1);
      expect(r.events.indexOf(e)).toBeGreaterThan(result);
      expect(r.events.some((x) => x.kind === 'handshake' && x.direction === 'server' && x.name === messageName && JSON.stringify(x.fields).includes('OCSPResponse'))).toBe(true);
      expect(r.conn!.summary.certificate.verified).toBe(true);
      expect(r.conn!.summary.certificate.ocsp).toMatchObject({ verdict: 'good', signedBy: 'issuer' });
      await r.conn!.close();
    });

    it('a revoked response: the handshake fails with certificate_revoked (REVOKED), and the trace says why', async () => {
      const r = await connect(await sServer(version, pki.responses.revoked, pki.revoked));
      expect(r.error?.code).toBe('REVOKED');
      expect(r.events.filter((e) => e.kind === 'alert' && e.direction === 'client').map((e) => (e as { name: string }).name)).toEqual(['certificate_revoked']);
      expect(r.ocsp[0]).toMatchObject({ verdict: 'revoked', certStatus: 'revoked', revocationReason: 'keyCompromise', certIdMatches: true });
      expect(Date.parse(r.ocsp[0].revocationTime!)).toBeLessThan(Date.now());
      expect(r.steps.at(-1)).toMatchObject({ check: 'ocspStatus', ok: false, code: 'REVOKED' });
      // The certificate check as a whole now fails: a second cert-result, and a note on why the handshake ends.
      const results = r.events.filter((e) => e.kind === 'cert-result') as Extract<TraceEvent, { kind: 'cert-result' }>[];
      expect(results.map((x) => [x.ok, x.error?.code])).toEqual([[true, undefined], [false, 'REVOKED']]);
      expect(r.events.some((e) => e.kind === 'note' && /fails with certificate_revoked.*Browsers refuse/.test(e.text))).toBe(true);
    });

    it('a revoked response with insecure: reported, overridden, the handshake goes on', async () => {
      const r = await connect(await sServer(version, pki.responses.revoked, pki.revoked), { insecure: true });
      expect(r.error).toBeNull();
      expect(r.conn!.summary.certificate).toMatchObject({ verified: false, overridden: true, error: { code: 'REVOKED' } });
      await r.conn!.close();
    });

    it('a response about another certificate: a warning (certIdMatches false), the handshake goes on', async () => {
      // The good leaf's response, stapled by a server presenting the revoked leaf.
      const r = await connect(await sServer(version, pki.responses.good, pki.revoked));
      expect(r.error).toBeNull();
      expect(r.ocsp[0]).toMatchObject({ verdict: 'unverified', certIdMatches: false });
      expect(r.ocsp[0].detail).toMatch(/about another certificate.*handshake goes on/);
      const failed = r.steps.find((s) => s.ok === false)!;
      expect(failed).toMatchObject({ check: 'ocspCertId' });
      expect(failed.code).toBeUndefined();
      expect(r.conn!.summary.certificate.verified).toBe(true);
      await r.conn!.close();
    });

    it('an expired response (past nextUpdate by the verifier\'s clock): a warning, the handshake goes on', async () => {
      const later = () => new Date(pki.madeAt + 2 * 86_400_000);
      const r = await connect(await sServer(version, pki.responses.good), {}, later);
      expect(r.error).toBeNull();
      expect(r.ocsp[0]).toMatchObject({ verdict: 'unverified', certIdMatches: true, certStatus: 'good' });
      expect(r.steps.find((s) => s.ok === false)).toMatchObject({ check: 'ocspValidity' });
      expect(r.ocsp[0].detail).toMatch(/expired/);
      await r.conn!.close();
    });

    it('a delegated responder (issued by the CA with id-kp-OCSPSigning, named by key hash): good', async () => {
      const r = await connect(await sServer(version, pki.responses.delegated));
      expect(r.error).toBeNull();
      expect(r.ocsp[0]).toMatchObject({ verdict: 'good', signedBy: 'delegated responder' });
      expect(r.ocsp[0].responder).toMatch(/^key SHA-1 ([0-9a-f]{2}:){19}[0-9a-f]{2}$/);
      expect(r.steps.find((s) => s.check === 'ocspResponder')?.detail).toMatch(/delegated responder.*OCSP Test Responder/);
      // Its own revocation: no id-pkix-ocsp-nocheck, so said not checked (informative: the verdict stays good).
      expect(r.steps.find((s) => s.check === 'ocspResponderRevocation')).toMatchObject({ ok: null, detail: expect.stringMatching(/carries no id-pkix-ocsp-nocheck/) });
      await r.conn!.close();
    });

    it('a delegated responder with id-pkix-ocsp-nocheck: good, its own revocation not to be asked about', async () => {
      const r = await connect(await sServer(version, pki.responses.delegatedNoCheck));
      expect(r.error).toBeNull();
      expect(r.ocsp[0]).toMatchObject({ verdict: 'good', signedBy: 'delegated responder' });
      expect(r.steps.find((s) => s.check === 'ocspResponderRevocation')).toMatchObject({ ok: true, detail: expect.stringMatching(/NoCheck" carries id-pkix-ocsp-nocheck/) });
      await r.conn!.close();
    });

    it('a responder certificate without id-kp-OCSPSigning: not authorised, a warning', async () => {
      const r = await connect(await sServer(version, pki.responses.notDelegated));
      expect(r.error).toBeNull();
      expect(r.ocsp[0]).toMatchObject({ verdict: 'unverified' });
      expect(r.steps.find((s) => s.ok === false)).toMatchObject({ check: 'ocspResponder' });
      expect(r.ocsp[0].detail).toMatch(/OCSPSigning/);
      await r.conn!.close();
    });

    it('no staple from a server without a response: asked, none came (summary ocsp null)', async () => {
      const r = await connect(await sServer(version, null));
      expect(r.error).toBeNull();
      expect(clientHelloOffers(r.events, 'status_request')).toBe(true);
      expect(r.ocsp).toEqual([]);
      expect(r.conn!.summary.certificate.ocsp).toBeNull();
      await r.conn!.close();
    });

    it('statusRequest: false asks for nothing, and s_server staples nothing (asked by default, it does)', async () => {
      const s = await sServer(version, pki.responses.revoked, pki.revoked);
      expect((await connect(s)).error?.code).toBe('REVOKED');
      const r = await connect(s, { statusRequest: false });
      expect(r.error).toBeNull();
      expect(clientHelloOffers(r.events, 'status_request')).toBe(false);
      expect(r.ocsp).toEqual([]);
      expect(r.conn!.summary.certificate.ocsp).toBeUndefined();
      await r.conn!.close();
    });
  });
}
