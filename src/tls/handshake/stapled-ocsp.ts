// The server's stapled OCSP response (RFC 6066 §8; TLS 1.3 in the leaf's CertificateEntry, RFC 8446 §4.4.2.1; TLS 1.2
// in CertificateStatus), checked the same way by both versions once the chain's check has run: the verifier reads it
// (src/x509/ocsp.ts, in the checker's chunk) and traces each step; this records the outcome and acts on it.
// Only a verified "revoked" ends the handshake (certificate_revoked), as browsers do with a stapled response; a
// response that cannot be verified is a warning, and the handshake goes on (soft-fail).
import { toHex } from '../../util/bytes.ts';
import { defineLazy } from '../../trace/lazy-hex.ts';
import { certificateFailure } from '../errors.ts';
import type { CertificateError, CertificateVerifier, StapledOcspRequest, StapledOcspVerdict } from '../verifier.ts';
import type { HandshakeContext } from './context.ts';

/**
 * The verifier's verdict on a stapled response, each step traced by it; never throws (a checker that fails leaves
 * the response unverified). Shared with the capture decoder, which checks a captured staple the same way.
 */
export async function stapledVerdict(verifier: CertificateVerifier | undefined, request: StapledOcspRequest): Promise<StapledOcspVerdict> {
  const certificate = request.certificate;
  if (!verifier?.checkStapledOcsp) return { certificate, verdict: 'unchecked', detail: 'the certificate verifier in use cannot read OCSP responses, so the stapled one is not checked' };
  try {
    return await verifier.checkStapledOcsp(request);
  } catch (e) {
    return { certificate, verdict: 'unverified', detail: `the OCSP checker failed (${(e as Error)?.message ?? String(e)}); the response is set aside and the handshake goes on` };
  }
}

/** A verified revocation as the certificate check's error, with the names other stacks give it. */
export function revokedError(verdict: StapledOcspVerdict): CertificateError {
  return { code: 'REVOKED', message: `A certificate has been revoked by its issuer: ${verdict.detail} (stapled OCSP response)`, openssl: 'X509_V_ERR_CERT_REVOKED', secureTransport: 'errSSLXCertChainInvalid', windowsCE: 'SSL_ERR_CERT_REVOKED' };
}

/** Check `response`, stapled for `chain[certificate]`; emit its 'ocsp' event; fail on a verified revocation. */
export async function checkStapledResponse(ctx: HandshakeContext, chain: Uint8Array[], certificate: number, response: Uint8Array): Promise<void> {
  const o = ctx.options;
  const summary = ctx.summary.certificate;
  const verdict = await stapledVerdict(o.verifier, { chain, path: summary.outcome?.path ?? [], certificate, response, now: new Date(o.clock()), emit: ctx.emit });
  if (certificate === 0) summary.ocsp = verdict;
  ctx.emit({ kind: 'ocsp', ...verdict });
  if (verdict.verdict !== 'revoked') return;

  // Revoked: the certificate check as a whole fails, and says so in a 'cert-result' of its own.
  const error = revokedError(verdict);
  summary.verified = false;
  summary.error = { code: error.code, message: error.message };
  summary.overridden = !!o.insecure;
  const result = { kind: 'cert-result' as const, ok: false, chain: [] as string[], path: summary.outcome?.path ?? [], error, ...(o.insecure ? { overridden: true } : {}) };
  ctx.emit(defineLazy(result, 'chain', () => chain.map(toHex)));
  if (o.insecure) {
    ctx.emit({ kind: 'note', text: 'the stapled OCSP response says the certificate is revoked; going on anyway (insecure)' });
    return;
  }
  ctx.emit({
    kind: 'note',
    text: 'the handshake fails with certificate_revoked: a verified OCSP response from the issuer says the certificate is revoked. Browsers refuse such a certificate; openssl s_client -status only prints the status and goes on',
  });
  throw certificateFailure('REVOKED', error.message);
}

/**
 * The client asked for a staple and the server sent none (RFC 6066 §8 lets it; most servers do not staple): the
 * summary says so. `why` is traced only for a server that acknowledged the request and then sent nothing.
 */
export function noStaple(ctx: HandshakeContext, why?: string): void {
  ctx.summary.certificate.ocsp = null;
  if (why) ctx.emit({ kind: 'note', text: `no OCSP response stapled: ${why}` });
}
