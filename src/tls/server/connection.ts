// What a server connection of either version does the same way: application data both ways, reads serialised,
// writes kept apart from key changes, a failure answered with its alert, and the two-step shutdown (RFC 8446
// §6.1, RFC 5246 §7.2.1; OpenSSL's SSL_shutdown called twice). Each version adds its post-handshake messages.
import { TlsError, describeFailure, fail } from '../errors.ts';
import { appDataEvent, writeAppData } from '../handshake/app-data-event.ts';
import { sendAlert, toEngineError } from '../handshake/failure.ts';
import { KeyChangeGate } from '../handshake/key-change-gate.ts';
import type { ReceivedMessage } from '../handshake/message-reader.ts';
import type { ClientHello } from '../messages/handshake.ts';
import { AlertDescription, TlsAlertError } from '../record/alerts.ts';
import type { ServerContext, ServerSummary } from './context.ts';
import type { ClientCertificateVerdict } from './options.ts';

export abstract class ServerConnectionBase {
  abstract readonly version: 'TLSv1.3' | 'TLSv1.2';
  readonly summary: ServerSummary;
  readonly clientHello: ClientHello;
  protected readonly pending: Uint8Array[] = [];
  protected closeSent = false;
  protected closeReceived = false;
  private lock: Promise<unknown> = Promise.resolve();
  /** Writes overlap each other, never a key change. */
  private readonly gate = new KeyChangeGate();
  /** Set when a write waited too long for the client to read: every later write fails with it. */
  private writeFailure: TlsError | null = null;

  constructor(protected readonly ctx: ServerContext) {
    this.summary = ctx.summary;
    this.clientHello = ctx.clientHello!;
    ctx.retireWatchdog();
  }

  protected get emit() {
    return this.ctx.emit;
  }

  abstract keyUpdate(requestPeer: boolean): Promise<void>;
  abstract renegotiate(): Promise<void>;
  abstract requestClientAuth(): Promise<ClientCertificateVerdict>;
  /** Keying material exporter: RFC 8446 §7.5 (TLS 1.3), RFC 5705 (TLS 1.2). */
  abstract exportKeyingMaterial(label: string, context: Uint8Array | null, length: number): Promise<Uint8Array>;
  /** A handshake message from the client after the handshake. */
  protected abstract onPostHandshake(m: ReceivedMessage): Promise<void>;
  /** Whether application data may arrive now (not in the middle of a post-handshake exchange). */
  protected dataAllowed(): boolean {
    return true;
  }

  /** Send application data. */
  async write(data: Uint8Array): Promise<void> {
    const written = await this.gate.write(data, async (d) => {
      if (this.writeFailure) throw this.writeFailure;
      if (this.closeSent) throw new TlsError('CLOSED', 'the connection is closed for writing');
      return this.withinWriteTimeout(writeAppData(this.ctx.channel, d));
    });
    this.emit(appDataEvent('server', data, { dataHex: written.dataHex, record: written.records[0] }));
  }

  /**
   * A client that never reads holds our write on TCP backpressure: after writeTimeoutMs the connection is ended
   * (its transport closed, which also ends the waiting write) so that it cannot hold the server's work forever.
   */
  private async withinWriteTimeout<T>(write: Promise<T>): Promise<T> {
    const ms = this.ctx.options.writeTimeoutMs;
    if (!(ms > 0)) return write;
    write.catch(() => undefined);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(this.endStalledClient(ms)), ms)));
    try {
      return await Promise.race([write, expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  private endStalledClient(ms: number): TlsError {
    if (this.writeFailure) return this.writeFailure;
    this.writeFailure = new TlsError('TIMEOUT', `the client has not read what the server sent for ${ms} ms (a write waited on a full connection), so the server ended the connection`);
    // No alert: a client that does not read would not see it.
    this.closeSent = true;
    this.emit({ kind: 'error', code: 'TIMEOUT', message: this.writeFailure.message });
    void this.ctx.channel.close().then(() => this.emit({ kind: 'connection', phase: 'closed', detail: 'TIMEOUT' }));
    return this.writeFailure;
  }

  /** Next application data from the client; null after its close_notify. */
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

  /**
   * The two-step shutdown: send close_notify, then (unless told not to wait) read until the client's own
   * close_notify or the end of the stream, bounded in time; then release the transport.
   */
  async close(options: { waitForPeerMs?: number } = {}): Promise<void> {
    if (!this.closeSent) {
      this.closeSent = true;
      // A client that stopped reading holds our writes on backpressure: the alert gets a second, no more.
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([sendAlert(this.ctx.channel, this.emit, AlertDescription.close_notify, 'warning', 'server'), new Promise((r) => (timer = setTimeout(r, 1000)))]);
      clearTimeout(timer);
    }
    const wait = options.waitForPeerMs ?? 1000;
    if (wait > 0 && !this.closeReceived) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const drain = this.serialized(async () => {
        while (!this.closeReceived) if (!(await this.pump(true))) break;
      }).catch(() => undefined);
      await Promise.race([drain, new Promise((r) => (timer = setTimeout(r, wait)))]);
      clearTimeout(timer);
    }
    await this.ctx.channel.close();
    this.emit({ kind: 'connection', phase: 'closed', detail: this.closeReceived ? 'both sides sent close_notify' : 'close_notify sent' });
  }

  /** Run `fn` (a key change, a post-handshake flight) with no application record interleaved. */
  protected exclusiveWrite(fn: () => Promise<void>): Promise<void> {
    return this.gate.exclusive(fn);
  }

  protected serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  /** Process one record's worth of input. False when the stream is over. */
  protected async pump(quietEof = false): Promise<boolean> {
    try {
      const item = await this.ctx.reader.nextAny();
      if (item === null) {
        if (quietEof || this.closeSent) return false;
        throw new TlsError('TRUNCATED', 'the client closed the connection without close_notify: the data may have been cut short');
      }
      if ('kind' in item && item.kind === 'app-data') {
        if (!this.dataAllowed()) throw fail.unexpected('application data in the middle of a post-handshake exchange');
        if (item.data.length > 0) {
          this.pending.push(item.data);
          this.emit(appDataEvent('client', item.record.fragment, { dataHex: item.record.fragmentHex, record: item.record.eventIndex }));
        }
        return true;
      }
      if ('kind' in item && item.kind === 'close-notify') {
        this.closeReceived = true;
        if (!this.closeSent) {
          this.closeSent = true;
          await sendAlert(this.ctx.channel, this.emit, AlertDescription.close_notify, 'warning', 'server');
        }
        return false;
      }
      await this.onPostHandshake(item as ReceivedMessage);
      return true;
    } catch (e) {
      const err = toEngineError(e);
      if (this.closeSent && err instanceof TlsError && err.code === 'CLOSED') return false;
      if (err instanceof TlsAlertError && !err.received && !this.closeSent) {
        this.closeSent = true;
        await sendAlert(this.ctx.channel, this.emit, err.alert, 'fatal', 'server');
      }
      const { code, message } = describeFailure(err);
      this.emit({ kind: 'error', code, message });
      await this.ctx.channel.close();
      throw err;
    }
  }
}
