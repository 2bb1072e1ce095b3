// What a TLS 1.2 client keeps to resume a session later (RFC 5246 §7.3 session id, RFC 5077 ticket).
// Plain data, so it can be saved and handed to another connection as `options.session`.

export interface Tls12Session {
  version: 'TLS1.2';
  serverName?: string;
  cipherSuite: number;
  masterSecret: Uint8Array;
  /** The server's session id (empty when it gave none). */
  sessionId: Uint8Array;
  /** RFC 5077 ticket, when the server issued one. */
  ticket?: Uint8Array;
  /** Seconds (0 = unspecified, as the server's ticket_lifetime_hint says). */
  lifetimeSeconds: number;
  /** Clock time (ms) when the session was established. */
  receivedAt: number;
  /** RFC 7627: a session made with the extended master secret must be resumed with it (and vice versa). */
  extendedMasterSecret: boolean;
  alpn?: string | null;
  /** DER chain the server showed when the session was made (the abbreviated handshake shows none). */
  serverChain: Uint8Array[];
}

export function isTls12Session(s: unknown): s is Tls12Session {
  return !!s && typeof s === 'object' && (s as Tls12Session).version === 'TLS1.2' && 'masterSecret' in (s as object);
}
