// What the TLS 1.2 handshake states share. The options, trace, record channel, message reader, breakpoints and
// summary come from the TLS 1.3 HandshakeContext (`base`), so both versions pause, trace and report alike.
import { defineLazy, lazyHex } from '../../trace/lazy-hex.ts';
import type { ReceivedRecord } from '../handshake/channel.ts';
import type { HandshakeContext } from '../handshake/context.ts';
import type { OtherRecord, ReceivedMessage } from '../handshake/message-reader.ts';
import { fail, TlsError } from '../errors.ts';
import { ContentType } from '../messages/constants.ts';
import type { ClientHello } from '../messages/handshake.ts';
import { encodeHandshake12, type AnyMessage12 } from '../messages/tls12.ts';
import type { RecordProtector } from '../record/protector.ts';
import { AlertDescription } from '../record/alerts.ts';
import type { Tls12Suite } from '../suites12.ts';
import { Transcript } from '../transcript.ts';
import type { Tls12Session } from './session12.ts';
import type { Tls12Details } from './summary12.ts';
import { appDataEvent } from '../handshake/app-data-event.ts';

/** Per-connection settings of the TLS 1.2 client. */
export interface Tls12Config {
  suites: Tls12Suite[];
  /** The same ClientHello also offered TLS 1.3 (so the downgrade sentinel matters). */
  offerTls13: boolean;
  /** Offer RFC 5077 session tickets (default true). */
  sessionTickets: boolean;
}

/** RFC 5746 state carried from one handshake of a connection to the next. */
export interface RenegotiationState {
  secure: boolean;
  clientVerifyData: Uint8Array;
  serverVerifyData: Uint8Array;
  handshakes: number;
}

export class Tls12Context {
  suite: Tls12Suite | null = null;
  readonly transcript: Transcript;
  clientHello!: ClientHello;
  serverRandom: Uint8Array = new Uint8Array(0);
  serverSessionId: Uint8Array = new Uint8Array(0);
  offered = new Set<number>();
  /** A session offered for resumption, and how. */
  offeredSession: Tls12Session | null = null;
  offeredBy: 'id' | 'ticket' | null = null;
  resumed = false;
  ems = false;
  etm = false;
  ticketPromised = false;
  /** The ServerHello acknowledged status_request: a CertificateStatus may follow the Certificate (RFC 6066 §8). */
  statusPromised = false;
  newTicket: { ticket: Uint8Array; lifetime: number } | null = null;
  serverChain: Uint8Array[] = [];
  /** Keys that take effect at the peer's / our ChangeCipherSpec. */
  pendingRead: RecordProtector | null = null;
  /** True while a server ChangeCipherSpec may arrive. */
  ccsExpected = false;
  ccsReceived = false;
  details: Tls12Details;
  /** Where this handshake's records come from. Null: straight from the reader (the first handshake). A
   * renegotiation gets them from the connection's single reader loop, so a pending read() can coexist with it. */
  source: (() => Promise<ReceivedMessage | OtherRecord | null>) | null = null;

  constructor(
    readonly base: HandshakeContext,
    readonly config: Tls12Config,
    readonly reneg: RenegotiationState,
    /** Application data that arrives during a renegotiation goes here (for TlsConnection.read). */
    readonly onAppData: ((data: Uint8Array) => void) | null,
    /** The transcript so far, when the ClientHello was sent by the TLS 1.3 code (one hello offering both). */
    transcript?: Transcript,
  ) {
    this.transcript = transcript ?? new Transcript(null, base.emit);
    this.details = {
      keyExchange: 'ECDHE',
      forwardSecrecy: true,
      extendedMasterSecret: false,
      secureRenegotiation: reneg.secure,
      encryptThenMac: false,
      legacyCipherSuite: false,
      resumedBy: null,
      renegotiations: reneg.handshakes,
      ticketReceived: false,
    };
    base.reader.decoder.useTls12(() => this.suite?.kx);
    base.reader.onChangeCipherSpec = (record) => this.onChangeCipherSpec(record);
    // RFC 5246 §7.2.2: a warning may be ignored; no_renegotiation still ends a renegotiation attempt (it is the answer).
    base.reader.toleratedWarning = (d) => d !== AlertDescription.no_renegotiation;
  }

  get emit() {
    return this.base.emit;
  }
  get isRenegotiation(): boolean {
    return this.reneg.handshakes > 0;
  }

  requireSuite(): Tls12Suite {
    if (!this.suite) throw fail.internal('no TLS 1.2 cipher suite negotiated yet');
    return this.suite;
  }

  /** Encode, send and trace one handshake message, and add it to the transcript. */
  async send(m: AnyMessage12): Promise<Uint8Array> {
    const encoded = encodeHandshake12(m);
    const epoch = this.base.channel.writeEpoch;
    const records = await this.base.channel.write(ContentType.handshake, encoded.bytes);
    const eventIndex = this.emit(defineLazy({ kind: 'handshake', direction: 'client', epoch, msgType: encoded.msgType, name: encoded.name, bytes: '', fields: encoded.fields, records }, 'bytes', lazyHex(encoded.bytes)));
    this.transcript.add(encoded.bytes, encoded.name, eventIndex);
    await this.base.afterMessage(encoded.name, eventIndex);
    return encoded.bytes;
  }

  /** Our ChangeCipherSpec (protected by the current keys during a renegotiation), then the new write keys. */
  async sendChangeCipherSpec(next: RecordProtector): Promise<void> {
    await this.base.channel.writeChangeCipherSpec();
    this.base.channel.setWriteProtector(next);
    this.emit({ kind: 'note', text: `ChangeCipherSpec sent: the client now writes with ${next.cipherSuite}` });
  }

  /** The next handshake message of this handshake (application data during a renegotiation is passed on). */
  async next(): Promise<ReceivedMessage> {
    for (;;) {
      const item = this.source ? await this.source() : await this.base.reader.nextAny();
      if (item === null) throw this.base.reader.endedInHandshake('end of stream', 'the server closed the connection in the middle of the handshake');
      if ('kind' in item && item.kind === 'app-data') {
        if (!this.onAppData) throw fail.unexpected('application data arrived before the handshake finished');
        if (item.data.length) {
          this.onAppData(item.data);
          this.emit(appDataEvent('server', item.record.fragment, { dataHex: item.record.fragmentHex, record: item.record.eventIndex }));
        }
        continue;
      }
      if ('kind' in item && item.kind === 'close-notify') throw this.base.reader.endedInHandshake('close_notify', 'the server closed the connection (close_notify) during the handshake');
      const m = item as ReceivedMessage;
      // RFC 5246 §7.4.1.1: a HelloRequest during a handshake is ignored (and never part of a transcript).
      if (m.message.type === 'hello_request') {
        this.emit({ kind: 'note', text: 'HelloRequest ignored: a handshake is already under way' });
        continue;
      }
      await this.base.afterMessage(m.name, m.eventIndex);
      return m;
    }
  }

  private async onChangeCipherSpec(record: ReceivedRecord): Promise<void> {
    if (record.fragment.length !== 1 || record.fragment[0] !== 1) throw fail.unexpected('a malformed ChangeCipherSpec (it must be the single byte 1)');
    if (!this.ccsExpected || !this.pendingRead) throw fail.unexpected('a ChangeCipherSpec arrived where the handshake does not expect one');
    this.base.reader.assertAtMessageBoundary('at the server ChangeCipherSpec');
    this.base.channel.setReadProtector(this.pendingRead);
    this.emit({ kind: 'note', text: `ChangeCipherSpec received: the server now writes with ${this.pendingRead.cipherSuite}` });
    this.pendingRead = null;
    this.ccsExpected = false;
    this.ccsReceived = true;
  }
}
