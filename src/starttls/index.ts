// The STARTTLS layer: run a protocol's plaintext preamble over a Transport, record it in the trace, and hand
// back a Transport for TLS that starts with an empty buffer. Knows nothing of TLS itself.
//
// Usage (the TLS engine and the CLI):
//   const pre = await runStartTls('smtp', tcp, recorder.emit, { hostname });
//   const tls = await connectTls(pre.transport, { serverName: hostname, alpn: pre.alpn }, recorder.emit);
//   const { capabilitiesAfter } = await pre.afterTls(tls);          // EHLO again, over TLS
//   json.starttls = starttlsTranscript('smtp', recorder.events, pre.capabilitiesBefore, capabilitiesAfter);
// Failures throw StartTlsError (after an `error` trace event and closing the transport); never fall back to plaintext.
// A server that does not advertise STARTTLS still gets the command (the user asked for it); only its refusal fails.
import type { Transport } from '../transport/types.ts';
import type { Emit } from '../trace/recorder.ts';
import type { TraceEvent } from '../trace/types.ts';
import { DEFAULT_LIMITS, Dialogue, type ByteStream } from './dialogue.ts';
import { StartTlsError } from './errors.ts';
import type { PlaintextCodec, ProtocolHandler, ProtocolInfo, StartTlsOptions, StartTlsProtocol } from './protocol.ts';
import { smtp, lmtp } from './smtp.ts';
import { imap } from './imap.ts';
import { pop3 } from './pop3.ts';
import { ftp } from './ftp.ts';
import { xmpp } from './xmpp.ts';
import { ldap, ldapCodec } from './ldap.ts';
import { postgres, postgresCodec } from './postgres.ts';
import { mysql, mysqlCodec } from './mysql.ts';
import { nntp } from './nntp.ts';
import { sieve } from './sieve.ts';

export { StartTlsError } from './errors.ts';
export type { StartTlsErrorCode } from './errors.ts';
export type { StartTlsOptions, StartTlsProtocol, ProtocolInfo, PlaintextCodec, PlaintextDescription } from './protocol.ts';
export type { ByteStream } from './dialogue.ts';

const HANDLERS: ProtocolHandler[] = [smtp, lmtp, imap, pop3, ftp, xmpp, ldap, postgres, mysql, nntp, sieve];

/** Every protocol this layer speaks: id (for --starttls), display name, usual port, the defining document. */
export const PROTOCOLS: ProtocolInfo[] = HANDLERS.map(({ id, name, defaultPort, rfc }) => ({ id, name, defaultPort, rfc }));

/** The binary protocols' packet framing and descriptions, shared by the live handlers and the capture decoder. */
const CODECS: Partial<Record<StartTlsProtocol, PlaintextCodec>> = { ldap: ldapCodec, postgres: postgresCodec, mysql: mysqlCodec };

/** The plaintext codec of a binary protocol (LDAP, PostgreSQL, MySQL); undefined for the line and XML ones. */
export function plaintextCodec(protocol: StartTlsProtocol): PlaintextCodec | undefined {
  return CODECS[protocol];
}

export function isStartTlsProtocol(id: string): id is StartTlsProtocol {
  return HANDLERS.some((h) => h.id === id);
}

export interface StartTlsResult {
  /** The transport for TLS: nothing buffered; plaintext arriving before the TLS client speaks fails with STARTTLS_INJECTION. */
  transport: Transport;
  capabilitiesBefore: string[];
  /** False when the server had not advertised STARTTLS and the command was sent anyway (and accepted). */
  advertised: boolean;
  /** ALPN protocols the TLS client must offer (PostgreSQL direct TLS). */
  alpn?: string[];
  /** Once TLS is up: ask for the capabilities again over the TLS stream (or restart the XMPP stream). */
  afterTls(tlsStream: ByteStream): Promise<{ capabilitiesAfter: string[] }>;
}

/**
 * Run the plaintext preamble of `protocol` over `transport` until the server's go-ahead.
 * On failure the trace gets an `error` event, the transport is closed, and a StartTlsError is thrown.
 */
export async function runStartTls(protocol: StartTlsProtocol, transport: Transport, emit: Emit, options: StartTlsOptions = {}): Promise<StartTlsResult> {
  const handler = HANDLERS.find((h) => h.id === protocol);
  if (!handler) throw new StartTlsError('PROTOCOL_ERROR', `unknown STARTTLS protocol ${JSON.stringify(protocol)}; known: ${HANDLERS.map((h) => h.id).join(', ')}`);
  const limits = {
    ...DEFAULT_LIMITS,
    ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
    ...(options.totalTimeoutMs !== undefined && { totalTimeoutMs: options.totalTimeoutMs }),
    ...(options.injectionWaitMs !== undefined && { injectionWaitMs: options.injectionWaitMs }),
    ...(options.maxLineLength !== undefined && { maxLineLength: options.maxLineLength }),
  };
  const d = new Dialogue(handler.name, transport, emit, limits);
  try {
    const negotiated = await handler.negotiate(d, options);
    d.note(`capabilities before TLS: ${negotiated.capabilitiesBefore.join(', ') || '(none)'}`);
    const tlsTransport = await d.handover(transport, negotiated.injectionHint);
    d.note('go-ahead received and nothing else: the TLS handshake starts now');
    return {
      transport: tlsTransport,
      capabilitiesBefore: negotiated.capabilitiesBefore,
      advertised: d.advertised,
      ...(negotiated.alpn && { alpn: negotiated.alpn }),
      async afterTls(tlsStream) {
        const after = new Dialogue(handler.name, tlsStream, emit, limits, true);
        try {
          const reread = await handler.afterTls(after, options, negotiated.state);
          if (reread) after.note(describeChange(negotiated.capabilitiesBefore, reread));
          return { capabilitiesAfter: reread ?? [] };
        } catch (e) {
          throw reportError(emit, e);
        }
      },
    };
  } catch (e) {
    const err = reportError(emit, e);
    await transport.close().catch(() => undefined);
    throw err;
  }
}

/** Every failure leaves the layer as a StartTlsError, recorded in the trace once. */
function reportError(emit: Emit, e: unknown): StartTlsError {
  const err = e instanceof StartTlsError ? e : new StartTlsError('PROTOCOL_ERROR', `unexpected failure: ${(e as Error)?.message ?? String(e)}`);
  emit({ kind: 'error', code: err.code, message: err.message });
  return err;
}

/** Plain words for what TLS changed in the capability list. */
export function describeChange(before: string[], after: string[]): string {
  const added = after.filter((c) => !before.includes(c));
  const removed = before.filter((c) => !after.includes(c));
  if (!added.length && !removed.length) return 'capabilities after TLS: unchanged';
  const parts = [];
  if (added.length) parts.push(`added ${added.join(', ')}`);
  if (removed.length) parts.push(`removed ${removed.join(', ')}`);
  return `capabilities after TLS: ${parts.join('; ')}`;
}

export interface StartTlsTranscript {
  protocol: string;
  transcript: { direction: 'client' | 'server'; line: string }[];
  capabilitiesBefore: string[];
  capabilitiesAfter: string[];
  /** Present (false) when the server had not advertised STARTTLS and the command was sent anyway (from the trace). */
  advertised?: false;
}

/** The CLI's JSON form of the preamble, built from the trace's preamble events. */
export function starttlsTranscript(protocol: StartTlsProtocol, events: TraceEvent[], capabilitiesBefore: string[], capabilitiesAfter: string[] = []): StartTlsTranscript {
  const handler = HANDLERS.find((h) => h.id === protocol);
  const transcript: StartTlsTranscript['transcript'] = [];
  let advertised = true;
  for (const e of events) {
    if (e.kind !== 'preamble' || (handler && e.protocol !== handler.name)) continue;
    if (e.advertised === false) advertised = false;
    for (const line of e.text.split('\n')) transcript.push({ direction: e.direction, line });
  }
  return { protocol, transcript, capabilitiesBefore, capabilitiesAfter, ...(advertised ? {} : { advertised: false as const }) };
}
