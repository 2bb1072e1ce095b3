// Everything the client handshake states share: options, trace, record channel, transcript, key schedule,
// what was offered, and what has been learnt so far.
import { defineLazy, lazyHex } from '../../trace/lazy-hex.ts';
import type { Emit } from '../../trace/recorder.ts';
import type { KeyShare } from '../../crypto/key-exchange.ts';
import type { PskEarlyStage13 } from '../key-schedule/key-schedule13.ts';
import { ContentType } from '../record/content-types.ts';
import { encodeHandshake, type ClientHello, type HandshakeMessage } from '../messages/handshake.ts';
import type { Tls13Suite } from '../suites.ts';
import type { Transcript } from '../transcript.ts';
import type { StapledOcspVerdict, VerifyOutcome } from '../verifier.ts';
import { fail } from '../errors.ts';
import type { RecordChannel } from './channel.ts';
import type { MessageReader } from './message-reader.ts';
import type { BreakDecision, BreakpointName, TlsClientOptions, Tls13Session } from './options.ts';
import type { Tls12Details } from '../handshake12/summary12.ts';
import type { EarlyDataOffer } from '../handshake13/early-data13.ts';

export interface CertificateSummary {
  /** The chain as the server sent it (DER, leaf first). */
  chain: Uint8Array[];
  verified: boolean;
  /** Continued despite a failure (insecure, or a decision at the serverAuth breakpoint). */
  overridden: boolean;
  error: { code: string; message: string } | null;
  outcome?: VerifyOutcome;
  /** The leaf's stapled OCSP response, as checked (RFC 6066 §8); null: asked for, none stapled; absent: not asked. */
  ocsp?: StapledOcspVerdict | null;
}

export interface HandshakeSummary {
  version: 'TLSv1.3' | 'TLSv1.2';
  cipherSuite: string | null;
  group: string | null;
  helloRetryRequest: boolean;
  alpn: string | null;
  resumed: boolean;
  serverName?: string;
  signatureScheme: string | null;
  clientCertificateRequested: boolean;
  clientCertificateSent: boolean;
  certificate: CertificateSummary;
  /** TLS 1.3 post-handshake authentication (src/tls/handshake13/post-handshake-auth.ts): requests answered so far. */
  postHandshakeAuth?: { offered: boolean; requests: number; certificatesSent: number };
  /**
   * Present when the caller gave `earlyData`: whether it went as 0-RTT (offered: the ClientHello carried early_data),
   * whether the server took it, how many bytes went as 0-RTT, and how many were sent after the handshake instead
   * (refused, or beyond the ticket's max_early_data_size); `reason`: why it did not go as 0-RTT, or why it was lost.
   */
  earlyData?: { offered: boolean; accepted: boolean; bytes: number; resent: number; reason?: string };
  /** TLS 1.2 only: key exchange, EMS, secure renegotiation, ... (src/tls/handshake12/summary12.ts). */
  tls12?: Tls12Details;
}

/** Resolved options: defaults filled in. */
export interface ResolvedOptions extends Omit<TlsClientOptions, 'suites'> {
  suites: Tls13Suite[];
  groupCodes: number[];
  keyShareCodes: number[];
  signatureSchemes: number[];
  random: (n: number) => Uint8Array;
  /** True when the caller supplied `random`: key shares then come from it too (replayable runs). */
  randomIsInjected: boolean;
  clock: () => number;
}

/**
 * Messages we send whose field tree is made when first read, by decoding the bytes sent: the ClientHello (the
 * largest tree, built while the first flight waits to leave) and Finished, the ones on a handshake's critical path.
 */
const FIELDS_WHEN_READ = new Set<HandshakeMessage['type']>(['client_hello', 'finished']);

export class HandshakeContext {
  suite: Tls13Suite | null = null;
  /** Our key shares by group code. */
  keyShares = new Map<number, KeyShare>();
  clientHello!: ClientHello;
  /** Extension codes of the ClientHello we sent: anything else from the server is unsolicited. */
  offered = new Set<number>();
  pskOffered: Tls13Session | null = null;
  /** The key schedule started from the PSK (its hash fixed by the session's suite). */
  pskSchedule: PskEarlyStage13 | null = null;
  hrr = false;
  ccsSent = false;
  /** 0-RTT sent with the first ClientHello (handshake13/early-data13.ts), until the server says what it did with it. */
  earlyData: EarlyDataOffer | null = null;
  summary: HandshakeSummary;
  stateName = 'start';

  constructor(
    readonly options: ResolvedOptions,
    readonly emit: Emit,
    readonly channel: RecordChannel,
    readonly reader: MessageReader,
    readonly transcript: Transcript,
    private watchdog: { pause(): void; resume(): void },
  ) {
    this.summary = {
      version: 'TLSv1.3',
      cipherSuite: null,
      group: null,
      helloRetryRequest: false,
      alpn: null,
      resumed: false,
      serverName: options.serverName,
      signatureScheme: null,
      clientCertificateRequested: false,
      clientCertificateSent: false,
      certificate: { chain: [], verified: false, overridden: false, error: null },
      ...(options.earlyData ? { earlyData: { offered: false, accepted: false, bytes: 0, resent: 0 } } : {}),
    };
  }

  requireSuite(): Tls13Suite {
    if (!this.suite) throw fail.internal('no cipher suite negotiated yet');
    return this.suite;
  }

  setState(to: string): void {
    this.emit({ kind: 'state', from: this.stateName, to });
    this.stateName = to;
  }

  /**
   * Encode, send and trace one handshake message; add it to the transcript (false: none, e.g. KeyUpdate; or
   * another transcript, e.g. post-handshake authentication's).
   */
  async send(message: HandshakeMessage, opts: { transcript?: boolean | Transcript } = {}): Promise<{ bytes: Uint8Array; eventIndex: number }> {
    const lazyTree = FIELDS_WHEN_READ.has(message.type);
    const encoded = encodeHandshake(message, lazyTree);
    const records = await this.channel.write(ContentType.handshake, encoded.bytes);
    // A ClientHello is all a client says before the server answers: the transport is asked for the answer now
    // (one that opens on its first read, FirstFlightTransport, opens at once), not after this message's event,
    // transcript and state change. The answer is read and traced where it always was.
    if (message.type === 'client_hello') this.channel.startReading?.();
    const epoch = this.currentWriteEpoch;
    const event = defineLazy({ kind: 'handshake' as const, direction: 'client' as const, epoch, msgType: encoded.msgType, name: encoded.name, bytes: '', fields: lazyTree ? [] : encoded.fields, records }, 'bytes', lazyHex(encoded.bytes));
    // The tree of a message whose tree is made when read is handed on unread (encodeHandshake decodes it then).
    const eventIndex = this.emit(lazyTree ? defineLazy(event, 'fields', () => encoded.fields) : event);
    if (opts.transcript !== false) (opts.transcript === true || opts.transcript === undefined ? this.transcript : opts.transcript).add(encoded.bytes, encoded.name, eventIndex);
    await this.afterMessage(encoded.name, eventIndex);
    return { bytes: encoded.bytes, eventIndex };
  }

  currentWriteEpoch: 'plaintext' | 'early' | 'handshake' | 'application' = 'plaintext';

  /**
   * TLS 1.3, from the ServerHello until the client's second flight: moves our writes to the client handshake keys
   * (after the compatibility CCS). The second flight calls it; so does a failure before then, so that the fatal
   * alert goes out under the keys the server reads with (RFC 8446 §6), not in plaintext.
   */
  protectWrites?: () => Promise<void>;

  /** The afterEachMessage breakpoint, after each handshake message sent or received. */
  async afterMessage(name: string, eventIndex: number): Promise<void> {
    if (!this.options.breakpoints?.afterEachMessage) return;
    const decision = await this.pause('afterEachMessage', `after ${name} (event ${eventIndex})`);
    if (decision === 'abort') throw fail.canceled(`stopped by the user after ${name}`);
  }

  /** The handshake is over: later breakpoints (post-handshake, renegotiation) must not restart its time limit. */
  retireWatchdog(): void {
    this.watchdog = { pause: () => undefined, resume: () => undefined };
  }

  /** Emit a 'pause' event, wait for the caller's decision (the handshake timeout stops meanwhile). */
  async pause(breakpoint: BreakpointName, detail: string, phase?: 'handshake' | 'post-handshake'): Promise<BreakDecision> {
    const onBreak = this.options.onBreak;
    if (!onBreak) return 'continue';
    const eventIndex = this.emit({ kind: 'pause', breakpoint, detail, phase: 'paused' });
    this.watchdog.pause();
    let decision: BreakDecision;
    try {
      decision = await onBreak({ breakpoint, eventIndex, ...(phase ? { phase } : {}) });
    } finally {
      this.watchdog.resume();
    }
    const said = typeof decision === 'string' ? decision : 'client certificate supplied';
    this.emit({ kind: 'pause', breakpoint, detail: `resumed: ${said}`, phase: 'resumed', decision: said });
    return decision;
  }
}
