// The TLS 1.2 client handshake (RFC 5246 §7.3), one small state per expected message as in the TLS 1.3 states:
//   full:        ServerHello, Certificate, [ServerKeyExchange], [CertificateRequest], ServerHelloDone
//                -> [Certificate], ClientKeyExchange, [CertificateVerify], ChangeCipherSpec, Finished
//                <- [NewSessionTicket], ChangeCipherSpec, Finished
//   abbreviated: ServerHello, [NewSessionTicket], ChangeCipherSpec, Finished -> ChangeCipherSpec, Finished
import { concat, equalBytes, toHex } from '../../util/bytes.ts';
import { fail, tlsFailure } from '../errors.ts';
import type { ReceivedMessage } from '../handshake/message-reader.ts';
import { chooseClientCertificate, signHandshake, type ChosenCertificate } from '../handshake/client-certificate.ts';
import { leafKey, verifyPeerSignature } from '../handshake/peer-signature.ts';
import { KeyTransportProven, ResumptionKeyProven, type HandshakeProofs, type HandshakeSignatureValid } from '../handshake/proofs.ts';
import { makeKeyShare } from '../handshake/key-share.ts';
import { serverAuthBreakpoint, verifyChain } from '../handshake/peer-certificate.ts';
import { checkStapledResponse, noStaple } from '../handshake/stapled-ocsp.ts';
import { checkDowngradeSentinel } from '../handshake/downgrade.ts';
import { ExtensionType as X, ProtocolVersion, extensionName, groupName, schemeName } from '../messages/constants.ts';
import { findExtension } from '../messages/extensions.ts';
import type { ServerHello } from '../messages/handshake.ts';
import type { AnyMessage12, Certificate12, CertificateRequest12, Finished12, NewSessionTicket12, ServerKeyExchange } from '../messages/tls12.ts';

import type { RecordProtector } from '../record/protector.ts';
import { Tls12AeadProtector } from '../record/tls12-aead-protector.ts';
import { Tls12CbcProtector } from '../record/tls12-cbc-protector.ts';
import { GROUP_NAMES, groupByCode } from '../suites.ts';
import { suite12ByCode } from '../suites12.ts';
import type { Tls12Context } from './context12.ts';
import { checkPeerFinished12, ourFinished12 } from './finished12.ts';
import { dheExchange, ecdheExchange, rsaExchange, type ExchangeResult } from './key-exchange12.ts';
import { MasterStage12, PreMasterStage12, type KeyBlock12 } from '../key-schedule/key-schedule12.ts';
import { createSigner12, scheme12Algorithm } from './signatures12.ts';

export interface State12 {
  readonly name: string;
  /** Handle the next message; the next state, or the proofs the connection needs once the handshake is done. */
  handle(ctx: Tls12Context, m: ReceivedMessage): Promise<State12 | Completed12>;
}

/** The end of a TLS 1.2 handshake: made only with proofs that the server authenticated itself and its Finished verified. */
export class Completed12 {
  constructor(
    readonly proofs: HandshakeProofs,
    /** The master secret's stage: kept in the session for resumption. */
    readonly master: MasterStage12,
  ) {}
}

/** How the server has proved its key so far: its ServerKeyExchange signature, the resumed session's master secret,
 * or (static RSA) not yet: it proves it by its Finished, made from the premaster secret only its key can decrypt. */
type ServerKeyProof = HandshakeSignatureValid | ResumptionKeyProven | 'at-finished';

/** What the server's key exchange gave: its signed parameters (none with static RSA) and how it proved its key. */
interface ServerKeyExchanged {
  ske: ServerKeyExchange | null;
  serverKey: HandshakeSignatureValid | 'at-finished';
}

/** After the key exchange (or from the resumed session): the master secret's stage and the key block it made. */
interface Keys12 {
  master: MasterStage12;
  block: KeyBlock12;
}

type Msg<T extends AnyMessage12['type']> = Extract<AnyMessage12, { type: T }>;

function expect12<T extends AnyMessage12['type']>(m: ReceivedMessage, type: T, state: string): Msg<T> {
  const msg = m.message;
  if (msg.type !== type) throw fail.unexpected(`${state}: expected ${type.replace(/12$/, '').replace(/_/g, ' ')}, got ${m.name}`);
  return msg as Msg<T>;
}

/** Extensions a TLS 1.2 ServerHello may carry, each only if the client offered it (RFC 5246 §7.4.1.4). */
const SERVER_HELLO_12: readonly number[] = [X.server_name, X.max_fragment_length, X.status_request, X.ec_point_formats, X.alpn, X.encrypt_then_mac, X.extended_master_secret, X.session_ticket, X.renegotiation_info, X.record_size_limit];

/** Is this ServerHello a TLS 1.2 answer the client may accept? Throws for a downgrade the sentinel exposes. */
export function selectsTls12(sh: ServerHello, offerTls12: boolean, offerTls13: boolean): boolean {
  if (!offerTls12 || findExtension(sh.extensions, X.supported_versions) || sh.legacyVersion !== ProtocolVersion.TLS12) return false;
  if (offerTls13) checkDowngradeSentinel(sh.random);
  return true;
}

export class ExpectServerHello12 implements State12 {
  readonly name = 'ExpectServerHello (TLS 1.2)';
  async handle(ctx: Tls12Context, m: ReceivedMessage): Promise<State12 | Completed12> {
    const sh = expect12(m, 'server_hello', this.name);
    if (sh.isHelloRetryRequest) throw fail.unexpected('a HelloRetryRequest answers a TLS 1.3 offer only');
    if (findExtension(sh.extensions, X.supported_versions) || sh.legacyVersion !== ProtocolVersion.TLS12) {
      throw fail.version(`the server answered with version 0x${sh.legacyVersion.toString(16)}${findExtension(sh.extensions, X.supported_versions) ? ' and supported_versions' : ''}; this handshake offered only TLS 1.2`);
    }
    return processServerHello(ctx, sh, m);
  }
}

/** ServerHello checks and what follows from them: suite, extensions, secure renegotiation, resumption. */
export async function processServerHello(ctx: Tls12Context, sh: ServerHello, m: ReceivedMessage): Promise<State12> {
  const base = ctx.base;
  if (!ctx.clientHello.cipherSuites.includes(sh.cipherSuite) || !suite12ByCode(sh.cipherSuite)) {
    throw fail.illegal(`the server chose cipher suite 0x${sh.cipherSuite.toString(16).padStart(4, '0')}, which the client did not offer for TLS 1.2`);
  }
  if (sh.compressionMethod !== 0) throw fail.illegal('the server chose compression, which this client did not offer (and which leaks secrets: CRIME)');
  for (const e of sh.extensions) {
    if (!SERVER_HELLO_12.includes(e.code)) {
      throw fail.unsupportedExtension(`the TLS 1.2 ServerHello carries ${extensionName(e.code)}, which does not belong there or was not offered`);
    }
    if (!ctx.offered.has(e.code)) throw fail.unsupportedExtension(`the ServerHello carries ${extensionName(e.code)}, which the client did not offer`);
  }
  const suite = suite12ByCode(sh.cipherSuite)!;
  ctx.suite = suite;
  ctx.serverRandom = sh.random;
  ctx.serverSessionId = sh.sessionIdEcho;
  base.summary.version = 'TLSv1.2';
  base.summary.cipherSuite = suite.name;
  ctx.transcript.setHash(suite.prfHash);
  ctx.details.keyExchange = suite.kx;
  ctx.details.forwardSecrecy = suite.forwardSecrecy;
  ctx.details.legacyCipherSuite = suite.legacy;
  if (suite.legacy) {
    ctx.emit({ kind: 'note', text: `${suite.name} is a legacy suite${suite.kx === 'RSA' ? ': static RSA key transport has NO forward secrecy (anyone who later obtains the server\'s private key can decrypt this recorded connection)' : ''}${suite.cipher === 'AES-CBC' ? `${suite.kx === 'RSA' ? ';' : ':'} CBC mode with HMAC has a history of padding-oracle attacks (Lucky 13)` : ''}` });
  }

  // RFC 5746: renegotiation_info proves the server binds renegotiations to the previous handshake.
  const ri = findExtension(sh.extensions, X.renegotiation_info);
  if (ctx.isRenegotiation) {
    const expected = concat(ctx.reneg.clientVerifyData, ctx.reneg.serverVerifyData);
    if (!ri) throw tlsFailure('INSECURE_RENEGOTIATION', 'the renegotiation ServerHello has no renegotiation_info: the server cannot prove this handshake continues the previous one (RFC 5746)');
    if (!equalBytes(ri.data!, concat(Uint8Array.of(expected.length), expected))) throw tlsFailure('INSECURE_RENEGOTIATION', 'renegotiation_info does not hold client_verify_data || server_verify_data of the previous handshake (RFC 5746 §3.5)');
    ctx.emit({ kind: 'note', text: 'renegotiation_info checked: it carries both verify_data values of the previous handshake (RFC 5746)' });
  } else if (ri) {
    if (!equalBytes(ri.data!, Uint8Array.of(0))) throw tlsFailure('INSECURE_RENEGOTIATION', 'the initial ServerHello\'s renegotiation_info must be empty (RFC 5746 §3.4)');
    ctx.reneg.secure = true;
  } else {
    ctx.reneg.secure = false;
    ctx.emit({ kind: 'note', text: 'the server did not answer renegotiation_info: it lacks secure renegotiation (RFC 5746), so this client will refuse to renegotiate on this connection' });
  }
  ctx.details.secureRenegotiation = ctx.reneg.secure;

  const pf = findExtension(sh.extensions, X.ec_point_formats);
  if (pf && !pf.data!.subarray(1).includes(0)) throw fail.illegal('the server\'s ec_point_formats does not include uncompressed points');
  ctx.ems = !!findExtension(sh.extensions, X.extended_master_secret);
  ctx.etm = !!findExtension(sh.extensions, X.encrypt_then_mac) && suite.cipher === 'AES-CBC';
  ctx.ticketPromised = !!findExtension(sh.extensions, X.session_ticket);
  ctx.statusPromised = !!findExtension(sh.extensions, X.status_request);
  if (!ctx.statusPromised && ctx.offered.has(X.status_request) && !ctx.isRenegotiation) noStaple(ctx.base);
  ctx.details.extendedMasterSecret = ctx.ems;
  ctx.details.encryptThenMac = ctx.etm;
  const alpn = findExtension(sh.extensions, X.alpn);
  if (alpn) {
    const chosen = alpn.protocols?.[0];
    if (alpn.protocols?.length !== 1 || !chosen || !base.options.alpn?.includes(chosen)) throw fail.illegal(`the server selected ALPN protocol "${chosen}", which the client did not offer`);
    base.summary.alpn = chosen;
  }
  if (!ctx.ems) ctx.emit({ kind: 'note', text: 'no extended_master_secret: the master secret is not bound to this handshake\'s transcript (the triple-handshake attack, RFC 7627)' });
  ctx.transcript.add(m.bytes, m.name, m.eventIndex);

  // Resumption: the server echoes the session id we offered (by id), or the fresh id sent with a ticket.
  const offered = ctx.offeredSession;
  const echo = sh.sessionIdEcho;
  if (offered && echo.length > 0 && equalBytes(echo, ctx.clientHello.sessionId)) {
    if (sh.cipherSuite !== offered.cipherSuite) throw fail.illegal('the server resumed the session with a different cipher suite');
    if (offered.extendedMasterSecret !== ctx.ems) throw tlsFailure('HANDSHAKE_FAILURE', `the resumed session was made ${offered.extendedMasterSecret ? 'with' : 'without'} the extended master secret but this ServerHello ${ctx.ems ? 'has' : 'lacks'} it (RFC 7627 §5.3)`);
    ctx.resumed = true;
    base.summary.resumed = true;
    ctx.details.resumedBy = ctx.offeredBy;
    const master = MasterStage12.resumed(suite.prfHash, offered.masterSecret, ctx.emit);
    ctx.serverChain = offered.serverChain;
    base.summary.certificate.chain = offered.serverChain;
    ctx.emit({ kind: 'key', op: 'resumed', name: 'master_secret', label: `session resumed by ${ctx.offeredBy === 'ticket' ? 'ticket (RFC 5077)' : 'session id'}`, inputs: [{ name: ctx.offeredBy === 'ticket' ? 'ticket' : 'session_id', value: toHex(ctx.offeredBy === 'ticket' ? offered.ticket! : offered.sessionId) }], output: toHex(offered.masterSecret), hash: suite.prfHash });
    ctx.emit({ kind: 'note', text: `the server resumed the session by ${ctx.offeredBy === 'ticket' ? 'session ticket' : 'session id'}: abbreviated handshake, no certificate and no key exchange` });
    const keys = await deriveKeys(ctx, master);
    ctx.ccsExpected = true;
    return new ExpectTicketOrFinished(keys, ResumptionKeyProven.assertion());
  }
  if (offered) ctx.emit({ kind: 'note', text: 'the server did not resume the offered session: full handshake' });
  return new ExpectCertificate12();
}

class ExpectCertificate12 implements State12 {
  readonly name = 'ExpectCertificate (TLS 1.2)';
  async handle(ctx: Tls12Context, m: ReceivedMessage): Promise<State12 | Completed12> {
    const cert: Certificate12 = expect12(m, 'certificate12', this.name);
    if (cert.chain.length === 0) throw tlsFailure('DECODE_ERROR', 'the server sent an empty certificate list');
    ctx.transcript.add(m.bytes, m.name, m.eventIndex);
    // On a renegotiation the server must present the same certificate (guards the triple-handshake attack).
    const previous = ctx.base.summary.certificate.chain;
    if (ctx.isRenegotiation && previous.length && !equalBytes(previous[0], cert.chain[0])) {
      throw tlsFailure('CERTIFICATE_CHANGED', 'the server presented a different certificate during renegotiation');
    }
    ctx.serverChain = cert.chain;
    ctx.base.summary.certificate.chain = cert.chain;
    await verifyChain(ctx.base, cert.chain);
    const suite = ctx.requireSuite();
    const { info } = leafKey(cert.chain[0], 'server');
    // RFC 8422 §5.3: an ECDHE_ECDSA server's certificate holds "an ECDSA- or EdDSA-capable public key" (an Ed25519
    // or Ed448 key signs the ServerKeyExchange with the ed25519 or ed448 scheme we offer); the RSA suites need an RSA key.
    const fits = suite.auth === 'ECDSA' ? info.type === 'ec' || info.type === 'ed25519' || info.type === 'ed448' : info.type === 'rsa';
    if (!fits) throw tlsFailure('UNSUPPORTED_CERTIFICATE', `${suite.name} needs ${suite.auth === 'ECDSA' ? 'an ECDSA, Ed25519 or Ed448' : 'an RSA'} certificate, the server sent one with a ${info.type} key`);
    const next = suite.kx === 'RSA' ? new ExpectCertificateRequestOrDone({ ske: null, serverKey: 'at-finished' }) : new ExpectServerKeyExchange();
    // RFC 6066 §8: a ServerHello that acknowledged status_request may be followed by a CertificateStatus.
    if (ctx.statusPromised) return new ExpectCertificateStatus(next, suite.kx === 'RSA');
    if (suite.kx === 'RSA') await staticRsaBreakpoint(ctx);
    return next;
  }
}

async function staticRsaBreakpoint(ctx: Tls12Context): Promise<void> {
  await serverAuthBreakpoint(ctx.base, 'certificate received (static RSA: the server proves its key only by decrypting the premaster secret, i.e. at its Finished)');
}

/** RFC 6066 §8: the stapled OCSP response, right after the Certificate; the server may also send none after all. */
class ExpectCertificateStatus implements State12 {
  readonly name = 'ExpectCertificateStatus';
  constructor(
    private readonly next: State12,
    private readonly staticRsa: boolean,
  ) {}
  async handle(ctx: Tls12Context, m: ReceivedMessage): Promise<State12 | Completed12> {
    if (m.message.type !== 'certificate_status') {
      noStaple(ctx.base, 'the server acknowledged status_request but sent no CertificateStatus');
      if (this.staticRsa) await staticRsaBreakpoint(ctx);
      return this.next.handle(ctx, m);
    }
    ctx.transcript.add(m.bytes, m.name, m.eventIndex);
    await checkStapledResponse(ctx.base, ctx.serverChain, 0, m.message.ocspResponse);
    if (this.staticRsa) await staticRsaBreakpoint(ctx);
    return this.next;
  }
}

class ExpectServerKeyExchange implements State12 {
  readonly name = 'ExpectServerKeyExchange';
  async handle(ctx: Tls12Context, m: ReceivedMessage): Promise<State12 | Completed12> {
    const ske: ServerKeyExchange = expect12(m, 'server_key_exchange', this.name);
    const offeredSchemes = findExtension(ctx.clientHello.extensions, X.signature_algorithms)?.schemes ?? [];
    if (!offeredSchemes.includes(ske.scheme)) throw fail.illegal(`the server signed its key exchange with ${schemeName(ske.scheme)}, which the client did not offer`);
    if (ske.kx === 'ECDHE' && !ctx.base.options.groupCodes.includes(ske.group!)) throw fail.illegal(`the server chose ${groupName(ske.group!)}, which the client did not offer`);
    if (ske.kx === 'ECDHE' && groupByCode(ske.group!)?.tls13Only) throw fail.illegal(`the server chose ${groupName(ske.group!)} for TLS 1.2, but that group exists only in TLS 1.3`);
    if (ske.kx === 'ECDHE' && groupByCode(ske.group!)?.finiteField) throw fail.illegal(`the server chose ${groupName(ske.group!)} as an ECDHE curve, but it is a finite-field group (RFC 7919)`);
    // RFC 5246 §7.4.3: the signature covers both randoms and the parameters, binding them to this handshake.
    const content = concat(ctx.clientHello.random, ctx.serverRandom, ske.params);
    const signatureValid = await verifyPeerSignature(ctx, {
      subject: 'ServerKeyExchange',
      scheme: ske.scheme,
      algorithmFor: scheme12Algorithm,
      key: leafKey(ctx.serverChain[0], 'server'),
      content,
      signature: ske.signature,
      okDetail: 'client_random || server_random || params, signed with the certificate key',
      failure: (reason) => tlsFailure('BAD_SERVER_KEY_EXCHANGE_SIGNATURE', `the ServerKeyExchange signature (${schemeName(ske.scheme)}) does not verify with the certificate's key${reason ? `: ${reason}` : ''}`),
    });
    ctx.base.summary.signatureScheme = schemeName(ske.scheme);
    ctx.transcript.add(m.bytes, m.name, m.eventIndex);
    await serverAuthBreakpoint(ctx.base, ctx.base.summary.certificate.verified ? 'certificate verified, key exchange signed' : `certificate not verified: ${ctx.base.summary.certificate.error?.code}`);
    return new ExpectCertificateRequestOrDone({ ske, serverKey: signatureValid });
  }
}

class ExpectCertificateRequestOrDone implements State12 {
  readonly name = 'ExpectCertificateRequestOrServerHelloDone';
  constructor(private readonly exchanged: ServerKeyExchanged) {}
  async handle(ctx: Tls12Context, m: ReceivedMessage): Promise<State12 | Completed12> {
    const msg = m.message;
    if (msg.type === 'certificate_request12') {
      const cr: CertificateRequest12 = msg;
      ctx.base.summary.clientCertificateRequested = true;
      ctx.transcript.add(m.bytes, m.name, m.eventIndex);
      return new ExpectServerHelloDone(this.exchanged, cr);
    }
    return new ExpectServerHelloDone(this.exchanged, null).handle(ctx, m);
  }
}

class ExpectServerHelloDone implements State12 {
  readonly name = 'ExpectServerHelloDone';
  constructor(
    private readonly exchanged: ServerKeyExchanged,
    private readonly request: CertificateRequest12 | null,
  ) {}
  async handle(ctx: Tls12Context, m: ReceivedMessage): Promise<State12 | Completed12> {
    expect12(m, 'server_hello_done', this.name);
    ctx.transcript.add(m.bytes, m.name, m.eventIndex);
    const keys = await sendClientFlight(ctx, this.exchanged.ske, this.request);
    ctx.ccsExpected = true;
    return new ExpectTicketOrFinished(keys, this.exchanged.serverKey);
  }
}

/** Client Certificate, ClientKeyExchange, CertificateVerify, ChangeCipherSpec, Finished. */
async function sendClientFlight(ctx: Tls12Context, ske: ServerKeyExchange | null, cr: CertificateRequest12 | null): Promise<Keys12> {
  const base = ctx.base;
  const suite = ctx.requireSuite();
  let chosen: ChosenCertificate | null = null;
  if (cr) {
    chosen = await chooseClientCertificate(base, cr.schemes, 'handshake', createSigner12);
    await ctx.send({ type: 'certificate12', chain: chosen?.chain ?? [] });
    base.summary.clientCertificateSent = !!chosen;
  }

  const exchange = await keyExchange(ctx, ske);
  await ctx.send({ type: 'client_key_exchange', kx: suite.kx, exchange: exchange.clientPublic });
  const preMaster = new PreMasterStage12(suite.prfHash, exchange.preMaster, ctx.emit);
  const master = ctx.ems
    ? await preMaster.extendedMaster(await ctx.transcript.hash())
    : await preMaster.master(ctx.clientHello.random, ctx.serverRandom);

  if (chosen) {
    // RFC 5246 §7.4.8: the signature covers every handshake message so far, in full (not a hash).
    const signature = await signHandshake(ctx, chosen, ctx.transcript.bytes(), 'client CertificateVerify', 'signed by this client over all handshake messages so far');
    await ctx.send({ type: 'certificate_verify12', scheme: chosen.scheme, signature });
  }
  const keys = await deriveKeys(ctx, master);
  await sendFinished(ctx, keys);
  return keys;
}

async function keyExchange(ctx: Tls12Context, ske: ServerKeyExchange | null): Promise<ExchangeResult> {
  const suite = ctx.requireSuite();
  const random = ctx.base.options.random;
  let result: ExchangeResult;
  if (suite.kx !== 'RSA' && !ske) throw fail.internal(`${suite.kx} without the server's key exchange`);
  if (suite.kx === 'ECDHE' && ske) {
    // The same key-share source as TLS 1.3: from the injected random when there is one (replayable runs).
    const share = await makeKeyShare(ctx.base, ske.group!);
    result = await ecdheExchange(ske.group!, ske.publicKey!, share);
    ctx.base.summary.group = GROUP_NAMES[ske.group!];
    ctx.emit({ kind: 'key-exchange', group: result.group, clientShare: toHex(result.clientPublic), serverShare: toHex(ske.publicKey!), sharedSecret: toHex(result.preMaster) });
  } else if (suite.kx === 'DHE' && ske) {
    result = dheExchange(ske.dhP!, ske.dhG!, ske.dhYs!, random);
    // The RFC 7919 group's name only when the prime is that group's: a server's own prime of the same size is not it.
    ctx.base.summary.group = result.group;
    ctx.emit({ kind: 'key-exchange', group: result.group, clientShare: toHex(result.clientPublic), serverShare: toHex(ske.dhYs!), sharedSecret: toHex(result.preMaster) });
  } else {
    result = await rsaExchange(leafKey(ctx.serverChain[0], 'server').spki, random);
    ctx.base.summary.group = null;
    ctx.emit({ kind: 'key-exchange', group: 'RSA key transport (no forward secrecy)', clientShare: toHex(result.clientPublic), sharedSecret: toHex(result.preMaster) });
    ctx.emit({ kind: 'note', text: 'static RSA: the client chose the pre-master secret and encrypted it to the server\'s certificate key (RSAES-PKCS1-v1_5). Whoever gets that key later can decrypt this recorded connection: no forward secrecy' });
  }
  return result;
}

/** Key block, then the protectors for each direction (installed at each side's ChangeCipherSpec). */
async function deriveKeys(ctx: Tls12Context, master: MasterStage12): Promise<Keys12> {
  const suite = ctx.requireSuite();
  const keys = { master, block: await master.keyBlock(suite, ctx.clientHello.random, ctx.serverRandom) };
  ctx.pendingRead = await protector(ctx, keys.block, 'server');
  return keys;
}

async function protector(ctx: Tls12Context, k: KeyBlock12, side: 'client' | 'server'): Promise<RecordProtector> {
  const suite = ctx.requireSuite();
  const [mac, key, iv] = side === 'client' ? [k.clientMacKey, k.clientKey, k.clientIv] : [k.serverMacKey, k.serverKey, k.serverIv];
  if (suite.cipher === 'AES-CBC') return Tls12CbcProtector.create(suite, mac, key, ctx.etm, 'application', ctx.base.options.random);
  return Tls12AeadProtector.create(suite, key, iv, 'application');
}

async function sendFinished(ctx: Tls12Context, keys: Keys12): Promise<void> {
  await ctx.sendChangeCipherSpec(await protector(ctx, keys.block, 'client'));
  const verifyData = await ourFinished12(ctx.emit, keys.master, 'client', await ctx.transcript.hash());
  ctx.reneg.clientVerifyData = verifyData;
  await ctx.send({ type: 'finished12', verifyData });
}

class ExpectTicketOrFinished implements State12 {
  readonly name = 'ExpectNewSessionTicketOrChangeCipherSpec';
  constructor(
    private readonly keys: Keys12,
    private readonly serverKey: ServerKeyProof,
  ) {}
  async handle(ctx: Tls12Context, m: ReceivedMessage): Promise<State12 | Completed12> {
    const msg = m.message;
    if (msg.type === 'new_session_ticket12') {
      if (!ctx.ticketPromised) throw fail.unexpected('a NewSessionTicket without the session_ticket extension in the ServerHello');
      if (ctx.ccsReceived) throw fail.unexpected('the NewSessionTicket must come before the server\'s ChangeCipherSpec');
      const t: NewSessionTicket12 = msg;
      ctx.transcript.add(m.bytes, m.name, m.eventIndex);
      if (t.ticket.length > 0) {
        ctx.newTicket = { ticket: t.ticket, lifetime: t.lifetimeHint };
        ctx.details.ticketReceived = true;
        ctx.emit({ kind: 'note', text: `session ticket received (${t.ticket.length} bytes, lifetime hint ${t.lifetimeHint} s): a later connection can resume without server state (RFC 5077)` });
      }
      return new ExpectServerFinished(this.keys, this.serverKey);
    }
    return new ExpectServerFinished(this.keys, this.serverKey).handle(ctx, m);
  }
}

class ExpectServerFinished implements State12 {
  readonly name = 'ExpectServerFinished (TLS 1.2)';
  constructor(
    private readonly keys: Keys12,
    private readonly serverKey: ServerKeyProof,
  ) {}
  async handle(ctx: Tls12Context, m: ReceivedMessage): Promise<State12 | Completed12> {
    const fin: Finished12 = expect12(m, 'finished12', this.name);
    if (!ctx.ccsReceived) throw fail.unexpected('the server\'s Finished arrived before its ChangeCipherSpec');
    const finished = await checkPeerFinished12(ctx.emit, this.keys.master, 'server', await ctx.transcript.hash(), fin.verifyData);
    ctx.transcript.add(m.bytes, m.name, m.eventIndex);
    ctx.reneg.serverVerifyData = fin.verifyData;
    // Abbreviated handshake: the server finished first; now the client.
    if (ctx.resumed) await sendFinished(ctx, this.keys);
    // Static RSA: a matching Finished is the server's proof that it decrypted our premaster secret with its key.
    const peerAuthenticated = this.serverKey === 'at-finished' ? KeyTransportProven.assertion() : this.serverKey;
    return new Completed12({ peerAuthenticated, finished }, this.keys.master);
  }
}

