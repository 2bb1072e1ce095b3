// The server's entry point: acceptTls() runs the server side of a handshake over any Transport (TCP, in-memory,
// ...) and returns a ServerConnection for application data, KeyUpdate, post-handshake authentication, tickets and
// the two-step shutdown. The mirror of connectTls (client.ts), on the same shared layers, tracing `side: 'server'`.
import type { Transport } from '../transport/types.ts';
import { createVerifier } from '../x509/verifier.ts';
import { randomBytes } from './crypto/webcrypto.ts';
import { TlsError, describeFailure } from './errors.ts';
import { recordChannel } from './handshake/channel.ts';
import { HandshakeDecoder } from './handshake/decoder.ts';
import { sendAlert, toEngineError } from './handshake/failure.ts';
import { MessageReader } from './handshake/message-reader.ts';
import { Watchdog } from './handshake/watchdog.ts';
import { DEFAULT_SIGNATURE_SCHEMES } from './messages/constants.ts';
import { AlertDescription, TlsAlertError } from './record/alerts.ts';
import { GROUPS, suiteByCode, suiteByName, type Tls13Suite } from './suites.ts';
import { Transcript } from './transcript.ts';
import { ServerContext, type ResolvedServerOptions, type ServerSummary } from './server/context.ts';
import { ServerConnection13 } from './server/connection13.ts';
import type { ServerOptions } from './server/options.ts';
import { ExpectClientHello, type ServerState } from './server/states13.ts';
import { TicketKeys } from './server/ticket-keys.ts';

export type { ServerOptions, ServerCertificate, ServerHooks, ServerBreakpoint, ClientCertificateVerdict } from './server/options.ts';
export type { ServerSummary };
export { TicketKeys, ServerConnection13 };

/** A server connection (TLS 1.3 today; TLS 1.2 will share these methods). */
export type ServerConnection = ServerConnection13;

function resolveServerOptions(o: ServerOptions): ResolvedServerOptions {
  if (!o.certificates?.length) throw new TlsError('BAD_OPTION', 'a server needs at least one certificate with its key');
  for (const c of o.certificates) if (!c.chain?.length) throw new TlsError('BAD_OPTION', 'a server certificate needs its chain (DER, leaf first)');
  const suites: Tls13Suite[] = (o.suites ?? [0x1301, 0x1302, 0x1303]).flatMap((s) => {
    const suite = typeof s === 'number' ? suiteByCode(s) : suiteByName(s);
    if (!suite) throw new TlsError('BAD_OPTION', `unknown TLS 1.3 cipher suite ${String(s)}`);
    return [suite];
  });
  const groupCodes = (o.groups ?? ['x25519', 'secp256r1', 'secp384r1']).map((g) => {
    const group = GROUPS[g];
    if (!group) throw new TlsError('BAD_OPTION', `unknown group ${String(g)}`);
    return group.code;
  });
  if (suites.length === 0) throw new TlsError('BAD_OPTION', 'no cipher suites to accept');
  if (groupCodes.length === 0) throw new TlsError('BAD_OPTION', 'no groups to accept');
  const clientVerifier = o.clientVerifier ?? (o.clientTrustAnchors?.length ? createVerifier({ anchors: o.clientTrustAnchors, purpose: 'client' }) : null);
  return {
    ...o,
    suites,
    groupCodes,
    signatureSchemes: o.signatureSchemes ?? DEFAULT_SIGNATURE_SCHEMES,
    preference: o.preference ?? 'server',
    clientAuth: o.clientAuth ?? 'none',
    clientVerifier,
    numTickets: o.numTickets ?? 2,
    ticketKeys: o.ticketKeys ?? new TicketKeys(),
    ticketLifetimeSeconds: o.ticketLifetimeSeconds ?? 7200,
    random: o.random ?? randomBytes,
    clock: o.clock ?? (() => Date.now()),
    emit: o.recorder ?? (() => -1),
  };
}

/**
 * Run the server side of a handshake over `transport`. Resolves with an open connection (tickets already sent);
 * rejects with a TlsAlertError or TlsError carrying a stable `code`, after sending the right alert and emitting
 * 'alert' and 'error' events.
 */
export async function acceptTls(transport: Transport, options: ServerOptions): Promise<ServerConnection> {
  const o = resolveServerOptions(options);
  const emit = o.emit;
  const started = o.clock();
  const channel = recordChannel(transport, emit, { side: 'server' });
  const reader = new MessageReader(channel, emit, new HandshakeDecoder(), 'client');
  const watchdog = new Watchdog(o.timeoutMs, () => Date.now(), () => void channel.close());
  const ctx = new ServerContext(o, channel, reader, new Transcript(null, emit), watchdog);
  emit({ kind: 'connection', phase: 'start' });
  watchdog.resume();
  const expired = new Promise<never>((_, reject) => (watchdog.onExpire = () => reject(new TlsError('TIMEOUT', `the handshake did not complete within ${o.timeoutMs} ms`))));
  expired.catch(() => undefined);
  const run = async () => {
    let state: ServerState | null = new ExpectClientHello();
    while (state) {
      ctx.setState(state.name);
      const m = await reader.nextHandshake();
      await ctx.afterMessage(m.name, m.eventIndex, 'client');
      state = await state.handle(ctx, m);
    }
  };
  try {
    const handshake = run();
    handshake.catch(() => undefined);
    await Promise.race([handshake, expired]);
    ctx.setState('Connected');
    watchdog.stop();
    ctx.summary.handshakeMs = o.clock() - started;
    const connection = new ServerConnection13(ctx, ctx.established13!);
    await connection.sendTickets(o.numTickets);
    return connection;
  } catch (e) {
    watchdog.stop();
    const err = watchdog.fired ? new TlsError('TIMEOUT', `the handshake did not complete within ${o.timeoutMs} ms`) : toEngineError(e);
    if (err instanceof TlsAlertError && !err.received) {
      if (err.alert === AlertDescription.user_canceled) {
        await sendAlert(channel, emit, err.alert, 'warning', 'server');
        await sendAlert(channel, emit, AlertDescription.close_notify, 'warning', 'server');
      } else await sendAlert(channel, emit, err.alert, 'fatal', 'server');
    }
    const { code, message } = describeFailure(err);
    emit({ kind: 'error', code, message });
    await channel.close();
    emit({ kind: 'connection', phase: 'closed', detail: code });
    throw err;
  }
}
