// The engine's failures. Protocol failures are TlsAlertError (record/alerts.ts): the alert we send and a
// stable project code. Failures with no alert to send (socket, timeout, peer's alert, truncation) are TlsError.
// Callers (CLI, UI, tests) match on `code` only.
import { TlsAlertError, alertError, type AlertName } from './record/alerts.ts';

export { TlsAlertError, alertError, type AlertName };

export type TlsErrorCode =
  | 'HANDSHAKE_FAILURE'
  | 'BAD_CERTIFICATE_VERIFY'
  | 'BAD_FINISHED'
  | 'UNEXPECTED_MESSAGE'
  | 'PROTOCOL_VERSION'
  | 'ILLEGAL_PARAMETER'
  | 'DECODE_ERROR'
  | 'UNSUPPORTED_EXTENSION'
  | 'ALERT_RECEIVED'
  | 'USER_CANCELED'
  | 'CONNECT_FAILED'
  | 'TIMEOUT'
  | 'CLOSED'
  | 'TRUNCATED'
  | 'INTERNAL_ERROR'
  // Certificate codes come from the verifier (x509 module) and pass through unchanged.
  | (string & {});

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
  return alertError('decode_error', where === undefined ? what : `${what} (at byte ${where})`, { code: 'DECODE_ERROR' });
}

export const fail = {
  unexpected: (m: string) => alertError('unexpected_message', m, { code: 'UNEXPECTED_MESSAGE' }),
  illegal: (m: string) => alertError('illegal_parameter', m, { code: 'ILLEGAL_PARAMETER' }),
  handshake: (m: string) => alertError('handshake_failure', m, { code: 'HANDSHAKE_FAILURE' }),
  version: (m: string) => alertError('protocol_version', m, { code: 'PROTOCOL_VERSION' }),
  unsupportedExtension: (m: string) => alertError('unsupported_extension', m, { code: 'UNSUPPORTED_EXTENSION' }),
  missingExtension: (m: string) => alertError('missing_extension', m, { code: 'MISSING_EXTENSION' }),
  badCertificateVerify: (m: string) => alertError('decrypt_error', m, { code: 'BAD_CERTIFICATE_VERIFY' }),
  badFinished: (m: string) => alertError('decrypt_error', m, { code: 'BAD_FINISHED' }),
  internal: (m: string) => alertError('internal_error', m, { code: 'INTERNAL_ERROR' }),
  canceled: (m: string) => alertError('user_canceled', m, { code: 'USER_CANCELED' }),
};

/** Code and message of anything thrown, for the 'error' trace event and the API. */
export function describeFailure(e: unknown): { code: string; message: string } {
  if (e instanceof TlsAlertError || e instanceof TlsError) return { code: e.code, message: e.message };
  const err = e as { code?: string; message?: string };
  return { code: 'INTERNAL_ERROR', message: err?.message ?? String(e) };
}
