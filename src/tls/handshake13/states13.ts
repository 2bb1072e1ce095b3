// The TLS 1.3 client handshake as one small state per expected message (RFC 8446 §2, §4), in the manner of
// rustls' ExpectEncryptedExtensions/ExpectCertificate/... : each state checks its message, does its step,
// and names the next state, handing it the data it needs (the handshake keys, the CertificateRequest, the leaf).
// The last one hands back an Established13, which can only be made with the proofs that the server's
// signature (or its PSK) and its Finished were verified.
import { equalBytes, toHex } from '../../util/bytes.ts';
import { EarlyStage13, type HandshakeStage13, type MasterStage13, type TrafficSecrets } from '../key-schedule/key-schedule13.ts';

import { fail, tlsFailure } from '../errors.ts';
import {
  ExtensionType as X,
  ProtocolVersion,
  extensionName,
  groupName,
  schemeName,
} from '../messages/constants.ts';
import { findExtension, type Extension } from '../messages/extensions.ts';
import type { Certificate, CertificateRequest, ServerHello } from '../messages/handshake.ts';
import { GROUP_NAMES, suiteByCode, type Tls13Suite } from '../suites.ts';
import { hybridParts } from '../../crypto/hybrid-kem.ts';
import { checkPeerCertificateVerify, startCertificateVerifyCheck, type EarlySignatureCheck } from '../handshake/peer-signature.ts';
import { FinishedMessageVerified, ResumptionKeyProven, type HandshakeProofs, type HandshakeSignatureValid } from '../handshake/proofs.ts';
import { sendSecondClientHello } from './client-hello13.ts';
import { serverAuthBreakpoint, verifyChain } from '../handshake/peer-certificate.ts';
import { checkStapledResponse, noStaple } from '../handshake/stapled-ocsp.ts';
import { checkDowngradeSentinel } from '../handshake/downgrade.ts';
import type { HandshakeContext } from '../handshake/context.ts';
import type { ReceivedMessage } from '../handshake/message-reader.ts';
import { checkCertificateRequest, sendClientCertificate } from './client-auth.ts';
import { sendCcsOnce } from './compatibility-ccs.ts';
import { earlyDataAnswered, refuseEarlyData, sendEndOfEarlyData } from './early-data13.ts';

export interface State {
  readonly name: string;
  /** Handle the next message; the next state, or the established connection's keys and proofs at the end. */
  handle(ctx: HandshakeContext, m: ReceivedMessage): Promise<State | Established13>;
}

/** After ServerHello: the suite and the handshake stage of the key schedule with both handshake traffic secrets. */
interface HandshakeKeys13 {
  suite: Tls13Suite;
  stage: HandshakeStage13;
  secrets: TrafficSecrets;
}

/** Application secrets of an established connection (RFC 8446 §7.1). */
export interface ApplicationSecrets13 {
  client: Uint8Array;
  server: Uint8Array;
  resumption: Uint8Array;
  exporter: Uint8Array;
}

/** What the handshake hands the connection: only made once the server's signature (or PSK) and Finished verified. */
export class Established13 {
  constructor(
    readonly suite: Tls13Suite,
    readonly keys: MasterStage13,
    readonly secrets: ApplicationSecrets13,
    readonly proofs: HandshakeProofs,
  ) {}
}

function expect<T extends ReceivedMessage['message']['type']>(m: ReceivedMessage, type: T, state: string): Extract<ReceivedMessage['message'], { type: T }> {
  if (m.message.type !== type) throw fail.unexpected(`${state}: expected ${type.replace(/_/g, ' ')}, got ${m.name}`);
  return m.message as Extract<ReceivedMessage['message'], { type: T }>;
}

/** Extensions a message may carry (RFC 8446 §4.2 table); anything the client did not offer is unsolicited. */
function checkExtensions(ctx: HandshakeContext, list: Extension[], allowed: number[], where: string, mustBeOffered = true): void {
  for (const e of list) {
    if (!allowed.includes(e.code)) {
      if (e.code in KNOWN_CODES) throw fail.illegal(`${where} must not carry the ${extensionName(e.code)} extension`);
      throw fail.unsupportedExtension(`${where} carries ${extensionName(e.code)}, which the client did not offer`);
    }
    if (mustBeOffered && !ctx.offered.has(e.code) && e.code !== X.supported_groups) {
      throw fail.unsupportedExtension(`${where} carries ${extensionName(e.code)}, which the client did not offer`);
    }
  }
}
const KNOWN_CODES: Record<number, true> = Object.fromEntries(Object.values(X).map((c) => [c, true]));

// ---------------------------------------------------------------------------------------------

export class ExpectServerHello implements State {
  readonly name: string;
  constructor(private readonly afterRetry: boolean) {
    this.name = afterRetry ? 'ExpectServerHelloAfterRetry' : 'ExpectServerHello';
  }

  async handle(ctx: HandshakeContext, m: ReceivedMessage): Promise<State> {
    const sh = expect(m, 'server_hello', this.name);
    this.checkCommon(ctx, sh);
    if (sh.isHelloRetryRequest) {
      if (this.afterRetry) throw fail.unexpected('a second HelloRetryRequest is not allowed (RFC 8446 §4.1.4)');
      await this.onRetry(ctx, sh, m);
      return new ExpectServerHello(true);
    }
    return new ExpectEncryptedExtensions(await this.onServerHello(ctx, sh, m));
  }

  /** Checks shared by ServerHello and HelloRetryRequest. */
  private checkCommon(ctx: HandshakeContext, sh: ServerHello): void {
    const sv = findExtension(sh.extensions, X.supported_versions);
    if (!sv) {
      // A TLS 1.2-or-older answer: first, was it forced on us?
      checkDowngradeSentinel(sh.random);
      throw fail.version(`the server answered with ${sh.legacyVersion === ProtocolVersion.TLS12 ? 'TLS 1.2' : 'an older version'} (no supported_versions); this client speaks only TLS 1.3`);
    }
    if (sv.selectedVersion !== ProtocolVersion.TLS13) throw fail.illegal(`the server selected version 0x${(sv.selectedVersion ?? 0).toString(16)}, which the client did not offer`);
    if (sh.legacyVersion !== ProtocolVersion.TLS12) throw fail.illegal(`legacy_version must be 0x0303, got 0x${sh.legacyVersion.toString(16)}`);
    if (!equalBytes(sh.sessionIdEcho, ctx.clientHello.sessionId)) throw fail.illegal('the server did not echo the client\'s legacy_session_id');
    if (sh.compressionMethod !== 0) throw fail.illegal('legacy_compression_method must be 0');
    if (!ctx.clientHello.cipherSuites.includes(sh.cipherSuite)) throw fail.illegal(`the server chose cipher suite 0x${sh.cipherSuite.toString(16)}, which the client did not offer`);
    if (ctx.suite && ctx.suite.code !== sh.cipherSuite) throw fail.illegal('the ServerHello cipher suite differs from the HelloRetryRequest\'s');
  }

  private async onRetry(ctx: HandshakeContext, hrr: ServerHello, m: ReceivedMessage): Promise<void> {
    checkExtensions(ctx, hrr.extensions, [X.supported_versions, X.key_share, X.cookie], 'HelloRetryRequest', false);
    const ks = findExtension(hrr.extensions, X.key_share);
    const cookie = findExtension(hrr.extensions, X.cookie);
    if (ks) {
      const g = ks.selectedGroup!;
      if (!ctx.options.groupCodes.includes(g)) throw fail.illegal(`the HelloRetryRequest asks for ${groupName(g)}, which the client did not offer`);
      if (ctx.keyShares.has(g)) throw fail.illegal(`the HelloRetryRequest asks for ${groupName(g)}, for which the client already sent a key share`);
    }
    if (!ks && !cookie) throw fail.illegal('the HelloRetryRequest would not change the ClientHello');
    ctx.suite = suiteByCode(hrr.cipherSuite)!;
    ctx.hrr = true;
    ctx.summary.helloRetryRequest = true;
    ctx.summary.cipherSuite = ctx.suite.name;
    ctx.transcript.setHash(ctx.suite.hash);
    // ClientHello1 becomes message_hash(ClientHello1) (RFC 8446 §4.4.1).
    await ctx.transcript.replaceWithMessageHash();
    ctx.transcript.add(m.bytes, 'HelloRetryRequest', m.eventIndex);
    ctx.emit({ kind: 'note', text: `HelloRetryRequest: the server wants ${ks ? `a key share for ${groupName(ks.selectedGroup!)}` : 'the cookie echoed'}; ClientHello1 is replaced by its hash in the transcript` });
    // RFC 8446 §4.2.10: a HelloRetryRequest refuses early data; the second ClientHello goes in plaintext.
    refuseEarlyData(ctx, 'the server answered with a HelloRetryRequest', 'plaintext');
    // Middlebox compatibility: a dummy ChangeCipherSpec before the second ClientHello (RFC 8446 §D.4).
    await sendCcsOnce(ctx);
    // A new share replaces the old ones; a HelloRetryRequest with only a cookie keeps them (the same key_share goes again).
    if (ks) ctx.keyShares.clear();
    await sendSecondClientHello(ctx, ks?.selectedGroup, cookie?.cookie);
  }

  private async onServerHello(ctx: HandshakeContext, sh: ServerHello, m: ReceivedMessage): Promise<HandshakeKeys13> {
    checkExtensions(ctx, sh.extensions, [X.supported_versions, X.key_share, X.pre_shared_key], 'ServerHello');
    const suite = suiteByCode(sh.cipherSuite)!;
    ctx.suite = suite;
    ctx.summary.cipherSuite = suite.name;
    ctx.transcript.setHash(suite.hash);

    // Resumption: did the server take our PSK?
    const psk = findExtension(sh.extensions, X.pre_shared_key);
    let early: EarlyStage13;
    if (psk) {
      if (!ctx.pskOffered || !ctx.pskSchedule) throw fail.unsupportedExtension('the server accepted a PSK the client did not offer');
      if (psk.selectedIdentity !== 0) throw fail.illegal(`the server selected PSK identity ${psk.selectedIdentity}; the client offered only identity 0`);
      if (ctx.pskSchedule.hash !== suite.hash) throw fail.illegal('the server selected a cipher suite whose hash does not match the PSK');
      early = ctx.pskSchedule;
      ctx.summary.resumed = true;
      ctx.emit({ kind: 'note', text: 'the server accepted the session ticket: this is a resumed handshake (psk_dhe_ke), no certificate this time' });
    } else {
      early = await EarlyStage13.withoutPsk(suite.hash, ctx.emit);
      // Early data is keyed from the ticket's PSK: a server that did not take the ticket could not read it.
      refuseEarlyData(ctx, 'the server did not accept the ticket the early data was keyed with', 'unchanged');
    }

    const ks = findExtension(sh.extensions, X.key_share);
    if (!ks?.share) throw tlsFailure('MISSING_EXTENSION', 'the ServerHello has no key_share (this client only does (EC)DHE key exchange)');
    const ours = ctx.keyShares.get(ks.share.group);
    if (!ours) throw fail.illegal(`the server's key share is for ${groupName(ks.share.group)}, for which the client sent no key share`);
    ctx.summary.group = GROUP_NAMES[ks.share.group];
    const shared = await ours.computeSharedSecret(ks.share.keyExchange);
    ctx.emit({ kind: 'key-exchange', group: GROUP_NAMES[ks.share.group], clientShare: toHex(ours.publicKey), serverShare: toHex(ks.share.keyExchange), sharedSecret: toHex(shared), ...hybridParts(GROUP_NAMES[ks.share.group]) });

    ctx.transcript.add(m.bytes, 'ServerHello', m.eventIndex);
    const stage = await early.handshake(shared);
    const secrets = await stage.trafficSecrets(await ctx.transcript.hash());
    ctx.reader.assertAtMessageBoundary('after ServerHello');
    await ctx.channel.setReadKeys(suite, await stage.trafficKeys(secrets.server, suite.keyLength, 'server_handshake'), 'handshake');
    ctx.protectWrites = async () => {
      ctx.protectWrites = undefined;
      await sendCcsOnce(ctx);
      await ctx.channel.setWriteKeys(suite, await stage.trafficKeys(secrets.client, suite.keyLength, 'client_handshake'), 'handshake');
      ctx.currentWriteEpoch = 'handshake';
    };
    return { suite, stage, secrets };
  }
}

class ExpectEncryptedExtensions implements State {
  readonly name = 'ExpectEncryptedExtensions';
  constructor(private readonly keys: HandshakeKeys13) {}
  async handle(ctx: HandshakeContext, m: ReceivedMessage): Promise<State> {
    const ee = expect(m, 'encrypted_extensions', this.name);
    checkExtensions(
      ctx,
      ee.extensions,
      [X.server_name, X.max_fragment_length, X.supported_groups, X.use_srtp, X.heartbeat, X.alpn, 19, 20, X.early_data, X.record_size_limit],
      'EncryptedExtensions',
    );
    const alpn = findExtension(ee.extensions, X.alpn);
    if (alpn) {
      const chosen = alpn.protocols![0];
      if (!ctx.options.alpn?.includes(chosen)) throw fail.illegal(`the server selected ALPN protocol "${chosen}", which the client did not offer`);
      ctx.summary.alpn = chosen;
    }
    earlyDataAnswered(ctx, !!findExtension(ee.extensions, X.early_data));
    ctx.transcript.add(m.bytes, m.name, m.eventIndex);
    if (ctx.summary.resumed) return new ExpectFinished(this.keys, null, ResumptionKeyProven.assertion());
    return new ExpectCertificateOrRequest(this.keys);
  }
}

class ExpectCertificateOrRequest implements State {
  readonly name = 'ExpectCertificateOrCertificateRequest';
  constructor(private readonly keys: HandshakeKeys13) {}
  async handle(ctx: HandshakeContext, m: ReceivedMessage): Promise<State> {
    if (m.message.type === 'certificate_request') {
      const cr = m.message as CertificateRequest;
      if (cr.context.length !== 0) throw fail.illegal('a CertificateRequest during the handshake must have an empty context');
      // Unknown extensions are ignored here (RFC 8446 §4.3.2); known ones that do not belong are refused.
      checkCertificateRequest(cr);
      ctx.summary.clientCertificateRequested = true;
      ctx.transcript.add(m.bytes, m.name, m.eventIndex);
      return new ExpectCertificate(this.keys, cr);
    }
    return new ExpectCertificate(this.keys, null).handle(ctx, m);
  }
}

class ExpectCertificate implements State {
  readonly name = 'ExpectCertificate';
  constructor(
    private readonly keys: HandshakeKeys13,
    private readonly request: CertificateRequest | null,
  ) {}
  async handle(ctx: HandshakeContext, m: ReceivedMessage): Promise<State> {
    const cert = expect(m, 'certificate', this.name) as Certificate;
    if (cert.context.length !== 0) throw fail.illegal('the server\'s Certificate must have an empty request context');
    if (cert.entries.length === 0) throw tlsFailure('DECODE_ERROR', 'the server sent an empty certificate list');
    // RFC 8446 §4.4.2: a certificate's extensions (an OCSP response, SCTs) answer ones the ClientHello sent; any
    // other is unsolicited (§4.2: unsupported_extension), as OpenSSL refuses an unrequested status_request there.
    for (const entry of cert.entries) checkExtensions(ctx, entry.extensions, [X.status_request, X.signed_certificate_timestamp], 'a Certificate entry');
    ctx.transcript.add(m.bytes, m.name, m.eventIndex);
    const chain = cert.entries.map((e) => e.certData);
    // RFC 8446 §4.4.2.1: the leaf's OCSP response rides in its entry. One stapled for another certificate (as
    // status_request_v2 would) is named, not checked.
    const staple = findExtension(cert.entries[0].extensions, X.status_request)?.ocspResponse;
    cert.entries.slice(1).forEach((e, i) => {
      if (findExtension(e.extensions, X.status_request)) ctx.emit({ kind: 'note', text: `certificate ${i + 2} of the chain as sent (counted from the leaf, 1) carries an OCSP response too; only the leaf's is checked` });
    });
    ctx.summary.certificate.chain = chain;
    // The CertificateVerify mostly arrives with the Certificate: its signature check starts beside the chain's
    // (its step still checks the message, traces and decides, after the chain's result, as always). The chain's
    // starts first: a browser runs WebCrypto calls one after another on one thread, and the chain's result is
    // needed first, while the CertificateVerify's is verified as the chain's checks run.
    const chainChecked = verifyChain(ctx, chain);
    const early = startCertificateVerifyCheck(ctx, 'server', chain[0], ctx.options.signatureSchemes);
    await chainChecked;
    if (staple) await checkStapledResponse(ctx, chain, 0, staple);
    else if (ctx.offered.has(X.status_request)) noStaple(ctx);
    return new ExpectCertificateVerify(this.keys, this.request, chain[0], early);
  }
}

class ExpectCertificateVerify implements State {
  readonly name = 'ExpectCertificateVerify';
  constructor(
    private readonly keys: HandshakeKeys13,
    private readonly request: CertificateRequest | null,
    private readonly leaf: Uint8Array,
    private readonly early: Promise<EarlySignatureCheck | null>,
  ) {}
  async handle(ctx: HandshakeContext, m: ReceivedMessage): Promise<State> {
    const cv = expect(m, 'certificate_verify', this.name);
    const signatureValid = await checkPeerCertificateVerify(ctx.emit, {
      signer: 'server',
      leaf: this.leaf,
      scheme: cv.scheme,
      signature: cv.signature,
      offered: ctx.options.signatureSchemes,
      transcriptHash: await ctx.transcript.hash(),
      early: await this.early,
    });
    ctx.summary.signatureScheme = schemeName(cv.scheme);
    ctx.transcript.add(m.bytes, m.name, m.eventIndex);

    // Break on server authentication: the chain is known and the server proved it holds the key.
    const cert = ctx.summary.certificate;
    await serverAuthBreakpoint(ctx, cert.verified ? 'certificate verified' : `certificate not verified: ${cert.error?.code}`);
    return new ExpectFinished(this.keys, this.request, signatureValid);
  }
}

class ExpectFinished implements State {
  readonly name = 'ExpectFinished';
  constructor(
    private readonly keys: HandshakeKeys13,
    private readonly request: CertificateRequest | null,
    private readonly peerAuthenticated: HandshakeSignatureValid | ResumptionKeyProven,
  ) {}
  async handle(ctx: HandshakeContext, m: ReceivedMessage): Promise<Established13> {
    const fin = expect(m, 'finished', this.name);
    const { suite, stage, secrets } = this.keys;
    const expected = await stage.finishedVerifyData(secrets.server, await ctx.transcript.hash(), 'server');
    const ok = equalBytes(expected, fin.verifyData);
    ctx.emit({ kind: 'finished', direction: 'server', expected: toHex(expected), received: toHex(fin.verifyData), ok });
    if (!ok) throw fail.badFinished('the server\'s Finished does not match: the two sides do not share the same handshake transcript or keys');
    const finished = FinishedMessageVerified.assertion();
    ctx.transcript.add(m.bytes, m.name, m.eventIndex);
    ctx.reader.ccsAllowed = false;

    // Application secrets cover the transcript up to the server's Finished.
    const afterServerFinished = await ctx.transcript.hash();
    const master = await stage.master();
    const app = await master.applicationTrafficSecrets(afterServerFinished);
    const exporter = await master.exporterMasterSecret(afterServerFinished);
    ctx.reader.assertAtMessageBoundary('after the server Finished');
    // The server's application keys (derived and traced here, as always) are installed while our flight goes out:
    // nothing is read before they are in, and our Finished does not wait for the key's import into the provider.
    const readKeys = ctx.channel.setReadKeys(suite, await master.trafficKeys(app.server, suite.keyLength, 'server_application'), 'application');
    readKeys.catch(() => undefined); // awaited below; a failed flight must not leave it unobserved

    await sendClientFlight(ctx, this.keys, this.request);
    await readKeys;
    const resumption = await master.resumptionMasterSecret(await ctx.transcript.hash());
    await ctx.channel.setWriteKeys(suite, await master.trafficKeys(app.client, suite.keyLength, 'client_application'), 'application');
    ctx.currentWriteEpoch = 'application';
    return new Established13(suite, master, { client: app.client, server: app.server, resumption, exporter }, { peerAuthenticated: this.peerAuthenticated, finished });
  }
}

/** Client Certificate (+ CertificateVerify) when asked, then Finished, under the handshake keys. */
async function sendClientFlight(ctx: HandshakeContext, keys: HandshakeKeys13, request: CertificateRequest | null): Promise<void> {
  const { suite, stage, secrets } = keys;
  // Accepted early data ends under the early keys, before the handshake keys take over (RFC 8446 §4.5).
  await sendEndOfEarlyData(ctx);
  if (ctx.protectWrites) await ctx.protectWrites();
  else if (ctx.currentWriteEpoch !== 'handshake') {
    await sendCcsOnce(ctx);
    await ctx.channel.setWriteKeys(suite, await stage.trafficKeys(secrets.client, suite.keyLength, 'client_handshake'), 'handshake');
    ctx.currentWriteEpoch = 'handshake';
  }

  if (request) ctx.summary.clientCertificateSent = await sendClientCertificate(ctx, request, ctx.transcript, 'handshake');
  const verifyData = await stage.finishedVerifyData(secrets.client, await ctx.transcript.hash(), 'client');
  ctx.emit({ kind: 'finished', direction: 'client', expected: toHex(verifyData), received: toHex(verifyData), ok: true });
  await ctx.send({ type: 'finished', verifyData });
}
