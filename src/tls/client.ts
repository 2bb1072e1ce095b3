// The TLS 1.3 client: connectTls() runs the handshake over any Transport and returns a TlsConnection for
// application data, KeyUpdate, tickets and close. Used unchanged by the CLI (Node) and the browser Worker.
import type { Emit } from '../trace/recorder.ts';
import type { Transport } from '../transport/types.ts';
import { appDataEvent, writeAppData } from './app-data-event.ts';
import { randomBytes } from './crypto/webcrypto.ts';
import { TlsError, describeFailure, fail } from './errors.ts';
import { recordChannel, whenConnected, type RecordChannel } from './handshake13/channel.ts';
import { sendClientHello } from './handshake13/client-hello.ts';
import { HandshakeContext, type HandshakeSummary, type ResolvedOptions } from './handshake13/context.ts';
import { MessageReader, type ReceivedMessage } from './handshake13/message-reader.ts';
import type { TlsClientOptions, TlsSession } from './handshake13/options.ts';
import { ExpectServerHello, type State } from './handshake13/states.ts';
import { PostHandshakeAuth } from './handshake13/post-handshake-auth.ts';
import { KeySchedule13 } from './key-schedule13.ts';
import { DEFAULT_SIGNATURE_SCHEMES, ExtensionType as X } from './messages/constants.ts';
import { findExtension } from './messages/extensions.ts';
import type { NewSessionTicket } from './messages/handshake.ts';
import { AlertDescription, TlsAlertError, alertName } from './record/alerts.ts';
import { GROUPS, suiteByCode, suiteByName, type Tls13Suite } from './suites.ts';
import { Transcript } from './transcript.ts';
import { continueAsTls12, handshakeTls12Only, isTls12SuiteRef, planVersions, selectsTls12, Tls12Connection, tls12HelloParts } from './handshake12/index.ts';
import type { Tls12Context } from './handshake12/context12.ts';

export type { TlsClientOptions, TlsSession, HandshakeSummary };
export { Tls12Connection };
export type { Tls12Session } from './handshake12/index.ts';
export type { BreakDecision, BreakInfo, BreakpointName, ClientCertificate } from './handshake13/options.ts';

function resolveOptions(o: TlsClientOptions): ResolvedOptions {
  // TLS 1.2 suite names go to the TLS 1.2 plan (handshake12/index.ts); the rest must be TLS 1.3 suites.
  const named13 = (o.suites ?? []).filter((s) => !isTls12SuiteRef(s));
  const suites: Tls13Suite[] = (named13.length ? named13 : [0x1301, 0x1302, 0x1303]).map((s) => {
    const suite = typeof s === 'number' ? suiteByCode(s) : suiteByName(s);
    if (!suite) throw new TlsError('BAD_OPTION', `unknown TLS 1.3 cipher suite ${String(s)}`);
    return suite;
  });
  const groupNames = o.groups ?? ['x25519', 'secp256r1', 'secp384r1'];
  const groupCodes = groupNames.map((g) => {
    const group = GROUPS[g];
    if (!group) throw new TlsError('BAD_OPTION', `unknown group ${String(g)}`);
    return group.code;
  });
  const keyShareCodes = (o.keyShareGroups ?? groupNames.slice(0, 1)).map((g) => {
    const group = GROUPS[g];
    if (!group) throw new TlsError('BAD_OPTION', `unknown group ${String(g)}`);
    return group.code;
  });
  if (suites.length === 0) throw new TlsError('BAD_OPTION', 'no cipher suites to offer');
  if (groupCodes.length === 0) throw new TlsError('BAD_OPTION', 'no groups to offer');
  for (const k of keyShareCodes) if (!groupCodes.includes(k)) throw new TlsError('BAD_OPTION', `a key share group must also be offered in groups`);
  return {
    ...o,
    suites,
    groupCodes,
    keyShareCodes,
    signatureSchemes: o.signatureSchemes ?? DEFAULT_SIGNATURE_SCHEMES,
    random: o.random ?? randomBytes,
    randomIsInjected: !!o.random,
    clock: o.clock ?? (() => Date.now()),
  };
}

/** Stops the handshake after `ms` of running time; pauses at breakpoints do not count. */
class Watchdog {
  fired = false;
  onExpire: () => void = () => undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private remaining: number;
  private startedAt = 0;
  constructor(
    private readonly ms: number | undefined,
    private readonly clock: () => number,
    private readonly onFire: () => void,
  ) {
    this.remaining = ms ?? Infinity;
  }
  resume(): void {
    if (this.ms === undefined || this.fired) return;
    this.startedAt = this.clock();
    this.timer = setTimeout(() => {
      this.fired = true;
      this.onExpire();
      this.onFire();
    }, Math.max(0, this.remaining));
  }
  pause(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.remaining -= this.clock() - this.startedAt;
  }
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** Send an alert (and trace it). Best effort: the connection may already be gone. */
async function sendAlert(channel: RecordChannel, emit: Emit, description: number, level: 'warning' | 'fatal'): Promise<void> {
  try {
    const records = await channel.write(21, Uint8Array.of(level === 'warning' ? 1 : 2, description));
    emit({ kind: 'alert', direction: 'client', level, description, name: alertName(description), record: records[0] });
  } catch {
    // Nothing more to tell a peer we cannot reach.
  }
}

/**
 * Run a TLS 1.3 handshake over `transport`. Resolves with an open connection; rejects with a TlsAlertError or
 * TlsError carrying a stable `code`, after sending the right alert and emitting 'alert' and 'error' events.
 * `transport` may still be connecting (a promise): the key shares and ClientHello are prepared meanwhile.
 */
export async function connectTls(transport: Transport | Promise<Transport>, options: TlsClientOptions, emit: Emit): Promise<TlsConnection> {
  const o = resolveOptions(options);
  const plan = planVersions(options);
  let tls12: Tls12Context | null = null;
  const started = o.clock();
  const channel = recordChannel(whenConnected(transport), emit, { padding: o.padding, maxFragmentLength: o.maxFragmentLength });
  const reader = new MessageReader(channel, emit);
  const watchdog = new Watchdog(o.timeoutMs, () => Date.now(), () => void channel.close());
  const ctx = new HandshakeContext(o, emit, channel, reader, new Transcript(null, emit), watchdog);
  emit({ kind: 'connection', phase: 'start', serverName: o.serverName });
  watchdog.resume();
  // The timeout wins even if the transport never wakes a pending read.
  const expired = new Promise<never>((_, reject) => (watchdog.onExpire = () => reject(new TlsError('TIMEOUT', `the handshake did not complete within ${o.timeoutMs} ms`))));
  expired.catch(() => undefined);
  const run = async () => {
    if (!plan.offerTls13) {
      tls12 = await handshakeTls12Only(ctx, plan.tls12!);
      return;
    }
    // The first ClientHello goes out with record version 0x0301 for old middleboxes (RFC 8446 §5.1).
    channel.layer.legacyRecordVersion = 0x0301;
    ctx.setState('SendClientHello');
    const parts12 = plan.tls12 ? tls12HelloParts(o, plan.tls12, null) : undefined;
    await sendClientHello(ctx, parts12);
    channel.layer.legacyRecordVersion = 0x0303;
    let state: State | null = new ExpectServerHello(false);
    while (state) {
      ctx.setState(state.name);
      const m: ReceivedMessage = await reader.nextHandshake();
      await ctx.afterMessage(m.name, m.eventIndex);
      // One ClientHello offered both versions and the server picked TLS 1.2: the TLS 1.2 states take over.
      if (plan.tls12 && parts12 && state.name === 'ExpectServerHello' && m.message.type === 'server_hello' && selectsTls12(m.message, true, true)) {
        tls12 = await continueAsTls12(ctx, plan.tls12, parts12, ctx.transcript, m);
        return;
      }
      state = await state.handle(ctx, m);
    }
  };
  try {
    const handshake = run();
    // After a timeout the abandoned run may still fail; that is already reported.
    handshake.catch(() => undefined);
    await Promise.race([handshake, expired]);
    ctx.setState('Connected');
    watchdog.stop();
    if (tls12) return new Tls12Connection(ctx, plan.tls12!, tls12, o.clock() - started);
    return new Tls13Connection(ctx, o.clock() - started);
  } catch (e) {
    watchdog.stop();
    let err = watchdog.fired ? new TlsError('TIMEOUT', `the handshake did not complete within ${o.timeoutMs} ms`) : toEngineError(e);
    // The peer hung up while we were writing: its alert, if it sent one, says why.
    if (err instanceof TlsError && err.code === 'CLOSED' && !err.receivedAlert) err = (await peerAlert(reader)) ?? err;
    if (err instanceof TlsAlertError && !err.received) {
      if (err.alert === AlertDescription.user_canceled) {
        await sendAlert(channel, emit, err.alert, 'warning');
        await sendAlert(channel, emit, AlertDescription.close_notify, 'warning');
      } else await sendAlert(channel, emit, err.alert, 'fatal');
    }
    const { code, message } = describeFailure(err);
    emit({ kind: 'error', code, message });
    await channel.close();
    emit({ kind: 'connection', phase: 'closed', detail: code });
    throw err;
  }
}

/** Read what is left for an alert the peer sent before closing (bounded in time). */
async function peerAlert(reader: MessageReader): Promise<TlsError | null> {
  const look = (async () => {
    try {
      for (let i = 0; i < 16; i++) if ((await reader.nextAny()) === null) return null;
    } catch (e) {
      if (e instanceof TlsError && e.receivedAlert) return e;
    }
    return null;
  })();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), 500)));
  return Promise.race([look, timeout]).finally(() => clearTimeout(timer));
}

/** Anything thrown that is not ours becomes internal_error (still with an alert and a code). */
function toEngineError(e: unknown): TlsAlertError | TlsError {
  if (e instanceof TlsAlertError || e instanceof TlsError) return e;
  return fail.internal(`internal error: ${(e as Error)?.message ?? String(e)}`);
}

/** A TLS 1.3 or a TLS 1.2 connection: the same methods (keyUpdate only in 1.3, renegotiate only in 1.2). */
export type TlsConnection = Tls13Connection | Tls12Connection;

export class Tls13Connection {
  readonly summary: HandshakeSummary;
  /** Handshake duration in ms (by the injected clock). */
  readonly handshakeMs: number;
  /** Tickets received so far, newest last. */
  readonly sessions: TlsSession[] = [];
  private readonly pending: Uint8Array[] = [];
  private clientSecret: Uint8Array;
  private serverSecret: Uint8Array;
  private readonly schedule: KeySchedule13;
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
    this.schedule = ctx.schedule!;
    this.suite = ctx.requireSuite();
    this.postHandshakeAuth = new PostHandshakeAuth(ctx);
    // The handshake's watchdog is done: a breakpoint after the handshake must not restart it.
    (ctx as { watchdog: { pause(): void; resume(): void } }).watchdog = { pause: () => undefined, resume: () => undefined };
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
