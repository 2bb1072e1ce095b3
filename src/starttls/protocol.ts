// The shape every STARTTLS protocol module has: a plaintext negotiation up to the server's go-ahead,
// and the capability check once TLS is up.
import type { Dialogue } from './dialogue.ts';

export interface StartTlsOptions {
  /** Server name: used as the XMPP domain (`to` of the stream header). */
  hostname?: string;
  /** Our own name for EHLO/LHLO. Default `tls-lens.localdomain`. */
  clientName?: string;
  /** Milliseconds to wait for each reply. Default 10000. */
  timeoutMs?: number;
  /** Milliseconds the whole plaintext phase may take, however the server paces its bytes. Default 60000. */
  totalTimeoutMs?: number;
  /** How long to watch for stray plaintext after the go-ahead. Default 150 ms. */
  injectionWaitMs?: number;
  /** Longest reply line accepted. Default 8192 bytes. */
  maxLineLength?: number;
  /** PostgreSQL: skip the SSLRequest and start TLS at once (PostgreSQL 17+, ALPN `postgresql`). */
  direct?: boolean;
}

export interface ProtocolInfo {
  id: StartTlsProtocol;
  name: string;
  defaultPort: number;
  rfc: string;
}

export type StartTlsProtocol = 'smtp' | 'lmtp' | 'imap' | 'pop3' | 'ftp' | 'xmpp' | 'ldap' | 'postgres' | 'mysql' | 'nntp' | 'sieve';

/** What the negotiation hands to the after-TLS step (protocol specific). */
export interface Negotiated {
  capabilitiesBefore: string[];
  /** ALPN protocols the TLS client must offer (PostgreSQL direct TLS). */
  alpn?: string[];
  /** A protocol-specific sentence added to an injection warning (e.g. the CVE of that protocol's clients). */
  injectionHint?: string;
  /** Free-form state carried to afterTls (e.g. the next IMAP tag). */
  state?: unknown;
}

export interface ProtocolHandler extends ProtocolInfo {
  negotiate(d: Dialogue, options: StartTlsOptions): Promise<Negotiated>;
  /** Capabilities over TLS, or null when the protocol has nothing to re-read before authentication. */
  afterTls(d: Dialogue, options: StartTlsOptions, state: unknown): Promise<string[] | null>;
}

/** One plaintext packet or message in words: the text (and note) live sessions and captures both show for it. */
export interface PlaintextDescription {
  text: string;
  note?: string;
}

/**
 * How a binary protocol's plaintext splits into packets and what each says. Pure (no I/O): the live handler
 * describes what it sends and reads with it, the capture decoder describes captured bytes with it.
 */
export interface PlaintextCodec {
  /** Length of the complete unit at the front of `buf` (the `index`-th unit of that side), or null when it cannot be framed (yet). */
  unitLength(side: 'client' | 'server', buf: Uint8Array, index: number): number | null;
  describe(side: 'client' | 'server', unit: Uint8Array): PlaintextDescription;
  /** True for the unit after which TLS starts (the server's go-ahead, or MySQL's SSL Request). */
  switchesToTls(side: 'client' | 'server', unit: Uint8Array): boolean;
}
