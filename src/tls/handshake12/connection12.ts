// Running the TLS 1.2 handshake, and the connection that follows: application data, close_notify, truncation,
// renegotiation started by the client (renegotiate()) or by the server (HelloRequest), and the session kept for
// resumption. The same public surface as the TLS 1.3 TlsConnection, so callers need not care which they got.
import type { Emit } from '../../trace/recorder.ts';
import { appDataEvent, writeAppData } from '../handshake/app-data-event.ts';
import { describeFailure, fail, TlsAlertError, TlsError } from '../errors.ts';
import type { HandshakeContext, HandshakeSummary } from '../handshake/context.ts';
import type { OtherRecord, ReceivedMessage } from '../handshake/message-reader.ts';
import type { TlsSession } from '../handshake/options.ts';
import { sendAlert, toEngineError } from '../handshake/failure.ts';
import type { ServerHello } from '../messages/handshake.ts';
import { AlertDescription } from '../record/alerts.ts';
import type { Transcript } from '../transcript.ts';
import { buildClientHello12, type Tls12HelloParts } from './client-hello12.ts';
import { Tls12Context, type RenegotiationState, type Tls12Config } from './context12.ts';
import type { Tls12Session } from './session12.ts';
import { ExpectServerHello12, processServerHello, type State12 } from './states12.ts';

async function runStates(ctx: Tls12Context, first: State12 | null): Promise<void> {
  let state = first;
  while (state) {
    ctx.base.setState(state.name);
    const m = await ctx.next();
    state = await state.handle(ctx, m);
  }
}

async function sendClientHello12(ctx: Tls12Context, renegotiation: { clientVerifyData: Uint8Array } | null): Promise<void> {
  const ch = buildClientHello12(ctx, renegotiation);
  ctx.clientHello = ch;
  ctx.offered = new Set(ch.extensions.map((e) => e.code));
  ctx.base.setState(renegotiation ? 'SendClientHello (renegotiation)' : 'SendClientHello (TLS 1.2)');
  await ctx.send(ch);
}

function freshReneg(): RenegotiationState {
  return { secure: false, clientVerifyData: new Uint8Array(0), serverVerifyData: new Uint8Array(0), handshakes: 0 };
}

/** A TLS 1.2-only handshake from its own ClientHello. */
export async function handshakeTls12Only(base: HandshakeContext, config: Tls12Config): Promise<Tls12Context> {
  const ctx = new Tls12Context(base, config, freshReneg(), null);
  base.channel.setLegacyRecordVersion(0x0301);
  await sendClientHello12(ctx, null);
  base.channel.setLegacyRecordVersion(0x0303);
  await runStates(ctx, new ExpectServerHello12());
  return ctx;
}

/** The TLS 1.3 ClientHello (which also offered 1.2) got a TLS 1.2 ServerHello: continue as TLS 1.2. */
export async function continueAsTls12(base: HandshakeContext, config: Tls12Config, parts: Tls12HelloParts, transcript: Transcript, sh: ReceivedMessage): Promise<Tls12Context> {
  const ctx = new Tls12Context(base, config, freshReneg(), null, transcript);
  ctx.clientHello = base.clientHello;
  ctx.offered = base.offered;
  ctx.offeredSession = parts.offeredSession;
  ctx.offeredBy = parts.offeredBy;
  base.reader.ccsAllowed = false;
  ctx.emit({ kind: 'note', text: 'the server chose TLS 1.2 (no supported_versions in its ServerHello, no downgrade sentinel): continuing with the TLS 1.2 handshake' });
  await runStates(ctx, await processServerHello(ctx, sh.message as ServerHello, sh));
  return ctx;
}

function sessionOf(ctx: Tls12Context): Tls12Session | undefined {
  const suite = ctx.requireSuite();
  const ticket = ctx.newTicket?.ticket ?? (ctx.resumed && ctx.offeredBy === 'ticket' ? ctx.offeredSession?.ticket : undefined);
  const sessionId = ctx.resumed && ctx.offeredBy === 'id' ? ctx.offeredSession!.sessionId : ctx.serverSessionId;
  if (!ticket && sessionId.length === 0) return undefined;
  return {
    version: 'TLS1.2',
    serverName: ctx.base.options.serverName,
    cipherSuite: suite.code,
    masterSecret: ctx.master!.secret,
    sessionId,
    ticket,
    lifetimeSeconds: ctx.newTicket?.lifetime ?? 0,
    receivedAt: ctx.base.options.clock(),
    extendedMasterSecret: ctx.ems,
    alpn: ctx.base.summary.alpn,
    serverChain: ctx.serverChain,
  };
}

/** A warning no_renegotiation is the server's polite "no" (RFC 5246 §7.2.2): the connection goes on. */
function declinedRenegotiation(e: unknown): boolean {
  return e instanceof TlsError && e.receivedAlert === 'no_renegotiation';
}

type Item = ReceivedMessage | OtherRecord | null;
/** What the reader loop hands to a renegotiation in progress: a record's meaning, or the error reading it raised. */
type InboxEntry = { item: Item } | { error: unknown };

/**
 * One reader loop owns the record layer: read() and a renegotiation both take records from it, never side by side.
 * Outside a renegotiation the loop reads when read() asks; during one it reads only when the handshake asks for its
 * next message (keys and decoders change between messages, so reading ahead is unsafe), handing every record to the
 * handshake, which passes application data on to read() — a pending read() therefore never blocks a renegotiation.
 */
export class Tls12Connection {
  readonly version = 'TLSv1.2' as const;
  readonly summary: HandshakeSummary;
  readonly handshakeMs: number;
  /** Sessions for resumption (by id or ticket), newest last. */
  readonly sessions: (Tls12Session | TlsSession)[] = [];
  private readonly pending: Uint8Array[] = [];
  private readonly reneg: RenegotiationState;
  private closeSent = false;
  private closeReceived = false;
  /** The stream ended after our own close_notify. */
  private ended = false;
  /** The error that ended the connection: every later read() or renegotiate() rejects with it. */
  private failure: TlsError | TlsAlertError | null = null;
  /** The one reader.nextAny() in flight, with its dispatch. */
  private inFlight: Promise<void> | null = null;
  /** The renegotiation in progress, if any, and the records the reader loop read for it. */
  private renegotiation: Promise<void> | null = null;
  private readonly inbox: InboxEntry[] = [];
  private waiters: (() => void)[] = [];

  constructor(
    private readonly base: HandshakeContext,
    private readonly config: Tls12Config,
    ctx: Tls12Context,
    handshakeMs: number,
  ) {
    this.summary = base.summary;
    this.handshakeMs = handshakeMs;
    this.reneg = ctx.reneg;
    this.reneg.handshakes = 1;
    // The first handshake's watchdog is done: a breakpoint during a renegotiation must not restart it
    // (renegotiations have their own limit, withTimeout).
    base.retireWatchdog();
    this.finishHandshake(ctx);
  }

  private finishHandshake(ctx: Tls12Context): void {
    ctx.details.renegotiations = this.reneg.handshakes - 1;
    this.summary.tls12 = ctx.details;
    const s = sessionOf(ctx);
    if (s) this.sessions.push(s);
  }

  get session(): Tls12Session | TlsSession | undefined {
    return this.sessions[this.sessions.length - 1];
  }

  private get emit(): Emit {
    return this.base.emit;
  }

  async write(data: Uint8Array): Promise<void> {
    // Application data between our ChangeCipherSpec and our Finished would break the handshake: while a
    // renegotiation runs, writes wait for it (they go out under the new keys), with their own copy of the
    // data meanwhile: the caller may reuse its buffer once write() returns.
    if (this.renegotiation) data = Uint8Array.from(data);
    while (this.renegotiation) await this.renegotiation.catch(() => undefined);
    if (this.failure) throw this.failure;
    if (this.closeSent) throw new TlsError('CLOSED', 'the connection is closed for writing');
    const channel = this.base.channel;
    const written = await writeAppData(channel, data);
    this.emit(appDataEvent('client', data, { dataHex: written.dataHex, record: written.records[0] }));
  }

  /** Next application data; null after the server's close_notify; rejects TRUNCATED when it vanished without one. */
  async read(): Promise<Uint8Array | null> {
    for (;;) {
      const chunk = this.pending.shift();
      if (chunk) return chunk;
      if (this.failure) throw this.failure;
      if (this.closeReceived || this.ended) return null;
      // During a renegotiation the handshake drives the reader loop; its application data wakes us.
      if (this.renegotiation) await this.changed();
      else await this.pull();
    }
  }

  /** TLS 1.2 tickets arrive inside the handshake: the session is known at once. */
  async waitForSession(_timeoutMs: number): Promise<Tls12Session | TlsSession | undefined> {
    return this.session;
  }

  keyUpdate(_requestPeer: boolean): Promise<void> {
    return Promise.reject(new TlsError('BAD_OPTION', 'KeyUpdate exists only in TLS 1.3; a TLS 1.2 connection renegotiates instead'));
  }

  /** Start a new handshake over this encrypted connection (RFC 5746 secure renegotiation only). Works while a
   * read() is pending; application data that arrives meanwhile still goes to read(). */
  async renegotiate(): Promise<void> {
    // One handshake at a time: a second request (or the server's HelloRequest) waits for the one under way.
    while (this.renegotiation) await this.renegotiation.catch(() => undefined);
    if (this.failure) throw this.failure;
    if (this.closeSent || this.closeReceived || this.ended) throw new TlsError('CLOSED', 'the connection is closed');
    if (!this.reneg.secure) {
      const reason = 'the server did not show RFC 5746 secure renegotiation support';
      this.emit({ kind: 'renegotiation', phase: 'refused', number: this.reneg.handshakes, by: 'client', refusedBy: 'client', reason });
      this.emit({ kind: 'note', text: `renegotiation refused: ${reason}` });
      throw new TlsError('INSECURE_RENEGOTIATION', 'the server lacks secure renegotiation (RFC 5746): renegotiating would open the 2009 prefix-injection attack, so the client refuses');
    }
    try {
      await this.startRenegotiation('client');
    } catch (e) {
      if (declinedRenegotiation(e)) {
        this.base.setState('Connected');
        this.emit({ kind: 'renegotiation', phase: 'refused', number: this.reneg.handshakes, by: 'client', refusedBy: 'server', reason: 'warning no_renegotiation' });
        this.emit({ kind: 'note', text: 'the server declined to renegotiate (warning no_renegotiation): the connection continues with its current keys' });
      }
      throw e;
    }
  }

  async close(): Promise<void> {
    if (!this.closeSent) {
      this.closeSent = true;
      await sendAlert(this.base.channel, this.base.emit, AlertDescription.close_notify, 'warning');
    }
    await this.base.channel.close();
    this.emit({ kind: 'connection', phase: 'closed' });
    this.notify();
  }

  /** Resolves at the next change of state: data queued, a renegotiation ended, a failure. */
  private changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Read and dispatch one item; callers that arrive while one is in flight share it. Never rejects. */
  private pull(): Promise<void> {
    if (!this.inFlight) {
      this.inFlight = this.base.reader
        .nextAny()
        .then(
          (item) => this.dispatch(item),
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

  private async dispatch(item: Item): Promise<void> {
    if (this.renegotiation) {
      this.inbox.push({ item });
      return;
    }
    // After our own close_notify the stream ends by design; only an unannounced end from the server is truncation.
    if (item === null) {
      if (this.closeSent) this.ended = true;
      else await this.failWith(new TlsError('TRUNCATED', 'the server closed the connection without close_notify: the data may have been cut short'));
      return;
    }
    if ('kind' in item && item.kind === 'app-data') {
      if (item.data.length > 0) {
        this.pending.push(item.data);
        this.emit(appDataEvent('server', item.record.fragment, { dataHex: item.record.fragmentHex, record: item.record.eventIndex }));
      }
      return;
    }
    if ('kind' in item && item.kind === 'close-notify') {
      this.closeReceived = true;
      if (!this.closeSent) {
        this.closeSent = true;
        await sendAlert(this.base.channel, this.base.emit, AlertDescription.close_notify, 'warning');
      }
      return;
    }
    const m = item as ReceivedMessage;
    const msg = m.message;
    if (msg.type !== 'hello_request') throw fail.unexpected(`${m.name} is not allowed after the handshake`);
    if (!this.reneg.secure) {
      this.emit({ kind: 'renegotiation', phase: 'refused', number: this.reneg.handshakes, by: 'server', refusedBy: 'client', reason: 'the server lacks secure renegotiation (RFC 5746)' });
      this.emit({ kind: 'note', text: 'HelloRequest declined with a no_renegotiation warning: the server lacks secure renegotiation (RFC 5746)' });
      await sendAlert(this.base.channel, this.base.emit, AlertDescription.no_renegotiation, 'warning');
      return;
    }
    // Not awaited: the handshake needs this reader loop for its own messages. A failure lands in this.failure.
    this.startRenegotiation('server').catch(() => undefined);
  }

  private async dispatchError(error: unknown): Promise<void> {
    // The renegotiation decides what a read error means to it (no_renegotiation merely ends the attempt).
    if (this.renegotiation) this.inbox.push({ error });
    else await this.failWith(error);
  }

  /** The next record for the renegotiation in progress: pulled only now, when the handshake is ready for it. */
  private async nextForHandshake(): Promise<Item> {
    for (;;) {
      const entry = this.inbox.shift();
      if (entry) {
        if ('error' in entry) throw entry.error;
        return entry.item;
      }
      if (this.failure) throw this.failure;
      await this.pull();
    }
  }

  private startRenegotiation(by: 'client' | 'server'): Promise<void> {
    const run = (async () => {
      try {
        await this.withTimeout(this.renegotiateNow(by));
      } catch (e) {
        if (declinedRenegotiation(e)) throw e;
        throw await this.failWith(e);
      } finally {
        this.renegotiation = null;
        this.inbox.length = 0;
        this.notify();
      }
    })();
    this.renegotiation = run;
    return run;
  }

  private async renegotiateNow(by: 'client' | 'server'): Promise<void> {
    const n = this.reneg.handshakes;
    // The ladder draws this as the divider before the second handshake.
    this.emit({ kind: 'renegotiation', phase: 'started', number: n, by });
    this.base.setState(`Renegotiation #${n}`);
    const started = this.base.options.clock();
    const ctx = new Tls12Context(this.base, this.config, this.reneg, (d) => {
      this.pending.push(d);
      this.notify();
    });
    ctx.source = () => this.nextForHandshake();
    await sendClientHello12(ctx, { clientVerifyData: this.reneg.clientVerifyData });
    await runStates(ctx, new ExpectServerHello12());
    this.reneg.handshakes++;
    this.base.setState('Connected');
    const durationMs = this.base.options.clock() - started;
    this.emit({ kind: 'renegotiation', phase: 'finished', number: n, by, cipherSuite: ctx.requireSuite().name, durationMs });
    this.emit({ kind: 'note', text: `renegotiation #${n} complete in ${durationMs} ms: ${ctx.requireSuite().name}, new keys in both directions` });
    this.finishHandshake(ctx);
  }

  /** A renegotiation gets the handshake's time limit (options.timeoutMs), so a silent server cannot hang it. */
  private withTimeout<T>(work: Promise<T>): Promise<T> {
    const ms = this.base.options.timeoutMs;
    if (!ms) return work;
    work.catch(() => undefined);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new TlsError('TIMEOUT', `the renegotiation did not complete within ${ms} ms`)), ms)));
    return Promise.race([work, expired]).finally(() => clearTimeout(timer));
  }

  /** Failures end the connection once: our alert (unless the peer sent one), an 'error' event, the transport
   * closed; then every waiting read() and renegotiate() rejects with the same error. */
  private async failWith(e: unknown): Promise<TlsError | TlsAlertError> {
    if (this.failure) return this.failure;
    const err = toEngineError(e);
    this.failure = err;
    if (err instanceof TlsAlertError && !err.received && !this.closeSent) {
      this.closeSent = true;
      await sendAlert(this.base.channel, this.base.emit, err.alert, 'fatal');
    }
    const { code, message } = describeFailure(err);
    this.emit({ kind: 'error', code, message });
    await this.base.channel.close();
    this.notify();
    return err;
  }
}
