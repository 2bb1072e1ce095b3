// The one error type of the STARTTLS layer. Every failure carries a code the CLI and UI can show.

export type StartTlsErrorCode =
  | 'STARTTLS_REFUSED'
  | 'STARTTLS_INJECTION'
  | 'PROTOCOL_ERROR'
  | 'PREAUTH'
  | 'TIMEOUT'
  | 'CLOSED';

export class StartTlsError extends Error {
  readonly code: StartTlsErrorCode;
  constructor(code: StartTlsErrorCode, message: string) {
    super(message);
    this.name = 'StartTlsError';
    this.code = code;
  }
}

/** The warning shown when plaintext arrives between the go-ahead and the handshake. */
export function injectionMessage(protocol: string, bytes: number, when: string): string {
  return (
    `${protocol}: the server sent ${bytes} byte(s) of plaintext ${when}, after its go-ahead for TLS and before the ` +
    `TLS handshake. These bytes are NOT fed into TLS and the connection is stopped: a man in the middle can inject ` +
    `plaintext here that a careless client would treat as protected (the STARTTLS command/response injection of ` +
    `CVE-2011-0411 and the 2021 "NO STARTTLS" study).`
  );
}
