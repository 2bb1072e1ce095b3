// The peer's certificate chain, checked the same way by both versions: ask the verifier, record the outcome in
// the summary and the trace, and end the handshake with the alert that names the failure unless it may be overridden.
import { toHex } from '../../util/bytes.ts';
import { defineLazy } from '../../trace/lazy-hex.ts';
import { certificateFailure, fail } from '../errors.ts';
import type { Emit } from '../../trace/recorder.ts';
import type { CertificateVerifier, VerifyOutcome, VerifyRequest } from '../verifier.ts';
import type { HandshakeContext } from './context.ts';

/**
 * The verifier's outcome for a chain, either side: no verifier (`missing` says why) and a verifier that throws are
 * outcomes too. Its checks go to the trace; the one 'cert-result' is the caller's (it knows whether it is overridden).
 */
export async function askVerifier(verifier: CertificateVerifier | null | undefined, request: Omit<VerifyRequest, 'emit'>, emit: Emit, missing: string): Promise<VerifyOutcome> {
  if (!verifier) return { ok: false, path: [], error: { code: 'NO_TRUST_STORE', message: missing } };
  try {
    return await verifier.verify({ ...request, emit: (e) => void (e.kind === 'cert-result' ? undefined : emit(e)) });
  } catch (e) {
    return { ok: false, path: [], error: { code: 'CERT_VERIFIER_ERROR', message: `the certificate verifier failed: ${(e as Error)?.message ?? String(e)}` } };
  }
}

/** Ask the verifier; emit 'cert-result'. A failure ends the handshake unless the user can still override it. */
export async function verifyChain(ctx: HandshakeContext, chain: Uint8Array[]): Promise<void> {
  const o = ctx.options;
  const summary = ctx.summary.certificate;
  const outcome = await askVerifier(o.verifier, { chain, serverName: o.serverName, purpose: 'server', now: new Date(o.clock()) }, ctx.emit, 'no certificate verifier is configured, so the server cannot be authenticated');
  summary.outcome = outcome;
  summary.verified = outcome.ok;
  summary.error = outcome.error ? { code: outcome.error.code, message: outcome.error.message } : null;
  const canOverride = !!o.insecure || !!o.breakpoints?.serverAuth;
  summary.overridden = !outcome.ok && !!o.insecure;
  // The chain's hex is made when first read (a copy of the DER, which the summary keeps too).
  const result = { kind: 'cert-result' as const, ok: outcome.ok, chain: [] as string[], path: outcome.path, ...(outcome.error ? { error: outcome.error } : {}), ...(summary.overridden ? { overridden: true } : {}) };
  ctx.emit(defineLazy(result, 'chain', () => chain.map(toHex)));
  if (!outcome.ok && !canOverride) throw certificateFailure(outcome.error!.code, outcome.error!.message);
}

/**
 * The serverAuth breakpoint (Secure Transport's errSSLServerAuthCompleted), the same in both versions: the chain
 * is known and the server has proved its key. The caller may abort, or continue and so accept an unverified chain.
 */
export async function serverAuthBreakpoint(ctx: HandshakeContext, detail: string): Promise<void> {
  if (!ctx.options.breakpoints?.serverAuth) return;
  const cert = ctx.summary.certificate;
  const decision = await ctx.pause('serverAuth', detail);
  if (decision === 'abort') {
    if (!cert.verified && !ctx.options.insecure) throw certificateFailure(cert.error!.code, cert.error!.message);
    throw fail.canceled('the user rejected the server after authentication');
  }
  if (!cert.verified) {
    cert.overridden = true;
    ctx.emit({ kind: 'note', text: `certificate failure ${cert.error?.code} overridden by the user at the serverAuth breakpoint` });
  }
}
