// The client's answer to a TLS 1.3 CertificateRequest (RFC 8446 §4.3.2, §4.4.2, §4.4.3): pick the certificate
// (configured, or chosen at the clientCertRequest breakpoint), then Certificate and, when one is sent,
// CertificateVerify. Shared by the handshake (states.ts) and post-handshake authentication (post-handshake-auth.ts).
import { fail, tlsFailure } from '../errors.ts';
import { ExtensionType as X, extensionName } from '../messages/constants.ts';
import { findExtension } from '../messages/extensions.ts';
import type { CertificateRequest } from '../messages/handshake.ts';
import type { Transcript } from '../transcript.ts';
import { certificateVerifyContent } from '../handshake/signatures.ts';
import { chooseClientCertificate, signHandshake, type AuthPhase } from '../handshake/client-certificate.ts';
import type { HandshakeContext } from '../handshake/context.ts';


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

/**
 * Send Certificate (echoing the request's context) and, with a usable certificate, CertificateVerify over
 * `transcript` (which the messages also join). An empty Certificate declines. True when a certificate was sent.
 */
export async function sendClientCertificate(ctx: HandshakeContext, cr: CertificateRequest, transcript: Transcript, phase: AuthPhase): Promise<boolean> {
  const wanted = findExtension(cr.extensions, X.signature_algorithms)!.schemes ?? [];
  const chosen = await chooseClientCertificate(ctx, wanted, phase);
  const entries = chosen ? chosen.chain.map((certData) => ({ certData, extensions: [] })) : [];
  await ctx.send({ type: 'certificate', context: cr.context, entries }, { transcript });
  if (chosen) {
    const content = certificateVerifyContent('client', await transcript.hash());
    const subject = phase === 'post-handshake' ? 'client CertificateVerify (post-handshake)' : 'client CertificateVerify';
    const signature = await signHandshake(ctx, chosen, content, subject, 'signed by this client');
    await ctx.send({ type: 'certificate_verify', scheme: chosen.scheme, signature }, { transcript });
  }
  return entries.length > 0;
}
