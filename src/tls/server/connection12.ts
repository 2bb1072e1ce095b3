// An established TLS 1.2 connection, server side: application data and the two-step shutdown (connection.ts),
// and secure renegotiation both ways (RFC 5746): a ClientHello from the client is accepted when the first
// handshake showed RFC 5746 support, up to a per-connection limit (OpenSSL 3 refuses by default, for fear of
// floods; showing it is the point here), and the server can start one with HelloRequest (RFC 5246 §7.4.1.1).
// Refusals go out as no_renegotiation warnings; a client that keeps asking after that is cut off.
import { TlsError, fail } from '../errors.ts';
import { appDataEvent } from '../handshake/app-data-event.ts';
import { sendAlert } from '../handshake/failure.ts';
import type { ReceivedMessage } from '../handshake/message-reader.ts';
import { AlertDescription } from '../record/alerts.ts';
import { Transcript } from '../transcript.ts';
import { ServerConnectionBase } from './connection.ts';
import { ServerContext } from './context.ts';
import type { ClientCertificateVerdict } from './options.ts';
import { startTls12, type Established12 } from './states12.ts';
import type { ServerState } from './state.ts';

export class ServerConnection12 extends ServerConnectionBase {
  readonly version = 'TLSv1.2' as const;
  /** Renegotiations completed on this connection. */
  renegotiations = 0;
  private refused = 0;
  /** Set while a HelloRequest waits for the client's answer. */
  private helloRequested: { refused: () => void } | null = null;

  constructor(
    ctx: ServerContext,
    private details: Established12,
  ) {
    super(ctx);
    // RFC 5246 §7.2.2: a warning may be ignored (user_canceled is passed over by the reader itself); the client's
    // no_renegotiation answers our HelloRequest.
    ctx.reader.toleratedWarning = (d) => {
      if (d === AlertDescription.no_renegotiation && this.helloRequested) this.helloRequested.refused();
      return true;
    };
  }

  get established(): Established12 {
    return this.details;
  }

  /**
   * RFC 5705 keying material exporter: from the master secret and hello randoms of the latest handshake (after a
   * renegotiation, the new one). `context` null and an empty context give different keys in TLS 1.2.
   */
  exportKeyingMaterial(label: string, context: Uint8Array | null, length: number): Promise<Uint8Array> {
    const d = this.details;
    return d.master.exportKeyingMaterial(label, d.clientRandom, d.serverRandom, context, length, d.extendedMasterSecret);
  }

  keyUpdate(): Promise<void> {
    return Promise.reject(new TlsError('BAD_OPTION', 'KeyUpdate exists only in TLS 1.3 (TLS 1.2 renegotiates instead)'));
  }

  requestClientAuth(): Promise<ClientCertificateVerdict> {
    return Promise.reject(new TlsError('BAD_OPTION', 'in TLS 1.2 a server asks for a client certificate in a (re)negotiation: set clientAuth and call renegotiate()'));
  }

  /**
   * HelloRequest (RFC 5246 §7.4.1.1), then the handshake the client starts with its ClientHello. Resolves when that
   * handshake is complete; rejects (BAD_OPTION, the connection still up) when the client answers no_renegotiation.
   */
  async renegotiate(): Promise<void> {
    if (!this.details.secureRenegotiation) throw new TlsError('BAD_OPTION', 'the client did not show secure renegotiation (RFC 5746), so this server will not renegotiate');
    const before = this.renegotiations;
    let refused!: () => void;
    let wasRefused = false;
    const refusal = new Promise<'refused'>((resolve) => (refused = () => ((wasRefused = true), resolve('refused'))));
    this.helloRequested = { refused };
    await this.exclusiveWrite(async () => void (await this.ctx.send({ type: 'hello_request' }, { transcript: false })));
    // After a refusal this loop must end too: it holds the read lock, and read() would wait behind it for ever.
    const done = this.serialized(async () => {
      while (this.renegotiations === before && !this.closeReceived && !wasRefused) if (!(await this.pump())) break;
      return 'done' as const;
    });
    const outcome = await Promise.race([done, refusal]);
    this.helloRequested = null;
    if (outcome === 'refused') {
      this.emit({ kind: 'renegotiation', phase: 'refused', number: before + 1, by: 'server', refusedBy: 'client', reason: 'the client answered no_renegotiation' });
      throw new TlsError('BAD_OPTION', 'the client refused to renegotiate (no_renegotiation)');
    }
    if (this.renegotiations === before) throw new TlsError('CLOSED', 'the connection ended before the renegotiation completed');
  }

  protected async onPostHandshake(m: ReceivedMessage): Promise<void> {
    if (m.message.type !== 'client_hello') throw fail.unexpected(`${m.name} is not allowed from the client after the TLS 1.2 handshake`);
    const o = this.ctx.options;
    const limit = o.renegotiationLimit ?? 3;
    const byServer = !!this.helloRequested;
    const reason = !this.details.secureRenegotiation
      ? 'the client did not show secure renegotiation (RFC 5746)'
      : !byServer && o.allowClientRenegotiation === false
        ? 'this server does not accept renegotiations the client starts'
        : !byServer && this.renegotiations >= limit
          ? `this connection has had its ${limit} renegotiation${limit === 1 ? '' : 's'}`
          : null;
    if (reason) {
      // A flood of refused attempts is still a flood: past a few, end the connection.
      if (++this.refused > 3) throw fail.unexpected('the client keeps asking to renegotiate after being refused');
      this.emit({ kind: 'renegotiation', phase: 'refused', number: this.renegotiations + 1, by: 'client', refusedBy: 'server', reason });
      await sendAlert(this.ctx.channel, this.emit, AlertDescription.no_renegotiation, 'warning', 'server');
      return;
    }
    await this.exclusiveWrite(() => this.runRenegotiation(m, byServer ? 'server' : 'client'));
  }

  /** The new handshake, under the current keys until its ChangeCipherSpecs, with its own transcript and context. */
  private async runRenegotiation(m: ReceivedMessage, by: 'client' | 'server'): Promise<void> {
    const number = this.renegotiations + 1;
    const started = this.ctx.options.clock();
    this.emit({ kind: 'renegotiation', phase: 'started', number, by });
    const ctx = new ServerContext(this.ctx.options, this.ctx.channel, this.ctx.reader, new Transcript(null, this.emit), { pause: () => undefined, resume: () => undefined });
    ctx.certificate = this.ctx.certificate;
    let state: ServerState | null = await startTls12(ctx, m, false, { clientVerifyData: this.details.clientVerifyData, serverVerifyData: this.details.serverVerifyData });
    while (state) {
      this.ctx.reader.expected = { msgType: state.expects, state: state.name };
      const item = await this.ctx.reader.nextAny().finally(() => (this.ctx.reader.expected = null));
      if (item === null) throw this.ctx.reader.endedInHandshake('end of stream', 'the client closed the connection in the middle of a renegotiation');
      if ('kind' in item && item.kind === 'app-data') {
        // RFC 5246 allows application data between the handshakes' messages: kept for read().
        if (item.data.length) {
          this.pending.push(item.data);
          this.emit(appDataEvent('client', item.record.fragment, { dataHex: item.record.fragmentHex, record: item.record.eventIndex }));
        }
        continue;
      }
      if ('kind' in item && item.kind === 'close-notify') throw this.ctx.reader.endedInHandshake('close_notify', 'the client sent close_notify in the middle of a renegotiation');
      const msg = item as ReceivedMessage;
      await ctx.afterMessage(msg.name, msg.eventIndex, 'client');
      state = await state.handle(ctx, msg);
    }
    this.details = ctx.established12!;
    this.renegotiations = number;
    Object.assign(this.summary, { cipherSuite: ctx.summary.cipherSuite, group: ctx.summary.group, resumed: ctx.summary.resumed, ...(ctx.summary.clientCertificate ? { clientCertificate: ctx.summary.clientCertificate } : {}) });
    this.emit({ kind: 'renegotiation', phase: 'finished', number, by, cipherSuite: ctx.summary.cipherSuite ?? undefined, durationMs: this.ctx.options.clock() - started });
  }
}
