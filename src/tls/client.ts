// The client's entry point: connectTls() runs the handshake (TLS 1.3, or TLS 1.2 when that is what is offered or
// chosen) over any Transport and returns a TlsConnection for application data, KeyUpdate or renegotiation,
// tickets and close. Used unchanged by the CLI (Node) and the browser Worker.
import type { Emit } from '../trace/recorder.ts';
import type { Transport } from '../transport/types.ts';
import { randomBytes } from '../crypto/provider.ts';
import { TlsError, fail } from './errors.ts';
import { recordChannel, whenConnected } from './handshake/channel.ts';
import { HandshakeDecoder } from './handshake/decoder.ts';
import { HandshakeContext, type HandshakeSummary, type ResolvedOptions } from './handshake/context.ts';
import { closeAfterFailure, peerAlert, sendOurAlert, toEngineError } from './handshake/failure.ts';
import { MessageReader, type ReceivedMessage } from './handshake/message-reader.ts';
import type { TlsClientOptions, TlsSession } from './handshake/options.ts';
import { Watchdog } from './handshake/watchdog.ts';
import { sendClientHello } from './handshake13/client-hello13.ts';
import { earlyDataLeft, refuseEarlyData } from './handshake13/early-data13.ts';
import { Tls13Connection } from './handshake13/connection13.ts';
import { Established13, ExpectServerHello, type State } from './handshake13/states13.ts';
import { DEFAULT_SIGNATURE_SCHEMES, ProtocolVersion } from './messages/constants.ts';
import { AlertDescription, TlsAlertError } from './record/alerts.ts';
import { GROUPS, suiteByCode, suiteByName, type Tls13Suite } from './suites.ts';
import { Transcript } from './transcript.ts';
import { isTls12SuiteRef, loadTls12, mayChooseTls12, planVersions, tls12HelloParts, type Handshake12, type Tls12Client, type Tls12Connection } from './handshake12/index.ts';

export type { TlsClientOptions, TlsSession, HandshakeSummary };
// TLS 1.2's connection class is in its own module, loaded when a connection needs it: exported as a type.
export type { Tls12Connection };
export { Tls13Connection };
export type { Tls12Session } from './handshake12/index.ts';
export type { BreakDecision, BreakInfo, BreakpointName, ClientCertificate } from './handshake/options.ts';

function resolveOptions(o: TlsClientOptions): ResolvedOptions {
  // TLS 1.2 suite names go to the TLS 1.2 plan (handshake12/index.ts); the rest must be TLS 1.3 suites.
  const named13 = (o.suites ?? []).filter((s) => !isTls12SuiteRef(s));
  const suites: Tls13Suite[] = (named13.length ? named13 : [0x1301, 0x1302, 0x1303]).map((s) => {
    const suite = typeof s === 'number' ? suiteByCode(s) : suiteByName(s);
    if (!suite) throw new TlsError('BAD_OPTION', `unknown TLS 1.3 cipher suite ${String(s)}`);
    return suite;
  });
  // secp521r1 last: rarely picked for a key exchange, but a TLS 1.2 server with a P-521 certificate signs only for a
  // client that lists the curve (RFC 8422 §5.1; OpenSSL refuses the handshake otherwise).
  const groupNames = o.groups ?? ['x25519', 'secp256r1', 'secp384r1', 'secp521r1'];
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

/**
 * Run a TLS 1.3 handshake over `transport`. Resolves with an open connection; rejects with a TlsAlertError or
 * TlsError carrying a stable `code`, after sending the right alert and emitting 'alert' and 'error' events.
 * `transport` may still be connecting (a promise): the key shares and ClientHello are prepared meanwhile.
 */
export async function connectTls(transport: Transport | Promise<Transport>, options: TlsClientOptions, emit: Emit): Promise<TlsConnection> {
  const o = resolveOptions(options);
  const plan = planVersions(options);
  let tls12: Handshake12 | null = null;
  let code12 = null as Tls12Client | null; // assigned in run()
  let tls13: Established13 | null = null;
  const started = o.clock();
  const channel = recordChannel(whenConnected(transport), emit, { padding: o.padding, maxFragmentLength: o.maxFragmentLength });
  const reader = new MessageReader(channel, emit, new HandshakeDecoder(), 'server', options.readCopies !== false);
  const watchdog = new Watchdog(o.timeoutMs, () => Date.now(), () => void channel.close());
  const ctx = new HandshakeContext(o, emit, channel, reader, new Transcript(null, emit), watchdog);
  emit({ kind: 'connection', phase: 'start', serverName: o.serverName });
  watchdog.resume();
  const run = async () => {
    if (!plan.offerTls13) {
      // TLS 1.2 only: its code loads while the transport connects.
      code12 = await loadTls12();
      tls12 = await code12.handshakeTls12Only(ctx, plan.tls12!);
      return;
    }
    // The first ClientHello goes out with record version 0x0301 for old middleboxes (RFC 8446 §5.1).
    channel.setLegacyRecordVersion(ProtocolVersion.TLS10);
    ctx.setState('SendClientHello');
    const parts12 = plan.tls12 ? tls12HelloParts(o, plan.tls12, null) : undefined;
    await sendClientHello(ctx, parts12);
    channel.setLegacyRecordVersion(ProtocolVersion.TLS12);
    let state: State | Established13 = new ExpectServerHello(false);
    // Until the server's first hello the version is open: a TLS 1.2 server may send a warning first (an
    // unrecognized_name before its ServerHello is common), which TLS 1.2 lets the client pass over, as OpenSSL does.
    if (plan.tls12) reader.toleratedWarning = warningBeforeVersionKnown;
    while (!(state instanceof Established13)) {
      ctx.setState(state.name);
      const m: ReceivedMessage = await reader.nextHandshake();
      // The first hello settles the version: in TLS 1.3 every alert but close_notify ends the connection.
      reader.toleratedWarning = null;
      await ctx.afterMessage(m.name, m.eventIndex);
      // One ClientHello offered both versions and the server picked TLS 1.2: the TLS 1.2 states (loaded now) take over.
      if (plan.tls12 && parts12 && state.name === 'ExpectServerHello' && m.message.type === 'server_hello' && mayChooseTls12(m.message)) {
        code12 = await loadTls12();
        if (code12.selectsTls12(m.message, true, true)) {
          // TLS 1.3's compatibility ChangeCipherSpec was dropped while the version was open; in TLS 1.2 a CCS before
          // the ServerHello is a protocol violation (OpenSSL: unexpected_message), whatever the version offered.
          if (reader.droppedChangeCipherSpecs > 0) throw fail.unexpected('a ChangeCipherSpec arrived before the TLS 1.2 ServerHello, where TLS 1.2 has none');
          refuseEarlyData(ctx, 'the server chose TLS 1.2, which has no 0-RTT', 'plaintext');
          tls12 = await code12.continueAsTls12(ctx, plan.tls12, parts12, ctx.transcript, m);
          return;
        }
      }
      state = await state.handle(ctx, m);
    }
    tls13 = state;
  };
  try {
    await watchdog.race(run);
    // Our last flight (TLS 1.3's Finished, a resumed TLS 1.2 handshake's CCS + Finished) may still be held by a
    // transport that sends a flight when the engine reads next: the handshake is over once it has left.
    channel.flush?.();
    ctx.setState('Connected');
    let connection: TlsConnection;
    if (tls12 && code12) connection = new code12.Tls12Connection(ctx, plan.tls12!, tls12, o.clock() - started);
    else if (!tls13) throw fail.internal('the TLS 1.3 handshake ended without its keys');
    else connection = new Tls13Connection(ctx, tls13, o.clock() - started);
    await sendEarlyDataLeft(ctx, connection);
    return connection;
  } catch (e) {
    let err = toEngineError(e);
    // The peer hung up while we were writing: its alert, if it sent one, says why.
    if (err instanceof TlsError && err.code === 'CLOSED' && !err.receivedAlert) err = (await peerAlert(reader)) ?? err;
    if (err instanceof TlsAlertError && !err.received) {
      // Past the ServerHello, the server reads our records with the client handshake keys: the alert goes under them.
      if (ctx.protectWrites && !watchdog.fired) await ctx.protectWrites().catch(() => undefined);
      await sendOurAlert(channel, emit, err.alert);
    }
    await closeAfterFailure(channel, emit, err);
    throw err;
  }
}

/** `earlyData` the server did not read as 0-RTT (refused, not offered, beyond the ticket's limit) goes now, as application data. */
async function sendEarlyDataLeft(ctx: HandshakeContext, connection: TlsConnection): Promise<void> {
  const left = earlyDataLeft(ctx);
  if (!left) return;
  await connection.write(left);
  if (ctx.summary.earlyData) ctx.summary.earlyData.resent = left.length;
  ctx.emit({ kind: 'note', text: `${left.length} bytes of the early data sent after the handshake, as ordinary application data${ctx.earlyData?.outcome === 'refused' ? ' (again: the server did not read them as 0-RTT)' : ''}` });
}

/** A warning the client passes over before the version is known: TLS 1.2's rule (context12.ts). */
function warningBeforeVersionKnown(description: number): boolean {
  return description !== AlertDescription.no_renegotiation;
}

/** A TLS 1.3 or a TLS 1.2 connection: the same methods (keyUpdate only in 1.3, renegotiate only in 1.2). */
export type TlsConnection = Tls13Connection | Tls12Connection;
