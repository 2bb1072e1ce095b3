// What the server's handshake states share: resolved options, trace, record channel, message reader, transcript,
// breakpoints, and the summary built as the handshake goes. The server's twin of handshake/context.ts.
import { defineLazy, lazyHex } from '../../trace/lazy-hex.ts';
import type { Emit } from '../../trace/recorder.ts';
import { fail } from '../errors.ts';
import type { RecordChannel } from '../handshake/channel.ts';
import type { MessageReader } from '../handshake/message-reader.ts';
import { encodeHandshake, type ClientHello, type HandshakeMessage } from '../messages/handshake.ts';
import { encodeHandshake12, type AnyMessage12 } from '../messages/tls12.ts';
import type { Tls13Suite } from '../suites.ts';
import type { FfdheGroup } from '../../crypto/ffdhe.ts';
import type { Tls12Suite } from '../suites12.ts';
import type { Transcript } from '../transcript.ts';
import type { CertificateVerifier } from '../verifier.ts';
import type { ClientCertificateVerdict, ServerBreakpoint, ServerCertificate, ServerOptions } from './options.ts';
import type { TicketKeys } from './ticket-keys.ts';
import type { Established13 } from './states13.ts';
import type { Established12 } from './states12.ts';
import type { SessionCache12 } from './session-cache12.ts';

export interface ServerSummary {
  version: 'TLSv1.3' | 'TLSv1.2' | null;
  cipherSuite: string | null;
  group: string | null;
  signatureScheme: string | null;
  alpn: string | null;
  /** The name the client asked for (server_name), if any. */
  sni: string | null;
  resumed: boolean;
  helloRetryRequest: boolean;
  /** The client offered 0-RTT early data and the server turned it away (RFC 8446 §4.2.10). */
  earlyDataRefused?: boolean;
  /** Present when the client offered 0-RTT: whether the server took it, how many bytes it read, and why not. */
  earlyData?: { offered: true; accepted: boolean; bytes: number; refusedBecause?: string };
  clientCertificateRequested: boolean;
  clientCertificate: ClientCertificateVerdict | null;
  /** Set when the handshake completes. */
  handshakeMs?: number;
}

export interface ResolvedServerOptions extends Omit<ServerOptions, 'suites' | 'groups' | 'clientVerifier' | 'sessionCache'> {
  suites: Tls13Suite[];
  suites12: Tls12Suite[];
  /** The TLS 1.3 key-share groups in order: elliptic-curve, hybrid and finite-field; TLS 1.2 ECDHE takes its curves. */
  groupCodes: number[];
  /** The finite-field groups for TLS 1.2 DHE, in order (RFC 7919). */
  ffdheGroups: FfdheGroup[];
  /** What the server accepts from a client certificate: TLS 1.3, and TLS 1.2 (which adds PKCS#1 v1.5). */
  signatureSchemes: number[];
  signatureSchemes12: number[];
  /** The DNs of clientTrustAnchors, sent in CertificateRequest (certificate_authorities). */
  certificateAuthorities: Uint8Array[];
  preference: 'server' | 'client';
  clientAuth: 'none' | 'request' | 'require';
  clientVerifier: CertificateVerifier | null;
  numTickets: number;
  writeTimeoutMs: number;
  ticketKeys: TicketKeys;
  ticketLifetimeSeconds: number;
  sessionCache: SessionCache12;
  random: (n: number) => Uint8Array;
  clock: () => number;
  emit: Emit;
}

export class ServerContext {
  readonly summary: ServerSummary = {
    version: null,
    cipherSuite: null,
    group: null,
    signatureScheme: null,
    alpn: null,
    sni: null,
    resumed: false,
    helloRetryRequest: false,
    clientCertificateRequested: false,
    clientCertificate: null,
  };
  clientHello: ClientHello | null = null;
  certificate: ServerCertificate | null = null;
  stateName = 'start';
  /** The middlebox-compatibility ChangeCipherSpec went out (once per handshake, RFC 8446 §D.4). */
  ccsSent = false;
  /** Set by the last TLS 1.3 state: what the established connection needs. */
  established13: Established13 | null = null;
  /** Set by the last TLS 1.2 state. */
  established12: Established12 | null = null;
  currentWriteEpoch: 'plaintext' | 'handshake' | 'application' = 'plaintext';
  /** The 0-RTT application data read before EndOfEarlyData (server/early-data13.ts), for the connection. */
  earlyDataReceived: Uint8Array[] | null = null;

  constructor(
    readonly options: ResolvedServerOptions,
    readonly channel: RecordChannel,
    readonly reader: MessageReader,
    readonly transcript: Transcript,
    private watchdog: { pause(): void; resume(): void },
  ) {}

  get emit(): Emit {
    return this.options.emit;
  }

  setState(to: string): void {
    this.emit({ kind: 'state', from: this.stateName, to });
    this.stateName = to;
  }

  /** Encode, send and trace one handshake message; add it to the transcript (false: none; or another transcript). */
  async send(message: HandshakeMessage | AnyMessage12, opts: { transcript?: boolean | Transcript } = {}): Promise<{ bytes: Uint8Array; eventIndex: number }> {
    // TLS 1.2 layouts once TLS 1.2 is chosen (hellos have the same layout in both).
    const encoded = this.summary.version === 'TLSv1.2' ? encodeHandshake12(message as AnyMessage12) : encodeHandshake(message as HandshakeMessage);
    const records = await this.channel.write(22, encoded.bytes);
    const eventIndex = this.emit(defineLazy({ kind: 'handshake', direction: 'server', epoch: this.channel.writeEpoch, msgType: encoded.msgType, name: encoded.name, bytes: '', fields: encoded.fields, records }, 'bytes', lazyHex(encoded.bytes)));
    if (opts.transcript !== false) (opts.transcript === true || opts.transcript === undefined ? this.transcript : opts.transcript).add(encoded.bytes, encoded.name, eventIndex);
    await this.afterMessage(encoded.name, eventIndex, 'server');
    return { bytes: encoded.bytes, eventIndex };
  }

  /** The 'afterEachMessage' breakpoint and hook, after each handshake message sent or received. */
  async afterMessage(name: string, eventIndex: number, direction: 'client' | 'server'): Promise<void> {
    await this.options.hooks?.afterMessage?.(name, direction);
    if (!this.options.breakpoints?.afterEachMessage) return;
    if ((await this.pause('afterEachMessage', `after ${name} (event ${eventIndex})`)) === 'abort') throw fail.canceled(`stopped by the user after ${name}`);
  }

  /** The handshake is over: later pauses must not restart its time limit. */
  retireWatchdog(): void {
    this.watchdog = { pause: () => undefined, resume: () => undefined };
  }

  /** Emit a 'pause' event and wait for the caller's decision (the handshake timeout stops meanwhile). */
  async pause(breakpoint: ServerBreakpoint, detail: string): Promise<'continue' | 'abort'> {
    const onBreak = this.options.onBreak;
    if (!onBreak) return 'continue';
    const eventIndex = this.emit({ kind: 'pause', breakpoint, detail, phase: 'paused' });
    this.watchdog.pause();
    let decision: 'continue' | 'abort';
    try {
      decision = await onBreak({ breakpoint, eventIndex });
    } finally {
      this.watchdog.resume();
    }
    this.emit({ kind: 'pause', breakpoint, detail: `resumed: ${decision}`, phase: 'resumed', decision });
    return decision;
  }
}
