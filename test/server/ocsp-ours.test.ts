// OCSP stapling between our own two sides, in memory, TLS 1.3 and TLS 1.2: the server's `ocspResponse` (what
// `serve --ocsp` sets) reaches our client, which checks it; a revoked one ends the handshake with certificate_revoked
// on both sides; a client that does not ask gets nothing. Responses made by `openssl ocsp` at test time.
import { createPrivateKey } from 'node:crypto';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { connectTls, type TlsClientOptions } from '../../src/tls/client.ts';
import { acceptTls, type ServerCertificate } from '../../src/tls/server.ts';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import type { OcspEvent, TraceEvent } from '../../src/trace/types.ts';
import { memoryPair } from '../../src/transport/memory.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import { useOcspPki } from '../support/use-ocsp-pki.ts';

const pki = useOcspPki();

function certificate(which: 'leaf' | 'revoked', response: string | null): ServerCertificate {
  const c = pki[which];
  const key = new Uint8Array(createPrivateKey(fs.readFileSync(c.key)).export({ type: 'pkcs8', format: 'der' }));
  return { chain: [c.der], key, ...(response ? { ocspResponse: new Uint8Array(fs.readFileSync(response)) } : {}) };
}

async function run(version: 'TLS1.3' | 'TLS1.2', cert: ServerCertificate, client: Partial<TlsClientOptions> = {}) {
  const [c, s] = memoryPair();
  const serverTrace = new TraceRecorder(() => 0);
  const clientTrace = new TraceRecorder(() => 0);
  const accepting = acceptTls(s, { certificates: [cert], versions: [version], recorder: serverTrace.emit, timeoutMs: 10_000 });
  const connecting = connectTls(c, { serverName: 'localhost', verifier: createVerifier({ anchors: [pki.caDer] }), timeoutMs: 10_000, ...client }, clientTrace.emit);
  const [server, conn] = await Promise.allSettled([accepting, connecting]);
  const clientEvents = clientTrace.events as TraceEvent[];
  return { server, conn, clientEvents, serverEvents: serverTrace.events as TraceEvent[], ocsp: clientEvents.filter((e): e is OcspEvent => e.kind === 'ocsp') };
}

const messages = (events: TraceEvent[], direction: 'client' | 'server') => events.flatMap((e) => (e.kind === 'handshake' && e.direction === direction ? [e.name] : []));

for (const version of ['TLS1.3', 'TLS1.2'] as const) {
  describe(`OCSP stapling, our client and our server, ${version}`, () => {
    it('a good response is stapled and verified', async () => {
      const r = await run(version, certificate('leaf', pki.responses.good));
      expect(r.conn.status).toBe('fulfilled');
      expect(r.server.status).toBe('fulfilled');
      expect(r.ocsp).toHaveLength(1);
      expect(r.ocsp[0]).toMatchObject({ verdict: 'good', signedBy: 'issuer', certStatus: 'good', certIdMatches: true });
      if (version === 'TLS1.2') expect(messages(r.serverEvents, 'server')).toEqual(['ServerHello', 'Certificate', 'CertificateStatus', 'ServerKeyExchange', 'ServerHelloDone', 'NewSessionTicket', 'Finished']);
      expect(r.serverEvents.some((e) => e.kind === 'note' && /stapling the configured OCSP response/.test(e.text))).toBe(true);
      if (r.conn.status === 'fulfilled') await r.conn.value.close();
    });

    it('a revoked response ends the handshake with certificate_revoked, which the server receives', async () => {
      const r = await run(version, certificate('revoked', pki.responses.revoked));
      expect(r.conn.status).toBe('rejected');
      expect((r.conn as PromiseRejectedResult).reason.code).toBe('REVOKED');
      expect(r.server.status).toBe('rejected');
      expect(r.serverEvents.some((e) => e.kind === 'alert' && e.direction === 'client' && e.name === 'certificate_revoked')).toBe(true);
      expect(r.ocsp[0]).toMatchObject({ verdict: 'revoked', revocationReason: 'keyCompromise' });
    });

    it('a client that does not ask (statusRequest: false) gets no staple, though the server has one', async () => {
      expect((await run(version, certificate('leaf', pki.responses.good))).ocsp).toHaveLength(1);
      const r = await run(version, certificate('revoked', pki.responses.revoked), { statusRequest: false });
      expect(r.conn.status).toBe('fulfilled');
      expect(r.ocsp).toEqual([]);
      expect(messages(r.serverEvents, 'server')).not.toContain('CertificateStatus');
      expect(JSON.stringify(r.serverEvents.filter((e) => e.kind === 'handshake' && e.direction === 'server'))).not.toContain('OCSPResponse');
      if (r.conn.status === 'fulfilled') await r.conn.value.close();
    });

    it('a server without a response answers a client that asks with no staple (summary ocsp null)', async () => {
      const r = await run(version, certificate('leaf', null));
      expect(r.conn.status).toBe('fulfilled');
      expect(r.ocsp).toEqual([]);
      expect(messages(r.serverEvents, 'server')).not.toContain('CertificateStatus');
      expect(r.conn.status === 'fulfilled' && r.conn.value.summary.certificate.ocsp).toBeNull();
      if (r.conn.status === 'fulfilled') await r.conn.value.close();
    });
  });
}
