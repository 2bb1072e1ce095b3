// The lab's stapling scenarios with our client (the engine, as the app's worker runs it): ocsp-good staples a fresh
// response from the lab intermediate that every check accepts; ocsp-revoked staples one saying the leaf is revoked,
// and the handshake fails with certificate_revoked. The PKI is made before the lab starts, as one kept on disk from
// an earlier start: the responses must still be made now. And the responder makes a response again once half its
// life has passed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectTls, type TlsClientOptions } from '../../src/tls/client.ts';
import { connectTcp } from '../../src/transport/tcp.ts';
import type { OcspEvent, TraceEvent } from '../../src/trace/types.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import { startLab, type Lab } from '../../server/lab/index.ts';
import { RESPONSE_LIFETIME_MINUTES, startOcspResponder } from '../../server/lab/ocsp-responder.ts';
import { ensureLabPki, LAB_HOST } from '../../server/lab/pki.ts';
import { pemToDer, recorder } from '../tls/helpers.ts';
import { ocspSteps } from '../support/ocsp-steps.ts';

let dir: string;
let lab: Lab;
let startedAt: number;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tls-lens-lab-ocsp-'));
  await ensureLabPki(path.join(dir, 'pki'));
  startedAt = Date.now();
  lab = await startLab({ pkiDir: path.join(dir, 'pki'), only: ['ocsp-good', 'ocsp-revoked'] });
}, 60_000);
afterAll(async () => {
  await lab?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Our client against a lab scenario, the chain checked against the lab root only. */
async function connect(id: string, options: Partial<TlsClientOptions> = {}) {
  const s = lab.byId(id)!;
  const rec = recorder();
  const verifier = createVerifier({ anchors: [pemToDer(lab.pki.root.cert)] });
  const outcome = await connectTls(await connectTcp(s.address, s.port), { serverName: s.host, verifier, timeoutMs: 15_000, ...options }, rec.emit).then(
    (conn) => ({ conn, error: null as null | { code: string } }),
    (error) => ({ conn: null, error }),
  );
  const events = rec.events as TraceEvent[];
  return { ...outcome, events, ocsp: events.filter((e): e is OcspEvent => e.kind === 'ocsp') };
}

const ocspChecks = (events: TraceEvent[]) => events.flatMap((e) => (e.kind === 'cert-check' && e.check.startsWith('ocsp') ? [[e.check, e.ok]] : []));
const INTERMEDIATE = 'CN=TLS Lens Lab Intermediate CA, O=TLS Lens Lab';

describe('lab OCSP stapling scenarios, our client', () => {
  it('the scenarios are listed, for the lab host, served by Node tls over TLS 1.3', () => {
    expect(lab.pki.generated).toBe(false); // the PKI was on disk already
    for (const id of ['ocsp-good', 'ocsp-revoked']) expect(lab.byId(id)).toMatchObject({ host: LAB_HOST, server: 'node-tls', tlsVersions: ['TLSv1.3'] });
  });

  it('ocsp-good: a current response signed by the issuer, every check passes, the verdict is good', async () => {
    const r = await connect('ocsp-good');
    expect(r.error).toBeNull();
    expect(ocspChecks(r.events)).toEqual(ocspSteps());
    expect(r.ocsp).toHaveLength(1);
    const e = r.ocsp[0];
    expect(e).toMatchObject({ verdict: 'good', certificate: 0, responseStatus: 'successful', responder: INTERMEDIATE, signedBy: 'issuer', certStatus: 'good', certIdMatches: true });
    // Made at this start, not with the PKI: thisUpdate is now (to the second), nextUpdate an hour on.
    expect(Date.parse(e.thisUpdate!)).toBeGreaterThanOrEqual(Math.floor(startedAt / 1000) * 1000);
    expect(Date.parse(e.thisUpdate!)).toBeLessThanOrEqual(Date.now());
    expect(Date.parse(e.nextUpdate!) - Date.parse(e.thisUpdate!)).toBe(RESPONSE_LIFETIME_MINUTES * 60_000);
    expect(r.conn!.summary.certificate).toMatchObject({ verified: true, ocsp: { verdict: 'good' } });
    await r.conn!.close();
  });

  it('ocsp-revoked: the verified response says revoked, and the handshake fails with certificate_revoked', async () => {
    const r = await connect('ocsp-revoked');
    expect(r.error?.code).toBe('REVOKED');
    // The chain itself verified; only the staple's status fails.
    expect(ocspChecks(r.events)).toEqual(ocspSteps('ocspStatus'));
    expect(r.ocsp).toHaveLength(1);
    expect(r.ocsp[0]).toMatchObject({ verdict: 'revoked', responder: INTERMEDIATE, signedBy: 'issuer', certStatus: 'revoked', revocationReason: 'keyCompromise', certIdMatches: true });
    expect(Date.parse(r.ocsp[0].revocationTime!)).toBeLessThan(startedAt);
    const alerts = r.events.filter((e) => e.kind === 'alert' && e.direction === 'client').map((e) => (e as { name: string }).name);
    expect(alerts).toEqual(['certificate_revoked']);
  });

  it('without status_request nothing is stapled, and ocsp-revoked is not caught', async () => {
    const good = await connect('ocsp-good', { statusRequest: false });
    expect(good.error).toBeNull();
    expect(good.ocsp).toEqual([]);
    await good.conn!.close();
    const revoked = await connect('ocsp-revoked', { statusRequest: false });
    expect(revoked.error).toBeNull();
    expect(revoked.ocsp).toEqual([]);
    await revoked.conn!.close();
  });
});

describe('the lab OCSP responder', () => {
  it('answers from the same response until half its life has passed, then makes a new one', async () => {
    const pki = await ensureLabPki(path.join(dir, 'pki'));
    let clock = Date.now();
    const responder = await startOcspResponder(pki, { prepare: ['good'], now: () => clock });
    try {
      const first = await responder.responseFor('good');
      clock += (RESPONSE_LIFETIME_MINUTES / 2) * 60_000 - 1000;
      expect((await responder.responseFor('good')).equals(first)).toBe(true);
      clock += 2000;
      // ECDSA signatures are randomised: a response made again differs even within the same second.
      const again = await responder.responseFor('good');
      expect(again.equals(first)).toBe(false);
      expect((await responder.responseFor('good')).equals(again)).toBe(true);
    } finally {
      await responder.stop();
    }
  });

  it('answers only for leaves the lab intermediate issued', async () => {
    const pki = await ensureLabPki(path.join(dir, 'pki'));
    const responder = await startOcspResponder(pki);
    try {
      await expect(responder.responseFor('selfSigned')).rejects.toThrow(/did not issue/);
    } finally {
      await responder.stop();
    }
  });
});
