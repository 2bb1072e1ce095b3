// Messages between the page and the both-sides worker (our client and our server joined in memory). Plain data
// only; imports neither DOM nor WebWorker types so both tsconfigs share it.
import type { TraceEvent } from '../trace/types.ts';

export type Side = 'client' | 'server';
export type ServerCertificateChoice = 'good' | 'expired' | 'wrong-host';

/** The server as a teacher sets it up, and what our client offers. */
export interface BothSidesRequest {
  versions: ('TLS1.3' | 'TLS1.2')[];
  /** Suite names (IANA); empty: the engine's defaults. */
  suites: string[];
  /** Groups the server accepts, in its order of preference; empty: its defaults. */
  groups: string[];
  /** The server insists on a group the client sent no key share for: a HelloRetryRequest on purpose (TLS 1.3). */
  helloRetry: boolean;
  certificate: ServerCertificateChoice;
  clientAuth: 'none' | 'request' | 'require';
  /** Whether our client has a certificate to answer a request with. */
  clientHasCertificate: boolean;
  /** The server's hook refuses the client's certificate even when it verifies. */
  refuseClientCertificate: boolean;
  /** TLS 1.3 tickets the server sends after the handshake. */
  tickets: number;
  /** TLS 1.2: the server starts a renegotiation (HelloRequest) once the handshake is done. */
  renegotiate: boolean;
  /** TLS 1.3: the server sends a KeyUpdate asking the client to update too. */
  keyUpdate: boolean;
  /** A staged attack on the wire between the two. 'tampered-record': one byte of the server's first
   * application-data record flipped (its AEAD tag no longer matches: bad_record_mac). 'downgrade': the client's
   * supported_versions renamed to an unknown extension on its way, so a server able to do TLS 1.3 answers TLS 1.2
   * with the downgrade sentinel in its random, which our client catches (RFC 8446 §4.1.3: illegal_parameter). */
  attack?: 'none' | 'tampered-record' | 'downgrade';
}

export type SideOutcome = { ok: true; version: string; cipherSuite: string | null; group: string | null } | { ok: false; code: string; message: string };

export type ToBothSidesWorker = { type: 'run'; id: number; request: BothSidesRequest } | { type: 'full-trace'; id: number };

export type FromBothSidesWorker = { id: number } & (
  /** Events of both sides in the order they were recorded. */
  | { type: 'events'; batch: { side: Side; event: TraceEvent }[] }
  | { type: 'handshake-done'; client: SideOutcome; server: SideOutcome }
  | { type: 'finished'; detail: string }
  | { type: 'failed'; message: string }
);
