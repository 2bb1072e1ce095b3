// Every way a connection can fail, as one closed set of codes, and the one table that says which alert each
// sends (none for failures we do not detect ourselves) and what OpenSSL, Apple Secure Transport and Windows CE
// call the same failure where they have a name for it. Alerts are never picked any other way.
import type { ErrorCode as CertificateErrorCode } from '../x509/errors.ts';
import type { AlertName } from './record/alerts.ts';

export interface FailureInfo {
  /** The alert we send (null: the failure is not ours to announce: socket, timeout, the peer's own alert). */
  alert: AlertName | null;
  /** OpenSSL's reason code (ERR_get_error) or error class. */
  openssl?: string;
  /** Secure Transport's OSStatus from SSLHandshake / SSLRead. */
  secureTransport?: string;
  /** What Windows CE secure sockets report (socket error). */
  windowsCE?: string;
}

/** Failures the engine itself detects or meets. */
export const ENGINE_FAILURES = {
  // Malformed or out-of-place input.
  UNEXPECTED_MESSAGE: { alert: 'unexpected_message', openssl: 'SSL_R_UNEXPECTED_MESSAGE', secureTransport: 'errSSLUnexpectedMessage' },
  EMPTY_RECORD: { alert: 'unexpected_message', secureTransport: 'errSSLUnexpectedRecord' },
  DECODE_ERROR: { alert: 'decode_error', openssl: 'SSL_R_LENGTH_MISMATCH', secureTransport: 'errSSLDecodeError' },
  TRUNCATED_RECORD: { alert: 'decode_error', secureTransport: 'errSSLDecodeError' },
  RECORD_OVERFLOW: { alert: 'record_overflow', openssl: 'SSL_R_DATA_LENGTH_TOO_LONG', secureTransport: 'errSSLRecordOverflow' },
  BAD_RECORD_MAC: { alert: 'bad_record_mac', openssl: 'SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC', secureTransport: 'errSSLBadRecordMac' },
  PROTOCOL_VERSION: { alert: 'protocol_version', openssl: 'SSL_R_UNSUPPORTED_PROTOCOL', secureTransport: 'errSSLProtocol' },
  ILLEGAL_PARAMETER: { alert: 'illegal_parameter', secureTransport: 'errSSLIllegalParam' },
  DOWNGRADE_DETECTED: { alert: 'illegal_parameter', openssl: 'SSL_R_INAPPROPRIATE_FALLBACK', secureTransport: 'errSSLInappropriateFallback' },
  UNSUPPORTED_EXTENSION: { alert: 'unsupported_extension', openssl: 'SSL_R_UNSOLICITED_EXTENSION', secureTransport: 'errSSLUnsupportedExtension' },
  MISSING_EXTENSION: { alert: 'missing_extension', secureTransport: 'errSSLMissingExtension' },
  // Negotiation and proofs.
  HANDSHAKE_FAILURE: { alert: 'handshake_failure', openssl: 'SSL_R_SSL_HANDSHAKE_FAILURE', secureTransport: 'errSSLHandshakeFail' },
  INSECURE_RENEGOTIATION: { alert: 'handshake_failure', openssl: 'SSL_R_UNSAFE_LEGACY_RENEGOTIATION_DISABLED', secureTransport: 'errSSLHandshakeFail' },
  WEAK_DH_GROUP: { alert: 'insufficient_security', openssl: 'SSL_R_DH_KEY_TOO_SMALL', secureTransport: 'errSSLWeakPeerEphemeralDHKey' },
  BAD_CERTIFICATE_VERIFY: { alert: 'decrypt_error', openssl: 'SSL_R_BAD_SIGNATURE', secureTransport: 'errSSLCrypto' },
  BAD_SERVER_KEY_EXCHANGE_SIGNATURE: { alert: 'decrypt_error', openssl: 'SSL_R_BAD_SIGNATURE', secureTransport: 'errSSLCrypto' },
  BAD_FINISHED: { alert: 'decrypt_error', openssl: 'SSL_R_DIGEST_CHECK_FAILED', secureTransport: 'errSSLCrypto' },
  BAD_PSK_BINDER: { alert: 'decrypt_error', openssl: 'SSL_R_BINDER_DOES_NOT_VERIFY', secureTransport: 'errSSLCrypto' },
  NO_APPLICATION_PROTOCOL: { alert: 'no_application_protocol', openssl: 'SSL_R_NO_APPLICATION_PROTOCOL' },
  // The client's certificate, asked for by a server.
  CERTIFICATE_REQUIRED: { alert: 'certificate_required', openssl: 'SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE', secureTransport: 'errSSLXCertChainInvalid' },
  CLIENT_CERTIFICATE_REFUSED: { alert: 'access_denied', openssl: 'SSL_R_CERTIFICATE_VERIFY_FAILED', secureTransport: 'errSSLPeerAccessDenied' },
  // The server's certificate as a TLS object (the chain's own checks are the certificate codes below).
  BAD_CERTIFICATE: { alert: 'bad_certificate', secureTransport: 'errSSLBadCert' },
  CERTIFICATE_CHANGED: { alert: 'bad_certificate', secureTransport: 'errSSLBadCert' },
  UNSUPPORTED_CERTIFICATE: { alert: 'unsupported_certificate', openssl: 'SSL_R_WRONG_CERTIFICATE_TYPE', secureTransport: 'errSSLBadCert' },
  // Ours.
  SEQUENCE_OVERFLOW: { alert: 'internal_error', secureTransport: 'errSSLInternal' },
  INTERNAL_ERROR: { alert: 'internal_error', secureTransport: 'errSSLInternal' },
  USER_CANCELED: { alert: 'user_canceled', secureTransport: 'errSSLClosedAbort' },
  BAD_OPTION: { alert: null, secureTransport: 'errSSLBadConfiguration' },
  // The connection itself, or the peer's word.
  CONNECT_FAILED: { alert: null, windowsCE: 'WSAECONNREFUSED' },
  TIMEOUT: { alert: null, secureTransport: 'errSSLNetworkTimeout', windowsCE: 'WSAETIMEDOUT' },
  CLOSED: { alert: null, openssl: 'SSL_ERROR_SYSCALL', secureTransport: 'errSSLClosedAbort', windowsCE: 'WSAECONNRESET' },
  TRUNCATED: { alert: null, openssl: 'SSL_R_UNEXPECTED_EOF_WHILE_READING', secureTransport: 'errSSLClosedNoNotify' },
  /** The peer sent an alert this engine has no name for. */
  ALERT_RECEIVED: { alert: null, secureTransport: 'errSSLFatalAlert' },
} as const satisfies Record<string, FailureInfo>;

export type EngineFailureCode = keyof typeof ENGINE_FAILURES;
/** Engine failures that end with an alert of ours. */
export type AlertingFailureCode = { [K in EngineFailureCode]: (typeof ENGINE_FAILURES)[K]['alert'] extends null ? never : K }[EngineFailureCode];

/** The chain check's failures (src/x509/errors.ts names them), plus the two the engine adds around it. */
export type CertificateFailureCode = CertificateErrorCode | 'NO_TRUST_STORE' | 'CERT_VERIFIER_ERROR';

/** The alert a failed chain check sends (RFC 8446 §6.2: the most specific one that applies). */
export const CERTIFICATE_ALERTS: Readonly<Record<CertificateFailureCode, AlertName>> = {
  UNKNOWN_ISSUER: 'unknown_ca',
  SELF_SIGNED_LEAF: 'unknown_ca',
  UNTRUSTED_ROOT: 'unknown_ca',
  NO_TRUST_STORE: 'unknown_ca',
  EXPIRED: 'certificate_expired',
  NOT_YET_VALID: 'certificate_expired',
  REVOKED: 'certificate_revoked',
  HOSTNAME_MISMATCH: 'bad_certificate',
  BAD_SIGNATURE: 'bad_certificate',
  WEAK_ALGORITHM: 'bad_certificate',
  NOT_A_CA: 'bad_certificate',
  PATH_LENGTH_EXCEEDED: 'bad_certificate',
  KEY_USAGE: 'bad_certificate',
  EXTENDED_KEY_USAGE: 'bad_certificate',
  NAME_CONSTRAINTS: 'bad_certificate',
  UNKNOWN_CRITICAL_EXTENSION: 'bad_certificate',
  CHAIN_TOO_LONG: 'bad_certificate',
  MALFORMED: 'bad_certificate',
  PROFILE_VIOLATION: 'bad_certificate',
  CRL_INVALID: 'bad_certificate',
  NO_CERTIFICATE: 'bad_certificate',
  PATH_BUILDING_LIMIT: 'bad_certificate',
  POLICY: 'bad_certificate',
  CERT_VERIFIER_ERROR: 'bad_certificate',
};

/** The peer's alert that ended the connection: its name in capitals (USER_CANCELED, HANDSHAKE_FAILURE, ...). */
export type ReceivedAlertCode = Uppercase<AlertName>;

/** Every code a TLS failure can carry: the closed set callers (CLI exit status, UI, tests) match on. */
export type TlsErrorCode = EngineFailureCode | CertificateFailureCode | ReceivedAlertCode;
