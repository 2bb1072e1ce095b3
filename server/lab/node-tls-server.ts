// A lab scenario served by Node's `tls` (OpenSSL underneath), configured from a NodeTlsSpec.
import { constants } from 'node:crypto';
import tls from 'node:tls';
import type { OcspResponder } from './ocsp-responder.ts';
import type { LabPki } from './pki.ts';
import type { NodeTlsSpec } from './scenarios.ts';
import { attachResponder } from './app-responder.ts';
import type { RunningServer } from './running-server.ts';
import { listenTcp } from './running-server.ts';

function chainFor(spec: NodeTlsSpec, pki: LabPki): string {
  const leaf = pki.leaves[spec.leaf].cert;
  if (spec.chain === 'intermediate') return leaf + pki.intermediate.cert;
  if (spec.chain === 'issuer-root') return leaf + pki.unknownRoot.cert;
  return leaf;
}

/** `ocsp`: the lab's responder, for a spec that staples. */
export async function startNodeTlsScenario(spec: NodeTlsSpec, pki: LabPki, address: string, ocsp?: OcspResponder): Promise<RunningServer> {
  const server = tls.createServer({
    cert: chainFor(spec, pki),
    key: pki.leaves[spec.leaf].key,
    minVersion: spec.minVersion,
    maxVersion: spec.maxVersion,
    ...(spec.ciphers ? { ciphers: spec.ciphers } : {}),
    ...(spec.ecdhCurve ? { ecdhCurve: spec.ecdhCurve } : {}),
    // Without tickets the renegotiation cannot be an abbreviated resumption: it is a full second handshake.
    ...(spec.renegotiateOnFirstData ? { secureOptions: constants.SSL_OP_NO_TICKET } : {}),
    ...(spec.clientCertificate
      ? { requestCert: true, rejectUnauthorized: spec.clientCertificate === 'required', ca: [pki.root.cert, pki.intermediate.cert] }
      : {}),
  });
  if (spec.stapleOcsp) {
    if (!ocsp) throw new Error(`scenario ${spec.id} staples OCSP responses but has no responder`);
    // Emitted only for a client that sent status_request; OpenSSL puts the answer in the leaf's CertificateEntry
    // (TLS 1.3) or a CertificateStatus message (TLS 1.2). No response at hand: no staple, and the handshake goes on.
    server.on('OCSPRequest', (_cert: Buffer, _issuer: Buffer, callback: (err: Error | null, response?: Buffer) => void) => {
      ocsp.responseFor(spec.leaf).then(
        (response) => callback(null, response),
        () => callback(null),
      );
    });
  }
  server.on('secureConnection', (socket) => {
    const renegotiate = spec.renegotiateOnFirstData
      ? (done: () => void) => {
          // Server-initiated renegotiation: OpenSSL sends HelloRequest and runs a second full handshake.
          const ok = socket.renegotiate({ rejectUnauthorized: false }, (err) => (err ? socket.destroy() : done()));
          if (!ok) socket.destroy();
        }
      : undefined;
    attachResponder(socket, spec.id, renegotiate);
  });
  // Handshake failures (bad client cert, no shared cipher) are the scenario working, not lab errors.
  server.on('tlsClientError', () => {});
  return listenTcp(server, address);
}
