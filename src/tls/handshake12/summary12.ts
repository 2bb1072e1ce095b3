// The TLS 1.2 facts of a handshake summary (HandshakeSummary.tls12).

export interface Tls12Details {
  keyExchange: 'ECDHE' | 'DHE' | 'RSA';
  /** False for static RSA key transport: a later theft of the server key decrypts recorded traffic. */
  forwardSecrecy: boolean;
  extendedMasterSecret: boolean;
  /** RFC 5746 renegotiation_info was exchanged. */
  secureRenegotiation: boolean;
  /** RFC 7366, only meaningful for CBC suites. */
  encryptThenMac: boolean;
  /** CBC or static RSA: shown for teaching, not a modern choice. */
  legacyCipherSuite: boolean;
  /** 'id' or 'ticket' when resumed. */
  resumedBy: 'id' | 'ticket' | null;
  /** Handshakes completed on this connection after the first one. */
  renegotiations: number;
  ticketReceived: boolean;
}
