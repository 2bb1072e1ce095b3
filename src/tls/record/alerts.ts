// TLS alert descriptions (RFC 8446 §6, plus the TLS 1.2-era values it keeps as reserved) and the
// one error type every TLS layer throws when the connection must end with an alert (made by tlsFailure in
// errors.ts, which takes the alert from the failure table).
import type { TlsErrorCode } from '../failures.ts';

/** Alert description codes by name. */
export const AlertDescription = {
  close_notify: 0,
  unexpected_message: 10,
  bad_record_mac: 20,
  decryption_failed: 21,
  record_overflow: 22,
  decompression_failure: 30,
  handshake_failure: 40,
  no_certificate: 41,
  bad_certificate: 42,
  unsupported_certificate: 43,
  certificate_revoked: 44,
  certificate_expired: 45,
  certificate_unknown: 46,
  illegal_parameter: 47,
  unknown_ca: 48,
  access_denied: 49,
  decode_error: 50,
  decrypt_error: 51,
  export_restriction: 60,
  protocol_version: 70,
  insufficient_security: 71,
  internal_error: 80,
  inappropriate_fallback: 86,
  user_canceled: 90,
  no_renegotiation: 100,
  missing_extension: 109,
  unsupported_extension: 110,
  certificate_unobtainable: 111,
  unrecognized_name: 112,
  bad_certificate_status_response: 113,
  bad_certificate_hash_value: 114,
  unknown_psk_identity: 115,
  certificate_required: 116,
  no_application_protocol: 120,
} as const;

export type AlertName = keyof typeof AlertDescription;

const NAMES: Record<number, AlertName> = Object.fromEntries(
  Object.entries(AlertDescription).map(([name, code]) => [code, name as AlertName]),
);

/** "bad_record_mac", or "unknown_alert(N)" for a value not in the registry. */
export function alertName(description: number): string {
  return NAMES[description] ?? `unknown_alert(${description})`;
}

export const AlertLevel = { warning: 1, fatal: 2 } as const;

/**
 * The connection must end with this alert. `alert` is the description to send (or that was
 * received, see `received`); `code` is the project error code, e.g. 'BAD_RECORD_MAC'.
 */
export class TlsAlertError extends Error {
  readonly alert: number;
  readonly code: TlsErrorCode;
  /** True when the peer sent this alert; false when we detected the problem. */
  readonly received: boolean;

  constructor(alert: number, message: string, options: { code: TlsErrorCode; received?: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TlsAlertError';
    this.alert = alert;
    this.code = options.code;
    this.received = options.received ?? false;
  }

  get alertName(): string {
    return alertName(this.alert);
  }
}
