// Running the TLS 1.2 handshake, and the connection that follows: application data, close_notify, truncation,
// renegotiation started by the client (renegotiate()) or by the server (HelloRequest), and the session kept for
// resumption. The same public surface as the TLS 1.3 TlsConnection, so callers need not care which they got.
import type { Emit } from '../../trace/recorder.ts';
import { ConnectionCore, type Inbound, type InboundEntry } from '../handshake/connection-core.ts';
import { fail, TlsError } from '../errors.ts';
import type { HandshakeContext, HandshakeSummary } from '../handshake/context.ts';
import type { ReceivedMessage } from '../handshake/message-reader.ts';
import type { TlsSession } from '../handshake/options.ts';
import { sendAlert } from '../handshake/failure.ts';
import { ProtocolVersion } from '../messages/constants.ts';
import type { ServerHello } from '../messages/handshake.ts';
import { AlertDescription } from '../record/alerts.ts';
import type { Transcript } from '../transcript.ts';
import { buildClientHello12, type Tls12HelloParts } from './client-hello12.ts';
import { Tls12Context, type RenegotiationState, type Tls12Config } from './context12.ts';
import type { Tls12Session } from './session12.ts';
import { Completed12, ExpectServerHello12, processServerHello, type State12 } from './states12.ts';
import type { HandshakeProofs } from '../handshake/proofs.ts';
import type { MasterStage12 } from '../key-schedule/key-schedule12.ts';

/** A finished TLS 1.2 handshake: its context and the proofs the connection is made from. */
export interface Handshake12 {
  ctx: Tls12Context;
  proofs: HandshakeProofs;
  master: MasterStage12;
}

async function runStates(ctx: Tls12Context, first: State12): Promise<Handshake12> {
  let state: State12 | Completed12 = first;
  while (!(state instanceof Completed12)) {
    ctx.base.setState(state.name);
    const m = await ctx.next();
    state = await state.handle(ctx, m);
  }
  return { ctx, proofs: state.proofs, master: state.master };
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
export async function handshakeTls12Only(base: HandshakeContext, config: Tls12Config): Promise<Handshake12> {
  const ctx = new Tls12Context(base, config, freshReneg(), null);
  base.channel.setLegacyRecordVersion(ProtocolVersion.TLS10);
  await sendClientHello12(ctx, null);
  base.channel.setLegacyRecordVersion(ProtocolVersion.TLS12);
  return runStates(ctx, new ExpectServerHello12());
}

/** The TLS 1.3 ClientHello (which also offered 1.2) got a TLS 1.2 ServerHello: continue as TLS 1.2. */
export async function continueAsTls12(base: HandshakeContext, config: Tls12Config, parts: Tls12HelloParts, transcript: Transcript, sh: ReceivedMessage): Promise<Handshake12> {
  const ctx = new Tls12Context(base, config, freshReneg(), null, transcript);
  ctx.clientHello = base.clientHello;
  ctx.offered = base.offered;
  ctx.offeredSession = parts.offeredSession;
  ctx.offeredBy = parts.offeredBy;
  base.reader.ccsAllowed = false;
  ctx.emit({ kind: 'note', text: 'the server chose TLS 1.2 (no supported_versions in its ServerHello, no downgrade sentinel): continuing with the TLS 1.2 handshake' });
  return runStates(ctx, await processServerHello(ctx, sh.message as ServerHello, sh));
}

function sessionOf({ ctx, master }: Handshake12): Tls12Session | undefined {
  const suite = ctx.requireSuite();
  const ticket = ctx.newTicket?.ticket ?? (ctx.resumed && ctx.offeredBy === 'ticket' ? ctx.offeredSession?.ticket : undefined);
  const sessionId = ctx.resumed && ctx.offeredBy === 'id' ? ctx.offeredSession!.sessionId : ctx.serverSessionId;
  if (!ticket && sessionId.length === 0) return undefined;
  return {
    version: 'TLS1.2',
    serverName: ctx.base.options.serverName,
    cipherSuite: suite.code,
    masterSecret: master.secret,
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
  private readonly reneg: RenegotiationState;
  /** Reads, writes, close_notify and the one failure, as every connection does them. */
  private readonly core: ConnectionCore;
  /** The renegotiation in progress, if any, and the records the reader loop read for it. */
  private renegotiation: Promise<void> | null = null;
  private readonly inbox: InboundEntry[] = [];
  /** What the exporter derives from: the latest handshake's master secret and hello randoms. */
  private exporter!: { master: MasterStage12; clientRandom: Uint8Array; serverRandom: Uint8Array; ems: boolean };

  constructor(
    private readonly base: HandshakeContext,
    private readonly config: Tls12Config,
    /** Made only from a completed handshake: the server authenticated and its Finished verified. */
    handshake: Handshake12,
    handshakeMs: number,
  ) {
    const ctx = handshake.ctx;
    this.summary = base.summary;
    this.handshakeMs = handshakeMs;
    this.reneg = ctx.reneg;
    this.reneg.handshakes = 1;
    this.core = new ConnectionCore(base, 'server', {
      onMessage: (m) => this.onMessage(m),
      takes: (entry) => (this.renegotiation ? (this.inbox.push(entry), true) : false),
      readsDrivenElsewhere: () => !!this.renegotiation,
    });
    // The first handshake's watchdog is done: a breakpoint during a renegotiation must not restart it
    // (renegotiations have their own limit, withTimeout).
    base.retireWatchdog();
    this.finishHandshake(handshake);
  }

  private finishHandshake(handshake: Handshake12): void {
    const { ctx } = handshake;
    this.exporter = { master: handshake.master, clientRandom: ctx.clientHello.random, serverRandom: ctx.serverRandom, ems: ctx.ems };
    ctx.details.renegotiations = this.reneg.handshakes - 1;
    this.summary.tls12 = ctx.details;
    const s = sessionOf(handshake);
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
    await this.core.write(data);
  }

  /** Next application data; null after the server's close_notify; rejects TRUNCATED when it vanished without one. */
  read(): Promise<Uint8Array | null> {
    // During a renegotiation the handshake drives the reader loop; its application data wakes read().
    return this.core.read();
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
    if (this.core.failure) throw this.core.failure;
    if (this.core.closeSent || this.core.over) throw new TlsError('CLOSED', 'the connection is closed');
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

  /**
   * RFC 5705 keying material exporter (channel binding, EAP-TLS, ...): from the master secret and hello randoms of
   * the latest handshake (after a renegotiation, the new one, as OpenSSL). `context` null and an empty context
   * give different keys in TLS 1.2.
   */
  exportKeyingMaterial(label: string, context: Uint8Array | null, length: number): Promise<Uint8Array> {
    const x = this.exporter;
    return x.master.exportKeyingMaterial(label, x.clientRandom, x.serverRandom, context, length, x.ems);
  }

  close(): Promise<void> {
    return this.core.close();
  }

  /** A handshake message after the handshake: only HelloRequest may come. */
  private async onMessage(m: ReceivedMessage): Promise<void> {
    const msg = m.message;
    if (msg.type !== 'hello_request') throw fail.unexpected(`${m.name} is not allowed after the handshake`);
    if (!this.reneg.secure) {
      this.emit({ kind: 'renegotiation', phase: 'refused', number: this.reneg.handshakes, by: 'server', refusedBy: 'client', reason: 'the server lacks secure renegotiation (RFC 5746)' });
      this.emit({ kind: 'note', text: 'HelloRequest declined with a no_renegotiation warning: the server lacks secure renegotiation (RFC 5746)' });
      await sendAlert(this.base.channel, this.base.emit, AlertDescription.no_renegotiation, 'warning');
      return;
    }
    // Not awaited: the handshake needs this reader loop for its own messages. A failure ends the connection.
    this.startRenegotiation('server').catch(() => undefined);
  }

  /** The next record for the renegotiation in progress: pulled only now, when the handshake is ready for it. */
  private async nextForHandshake(): Promise<Inbound> {
    for (;;) {
      const entry = this.inbox.shift();
      if (entry) {
        if ('error' in entry) throw entry.error;
        return entry.item;
      }
      if (this.core.failure) throw this.core.failure;
      await this.core.pull();
    }
  }

  private startRenegotiation(by: 'client' | 'server'): Promise<void> {
    const run = (async () => {
      try {
        await this.withTimeout(this.renegotiateNow(by));
      } catch (e) {
        if (declinedRenegotiation(e)) throw e;
        throw await this.core.failWith(e);
      } finally {
        this.renegotiation = null;
        this.inbox.length = 0;
        this.core.notify();
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
    const ctx = new Tls12Context(this.base, this.config, this.reneg, (d) => this.core.deliver(d));
    ctx.source = () => this.nextForHandshake();
    await sendClientHello12(ctx, { clientVerifyData: this.reneg.clientVerifyData });
    const done = await runStates(ctx, new ExpectServerHello12());
    this.reneg.handshakes++;
    this.base.setState('Connected');
    const durationMs = this.base.options.clock() - started;
    this.emit({ kind: 'renegotiation', phase: 'finished', number: n, by, cipherSuite: ctx.requireSuite().name, durationMs });
    this.emit({ kind: 'note', text: `renegotiation #${n} complete in ${durationMs} ms: ${ctx.requireSuite().name}, new keys in both directions` });
    this.finishHandshake(done);
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
}
