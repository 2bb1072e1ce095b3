// Tickets the worker keeps between Connects, so a second Connect to the same server resumes (a pre_shared_key in its
// ClientHello, 0-RTT early data when the ticket allows it), as a browser does. They stay in the worker: a ticket's PSK
// is a secret the page has no use for. Each is offered once (RFC 8446 §C.4: a ticket reused would link the
// connections, and its early data would be a replay the server refuses); the connection it goes on brings new ones.
import type { TlsSession } from '../tls/handshake/options.ts';
import type { ConnectRequest } from './messages.ts';

/** Servers remembered at most; the oldest is forgotten first. */
const KEPT_SERVERS = 16;

/** Which server a request reaches: the scenario or host:port, with the name asked for (a ticket is bound to it). */
export function serverKey(req: Pick<ConnectRequest, 'scenario' | 'target' | 'serverName'>): string {
  return `${req.scenario ? `scenario ${req.scenario}` : `target ${req.target ?? ''}`} as ${req.serverName ?? ''}`;
}

export class KeptTickets {
  private readonly byServer = new Map<string, TlsSession>();

  /** The newest ticket a connection to `req`'s server received (none: what was kept stays). */
  keep(req: Pick<ConnectRequest, 'scenario' | 'target' | 'serverName'>, ticket: TlsSession | undefined): void {
    if (!ticket) return;
    const key = serverKey(req);
    this.byServer.delete(key);
    this.byServer.set(key, ticket);
    if (this.byServer.size > KEPT_SERVERS) this.byServer.delete(this.byServer.keys().next().value!);
  }

  /** The ticket kept for `req`'s server, given up: the connection that offers it keeps what it receives instead. */
  take(req: Pick<ConnectRequest, 'scenario' | 'target' | 'serverName'>): TlsSession | undefined {
    const key = serverKey(req);
    const ticket = this.byServer.get(key);
    this.byServer.delete(key);
    return ticket;
  }
}
