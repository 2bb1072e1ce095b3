// An established TLS 1.3 connection, server side: application data, tickets, KeyUpdate both ways (RFC 8446 §4.6.3),
// post-handshake client authentication (§4.6.2), and the two-step shutdown (§6.1).
import { TlsError, fail } from '../errors.ts';
import type { ReceivedMessage } from '../handshake/message-reader.ts';
import { checkPeerCertificateVerify } from '../handshake/peer-signature.ts';
import { ExtensionType as X } from '../messages/constants.ts';
import { Transcript } from '../transcript.ts';
import { concat, equalBytes, toHex } from '../../util/bytes.ts';
import type { ServerContext } from './context.ts';
import { certificateRequestExtensions13 } from './certificate-authorities.ts';
import { ServerConnectionBase } from './connection.ts';
import type { ClientCertificateVerdict } from './options.ts';
import { checkClientChain } from './client-chain.ts';
import { checkClientFinished13, type Established13 } from './states13.ts';
import { sealTicket13 } from './tickets13.ts';

/** A post-handshake CertificateRequest waiting for its answer. */
interface PendingAuth {
  context: Uint8Array;
  transcript: Transcript;
  step: 'certificate' | 'certificate_verify' | 'finished';
  leaf?: Uint8Array;
  verdict?: ClientCertificateVerdict;
  done: (v: ClientCertificateVerdict) => void;
}

export class ServerConnection13 extends ServerConnectionBase {
  readonly version = 'TLSv1.3' as const;
  private clientSecret: Uint8Array;
  private serverSecret: Uint8Array;
  private auth: PendingAuth | null = null;
  private readonly usedContexts = new Set<string>();
  /** NewSessionTickets written so far. */
  ticketsSent = 0;
  /**
   * What the client sent as 0-RTT early data, accepted (ServerOptions.acceptEarlyData); null when none was. read()
   * gives it first, as the start of the client's data: this says which bytes could have been replayed (RFC 8446 §8).
   */
  readonly earlyData: Uint8Array | null;

  constructor(
    ctx: ServerContext,
    private readonly keys: Established13,
  ) {
    super(ctx);
    this.clientSecret = keys.clientApp;
    this.serverSecret = keys.serverApp;
    const early = ctx.earlyDataReceived;
    this.earlyData = early ? concat(...early) : null;
    if (early) this.pending.push(...early);
  }

  protected dataAllowed(): boolean {
    return !this.auth || this.auth.step === 'certificate';
  }

  /** RFC 8446 §4.6.1: `count` NewSessionTickets, each with its own nonce and PSK, sealed with the ticket keys. */
  async sendTickets(count: number): Promise<void> {
    const o = this.ctx.options;
    for (let i = 0; i < count; i++) {
      const nonce = Uint8Array.of(i);
      const psk = await this.keys.master.resumptionPsk(this.keys.resumption, nonce);
      const ageAdd = new DataView(o.random(4).buffer).getUint32(0);
      const ticket = await sealTicket13(o.ticketKeys, {
        suite: this.keys.suite.code,
        hash: this.keys.suite.hash,
        psk,
        ageAdd,
        issuedAt: o.clock(),
        lifetimeSeconds: o.ticketLifetimeSeconds,
        alpn: this.summary.alpn,
        sni: this.summary.sni,
        // Only when announced: a ticket without 0-RTT stays as it was (openTicket13 reads the absence as 0).
        ...(o.maxEarlyData ? { maxEarlyData: o.maxEarlyData } : {}),
      });
      await this.exclusiveWrite(async () => void (await this.ctx.send({ type: 'new_session_ticket', lifetime: o.ticketLifetimeSeconds, ageAdd, nonce, ticket, extensions: o.maxEarlyData ? [{ code: X.early_data, maxEarlyData: o.maxEarlyData }] : [] }, { transcript: false })));
      this.ticketsSent++;
    }
    if (count > 0) this.emit({ kind: 'note', text: `${count} NewSessionTicket${count > 1 ? 's' : ''} sent: sealed resumption state the client can offer as a PSK later` });
  }

  /** Send KeyUpdate and switch to the next sending keys; `requestPeer` asks the client to update too. */
  keyUpdate(requestPeer: boolean): Promise<void> {
    return this.exclusiveWrite(() => this.updateWriteKeys(requestPeer));
  }

  /** Renegotiation does not exist in TLS 1.3. */
  renegotiate(): Promise<void> {
    return Promise.reject(new TlsError('BAD_OPTION', 'renegotiation does not exist in TLS 1.3 (use keyUpdate or requestClientAuth)'));
  }

  /**
   * RFC 8446 §4.6.2: ask for a client certificate after the handshake (the client must have offered
   * post_handshake_auth). Reads until the answer is checked (application data meanwhile is kept for read()).
   */
  async requestClientAuth(): Promise<ClientCertificateVerdict> {
    if (!this.keys.clientHelloOffersPostHandshakeAuth) throw new TlsError('BAD_OPTION', 'the client did not offer post_handshake_auth, so it cannot be asked for a certificate after the handshake (RFC 8446 §4.2.6)');
    if (this.auth) throw new TlsError('BAD_OPTION', 'a post-handshake certificate request is already waiting for its answer');
    const context = this.ctx.options.random(16);
    this.usedContexts.add(toHex(context));
    const transcript = new Transcript(this.ctx.transcript.hashAlgorithm, this.emit);
    transcript.add(this.ctx.transcript.bytes(), `handshake (${this.ctx.transcript.covers.join(', ')})`);
    const answered = new Promise<ClientCertificateVerdict>((done) => (this.auth = { context, transcript, step: 'certificate', done }));
    this.ctx.summary.clientCertificateRequested = true;
    await this.exclusiveWrite(async () => void (await this.ctx.send({ type: 'certificate_request', context, extensions: certificateRequestExtensions13(this.ctx.options) }, { transcript })));
    this.emit({ kind: 'note', text: `post-handshake authentication: certificate requested (context ${toHex(context)})` });
    const read = this.serialized(async () => {
      while (this.auth && !this.closeReceived) if (!(await this.pump())) break;
    });
    await Promise.race([answered, read.then(() => answered)]);
    return answered;
  }

  /** RFC 8446 §7.5 exporter. */
  exportKeyingMaterial(label: string, context: Uint8Array | null, length: number): Promise<Uint8Array> {
    return this.keys.master.exportKeyingMaterial(this.keys.exporter, label, context, length);
  }

  private async updateWriteKeys(requestPeer: boolean): Promise<void> {
    const k = this.keys;
    await this.ctx.send({ type: 'key_update', updateRequested: requestPeer }, { transcript: false });
    this.serverSecret = await k.master.nextTrafficSecret(this.serverSecret, 'server');
    await this.ctx.channel.setWriteKeys(k.suite, await k.master.trafficKeys(this.serverSecret, k.suite.keyLength, 'server_application'), 'application');
    this.emit({ kind: 'note', text: `KeyUpdate sent${requestPeer ? ' (update_requested)' : ''}: the server now sends with the next generation of traffic keys` });
  }

  protected async onPostHandshake(m: ReceivedMessage): Promise<void> {
    const msg = m.message;
    const k = this.keys;
    if (msg.type === 'key_update') {
      // RFC 8446 §4.6.3: the client's next generation; answer an update_requested with our own.
      this.ctx.reader.assertAtMessageBoundary('at a KeyUpdate');
      this.clientSecret = await k.master.nextTrafficSecret(this.clientSecret, 'client');
      await this.ctx.channel.setReadKeys(k.suite, await k.master.trafficKeys(this.clientSecret, k.suite.keyLength, 'client_application'), 'application');
      this.emit({ kind: 'note', text: `KeyUpdate received${msg.updateRequested ? ' (update_requested: the server answers with its own)' : ''}: the client now sends with the next generation of traffic keys` });
      if (msg.updateRequested && !this.closeSent) await this.keyUpdate(false);
      return;
    }
    const auth = this.auth;
    if (!auth) throw fail.unexpected(`${m.name} is not allowed from the client after the handshake`);
    if (msg.type === 'certificate' && auth.step === 'certificate') {
      if (!equalBytes(msg.context, auth.context)) throw fail.illegal('the client\'s Certificate does not carry the context of the CertificateRequest (RFC 8446 §4.4.2)');
      auth.transcript.add(m.bytes, m.name, m.eventIndex);
      const chain = msg.entries.map((e) => e.certData);
      auth.verdict = await checkClientChain(this.ctx, chain);
      auth.leaf = chain[0];
      auth.step = chain.length ? 'certificate_verify' : 'finished';
      return;
    }
    if (msg.type === 'certificate_verify' && auth.step === 'certificate_verify') {
      await checkPeerCertificateVerify(this.emit, { signer: 'client', leaf: auth.leaf!, scheme: msg.scheme, signature: msg.signature, offered: this.ctx.options.signatureSchemes, transcriptHash: await auth.transcript.hash(), subject: 'client CertificateVerify (post-handshake)' });
      auth.transcript.add(m.bytes, m.name, m.eventIndex);
      auth.step = 'finished';
      return;
    }
    if (msg.type === 'finished' && auth.step === 'finished') {
      // RFC 8446 §4.4.4: keyed from the client's current application traffic secret.
      await checkClientFinished13(this.emit, k.master, this.clientSecret, await auth.transcript.hash(), msg.verifyData, 'the client\'s post-handshake Finished does not match');
      this.auth = null;
      this.emit({ kind: 'note', text: `post-handshake authentication finished: ${auth.verdict?.chain.length ? 'client certificate received' : 'the client declined (empty Certificate)'}` });
      auth.done(auth.verdict!);
      return;
    }
    throw fail.unexpected(`${m.name} is out of order in the client's post-handshake authentication (expected ${auth.step.replace(/_/g, ' ')})`);
  }
}


