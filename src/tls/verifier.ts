// The interface through which the handshake asks "is this chain good for this name?".
// The real implementation is the x509 module (src/x509/); the engine knows only this shape.
import type { CertificateResultEvent, NewTraceEvent, OcspEvent } from '../trace/types.ts';

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

/** A stapled OCSP response to check, after the chain's own check (RFC 6066 §8, RFC 8446 §4.4.2.1). */
export interface StapledOcspRequest {
  /** DER certificates as the peer sent them, leaf first. */
  chain: Uint8Array[];
  /** The path the chain check built (leaf first; partial or empty when it failed): it names the issuer. */
  path: VerifyOutcome['path'];
  /** Which certificate of `chain` the response is about (0: the leaf). */
  certificate: number;
  /** The DER OCSPResponse as stapled. */
  response: Uint8Array;
  now: Date;
  /** Emit each check as a 'cert-check' trace event, in order. */
  emit: (event: NewTraceEvent) => void;
}

/** What the check found: the fields of the 'ocsp' event the engine records. */
export type StapledOcspVerdict = Omit<OcspEvent, 'index' | 't' | 'conn' | 'kind'>;

export interface CertificateVerifier {
  verify(request: VerifyRequest): Promise<VerifyOutcome>;
  /** Check a stapled OCSP response; a verifier without it leaves staples unchecked (and the trace says so). */
  checkStapledOcsp?(request: StapledOcspRequest): Promise<StapledOcspVerdict>;
}
