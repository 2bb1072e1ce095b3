// What every established connection does the same way, whatever the version or side: one read of the record layer
// at a time (callers share it), application data and close_notify dispatched, our close_notify in answer, a
// truncated stream told apart from a closed one, and one failure that ends the connection (alert, 'error' event,
// transport closed) and that every later read and write rejects with.
import type { Side } from '../../trace/types.ts';
import { describeFailure, TlsAlertError, TlsError } from '../errors.ts';
import { AlertDescription } from '../record/alerts.ts';
import { appDataEvent, writeAppData } from './app-data-event.ts';
import type { HandshakeContext } from './context.ts';
import { peerAlert, sendAlert, toEngineError } from './failure.ts';
import type { OtherRecord, ReceivedMessage } from './message-reader.ts';

export type Inbound = ReceivedMessage | OtherRecord | null;
/** One read of the record layer: what it carried, or the error reading it raised. */
export type InboundEntry = { item: Inbound } | { error: unknown };

export interface ConnectionHooks {
  /** A handshake message after the handshake (ticket, KeyUpdate, CertificateRequest, HelloRequest, ...). */
  onMessage(m: ReceivedMessage): Promise<void>;
  /** A new handshake in progress takes every read for itself: true when it took this one. */
  takes?(entry: InboundEntry): boolean;
  /** True while a new handshake drives the reads: read() waits for its data instead of reading. */
  readsDrivenElsewhere?(): boolean;
}

export class ConnectionCore {
  private readonly pending: Uint8Array[] = [];
  closeSent = false;
  closeReceived = false;
  /** The stream ended after our own close_notify (by design, not an error). */
  private ended = false;
  /** The stream ended without close_notify while nobody needed more (waiting for a ticket): truncation if read. */
  private endedQuietly = false;
  /** The error that ended the connection. */
  failure: TlsError | TlsAlertError | null = null;
  /** The one reader.nextAny() in flight, with its dispatch. */
  private inFlight: Promise<void> | null = null;
  private waiters: (() => void)[] = [];

  constructor(
    private readonly ctx: HandshakeContext,
    /** The side at the other end (its data is traced as coming from it). */
    private readonly peer: Side,
    private readonly hooks: ConnectionHooks,
  ) {}

  /** Over for reading: closed by the peer, ended after our close, or failed. */
  get over(): boolean {
    return this.closeReceived || this.ended || this.endedQuietly || !!this.failure;
  }

  /** Next application data; null after the peer's close_notify; rejects TRUNCATED when it vanished without one. */
  async read(): Promise<Uint8Array | null> {
    for (;;) {
      const chunk = this.pending.shift();
      if (chunk) return chunk;
      if (this.failure) throw this.failure;
      if (this.closeReceived || this.ended) return null;
      if (this.endedQuietly) throw await this.failWith(this.truncated());
      if (this.hooks.readsDrivenElsewhere?.()) await this.changed();
      else await this.pull();
    }
  }

  /** Application data read by someone else (a renegotiation) for read(). */
  deliver(data: Uint8Array): void {
    this.pending.push(data);
    this.notify();
  }

  /** Send application data. When the peer has hung up, the alert it sent first (if any) says why. */
  async write(data: Uint8Array): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.closeSent) throw new TlsError('CLOSED', 'the connection is closed for writing');
    let written: { records: number[]; dataHex: () => string };
    try {
      written = await writeAppData(this.ctx.channel, data);
    } catch (e) {
      if (e instanceof TlsError && e.code === 'CLOSED') throw (await this.peerAlert()) ?? e;
      // Anything else (a record key that could not be imported, a sequence number exhausted) ends the connection.
      throw await this.failWith(e);
    }
    this.ctx.emit(appDataEvent(this.peer === 'server' ? 'client' : 'server', data, { dataHex: written.dataHex, record: written.records[0] }));
  }

  /** Send close_notify (once) and release the transport. */
  async close(): Promise<void> {
    await this.sendCloseNotify();
    await this.ctx.channel.close();
    this.ctx.emit({ kind: 'connection', phase: 'closed' });
    this.notify();
  }

  /** Read and dispatch one record; callers that arrive while one is in flight share it. Never rejects.
   * `quietEnd`: an end of stream without close_notify is noted, not yet a failure (nobody is reading data). */
  pull(quietEnd = false): Promise<void> {
    if (!this.inFlight) {
      this.inFlight = this.ctx.reader
        .nextAny()
        .then(
          (item) => this.dispatch(item, quietEnd),
          (error) => this.dispatchError(error),
        )
        .catch((e) => this.failWith(e).then(() => undefined))
        .finally(() => {
          this.inFlight = null;
          this.notify();
        });
    }
    return this.inFlight;
  }

  /** Resolves at the next change of state: data queued, a read done, a failure. */
  changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Failures end the connection once: our alert (unless the peer sent one), an 'error' event, the transport
   * closed; then every waiting read() and write() rejects with the same error. */
  async failWith(e: unknown): Promise<TlsError | TlsAlertError> {
    if (this.failure) return this.failure;
    const err = toEngineError(e);
    this.failure = err;
    if (err instanceof TlsAlertError && !err.received && !this.closeSent) {
      this.closeSent = true;
      await sendAlert(this.ctx.channel, this.ctx.emit, err.alert, 'fatal');
    }
    const { code, message } = describeFailure(err);
    this.ctx.emit({ kind: 'error', code, message });
    await this.ctx.channel.close();
    this.notify();
    return err;
  }

  private async dispatch(item: Inbound, quietEnd: boolean): Promise<void> {
    if (this.hooks.takes?.({ item })) return;
    if (item === null) {
      // After our own close_notify the stream ends by design; only an unannounced end from the peer is truncation.
      if (this.closeSent) this.ended = true;
      else if (quietEnd) this.endedQuietly = true;
      else await this.failWith(this.truncated());
      return;
    }
    if ('kind' in item && item.kind === 'app-data') {
      this.takeAppData(item);
      // The records that came with it, whole and opened at once, are taken now rather than by a pull each (a pull
      // is several promises deep, and one socket read brings a few 16 KiB records). Nothing in these synchronous
      // steps can start a new handshake that would take the reads (`takes`): anything but data is dispatched as usual.
      for (;;) {
        let next: ReceivedMessage | OtherRecord | undefined;
        try {
          next = this.ctx.reader.nextBufferedSync();
        } catch (e) {
          return this.dispatchError(e);
        }
        if (!next) return;
        if (!('kind' in next) || next.kind !== 'app-data') return this.dispatch(next, quietEnd);
        this.takeAppData(next);
      }
    }
    if ('kind' in item && item.kind === 'close-notify') {
      this.closeReceived = true;
      // Answer with our own close_notify (RFC 8446 §6.1, RFC 5246 §7.2.1).
      await this.sendCloseNotify();
      return;
    }
    await this.hooks.onMessage(item as ReceivedMessage);
  }

  private takeAppData(item: Extract<OtherRecord, { kind: 'app-data' }>): void {
    if (item.data.length === 0) return;
    this.pending.push(item.data);
    this.ctx.emit(appDataEvent(this.peer, item.record.fragment, { dataHex: item.record.fragmentHex, record: item.record.eventIndex }));
  }

  private async dispatchError(error: unknown): Promise<void> {
    if (this.hooks.takes?.({ error })) return;
    // A read that fails because we closed the connection ourselves is not an error.
    if (this.closeSent && error instanceof TlsError && error.code === 'CLOSED') {
      this.ended = true;
      return;
    }
    await this.failWith(error);
  }

  private async sendCloseNotify(): Promise<void> {
    if (this.closeSent) return;
    this.closeSent = true;
    await sendAlert(this.ctx.channel, this.ctx.emit, AlertDescription.close_notify, 'warning');
  }

  /** The alert a peer that hung up sent first, read once no other read is in flight. */
  private async peerAlert(): Promise<TlsError | null> {
    while (this.inFlight) await this.inFlight;
    if (this.failure) return this.failure;
    if (this.hooks.readsDrivenElsewhere?.()) return null;
    return peerAlert(this.ctx.reader);
  }

  private truncated(): TlsError {
    return new TlsError('TRUNCATED', `the ${this.peer} closed the connection without close_notify: the data may have been cut short`);
  }
}
