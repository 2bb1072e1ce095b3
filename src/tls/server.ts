// The server's entry point: acceptTls() runs the server side of a handshake over any Transport (TCP, in-memory,
// ...) and returns a ServerConnection for application data, KeyUpdate, post-handshake authentication, tickets and
// the two-step shutdown. The mirror of connectTls (client.ts), on the same shared layers, tracing `side: 'server'`.
import type { Transport } from '../transport/types.ts';
import { createVerifier } from '../x509/verifier.ts';
import { randomBytes } from '../crypto/provider.ts';
import { TlsError, fail } from './errors.ts';
import { recordChannel } from './handshake/channel.ts';
import { HandshakeDecoder } from './handshake/decoder.ts';
import { closeAfterFailure, sendOurAlert, toEngineError } from './handshake/failure.ts';
import { MessageReader } from './handshake/message-reader.ts';
import { Watchdog } from './handshake/watchdog.ts';
import { DEFAULT_SIGNATURE_SCHEMES } from './messages/constants.ts';
import { TlsAlertError } from './record/alerts.ts';
import { groupByName, suiteByCode, suiteByName, type Tls13Suite } from './suites.ts';
import { ffdheGroupByName, FFDHE_GROUPS, type FfdheGroup } from '../crypto/ffdhe.ts';
import { DEFAULT_SERVER_TLS12_SUITES, suite12ByCode, suite12ByName, type Tls12Suite } from './suites12.ts';
import { SessionCache12 } from './server/session-cache12.ts';
import { authorityNames } from './server/certificate-authorities.ts';
import { TLS12_EXTRA_SCHEMES } from './handshake12/signatures12.ts';
import { Transcript } from './transcript.ts';
import { ServerContext, type ResolvedServerOptions, type ServerSummary } from './server/context.ts';
import { ServerConnection13 } from './server/connection13.ts';
import { ServerConnection12 } from './server/connection12.ts';
import type { ServerOptions } from './server/options.ts';
import type { ServerState } from './server/state.ts';
import { ExpectClientHello } from './server/states13.ts';
import { TicketKeys } from './server/ticket-keys.ts';

export type { ServerOptions, ServerCertificate, ServerHooks, ServerBreakpoint, ClientCertificateVerdict } from './server/options.ts';
export type { ServerSummary };
export { TicketKeys, SessionCache12, ServerConnection13, ServerConnection12 };

/** A TLS 1.3 or TLS 1.2 server connection: the same methods (keyUpdate and requestClientAuth in 1.3, renegotiate in 1.2). */
export type ServerConnection = ServerConnection13 | ServerConnection12;

function resolveServerOptions(o: ServerOptions): ResolvedServerOptions {
  if (!o.certificates?.length) throw new TlsError('BAD_OPTION', 'a server needs at least one certificate with its key');
  for (const c of o.certificates) if (!c.chain?.length) throw new TlsError('BAD_OPTION', 'a server certificate needs its chain (DER, leaf first)');
  // One list may name suites of both versions (IANA or OpenSSL names, or codes); each version takes its own.
  const suites: Tls13Suite[] = [];
  const suites12: Tls12Suite[] = [];
  for (const s of o.suites ?? []) {
    const s13 = typeof s === 'number' ? suiteByCode(s) : suiteByName(s);
    const s12 = typeof s === 'number' ? suite12ByCode(s) : suite12ByName(s);
    if (s13) suites.push(s13);
    else if (s12) suites12.push(s12);
    else throw new TlsError('BAD_OPTION', `unknown cipher suite ${String(s)}`);
  }
  if (!o.suites?.length) {
    suites.push(...[0x1301, 0x1302, 0x1303].map((c) => suiteByCode(c)!));
    suites12.push(...DEFAULT_SERVER_TLS12_SUITES.map((c) => suite12ByCode(c)!));
  }
  // Naming suites of one version only turns the other off.
  const versions = (o.versions ?? ['TLS1.3', 'TLS1.2']).filter((v) => !o.suites?.length || (v === 'TLS1.3' ? suites.length > 0 : suites12.length > 0));
  // Else every client would get protocol_version, told that this server "accepts" no version.
  if (versions.length === 0) throw new TlsError('BAD_OPTION', `the cipher suites named are for none of the versions accepted (${(o.versions ?? []).join(', ')}): no handshake could complete`);
  const groupCodes: number[] = [];
  const ffdheGroups: FfdheGroup[] = [];
  for (const g of o.groups ?? ['x25519', 'secp256r1', 'secp384r1', ...Object.keys(FFDHE_GROUPS)]) {
    // A finite-field group serves both versions: TLS 1.2 DHE's parameters, and a TLS 1.3 key share in its place in
    // the server's order of groups.
    const ff = ffdheGroupByName(g);
    if (ff) ffdheGroups.push(ff);
    const named = groupByName(g);
    if (named) groupCodes.push(named.code);
    else throw new TlsError('BAD_OPTION', `unknown group ${String(g)}`);
  }
  if (groupCodes.length === 0 && ffdheGroups.length === 0) throw new TlsError('BAD_OPTION', 'no groups to accept');
  const clientVerifier = o.clientVerifier ?? (o.clientTrustAnchors?.length ? createVerifier({ anchors: o.clientTrustAnchors, purpose: 'client' }) : null);
  return {
    ...o,
    versions,
    suites,
    suites12,
    groupCodes,
    ffdheGroups,
    sessionCache: o.sessionCache ?? new SessionCache12(),
    signatureSchemes: o.signatureSchemes ?? DEFAULT_SIGNATURE_SCHEMES,
    // TLS 1.2 clients may still sign with PKCS#1 v1.5 (RFC 5246 §7.4.1.4.1); TLS 1.3 forbids it in CertificateVerify.
    signatureSchemes12: o.signatureSchemes ?? [...DEFAULT_SIGNATURE_SCHEMES, ...TLS12_EXTRA_SCHEMES],
    certificateAuthorities: authorityNames(o.clientTrustAnchors),
    preference: o.preference ?? 'server',
    clientAuth: o.clientAuth ?? 'none',
    clientVerifier,
    numTickets: o.numTickets ?? 2,
    writeTimeoutMs: o.writeTimeoutMs ?? 30_000,
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
  // RFC 8446 §5 and RFC 5246 §7.1: nothing to change before the ClientHello, nor inside it. The version chosen
  // then says where a ChangeCipherSpec may come (states13.ts, states12.ts).
  reader.onChangeCipherSpec = async () => {
    throw fail.unexpected('a ChangeCipherSpec arrived before the ClientHello (RFC 8446 §5)');
  };
  const watchdog = new Watchdog(o.timeoutMs, () => Date.now(), () => void channel.close());
  const ctx = new ServerContext(o, channel, reader, new Transcript(null, emit), watchdog);
  emit({ kind: 'connection', phase: 'start', recordedBy: 'server' });
  watchdog.resume();
  const run = async () => {
    let state: ServerState | null = new ExpectClientHello();
    while (state) {
      ctx.setState(state.name);
      reader.expected = { msgType: state.expects, state: state.name };
      const m = await reader.nextHandshake();
      await ctx.afterMessage(m.name, m.eventIndex, 'client');
      state = await state.handle(ctx, m);
    }
  };
  try {
    await watchdog.race(run);
    // After the handshake, messages of several types may come (KeyUpdate, a renegotiation's ClientHello, a Certificate).
    reader.expected = null;
    ctx.setState('Connected');
    ctx.summary.handshakeMs = o.clock() - started;
    if (ctx.established12) return new ServerConnection12(ctx, ctx.established12);
    const connection = new ServerConnection13(ctx, ctx.established13!);
    try {
      await connection.sendTickets(o.numTickets);
    } catch (e) {
      // The handshake is complete; a client that hung up at once (openssl s_client -reconnect does) misses its
      // tickets, and its next read says so.
      if (!(e instanceof TlsError && e.code === 'CLOSED')) throw e;
      emit({ kind: 'note', text: `${connection.ticketsSent} of ${o.numTickets} tickets sent: the client hung up after its Finished (${e.message})` });
    }
    return connection;
  } catch (e) {
    const err = toEngineError(e);
    if (err instanceof TlsAlertError && !err.received) await sendOurAlert(channel, emit, err.alert, 'server');
    await closeAfterFailure(channel, emit, err);
    throw err;
  }
}
