// Building the ClientHello (RFC 8446 §4.1.2), and the second one after a HelloRetryRequest (§4.1.4):
// same random and session id, one new key share, the cookie echoed, PSK binders recomputed.
import { EarlyStage13 } from '../key-schedule/key-schedule13.ts';
import { ExtensionType as X, PskKeyExchangeMode, ProtocolVersion, DEFAULT_CERT_SIGNATURE_SCHEMES } from '../messages/constants.ts';
import { STATUS_TYPE_OCSP, type Extension } from '../messages/extensions.ts';
import { encodeHandshake, truncateBeforeBinders, type ClientHello } from '../messages/handshake.ts';
import { suiteByCode } from '../suites.ts';
import type { HandshakeContext } from '../handshake/context.ts';
import { offersPostHandshakeAuth } from './post-handshake-auth.ts';
import { makeKeyShare } from '../handshake/key-share.ts';
import type { Tls12HelloParts } from '../handshake12/client-hello12.ts';
import { planEarlyData, sendEarlyData } from './early-data13.ts';

function isIpLiteral(name: string): boolean {
  return /^[0-9.]+$/.test(name) || name.includes(':');
}

/** The session is usable if its suite's hash is among the suites we offer and the ticket is still young. */
function usableSession(ctx: HandshakeContext, hashOf: string | null) {
  const s = ctx.options.session;
  if (!s || 'masterSecret' in s) return null; // a TLS 1.2 session is offered by the TLS 1.2 additions
  const suite = suiteByCode(s.cipherSuite);
  if (!suite) return null;
  if (hashOf ? suite.hash !== hashOf : !ctx.options.suites.some((x) => x.hash === suite.hash)) return null;
  const age = ctx.options.clock() - s.receivedAt;
  if (age < 0 || age > s.lifetimeSeconds * 1000) return null;
  return { session: s, suite };
}

/** Send the first ClientHello. */
export async function sendClientHello(ctx: HandshakeContext, tls12?: Tls12HelloParts): Promise<void> {
  const o = ctx.options;
  const extensions: Extension[] = [];
  if (o.serverName && !isIpLiteral(o.serverName)) extensions.push({ code: X.server_name, hostName: o.serverName });
  extensions.push({ code: X.supported_versions, versions: tls12 ? [ProtocolVersion.TLS13, ProtocolVersion.TLS12] : [ProtocolVersion.TLS13] });
  extensions.push({ code: X.supported_groups, groups: o.groupCodes });
  // Several groups' shares are made together (each may be a WebCrypto round trip), listed in the order asked.
  const made = await Promise.all(o.keyShareCodes.map((code) => makeKeyShare(ctx, code)));
  extensions.push({ code: X.key_share, shares: made.map((share, i) => ({ group: o.keyShareCodes[i], keyExchange: share.publicKey })) });
  extensions.push({ code: X.signature_algorithms, schemes: tls12?.signatureSchemes ?? o.signatureSchemes });
  extensions.push({ code: X.signature_algorithms_cert, schemes: [...new Set([...o.signatureSchemes, ...DEFAULT_CERT_SIGNATURE_SCHEMES])] });
  if (o.alpn?.length) extensions.push({ code: X.alpn, protocols: o.alpn });
  // Ask for a stapled OCSP response (RFC 6066 §8), as browsers do; it covers a TLS 1.2 answer too.
  if (o.statusRequest !== false) extensions.push({ code: X.status_request, statusType: STATUS_TYPE_OCSP });
  extensions.push({ code: X.psk_key_exchange_modes, modes: [PskKeyExchangeMode.psk_dhe_ke] });
  // Empty: the server may ask for a client certificate after the handshake (RFC 8446 §4.2.6).
  if (offersPostHandshakeAuth(o)) extensions.push({ code: X.post_handshake_auth });
  // Also offering TLS 1.2 (src/tls/handshake12/client-hello12.ts): its suites and extensions.
  if (tls12) extensions.push(...tls12.extensions);
  ctx.clientHello = {
    type: 'client_hello',
    legacyVersion: ProtocolVersion.TLS12,
    random: o.random(32),
    // A non-empty session id turns on middlebox compatibility mode (RFC 8446 §D.4).
    sessionId: tls12?.sessionId ?? o.random(32),
    cipherSuites: [...o.suites.map((s) => s.code), ...(tls12?.suites ?? [])],
    compressionMethods: [0],
    extensions,
  };
  const usable = usableSession(ctx, null);
  if (usable) {
    ctx.pskOffered = usable.session;
    ctx.pskSchedule = await EarlyStage13.withPsk(usable.suite.hash, usable.session.psk, ctx.emit);
  }
  // 0-RTT (RFC 8446 §4.2.10): early_data before pre_shared_key, which stays last; the data right after the hello.
  ctx.earlyData = planEarlyData(ctx, usable?.session ?? null);
  if (ctx.earlyData) extensions.push({ code: X.early_data });
  await finishAndSend(ctx);
  if (ctx.earlyData) await sendEarlyData(ctx, ctx.earlyData);
}

/** Send the second ClientHello after a HelloRetryRequest. */
export async function sendSecondClientHello(ctx: HandshakeContext, group: number | undefined, cookie: Uint8Array | undefined): Promise<void> {
  const ch = ctx.clientHello;
  const extensions = ch.extensions.filter((e) => e.code !== X.pre_shared_key && e.code !== X.early_data && e.code !== X.cookie);
  if (group !== undefined) {
    const share = await makeKeyShare(ctx, group);
    const ks = extensions.find((e) => e.code === X.key_share)!;
    ks.shares = [{ group, keyExchange: share.publicKey }];
  }
  if (cookie) extensions.push({ code: X.cookie, cookie });
  ctx.clientHello = { ...ch, extensions };
  // A PSK whose hash does not match the suite the server chose is dropped (RFC 8446 §4.1.4).
  if (ctx.pskOffered && !usableSession(ctx, ctx.suite!.hash)) {
    ctx.pskOffered = null;
    ctx.pskSchedule = null;
  }
  await finishAndSend(ctx);
}

/** Append pre_shared_key (last, with its binder over the ClientHello so far) and send. */
async function finishAndSend(ctx: HandshakeContext): Promise<void> {
  const ch: ClientHello = ctx.clientHello;
  const session = ctx.pskOffered;
  if (session && ctx.pskSchedule) {
    const age = (ctx.options.clock() - session.receivedAt + session.ageAdd) >>> 0;
    const hashLen = ctx.pskSchedule.hashLength;
    const psk: Extension = { code: X.pre_shared_key, identities: [{ identity: session.ticket, obfuscatedTicketAge: age }], binders: [new Uint8Array(hashLen)] };
    ch.extensions = [...ch.extensions, psk];
    const draft = encodeHandshake(ch, true); // its bytes alone: no field tree
    const partial = truncateBeforeBinders(draft.bytes, psk.binders!);
    const partialHash = await ctx.transcript.hashWith(partial, { name: 'ClientHello (up to the binders)', hash: ctx.pskSchedule.hash });
    psk.binders = [await ctx.pskSchedule.binderValue('res', partialHash)];
  }
  ctx.offered = new Set(ch.extensions.map((e) => e.code));
  await ctx.send(ch);
}
