// The client's answer to a TLS 1.3 CertificateRequest (RFC 8446 §4.3.2, §4.4.2, §4.4.3): pick the certificate
// (configured, or chosen at the 'client-cert-request' breakpoint), then Certificate and, when one is sent,
// CertificateVerify. Shared by the handshake (states.ts) and post-handshake authentication (post-handshake-auth.ts).
import { toHex } from '../../util/bytes.ts';

import { fail, tlsFailure } from '../errors.ts';
import { ExtensionType as X, extensionName, schemeName } from '../messages/constants.ts';
import { findExtension } from '../messages/extensions.ts';
import type { CertificateRequest } from '../messages/handshake.ts';
import type { Transcript } from '../transcript.ts';
import { certificateVerifyContent, createSigner } from '../handshake/signatures.ts';
import type { HandshakeContext } from '../handshake/context.ts';
import type { ClientCertificate } from '../handshake/options.ts';

export type AuthPhase = 'handshake' | 'post-handshake';

/** Extensions a CertificateRequest may carry (RFC 8446 §4.2 table). */
const REQUEST_EXTENSIONS: number[] = [X.signature_algorithms, X.signature_algorithms_cert, X.status_request, X.signed_certificate_timestamp, X.certificate_authorities, X.oid_filters];

const KNOWN_CODES = new Set<number>(Object.values(X));

/** Checks a CertificateRequest must pass. Unknown extensions are ignored, as §4.3.2 asks of clients. */
export function checkCertificateRequest(cr: CertificateRequest): void {
  for (const e of cr.extensions) {
    if (KNOWN_CODES.has(e.code) && !REQUEST_EXTENSIONS.includes(e.code)) throw fail.illegal(`CertificateRequest must not carry the ${extensionName(e.code)} extension`);
  }
  if (!findExtension(cr.extensions, X.signature_algorithms)) throw tlsFailure('MISSING_EXTENSION', 'the CertificateRequest has no signature_algorithms');
}

/** The configured certificate, unless the caller, paused at the breakpoint, supplies another or declines. */
async function chooseCertificate(ctx: HandshakeContext, phase: AuthPhase): Promise<ClientCertificate | undefined> {
  let cert = ctx.options.clientCertificate;
  if (!ctx.options.breakpoints?.clientCertRequest) return cert;
  const when = phase === 'post-handshake' ? 'post-handshake authentication: ' : '';
  const decision = await ctx.pause('client-cert-request', `${when}${cert ? 'a client certificate is configured' : 'no client certificate configured'}`, phase);
  if (decision === 'abort') throw fail.canceled(`the user stopped ${phase === 'post-handshake' ? 'the connection' : 'the handshake'} at the client certificate request`);
  if (decision === 'decline') cert = undefined;
  else if (typeof decision === 'object') cert = decision.clientCertificate;
  return cert;
}

/**
 * Send Certificate (echoing the request's context) and, with a usable certificate, CertificateVerify over
 * `transcript` (which the messages also join). An empty Certificate declines. True when a certificate was sent.
 */
export async function sendClientCertificate(ctx: HandshakeContext, cr: CertificateRequest, transcript: Transcript, phase: AuthPhase): Promise<boolean> {
  const cert = await chooseCertificate(ctx, phase);
  let signer = null;
  let scheme = 0;
  if (cert) {
    signer = await createSigner(cert.chain[0], cert.privateKey);
    const wanted = findExtension(cr.extensions, X.signature_algorithms)!.schemes ?? [];
    scheme = signer.schemes.find((s) => wanted.includes(s)) ?? 0;
    if (!scheme) {
      ctx.emit({ kind: 'note', text: 'the client certificate\'s key cannot make any signature the server accepts: sending an empty Certificate instead' });
      signer = null;
    }
  }
  const entries = signer && cert ? cert.chain.map((certData) => ({ certData, extensions: [] })) : [];
  await ctx.send({ type: 'certificate', context: cr.context, entries }, { transcript });
  if (signer) {
    const content = certificateVerifyContent('client', await transcript.hash());
    const signature = await signer.sign(scheme, content);
    const subject = phase === 'post-handshake' ? 'client CertificateVerify (post-handshake)' : 'client CertificateVerify';
    ctx.emit({ kind: 'signature', subject, scheme: schemeName(scheme), signedContent: toHex(content), signature: toHex(signature), ok: true, detail: 'signed by this client' });
    await ctx.send({ type: 'certificate_verify', scheme, signature }, { transcript });
  }
  return entries.length > 0;
}
