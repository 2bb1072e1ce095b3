// TLS 1.3 post-handshake client authentication (RFC 8446 §4.2.6, §4.6.2): a CertificateRequest arriving after
// the handshake, answered with Certificate (+ CertificateVerify) + Finished under the current application keys.
// Per §4.4 each answer covers the handshake transcript plus that exchange's own messages only, and its Finished
// key comes from the current client_application_traffic_secret_N.
import { toHex } from '../../util/bytes.ts';
import { fail } from '../errors.ts';
import { ExtensionType as X } from '../messages/constants.ts';
import type { CertificateRequest } from '../messages/handshake.ts';
import { Transcript } from '../transcript.ts';
import { checkCertificateRequest, sendClientCertificate } from './client-auth.ts';
import type { HandshakeContext } from '../handshake/context.ts';
import type { ReceivedMessage } from '../handshake/message-reader.ts';
import type { TlsClientOptions } from '../handshake/options.ts';

/** Whether the ClientHello offers post_handshake_auth: as asked, else when there is a certificate to give. */
export function offersPostHandshakeAuth(o: Pick<TlsClientOptions, 'postHandshakeAuth' | 'clientCertificate' | 'breakpoints' | 'onBreak'>): boolean {
  return o.postHandshakeAuth ?? (!!o.clientCertificate || (!!o.breakpoints?.clientCertRequest && !!o.onBreak));
}

export class PostHandshakeAuth {
  /** Contexts already answered: each must be unique within the connection (§4.3.2). */
  private readonly contexts = new Set<string>();

  constructor(private readonly ctx: HandshakeContext) {
    ctx.summary.postHandshakeAuth = { offered: this.offered, requests: 0, certificatesSent: 0 };
  }

  get offered(): boolean {
    return this.ctx.offered.has(X.post_handshake_auth);
  }

  /** Answer one post-handshake CertificateRequest; the caller keeps application writes out of the way. */
  async answer(m: ReceivedMessage, clientTrafficSecret: Uint8Array): Promise<void> {
    const ctx = this.ctx;
    if (!this.offered) throw fail.unexpected('the server sent a CertificateRequest after the handshake, but the client did not offer post_handshake_auth (RFC 8446 §4.6.2)');
    const cr = m.message as CertificateRequest;
    if (cr.context.length === 0) throw fail.illegal('a post-handshake CertificateRequest must have a non-empty certificate_request_context (RFC 8446 §4.3.2)');
    const id = toHex(cr.context);
    if (this.contexts.has(id)) throw fail.illegal(`the server reused the certificate_request_context ${id}; each must be unique within the connection`);
    this.contexts.add(id);
    checkCertificateRequest(cr);
    const stats = ctx.summary.postHandshakeAuth!;
    stats.requests++;
    ctx.emit({ kind: 'note', text: `post-handshake authentication: the server asks for a client certificate (context ${id}); the answer is signed over the handshake transcript plus this request` });

    // A separate transcript: the handshake's (kept as is for later requests) plus this exchange.
    const transcript = new Transcript(ctx.transcript.hashAlgorithm, ctx.emit);
    transcript.add(ctx.transcript.bytes(), `handshake (${ctx.transcript.covers.join(', ')})`);
    transcript.add(m.bytes, m.name, m.eventIndex);
    const sent = await sendClientCertificate(ctx, cr, transcript, 'post-handshake');
    const verifyData = await ctx.masterKeys!.finishedVerifyData(clientTrafficSecret, await transcript.hash(), 'client');
    ctx.emit({ kind: 'finished', direction: 'client', expected: toHex(verifyData), received: toHex(verifyData), ok: true });
    await ctx.send({ type: 'finished', verifyData }, { transcript });
    if (sent) stats.certificatesSent++;
    ctx.emit({ kind: 'note', text: `post-handshake authentication answered: ${sent ? 'client certificate sent' : 'declined (empty Certificate)'}, Finished keyed from the client application traffic secret` });
  }
}
