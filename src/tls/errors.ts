// The engine's failures. Protocol failures are TlsAlertError (record/alerts.ts): the alert we send and a
// stable project code. Failures with no alert to send (socket, timeout, peer's alert, truncation) are TlsError.
// Callers (CLI, UI, tests) match on `code` only.
import { AlertDescription, TlsAlertError, alertName, type AlertName } from './record/alerts.ts';
import { CERTIFICATE_ALERTS, ENGINE_FAILURES, type AlertingFailureCode, type CertificateFailureCode, type ReceivedAlertCode, type TlsErrorCode } from './failures.ts';

export { TlsAlertError, type AlertName, type TlsErrorCode };

/** The failure `code`, ending with the alert the failure table gives it. */
export function tlsFailure(code: AlertingFailureCode, message: string, opts: { cause?: unknown } = {}): TlsAlertError {
  return new TlsAlertError(AlertDescription[ENGINE_FAILURES[code].alert], message, { code, cause: opts.cause });
}

function isCertificateFailureCode(code: string): code is CertificateFailureCode {
  return Object.hasOwn(CERTIFICATE_ALERTS, code);
}

/** A failed chain check: its code kept, its alert from the table (a code no table knows: bad_certificate). */
export function certificateFailure(code: string, message: string): TlsAlertError {
  const known: CertificateFailureCode = isCertificateFailureCode(code) ? code : 'CERT_VERIFIER_ERROR';
  return new TlsAlertError(AlertDescription[CERTIFICATE_ALERTS[known]], message, { code: known });
}

/** The code for the peer's alert: its name in capitals, or ALERT_RECEIVED for a value with no name. */
export function receivedAlertCode(description: number): ReceivedAlertCode | 'ALERT_RECEIVED' {
  const name = alertName(description);
  return Object.hasOwn(AlertDescription, name) ? (name.toUpperCase() as ReceivedAlertCode) : 'ALERT_RECEIVED';
}

/** A failure that sends no alert of ours: connection trouble, timeout, the peer's alert, truncation. */
export class TlsError extends Error {
  readonly code: TlsErrorCode;
  /** The alert the peer sent, when that is what ended the connection. */
  readonly receivedAlert?: string;

  constructor(code: TlsErrorCode, message: string, opts: { receivedAlert?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'TlsError';
    this.code = code;
    this.receivedAlert = opts.receivedAlert;
  }
}

/** A malformed message: decode_error with what and where. */
export function decodeError(what: string, where?: number): TlsAlertError {
  return tlsFailure('DECODE_ERROR', where === undefined ? what : `${what} (at byte ${where})`);
}

export const fail = {
  unexpected: (m: string) => tlsFailure('UNEXPECTED_MESSAGE', m),
  illegal: (m: string) => tlsFailure('ILLEGAL_PARAMETER', m),
  handshake: (m: string) => tlsFailure('HANDSHAKE_FAILURE', m),
  version: (m: string) => tlsFailure('PROTOCOL_VERSION', m),
  unsupportedExtension: (m: string) => tlsFailure('UNSUPPORTED_EXTENSION', m),
  missingExtension: (m: string) => tlsFailure('MISSING_EXTENSION', m),
  badCertificateVerify: (m: string) => tlsFailure('BAD_CERTIFICATE_VERIFY', m),
  badFinished: (m: string) => tlsFailure('BAD_FINISHED', m),
  internal: (m: string) => tlsFailure('INTERNAL_ERROR', m),
  canceled: (m: string) => tlsFailure('USER_CANCELED', m),
};

/** Code and message of anything thrown, for the 'error' trace event and the API. */
export function describeFailure(e: unknown): { code: TlsErrorCode; message: string } {
  if (e instanceof TlsAlertError || e instanceof TlsError) return { code: e.code, message: e.message };
  const err = e as { code?: string; message?: string };
  return { code: 'INTERNAL_ERROR', message: err?.message ?? String(e) };
}
