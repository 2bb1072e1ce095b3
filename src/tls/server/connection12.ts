// An established TLS 1.2 connection, server side: application data and the two-step shutdown (connection.ts).
// A ClientHello from the client after the handshake (a renegotiation it starts) is refused with a no_renegotiation
// warning, which RFC 5246 §7.4.1.2 allows; accepting it, and HelloRequest from the server, are not built yet.
import { TlsError, fail } from '../errors.ts';
import { sendAlert } from '../handshake/failure.ts';
import type { ReceivedMessage } from '../handshake/message-reader.ts';
import { AlertDescription } from '../record/alerts.ts';
import { ServerConnectionBase } from './connection.ts';
import type { ServerContext } from './context.ts';
import type { ClientCertificateVerdict } from './options.ts';
import type { Established12 } from './states12.ts';

export class ServerConnection12 extends ServerConnectionBase {
  readonly version = 'TLSv1.2' as const;
  private refused = 0;

  constructor(
    ctx: ServerContext,
    readonly details: Established12,
  ) {
    super(ctx);
  }

  keyUpdate(): Promise<void> {
    return Promise.reject(new TlsError('BAD_OPTION', 'KeyUpdate exists only in TLS 1.3 (TLS 1.2 renegotiates instead)'));
  }

  renegotiate(): Promise<void> {
    return Promise.reject(new TlsError('BAD_OPTION', 'server-started renegotiation (HelloRequest) is not built yet'));
  }

  requestClientAuth(): Promise<ClientCertificateVerdict> {
    return Promise.reject(new TlsError('BAD_OPTION', 'in TLS 1.2 a client certificate is asked for by renegotiating, which is not built yet'));
  }

  protected async onPostHandshake(m: ReceivedMessage): Promise<void> {
    if (m.message.type !== 'client_hello') throw fail.unexpected(`${m.name} is not allowed from the client after the TLS 1.2 handshake`);
    // A flood of refused attempts is still a flood: past a few, end the connection.
    if (++this.refused > 3) throw fail.unexpected('the client keeps asking to renegotiate after being refused');
    const reason = this.details.secureRenegotiation ? 'client-started renegotiation is not built yet on this server' : 'the client did not show secure renegotiation (RFC 5746)';
    this.emit({ kind: 'renegotiation', phase: 'refused', number: this.refused, by: 'client', refusedBy: 'server', reason });
    await sendAlert(this.ctx.channel, this.emit, AlertDescription.no_renegotiation, 'warning', 'server');
  }
}
