// The interface through which the handshake asks "is this chain good for this name?".
// The real implementation is the x509 module (src/x509/); the engine knows only this shape.
import type { CertificateResultEvent, NewTraceEvent } from '../trace/types.ts';

export interface VerifyRequest {
  /** DER certificates as the peer sent them, leaf first. */
  chain: Uint8Array[];
  /** Expected DNS name or IP address literal; undefined skips the name check. */
  serverName?: string;
  purpose: 'server' | 'client';
  now: Date;
  /** Emit each check as a 'cert-check' trace event, in order. */
  emit: (event: NewTraceEvent) => void;
}

export type CertificateError = NonNullable<CertificateResultEvent['error']>;

export interface VerifyOutcome {
  ok: boolean;
  error?: CertificateError;
  /** The path as built, leaf first (may be partial when building failed). */
  path: CertificateResultEvent['path'];
}

export interface CertificateVerifier {
  verify(request: VerifyRequest): Promise<VerifyOutcome>;
}
