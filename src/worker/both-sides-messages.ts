// Messages between the page and the two both-sides workers (our client in one, our server in the other, joined by a
// MessageChannel whose ports the page hands them). Plain data only; imports neither DOM nor WebWorker types so both
// tsconfigs share it.
import type { BreakpointName, TraceEvent } from '../trace/types.ts';

export type Side = 'client' | 'server';

export type ServerCertificateChoice = 'good' | 'expired' | 'wrong-host' | 'uploaded';

/** A staged attack on the wire between the two (a writer-side tap on the channel, src/ui/both-sides/attacks.ts).
 * 'tampered-record': one byte of the server's first application-data record flipped (its AEAD tag fails:
 * bad_record_mac). 'downgrade': the client's supported_versions renamed to an unknown extension on its way, so a
 * server able to do TLS 1.3 answers TLS 1.2 with the downgrade sentinel, which our client catches (RFC 8446 §4.1.3:
 * illegal_parameter). 'tampered-finished': the server's Finished changed inside its record, re-sealed with the
 * server's handshake keys, so only the Finished check fails (decrypt_error, §4.4.4). 'hrr-loop': the server's
 * ServerHello after a HelloRetryRequest replaced by that HelloRetryRequest again (unexpected_message, §4.1.4).
 * 'starttls-injection': an SMTP preamble first, and a reply injected after the server's go-ahead (the client refuses
 * it: STARTTLS_INJECTION). 'wrong-certificate': the server presents a certificate for another host
 * (HOSTNAME_MISMATCH, bad_certificate). */
export type BothSidesAttack = 'none' | 'tampered-record' | 'downgrade' | 'tampered-finished' | 'hrr-loop' | 'starttls-injection' | 'wrong-certificate';

/** The client's breakpoints and the server's, in the trace's one spelling. */
export interface BothSidesBreakpoints {
  client: { afterEachMessage: boolean; serverAuth: boolean; clientCertRequest: boolean };
  server: { clientHello: boolean; clientCertificate: boolean; afterEachMessage: boolean };
}

/** What our client offers (as the live Connect form sets it). */
export interface BothSidesClientOptions {
  versions: ('TLS1.3' | 'TLS1.2')[];
  /** Suite names (IANA), TLS 1.3 and TLS 1.2 alike; empty: the engine's defaults. */
  suites: string[];
  groups: string[];
  /** Groups among `groups` the ClientHello carries a key share for. */
  keyShareGroups: string[];
  /** The name sent as SNI and checked against the certificate; empty: the name the server's certificate is for. */
  serverName: string;
  /** ALPN protocols offered, in order; empty: no ALPN extension. */
  alpn: string[];
  /** Offer the session (ticket) the server gave in an earlier run, to resume it; absent or none kept: a full handshake. */
  resume?: boolean;
  /** Sent as TLS 1.3 0-RTT early data when the resumed ticket allows it, else after the handshake (typed escapes as
   * in the Connect form: "\r\n" and "\n" become CR LF); empty or absent: none. */
  earlyData?: string;
}

/** The server as a teacher sets it up, and what our client offers. */
export interface BothSidesRequest {
  /** Absent: the client offers the server's versions, every group (key shares for X25519MLKEM768 and x25519) and
   * the engine's default suites. */
  client?: BothSidesClientOptions;
  /** ALPN protocols the server accepts, in its order; empty or absent: it ignores ALPN. */
  serverAlpn?: string[];
  versions: ('TLS1.3' | 'TLS1.2')[];
  /** Suite names (IANA); empty: the engine's defaults. */
  suites: string[];
  /** Groups the server accepts, in its order of preference; empty: its defaults. */
  groups: string[];
  /** The server insists on a group the client sent no key share for: a HelloRetryRequest on purpose (TLS 1.3). */
  helloRetry: boolean;
  certificate: ServerCertificateChoice;
  /** certificate 'uploaded': the PEM texts the person chose (chain, leaf first or in any order; key, or in the chain's file). */
  uploaded?: { chainPem: string; keyPem: string };
  clientAuth: 'none' | 'request' | 'require';
  /** Whether our client has a certificate to answer a request with. */
  clientHasCertificate: boolean;
  /** The server's hook refuses the client's certificate even when it verifies. */
  refuseClientCertificate: boolean;
  /** TLS 1.3 tickets the server sends after the handshake. */
  tickets: number;
  /** TLS 1.3: the tickets allow early data (DEFAULT_MAX_EARLY_DATA bytes, src/tls/server/options.ts) and the server takes it (each ticket's
   * once); off, a client's 0-RTT is refused (no early_data in EncryptedExtensions) and its early records skipped. */
  acceptEarlyData?: boolean;
  /** TLS 1.2: the server starts a renegotiation (HelloRequest) once the handshake is done. */
  renegotiate: boolean;
  /** TLS 1.3: the server sends a KeyUpdate asking the client to update too. */
  keyUpdate: boolean;
  attack?: BothSidesAttack;
  /** Absent: none. */
  breakpoints?: BothSidesBreakpoints;
}

/** What became of the client's early data, as each side saw it: offered as 0-RTT, taken, the bytes sent (client) or
 * read (server) as 0-RTT, those the client sent after the handshake instead, and why it was not sent or not taken. */
export interface EarlyDataOutcome {
  offered: boolean;
  accepted: boolean;
  bytes: number;
  resent?: number;
  reason?: string;
}

export type SideOutcome = { ok: true; version: string; cipherSuite: string | null; group: string | null; resumed?: boolean; earlyData?: EarlyDataOutcome } | { ok: false; code: string; message: string };

/** What the person decides at a breakpoint: go on, refuse (the side ends the handshake), run past every later
 * afterEachMessage pause of that side, or, when the server asks the client for a certificate, send or decline one. */
export type BothSidesDecision = 'continue' | 'abort' | 'run-to-end' | 'send-certificate' | 'decline';

export type ToBothSidesWorker =
  /** Load this side's engine now (the view opened), so the first run does not wait for it. */
  | { type: 'prepare'; side: Side }
  /** `port`: this side's end of the channel (transferred). */
  | { type: 'run'; id: number; side: Side; request: BothSidesRequest; port: MessagePort }
  | { type: 'decide'; id: number; decision: BothSidesDecision };

export type FromBothSidesWorker = { id: number; side: Side } & (
  /** Events in the order this side recorded them, each with its causal stamp (a Lamport clock carried by the
   * channel's messages): ordering both sides' events by stamp never puts a read before its write. */
  | { type: 'events'; batch: { event: TraceEvent; stamp: number }[] }
  | { type: 'handshake-done'; outcome: SideOutcome }
  | { type: 'paused'; breakpoint: BreakpointName; detail: string }
  | { type: 'resumed' }
  | { type: 'finished'; detail: string }
  | { type: 'failed'; message: string }
);
