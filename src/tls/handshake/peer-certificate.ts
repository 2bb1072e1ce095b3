// The peer's certificate chain, checked the same way by both versions: ask the verifier, record the outcome in
// the summary and the trace, and end the handshake with the alert that names the failure unless it may be overridden.
import { toHex } from '../../util/bytes.ts';
import { certificateFailure, fail } from '../errors.ts';
import type { HandshakeContext } from './context.ts';

/** Ask the verifier; emit 'cert-result'. A failure ends the handshake unless the user can still override it. */
export async function verifyChain(ctx: HandshakeContext, chain: Uint8Array[]): Promise<void> {
  const o = ctx.options;
  const summary = ctx.summary.certificate;
  let outcome;
  if (!o.verifier) {
    outcome = { ok: false, path: [], error: { code: 'NO_TRUST_STORE', message: 'no certificate verifier is configured, so the server cannot be authenticated' } };
  } else {
    try {
      // The engine emits the one 'cert-result' itself (it knows whether the failure is overridden).
      const emit = (e: Parameters<typeof ctx.emit>[0]) => void (e.kind === 'cert-result' ? undefined : ctx.emit(e));
      outcome = await o.verifier.verify({ chain, serverName: o.serverName, purpose: 'server', now: new Date(o.clock()), emit });
    } catch (e) {
      outcome = { ok: false, path: [], error: { code: 'CERT_VERIFIER_ERROR', message: `the certificate verifier failed: ${(e as Error)?.message ?? String(e)}` } };
    }
  }
  summary.outcome = outcome;
  summary.verified = outcome.ok;
  summary.error = outcome.error ? { code: outcome.error.code, message: outcome.error.message } : null;
  const canOverride = !!o.insecure || !!o.breakpoints?.serverAuth;
  summary.overridden = !outcome.ok && !!o.insecure;
  ctx.emit({ kind: 'cert-result', ok: outcome.ok, chain: chain.map(toHex), path: outcome.path, ...(outcome.error ? { error: outcome.error } : {}), ...(summary.overridden ? { overridden: true } : {}) });
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
