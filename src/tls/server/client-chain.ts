// The client's certificate chain, as the server checks it during the handshake (TLS 1.3 and 1.2 states) and after
// it (TLS 1.3 post-handshake authentication).
import { toHex } from '../../util/bytes.ts';
import { certificateFailure, tlsFailure } from '../errors.ts';
import { AlertDescription, TlsAlertError } from '../record/alerts.ts';
import { askVerifier } from '../handshake/peer-certificate.ts';
import type { ServerContext } from './context.ts';
import type { ClientCertificateVerdict } from './options.ts';

/**
 * The client's chain, checked by the x509 module (purpose client, the server's anchors), then the hook and the
 * breakpoint may accept or refuse. An empty chain is refused only when a certificate is required.
 */
export async function checkClientChain(ctx: ServerContext, chain: Uint8Array[]): Promise<ClientCertificateVerdict> {
  const o = ctx.options;
  const verdict: ClientCertificateVerdict = { chain, verified: false, overridden: false, error: null };
  ctx.summary.clientCertificate = verdict;
  if (chain.length === 0) {
    verdict.error = { code: 'NO_CERTIFICATE', message: 'the client sent no certificate' };
    ctx.emit({ kind: 'note', text: `the client sent no certificate${o.clientAuth === 'require' ? ', but this server requires one' : ''}` });
    if (o.clientAuth === 'require') throw noCertificate(ctx.summary.version);
    return verdict;
  }
  const outcome = await askVerifier(o.clientVerifier, { chain, purpose: 'client', now: new Date(o.clock()) }, ctx.emit, 'no anchors for client certificates are configured');
  verdict.outcome = outcome;
  verdict.verified = outcome.ok;
  verdict.error = outcome.error ? { code: outcome.error.code, message: outcome.error.message } : null;
  let accept = outcome.ok;
  const hook = await o.hooks?.onClientCertificate?.(verdict);
  if (hook) accept = hook === 'accept';
  if (o.breakpoints?.onClientCertificate) {
    const decision = await ctx.pause('clientCertificate', outcome.ok ? 'client certificate verified' : `client certificate not verified: ${verdict.error?.code}`);
    accept = decision === 'continue';
  }
  verdict.overridden = accept && !outcome.ok;
  ctx.emit({ kind: 'cert-result', ok: outcome.ok, chain: chain.map(toHex), path: outcome.path, ...(outcome.error ? { error: outcome.error } : {}), ...(verdict.overridden ? { overridden: true } : {}) });
  if (!accept) {
    if (!outcome.ok) throw certificateFailure(outcome.error!.code, aboutClientCertificate(outcome.error!.message));
    throw tlsFailure('CLIENT_CERTIFICATE_REFUSED', 'the client\'s certificate was refused by this server\'s decision');
  }
  return verdict;
}

/** The verdict's words, said of the client's certificate once (a verdict checked for a client may name it already). */
function aboutClientCertificate(message: string): string {
  return /^the client's certificate\b/i.test(message) ? message : `the client's certificate: ${message}`;
}

/**
 * A required certificate that did not come: certificate_required in TLS 1.3 (RFC 8446 §4.4.2.4); TLS 1.2 has no
 * such alert and ends with handshake_failure (RFC 5246 §7.4.6), as OpenSSL does, with the same code.
 */
function noCertificate(version: 'TLSv1.3' | 'TLSv1.2' | null): TlsAlertError {
  if (version !== 'TLSv1.2') return tlsFailure('CERTIFICATE_REQUIRED', 'the client sent no certificate and this server requires one (RFC 8446 §4.4.2.4)');
  return new TlsAlertError(AlertDescription.handshake_failure, 'the client sent no certificate and this server requires one (RFC 5246 §7.4.6: handshake_failure)', { code: 'CERTIFICATE_REQUIRED' });
}
