// One project code per certificate failure, with the names people meet elsewhere:
// OpenSSL's X509_V_ERR_*, Apple Secure Transport's errSSL*, and Windows CE secure sockets
// (the SSL_CERT_FLAG_* bit in SslValidateCertHook's dwFlags, or the SSL_ERR_* the hook returns).

export type ErrorCode =
  | 'UNKNOWN_ISSUER'
  | 'SELF_SIGNED_LEAF'
  | 'UNTRUSTED_ROOT'
  | 'EXPIRED'
  | 'NOT_YET_VALID'
  | 'HOSTNAME_MISMATCH'
  | 'BAD_SIGNATURE'
  | 'WEAK_ALGORITHM'
  | 'NOT_A_CA'
  | 'PATH_LENGTH_EXCEEDED'
  | 'KEY_USAGE'
  | 'EXTENDED_KEY_USAGE'
  | 'NAME_CONSTRAINTS'
  | 'UNKNOWN_CRITICAL_EXTENSION'
  | 'CHAIN_TOO_LONG'
  | 'MALFORMED'
  | 'PROFILE_VIOLATION'
  | 'REVOKED'
  | 'CRL_INVALID'
  | 'NO_CERTIFICATE'
  | 'PATH_BUILDING_LIMIT'
  | 'POLICY';

/** What a chain is checked for: a TLS server's certificate, a TLS client's, or no purpose in particular. */
export type CheckPurpose = 'server' | 'client' | 'any';

export interface ErrorInfo {
  /** Plain-words template; {detail} is replaced by the specific reason. Said of a server's certificate where it names one. */
  template: string;
  /** The template where it names the peer, for the other purposes (a client's certificate, no purpose). */
  byPurpose?: Partial<Record<CheckPurpose, string>>;
  openssl: string;
  secureTransport: string;
  windowsCE?: string;
}

export const ERRORS: Record<ErrorCode, ErrorInfo> = {
  UNKNOWN_ISSUER: {
    template: 'No trusted issuer was found for this chain: {detail}',
    openssl: 'X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    secureTransport: 'errSSLNoRootCert',
    windowsCE: 'SSL_CERT_FLAG_ISSUER_UNKNOWN',
  },
  SELF_SIGNED_LEAF: {
    template: 'The server certificate signs itself and is not trusted: {detail}',
    byPurpose: {
      client: "The client's certificate signs itself and is not trusted: {detail}",
      any: 'The certificate signs itself and is not trusted: {detail}',
    },
    openssl: 'X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT',
    secureTransport: 'errSSLUnknownRootCert',
    windowsCE: 'SSL_CERT_FLAG_ISSUER_UNKNOWN',
  },
  UNTRUSTED_ROOT: {
    template: 'The chain ends in a root that is not trusted: {detail}',
    openssl: 'X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN',
    secureTransport: 'errSSLUnknownRootCert',
    windowsCE: 'SSL_CERT_FLAG_ISSUER_UNKNOWN',
  },
  EXPIRED: {
    template: 'A certificate has expired: {detail}',
    openssl: 'X509_V_ERR_CERT_HAS_EXPIRED',
    secureTransport: 'errSSLCertExpired',
    windowsCE: 'SSL_ERR_CERT_EXPIRED',
  },
  NOT_YET_VALID: {
    template: 'A certificate is not valid yet: {detail}',
    openssl: 'X509_V_ERR_CERT_NOT_YET_VALID',
    secureTransport: 'errSSLCertNotYetValid',
    windowsCE: 'SSL_ERR_CERT_EXPIRED',
  },
  HOSTNAME_MISMATCH: {
    template: 'The certificate is not for this name: {detail}',
    openssl: 'X509_V_ERR_HOSTNAME_MISMATCH',
    secureTransport: 'errSSLHostNameMismatch',
    // Windows CE reports a peer-name mismatch through the same flag as an unknown issuer.
    windowsCE: 'SSL_CERT_FLAG_ISSUER_UNKNOWN',
  },
  BAD_SIGNATURE: {
    template: 'A signature in the chain does not verify: {detail}',
    openssl: 'X509_V_ERR_CERT_SIGNATURE_FAILURE',
    secureTransport: 'errSSLXCertChainInvalid',
    windowsCE: 'SSL_ERR_BAD_SIG',
  },
  WEAK_ALGORITHM: {
    template: 'A weak or refused algorithm or key: {detail}',
    openssl: 'X509_V_ERR_CA_MD_TOO_WEAK',
    secureTransport: 'errSSLXCertChainInvalid',
    windowsCE: 'SSL_ERR_BAD_SIG',
  },
  NOT_A_CA: {
    template: 'A certificate that issued another is not a CA: {detail}',
    openssl: 'X509_V_ERR_INVALID_CA',
    secureTransport: 'errSSLXCertChainInvalid',
  },
  PATH_LENGTH_EXCEEDED: {
    template: 'A CA allows fewer CAs below it than this chain has: {detail}',
    openssl: 'X509_V_ERR_PATH_LENGTH_EXCEEDED',
    secureTransport: 'errSSLXCertChainInvalid',
  },
  KEY_USAGE: {
    template: 'A key is used for something its certificate does not allow: {detail}',
    openssl: 'X509_V_ERR_KEYUSAGE_NO_CERTSIGN',
    secureTransport: 'errSSLBadCert',
  },
  EXTENDED_KEY_USAGE: {
    template: 'The certificate is not allowed for this purpose: {detail}',
    openssl: 'X509_V_ERR_INVALID_PURPOSE',
    secureTransport: 'errSSLBadCert',
  },
  NAME_CONSTRAINTS: {
    template: 'A name in the chain is outside what an issuing CA may certify: {detail}',
    openssl: 'X509_V_ERR_PERMITTED_VIOLATION',
    secureTransport: 'errSSLXCertChainInvalid',
  },
  UNKNOWN_CRITICAL_EXTENSION: {
    template: 'A certificate has a critical extension we do not understand: {detail}',
    openssl: 'X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION',
    secureTransport: 'errSSLBadCert',
  },
  CHAIN_TOO_LONG: {
    template: 'The chain is longer than allowed: {detail}',
    openssl: 'X509_V_ERR_CERT_CHAIN_TOO_LONG',
    secureTransport: 'errSSLXCertChainInvalid',
  },
  MALFORMED: {
    template: 'A certificate is not well-formed: {detail}',
    openssl: 'X509_V_ERR_INVALID_EXTENSION',
    secureTransport: 'errSSLBadCert',
    windowsCE: 'SSL_ERR_BAD_DATA',
  },
  POLICY: {
    template: 'No acceptable certificate policy for this path: {detail}',
    openssl: 'X509_V_ERR_NO_EXPLICIT_POLICY',
    secureTransport: 'errSSLBadCert',
  },
  PROFILE_VIOLATION: {
    template: 'A certificate breaks the RFC 5280 / CA/Browser Forum rules: {detail}',
    openssl: 'X509_V_ERR_INVALID_EXTENSION',
    secureTransport: 'errSSLBadCert',
  },
  REVOKED: {
    template: 'A certificate has been revoked by its issuer: {detail}',
    openssl: 'X509_V_ERR_CERT_REVOKED',
    secureTransport: 'errSSLXCertChainInvalid',
    windowsCE: 'SSL_ERR_CERT_REVOKED',
  },
  CRL_INVALID: {
    template: 'A revocation list that applies cannot be used, so revocation status is unknown: {detail}',
    openssl: 'X509_V_ERR_UNABLE_TO_GET_CRL',
    secureTransport: 'errSSLXCertChainInvalid',
  },
  NO_CERTIFICATE: {
    template: 'No certificate was presented: {detail}',
    openssl: 'X509_V_ERR_UNSPECIFIED',
    secureTransport: 'errSSLXCertChainInvalid',
    windowsCE: 'SSL_ERR_NO_CERT',
  },
  PATH_BUILDING_LIMIT: {
    template: 'Gave up building a path after too much work: {detail}',
    openssl: 'X509_V_ERR_STORE_LOOKUP',
    secureTransport: 'errSSLXCertChainInvalid',
  },
};

export interface CertificateFailure {
  code: ErrorCode;
  message: string;
  openssl: string;
  secureTransport: string;
  windowsCE?: string;
}

/** The template of a code for a purpose: the one naming the peer checked (a server's certificate by default). */
export function templateFor(code: ErrorCode, purpose: CheckPurpose = 'server'): string {
  const info = ERRORS[code];
  return info.byPurpose?.[purpose] ?? info.template;
}

/**
 * Build the error object of a failure; `openssl` overrides the default name when a closer one exists; `purpose` (the
 * chain's, default server) picks the words naming the peer whose certificate it is.
 */
export function failure(code: ErrorCode, detail: string, openssl?: string, purpose?: CheckPurpose): CertificateFailure {
  const info = ERRORS[code];
  return {
    code,
    message: templateFor(code, purpose).replace('{detail}', detail),
    openssl: openssl ?? info.openssl,
    secureTransport: info.secureTransport,
    ...(info.windowsCE ? { windowsCE: info.windowsCE } : {}),
  };
}
