// An established TLS 1.3 connection: application data, KeyUpdate, tickets, post-handshake authentication, close.
import type { Emit } from '../../trace/recorder.ts';
import { appDataEvent, writeAppData } from '../handshake/app-data-event.ts';
import { TlsError, describeFailure, fail } from '../errors.ts';
import type { HandshakeContext, HandshakeSummary } from '../handshake/context.ts';
import { peerAlert, sendAlert, toEngineError } from '../handshake/failure.ts';
import type { ReceivedMessage } from '../handshake/message-reader.ts';
import type { TlsSession } from '../handshake/options.ts';
import type { MasterStage13 } from '../key-schedule/key-schedule13.ts';
import { ExtensionType as X } from '../messages/constants.ts';
import { findExtension } from '../messages/extensions.ts';
import type { NewSessionTicket } from '../messages/handshake.ts';
import { AlertDescription, TlsAlertError } from '../record/alerts.ts';
import type { Tls13Suite } from '../suites.ts';
import { PostHandshakeAuth } from './post-handshake-auth.ts';

export class Tls13Connection {
  readonly summary: HandshakeSummary;
  /** Handshake duration in ms (by the injected clock). */
  readonly handshakeMs: number;
  /** Tickets received so far, newest last. */
  readonly sessions: TlsSession[] = [];
  private readonly pending: Uint8Array[] = [];
  private clientSecret: Uint8Array;
  private serverSecret: Uint8Array;
  private readonly schedule: MasterStage13;
  private readonly suite: Tls13Suite;
  private closeSent = false;
  private closeReceived = false;
  private lock: Promise<unknown> = Promise.resolve();
  private writesInFlight = new Set<Promise<unknown>>();
  private keyChange: Promise<void> = Promise.resolve();
  /** Key changes started and not yet finished (write() waits for them). */
  private keyChangesPending = 0;
  private readonly postHandshakeAuth: PostHandshakeAuth;

  constructor(
    private readonly ctx: HandshakeContext,
    handshakeMs: number,
  ) {
    this.summary = ctx.summary;
    this.handshakeMs = handshakeMs;
    this.clientSecret = ctx.secrets!.clientApp;
    this.serverSecret = ctx.secrets!.serverApp;
    this.schedule = ctx.masterKeys!;
    this.suite = ctx.requireSuite();
    this.postHandshakeAuth = new PostHandshakeAuth(ctx);
    // The handshake's watchdog is done: a breakpoint after the handshake must not restart it.
    ctx.retireWatchdog();
  }

  /** The newest ticket, for `session` on a later connection. */
  get session(): TlsSession | undefined {
    return this.sessions[this.sessions.length - 1];
  }

  private get emit(): Emit {
    return this.ctx.emit;
  }

  /** Send application data (split into records of at most 16 KiB). */
  async write(data: Uint8Array): Promise<void> {
    // The record layer takes the data before this call returns, so the caller may reuse its buffer;
    // when the write has to wait for a key change, it keeps its own copy meanwhile.
    if (this.keyChangesPending > 0) {
      data = Uint8Array.from(data);
      await this.keyChange;
    }
    if (this.closeSent) throw new TlsError('CLOSED', 'the connection is closed for writing');
    const channel = this.ctx.channel;
    const done = writeAppData(channel, data);
    this.writesInFlight.add(done);
    let written: { records: number[]; dataHex: () => string };
    try {
      written = await done;
    } catch (e) {
      // The server hung up: an alert it sent first (e.g. certificate_required) says why.
      if (e instanceof TlsError && e.code === 'CLOSED') throw (await this.serialized(() => peerAlert(this.ctx.reader))) ?? e;
      throw e;
    } finally {
      this.writesInFlight.delete(done);
    }
    this.emit(appDataEvent('client', data, { dataHex: written.dataHex, record: written.records[0] }));
  }

  /** Next application data from the server; null after its close_notify. Rejects TRUNCATED if it vanished without one. */
  read(): Promise<Uint8Array | null> {
    return this.serialized(async () => {
      for (;;) {
        const chunk = this.pending.shift();
        if (chunk) return chunk;
        if (this.closeReceived) return null;
        if (!(await this.pump())) return null;
      }
    });
  }

  /** Read until a NewSessionTicket arrives (application data is kept for read()). Resolves undefined on timeout or close. */
  waitForSession(timeoutMs: number): Promise<TlsSession | undefined> {
    const before = this.sessions.length;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs)));
    const work = this.serialized(async () => {
      while (this.sessions.length === before && !this.closeReceived) {
        if (!(await this.pump(true))) break;
      }
      return this.sessions.length > before ? this.session : undefined;
    });
    return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
  }

  /** Renegotiation exists only in TLS 1.2 (Tls12Connection); TLS 1.3 has KeyUpdate and post-handshake auth instead. */
  renegotiate(): Promise<void> {
    return Promise.reject(new TlsError('BAD_OPTION', 'renegotiation does not exist in TLS 1.3 (it has KeyUpdate instead)'));
  }

  /** Send KeyUpdate and switch to the next sending keys; `requestPeer` asks the server to update too. */
  keyUpdate(requestPeer: boolean): Promise<void> {
    return this.sendKeyUpdate(requestPeer);
  }

  /**
   * Writes may overlap each other, but not a key change: KeyUpdate waits for the writes already started, and
   * writes started meanwhile wait for the new keys (else a record could leave under the wrong generation).
   */
  private sendKeyUpdate(requestPeer: boolean): Promise<void> {
    return this.exclusiveWrite(() => this.updateWriteKeys(requestPeer));
  }

  /** Run `fn` (a key change, a post-handshake flight) with no application record interleaved (RFC 8446 §5.1). */
  private exclusiveWrite(fn: () => Promise<void>): Promise<void> {
    const before = [...this.writesInFlight, this.keyChange];
    this.keyChangesPending++;
    const change = Promise.allSettled(before)
      .then(fn)
      .finally(() => this.keyChangesPending--);
    this.keyChange = change.catch(() => undefined);
    return change;
  }

  private async updateWriteKeys(requestPeer: boolean): Promise<void> {
    await this.ctx.send({ type: 'key_update', updateRequested: requestPeer }, { transcript: false });
    this.clientSecret = await this.schedule.nextTrafficSecret(this.clientSecret, 'client');
    await this.ctx.channel.setWriteKeys(this.suite, await this.schedule.trafficKeys(this.clientSecret, this.suite.keyLength, 'client_application'), 'application');
    this.emit({ kind: 'note', text: `KeyUpdate sent${requestPeer ? ' (update_requested)' : ''}: the client now sends with the next generation of traffic keys` });
  }

  /** RFC 8446 §7.5 keying material exporter (channel binding, EAP-TLS, ...), from exporter_master_secret. */
  exportKeyingMaterial(label: string, context: Uint8Array | null, length: number): Promise<Uint8Array> {
    return this.schedule.exportKeyingMaterial(this.ctx.secrets!.exporter, label, context, length);
  }

  /** Send close_notify and release the transport. */
  async close(): Promise<void> {
    if (!this.closeSent) {
      this.closeSent = true;
      await sendAlert(this.ctx.channel, this.emit, AlertDescription.close_notify, 'warning');
    }
    await this.ctx.channel.close();
    this.emit({ kind: 'connection', phase: 'closed' });
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  /** Process one record's worth of input. False when the stream is over. */
  private async pump(quietEof = false): Promise<boolean> {
    let item;
    try {
      item = await this.ctx.reader.nextAny();
      if (item === null) {
        // After our own close the stream ends by design; only an unannounced end from the server is truncation.
        if (quietEof || this.closeSent) return false;
        throw new TlsError('TRUNCATED', 'the server closed the connection without close_notify: the data may have been cut short');
      }
      if ('kind' in item && item.kind === 'app-data') {
        if (item.data.length > 0) {
          this.pending.push(item.data);
          this.emit(appDataEvent('server', item.record.fragment, { dataHex: item.record.fragmentHex, record: item.record.eventIndex }));
        }
        return true;
      }
      if ('kind' in item && item.kind === 'close-notify') {
        this.closeReceived = true;
        // Answer with our own close_notify (RFC 8446 §6.1).
        if (!this.closeSent) {
          this.closeSent = true;
          await sendAlert(this.ctx.channel, this.emit, AlertDescription.close_notify, 'warning');
        }
        return false;
      }
      await this.onPostHandshake(item as ReceivedMessage);
      return true;
    } catch (e) {
      const err = toEngineError(e);
      // A read that fails because we closed the connection ourselves is not an error.
      if (this.closeSent && err instanceof TlsError && err.code === 'CLOSED') return false;
      if (err instanceof TlsAlertError && !err.received && !this.closeSent) {
        this.closeSent = true;
        await sendAlert(this.ctx.channel, this.emit, err.alert, 'fatal');
      }
      const { code, message } = describeFailure(err);
      this.emit({ kind: 'error', code, message });
      await this.ctx.channel.close();
      throw err;
    }
  }

  private async onPostHandshake(m: ReceivedMessage): Promise<void> {
    const msg = m.message;
    if (msg.type === 'new_session_ticket') return this.onTicket(msg);
    if (msg.type === 'key_update') {
      this.ctx.reader.assertAtMessageBoundary('at a KeyUpdate');
      this.serverSecret = await this.schedule.nextTrafficSecret(this.serverSecret, 'server');
      await this.ctx.channel.setReadKeys(this.suite, await this.schedule.trafficKeys(this.serverSecret, this.suite.keyLength, 'server_application'), 'application');
      this.emit({ kind: 'note', text: `KeyUpdate received${msg.updateRequested ? ' (update_requested: the client answers with its own KeyUpdate)' : ''}: the server now sends with the next generation of traffic keys` });
      if (msg.updateRequested && !this.closeSent) await this.sendKeyUpdate(false);
      return;
    }
    if (msg.type === 'certificate_request') {
      // The flight uses the current client secret (after any KeyUpdate), read once earlier writes are done.
      if (!this.closeSent) await this.exclusiveWrite(() => this.postHandshakeAuth.answer(m, this.clientSecret));
      return;
    }
    throw fail.unexpected(`${m.name} is not allowed after the handshake`);
  }

  private async onTicket(t: NewSessionTicket): Promise<void> {
    const psk = await this.schedule.resumptionPsk(this.ctx.secrets!.resumption, t.nonce);
    const early = findExtension(t.extensions, X.early_data);
    const session: TlsSession = {
      serverName: this.ctx.options.serverName,
      cipherSuite: this.suite.code,
      psk,
      ticket: t.ticket,
      ageAdd: t.ageAdd,
      lifetimeSeconds: Math.min(t.lifetime, 7 * 24 * 3600),
      receivedAt: this.ctx.options.clock(),
      maxEarlyData: early?.maxEarlyData,
      alpn: this.summary.alpn,
    };
    if (t.lifetime > 0) this.sessions.push(session);
    this.emit({ kind: 'note', text: `NewSessionTicket stored (lifetime ${t.lifetime} s): a later connection can resume with it` });
  }
}
