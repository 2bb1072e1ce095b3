// An established TLS 1.3 connection: application data, KeyUpdate, tickets, post-handshake authentication, close.
import type { Emit } from '../../trace/recorder.ts';
import { ConnectionCore } from '../handshake/connection-core.ts';
import { KeyChangeGate } from '../handshake/key-change-gate.ts';
import { TlsError, fail } from '../errors.ts';
import type { HandshakeContext, HandshakeSummary } from '../handshake/context.ts';
import type { ReceivedMessage } from '../handshake/message-reader.ts';
import type { TlsSession } from '../handshake/options.ts';
import type { MasterStage13 } from '../key-schedule/key-schedule13.ts';
import { ExtensionType as X } from '../messages/constants.ts';
import { findExtension } from '../messages/extensions.ts';
import type { NewSessionTicket } from '../messages/handshake.ts';
import type { Tls13Suite } from '../suites.ts';
import { PostHandshakeAuth } from './post-handshake-auth.ts';
import type { ApplicationSecrets13, Established13 } from './states13.ts';

export class Tls13Connection {
  readonly summary: HandshakeSummary;
  /** Handshake duration in ms (by the injected clock). */
  readonly handshakeMs: number;
  /** Tickets received so far, newest last. */
  readonly sessions: TlsSession[] = [];
  private readonly core: ConnectionCore;
  private clientSecret: Uint8Array;
  private serverSecret: Uint8Array;
  private readonly schedule: MasterStage13;
  private readonly suite: Tls13Suite;
  /** Writes overlap each other, never a key change. */
  private readonly gate = new KeyChangeGate();
  private readonly postHandshakeAuth: PostHandshakeAuth;

  private readonly secrets: ApplicationSecrets13;

  /** Made only from an Established13: the server's signature (or PSK) and Finished were verified. */
  constructor(
    private readonly ctx: HandshakeContext,
    established: Established13,
    handshakeMs: number,
  ) {
    this.summary = ctx.summary;
    this.handshakeMs = handshakeMs;
    this.secrets = established.secrets;
    this.clientSecret = established.secrets.client;
    this.serverSecret = established.secrets.server;
    this.schedule = established.keys;
    this.suite = established.suite;
    this.postHandshakeAuth = new PostHandshakeAuth(ctx, established.keys);
    this.core = new ConnectionCore(ctx, 'server', { onMessage: (m) => this.onPostHandshake(m) });
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
    await this.gate.write(data, (d) => this.core.write(d));
  }

  /** Next application data from the server; null after its close_notify. Rejects TRUNCATED if it vanished without one. */
  read(): Promise<Uint8Array | null> {
    return this.core.read();
  }

  /** Read until a NewSessionTicket arrives (application data is kept for read()). Resolves undefined on timeout or close. */
  waitForSession(timeoutMs: number): Promise<TlsSession | undefined> {
    const before = this.sessions.length;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs)));
    const work = (async () => {
      while (this.sessions.length === before && !this.core.over) await this.core.pull(true);
      if (this.sessions.length > before) return this.session;
      if (this.core.failure) throw this.core.failure;
      return undefined;
    })();
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
    return this.gate.exclusive(() => this.updateWriteKeys(requestPeer));
  }

  private async updateWriteKeys(requestPeer: boolean): Promise<void> {
    await this.ctx.send({ type: 'key_update', updateRequested: requestPeer }, { transcript: false });
    this.clientSecret = await this.schedule.nextTrafficSecret(this.clientSecret, 'client');
    await this.ctx.channel.setWriteKeys(this.suite, await this.schedule.trafficKeys(this.clientSecret, this.suite.keyLength, 'client_application'), 'application');
    this.emit({ kind: 'note', text: `KeyUpdate sent${requestPeer ? ' (update_requested)' : ''}: the client now sends with the next generation of traffic keys` });
  }

  /** RFC 8446 §7.5 keying material exporter (channel binding, EAP-TLS, ...), from exporter_master_secret. */
  exportKeyingMaterial(label: string, context: Uint8Array | null, length: number): Promise<Uint8Array> {
    return this.schedule.exportKeyingMaterial(this.secrets.exporter, label, context, length);
  }

  /** Send close_notify and release the transport. */
  close(): Promise<void> {
    return this.core.close();
  }

  private async onPostHandshake(m: ReceivedMessage): Promise<void> {
    const msg = m.message;
    if (msg.type === 'new_session_ticket') return this.onTicket(msg);
    if (msg.type === 'key_update') {
      this.ctx.reader.assertAtMessageBoundary('at a KeyUpdate');
      this.serverSecret = await this.schedule.nextTrafficSecret(this.serverSecret, 'server');
      await this.ctx.channel.setReadKeys(this.suite, await this.schedule.trafficKeys(this.serverSecret, this.suite.keyLength, 'server_application'), 'application');
      this.emit({ kind: 'note', text: `KeyUpdate received${msg.updateRequested ? ' (update_requested: the client answers with its own KeyUpdate)' : ''}: the server now sends with the next generation of traffic keys` });
      if (msg.updateRequested && !this.core.closeSent) await this.sendKeyUpdate(false);
      return;
    }
    if (msg.type === 'certificate_request') {
      // The flight uses the current client secret (after any KeyUpdate), read once earlier writes are done.
      if (!this.core.closeSent) await this.gate.exclusive(() => this.postHandshakeAuth.answer(m, this.clientSecret));
      return;
    }
    throw fail.unexpected(`${m.name} is not allowed after the handshake`);
  }

  private async onTicket(t: NewSessionTicket): Promise<void> {
    const psk = await this.schedule.resumptionPsk(this.secrets.resumption, t.nonce);
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
    // RFC 8446 §4.6.1: a lifetime of zero means the ticket is to be discarded at once.
    if (t.lifetime === 0) {
      this.emit({ kind: 'note', text: 'NewSessionTicket with lifetime 0 discarded: the server says it is not to be used (RFC 8446 §4.6.1)' });
      return;
    }
    this.sessions.push(session);
    this.emit({ kind: 'note', text: `NewSessionTicket stored (lifetime ${t.lifetime} s): a later connection can resume with it` });
  }
}
