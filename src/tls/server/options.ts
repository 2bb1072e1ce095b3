// What a server is told: its certificates and keys, what it accepts and prefers, how it treats client
// certificates, tickets and renegotiation, its breakpoints and hooks, and where its trace goes.
import type { Emit } from '../../trace/recorder.ts';
import type { BreakpointName } from '../../trace/types.ts';
import type { ClientHello } from '../messages/handshake.ts';
import type { GroupName } from '../suites.ts';
import type { FfdheGroupName } from '../../crypto/ffdhe.ts';
import type { CertificateVerifier, VerifyOutcome } from '../verifier.ts';
import type { TicketKeys } from './ticket-keys.ts';
import type { UsedTickets } from './used-tickets.ts';
import type { SessionCache12 } from './session-cache12.ts';

/**
 * 16 KiB of early data: the max_early_data_size OpenSSL's s_server announces with -early_data, and the most it skips
 * unread when it refuses. `serve --early-data`, the lab and Both sides announce it; a refusal skips at least this much.
 */
export const DEFAULT_MAX_EARLY_DATA = 16_384;

/** One certificate the server can present, with its private key. */
export interface ServerCertificate {
  /** DER certificates, leaf first. */
  chain: Uint8Array[];
  /** The leaf's private key: PKCS#8 DER, or a WebCrypto key (an RSA key then signs with its own hash only). */
  key: CryptoKey | Uint8Array;
  /** For people reading a trace or a log: e.g. "ECDSA P-256". */
  keyAlgorithm?: string;
  /**
   * A DER OCSPResponse for the leaf, stapled for a client that sends status_request (RFC 6066 §8): in TLS 1.3 in the
   * leaf's CertificateEntry (RFC 8446 §4.4.2.1), in TLS 1.2 as a CertificateStatus after the Certificate. Sent as
   * given: keeping it current is the caller's part, as with `openssl s_server -status_file`.
   */
  ocspResponse?: Uint8Array;
}

/** The server's breakpoints, in the trace's one spelling (BreakpointName). */
export type ServerBreakpoint = Extract<BreakpointName, 'clientHello' | 'clientCertificate' | 'afterEachMessage'>;
export type ServerBreakDecision = 'continue' | 'abort';

/** What the client said about itself, and what the server chose, for hooks and summaries. */
export interface ClientCertificateVerdict {
  /** The chain as sent (empty: the client sent none). */
  chain: Uint8Array[];
  verified: boolean;
  /** Accepted although not verified (a hook or breakpoint decided). */
  overridden: boolean;
  error: { code: string; message: string } | null;
  outcome?: VerifyOutcome;
}

export interface ServerHooks {
  /** After the ClientHello (OpenSSL's client-hello / SNI callback): return the certificate to use, or nothing. */
  onClientHello?(hello: ClientHello, sni: string | undefined): Promise<ServerCertificate | void> | ServerCertificate | void;
  /** On the client's certificate (SSL_CTX_set_verify's callback): the verdict so far; accept or refuse. */
  onClientCertificate?(verdict: ClientCertificateVerdict): Promise<'accept' | 'refuse'> | 'accept' | 'refuse';
  /** After each handshake message sent or received. */
  afterMessage?(name: string, direction: 'client' | 'server'): Promise<void> | void;
}

export interface ServerOptions {
  certificates: ServerCertificate[];
  /** Versions accepted (default both). */
  versions?: ('TLS1.3' | 'TLS1.2')[];
  /** Cipher suites by IANA or OpenSSL name or code, TLS 1.3 and 1.2 mixed, in the server's order of preference (default: all TLS 1.3 suites, and the TLS 1.2 ECDHE AEAD and CBC suites). */
  suites?: (string | number)[];
  /**
   * Groups, in the server's order of preference (default x25519, secp256r1, secp384r1, then the RFC 7919
   * finite-field groups ffdhe2048, ffdhe3072, ffdhe4096, which only TLS 1.2 DHE suites use).
   */
  groups?: (GroupName | FfdheGroupName)[];
  /** SignatureScheme codes the server accepts from a client certificate (default: the client's defaults). */
  signatureSchemes?: number[];
  /** Whose order decides suite, group and ALPN (default 'server'). */
  preference?: 'server' | 'client';
  /** ALPN protocols, in the server's order of preference; a client offering none of them gets no_application_protocol. */
  alpn?: string[];
  /** Ask for a client certificate (default 'none'); 'require' ends with certificate_required when none comes. */
  clientAuth?: 'none' | 'request' | 'require';
  /** DER anchors for client certificates (checked by the x509 module, purpose client). */
  clientTrustAnchors?: Uint8Array[];
  /** Or a verifier of one's own (takes precedence over clientTrustAnchors). */
  clientVerifier?: CertificateVerifier;
  /** TLS 1.3 NewSessionTickets sent after the handshake (default 2; 0 for none). */
  numTickets?: number;
  /**
   * max_early_data_size announced in TLS 1.3 tickets (default 0: none). Without `acceptEarlyData` the early data a
   * client sends with such a ticket is refused (a HelloRetryRequest, RFC 8446 §4.2.10): announcing it lets clients
   * try, so the refusal can be shown.
   */
  maxEarlyData?: number;
  /**
   * Accept 0-RTT early data (RFC 8446 §2.3, default false), with a ticket of ours announcing `maxEarlyData`, as the
   * client's first PSK, for the same suite and ALPN, fresh (its age as the client counts it within 10 s of ours),
   * and only once per ticket (§8.1: `usedTickets`). The connection's `earlyData` holds what came as 0-RTT, which
   * read() also gives first. Early data can be replayed by an attacker: accept it only for requests safe to repeat.
   */
  acceptEarlyData?: boolean;
  /** The tickets already used for early data (default: one record per `ticketKeys`, shared by its connections). */
  usedTickets?: UsedTickets;
  /** The keys tickets are sealed with: share one TicketKeys between the connections of a server (it rotates). */
  ticketKeys?: TicketKeys;
  /** Ticket lifetime announced to the client (seconds, default 7200). */
  ticketLifetimeSeconds?: number;
  /** TLS 1.2 sessions kept for resumption by session id (bounded; share one between connections). */
  sessionCache?: SessionCache12;
  /** TLS 1.2: accept a renegotiation the client starts (RFC 5746 only; default true) and how many per connection. */
  allowClientRenegotiation?: boolean;
  renegotiationLimit?: number;
  hooks?: ServerHooks;
  breakpoints?: { afterClientHello?: boolean; onClientCertificate?: boolean; afterEachMessage?: boolean };
  onBreak?: (info: { breakpoint: ServerBreakpoint; eventIndex: number }) => Promise<ServerBreakDecision>;
  /**
   * After the handshake: a write the client does not take in (it never reads, TCP pushes back) fails the
   * connection after this long, with a TIMEOUT error in the trace (default 30000 ms).
   */
  writeTimeoutMs?: number;
  /** Where the trace goes. */
  recorder?: Emit;
  /** Fail with TIMEOUT when the handshake takes longer (pauses at breakpoints do not count). */
  timeoutMs?: number;
  random?: (n: number) => Uint8Array;
  clock?: () => number;
}
