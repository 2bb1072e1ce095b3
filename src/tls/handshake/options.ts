// Options of a TLS 1.3 client connection, and what a session ticket keeps for resumption.
import type { CertificateVerifier } from '../verifier.ts';
import type { GroupName } from '../suites.ts';
import type { Tls12Session } from '../handshake12/session12.ts';

export interface ClientCertificate {
  /** DER certificates, leaf first. */
  chain: Uint8Array[];
  /** The leaf's private key: a WebCrypto key or PKCS#8 DER. */
  privateKey: CryptoKey | Uint8Array;
}

/** What a NewSessionTicket gives for a later connection (RFC 8446 §4.6.1). Plain data: can be saved. */
export interface Tls13Session {
  serverName?: string;
  cipherSuite: number;
  psk: Uint8Array;
  ticket: Uint8Array;
  ageAdd: number;
  lifetimeSeconds: number;
  /** Clock time (ms) when the ticket arrived. */
  receivedAt: number;
  maxEarlyData?: number;
  alpn?: string | null;
}

/** A session to resume: a TLS 1.3 ticket, or a TLS 1.2 session id / ticket with its master secret. */
export type TlsSession = Tls13Session | Tls12Session;

export type { BreakpointName } from '../../trace/types.ts';
import type { BreakpointName, ClientBreakpointName } from '../../trace/types.ts';

export interface BreakInfo {
  breakpoint: BreakpointName;
  /** Index of the 'pause' event. */
  eventIndex: number;
  /** 'clientCertRequest' only: during the handshake, or a CertificateRequest after it (RFC 8446 §4.6.2). */
  phase?: 'handshake' | 'post-handshake';
}

export type BreakDecision = 'continue' | 'abort' | 'decline' | { clientCertificate: ClientCertificate };

export interface TlsClientOptions {
  /** SNI and the name the certificate must match. An IP literal is matched but not sent as SNI. */
  serverName?: string;
  /** Default true: read() gives the caller a copy of each record's data, since the trace reads the engine's own
   * bytes later. False: the engine's own bytes, for a caller that never writes to them (the app's worker only
   * counts them), saving a copy of every record received. */
  readCopies?: boolean;
  alpn?: string[];
  /** Groups offered in supported_groups, in preference order (default x25519, secp256r1, secp384r1, secp521r1). */
  groups?: GroupName[];
  /** Groups that get a key share in the first ClientHello (default: the first group). */
  keyShareGroups?: GroupName[];
  /** Cipher suites by IANA name or code (default: all three TLS 1.3 suites). */
  suites?: (string | number)[];
  /** SignatureScheme codes offered in signature_algorithms. */
  signatureSchemes?: number[];
  clientCertificate?: ClientCertificate;
  /**
   * Offer post_handshake_auth (RFC 8446 §4.2.6) so the server may ask for a certificate after the handshake.
   * Default: on when a client certificate is configured or the clientCertRequest breakpoint can supply one.
   */
  postHandshakeAuth?: boolean;
  /** A ticket from an earlier connection to offer for resumption (a TLS 1.2 session resumes by id or ticket). */
  session?: TlsSession;
  /**
   * Data to send first (RFC 8446 §2.3): as 0-RTT early data when `session` is a TLS 1.3 ticket whose
   * max_early_data_size allows it (at most that many bytes; the rest after the handshake), else, or when the server
   * refuses it, as ordinary application data right after the handshake. Early data can be replayed (§8): send only
   * what is safe to receive twice.
   */
  earlyData?: Uint8Array;
  /** Versions to offer (default both in one ClientHello, the downgrade sentinel honoured; see planVersions). */
  versions?: ('TLS1.2' | 'TLS1.3')[];
  verifier?: CertificateVerifier;
  /**
   * Offer status_request (RFC 6066 §8): ask the server to staple an OCSP response for its certificate, which the
   * verifier then checks (default true, as browsers do; false: not asked, and a staple is refused as unsolicited).
   */
  statusRequest?: boolean;
  /** Report certificate failures but carry on. */
  insecure?: boolean;
  /** Zero bytes added to each protected record we send. */
  padding?: number;
  /** Largest plaintext per record we send (default 16384). */
  maxFragmentLength?: number;
  /** Randomness (ClientHello random, session id, key shares). Default: crypto.getRandomValues. */
  random?: (n: number) => Uint8Array;
  /** Milliseconds since the epoch (ticket ages, certificate validity). Default: Date.now. */
  clock?: () => number;
  /** Fail with TIMEOUT when the handshake takes longer (time spent paused at a breakpoint does not count). */
  timeoutMs?: number;
  /** Which breakpoints are on, by name. */
  breakpoints?: Partial<Record<ClientBreakpointName, boolean>>;
  onBreak?: (info: BreakInfo) => Promise<BreakDecision>;
}
