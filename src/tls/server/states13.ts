// The TLS 1.3 server handshake (RFC 8446 §2, §4) as one small state per expected message, like the client's
// handshake13/states13.ts: ExpectClientHello (maybe twice, around a HelloRetryRequest) sends the server's whole
// flight; then ExpectClientCertificate, ExpectClientCertificateVerify, ExpectClientFinished.
import { equalBytes, toHex } from '../../util/bytes.ts';
import { decodeError, fail, tlsFailure } from '../errors.ts';
import { respondToKeyShare } from '../../crypto/key-exchange.ts';
import { hybridParts } from '../../crypto/hybrid-kem.ts';
import type { Emit } from '../../trace/recorder.ts';
import type { ReceivedMessage } from '../handshake/message-reader.ts';
import { checkPeerCertificateVerify } from '../handshake/peer-signature.ts';
import { certificateVerifyContent } from '../handshake/signatures.ts';
import { EarlyStage13, type HandshakeStage13, type MasterStage13, type PskEarlyStage13 } from '../key-schedule/key-schedule13.ts';
import { ExtensionType as X, HandshakeType, HRR_RANDOM, ProtocolVersion, PskKeyExchangeMode, groupName, schemeName } from '../messages/constants.ts';
import { findExtension, type Extension } from '../messages/extensions.ts';
import { truncateBeforeBinders, type ClientHello } from '../messages/handshake.ts';
import { GROUP_NAMES, type Tls13Suite } from '../suites.ts';
import type { ServerContext } from './context.ts';
import { certificateRequestExtensions13 } from './certificate-authorities.ts';
import { selectAlpn, selectCertificate, selectGroup, selectSuite, type CertificateChoice } from './negotiate13.ts';
import { openTicket13 } from './tickets13.ts';
import { EarlyDataReceiver, EarlyDataSkipper, judgeEarlyData, type PskForEarlyData } from './early-data13.ts';
import { checkClientChain } from './client-chain.ts';
import { clientHelloBreakpoint, expectMessage, stapleFor, type ServerState } from './state.ts';
import { quoted } from './quoted.ts';
import { startTls12 } from './states12.ts';
import { DEFAULT_MAX_EARLY_DATA } from './options.ts';

/** What the handshake leaves for the established connection. */
export interface Established13 {
  suite: Tls13Suite;
  master: MasterStage13;
  clientApp: Uint8Array;
  serverApp: Uint8Array;
  exporter: Uint8Array;
  resumption: Uint8Array;
  /** The client offered post_handshake_auth (RFC 8446 §4.2.6). */
  clientHelloOffersPostHandshakeAuth: boolean;
}

/** A HelloRetryRequest sent: what the second ClientHello must answer. */
interface Retry {
  first: ClientHello;
  suite: Tls13Suite;
  /** The group the HRR asked a share for. */
  group: number;
  cookie: Uint8Array;
}

export class ExpectClientHello implements ServerState {
  readonly name: string;
  readonly expects = HandshakeType.client_hello;
  constructor(private readonly retry: Retry | null = null) {
    this.name = retry ? 'ExpectSecondClientHello' : 'ExpectClientHello';
  }

  async handle(ctx: ServerContext, m: ReceivedMessage): Promise<ServerState | null> {
    const ch = expectMessage(m, 'client_hello', this.name);
    if (chooseVersion(ctx, ch) === 'TLS1.2') {
      if (this.retry) throw fail.illegal('the ClientHello after a HelloRetryRequest no longer offers TLS 1.3');
      return startTls12(ctx, m, (ctx.options.versions ?? []).includes('TLS1.3'));
    }
    checkClientHello(ctx, ch);
    if (this.retry) checkSecondClientHello(this.retry, ch);
    // RFC 8446 §5: from the first ClientHello on, a compatibility ChangeCipherSpec is dropped (the reader's rule).
    ctx.reader.onChangeCipherSpec = null;
    ctx.clientHello = ch;
    const name = this.retry ? 'ClientHello (second)' : 'ClientHello';

    const sni = findExtension(ch.extensions, X.server_name)?.hostName;
    ctx.summary.sni = sni ?? null;
    const suite = this.retry?.suite ?? selectSuite(ctx.options, ch);
    const { group, share } = selectGroup(ctx.options, ch);
    const alpn = selectAlpn(ctx.options, ch);
    if (!this.retry) {
      ctx.transcript.setHash(suite.hash);
      ctx.summary.version = 'TLSv1.3';
      ctx.summary.cipherSuite = suite.name;
      ctx.emit({ kind: 'note', text: `server chose TLS 1.3, ${suite.name}${alpn ? `, ALPN "${alpn}"` : ''} (${ctx.options.preference}'s preference)${sni ? `; the client asked for ${quoted(sni)}` : ''}` });
      await clientHelloBreakpoint(ctx, ch, sni, `ClientHello read${sni ? ` (server_name ${quoted(sni)})` : ''}: the server may pick its certificate`);
    }

    // RFC 8446 §4.1.4: a key share missing: a HelloRetryRequest (which also makes the client drop any early data).
    const offersEarlyData = !this.retry && !!findExtension(ch.extensions, X.early_data);
    if (!this.retry && !share) {
      ctx.transcript.add(m.bytes, name, m.eventIndex);
      return sendHelloRetryRequest(ctx, ch, suite, group, offersEarlyData);
    }
    if (!share) throw fail.illegal(`the second ClientHello has no key share for ${groupName(group)}, which the HelloRetryRequest asked for`);

    // The binder covers the transcript up to the binders of this ClientHello (RFC 8446 §4.2.11.2).
    const psk = await acceptPsk(ctx, ch, m.bytes, suite);
    // RFC 8446 §4.2.10: early data is taken; or refused: no early_data in EncryptedExtensions, an ordinary 1-RTT
    // handshake (resumed when the PSK is good), and the early records skipped by trial decryption as they come.
    let earlyData: EarlyDataReceiver | 'skip' | null = null;
    if (offersEarlyData) {
      const verdict = judgeEarlyData(ctx, psk, suite, alpn);
      if (verdict.accept) {
        earlyData = new EarlyDataReceiver(verdict.limit, ctx.emit);
        ctx.summary.earlyData = { offered: true, accepted: true, bytes: 0 };
        ctx.emit({ kind: 'early-data', side: 'server', outcome: 'accepted', limit: verdict.limit });
      } else {
        earlyData = 'skip';
        ctx.summary.earlyDataRefused = true;
        ctx.summary.earlyData = { offered: true, accepted: false, bytes: 0, refusedBecause: verdict.reason };
        ctx.emit({ kind: 'early-data', side: 'server', outcome: 'refused', reason: verdict.reason });
      }
    }
    ctx.transcript.add(m.bytes, name, m.eventIndex);
    const choice = psk ? null : await selectCertificate(ctx.options, ch, sni, ctx.certificate ?? undefined);
    if (choice) ctx.certificate = choice.certificate;
    return sendServerFlight(ctx, { ch, suite, group, clientShare: share.keyExchange, alpn, psk, choice, sniUsed: !!sni && !psk, earlyData });
  }
}

/** RFC 8446 §4.2.1 (supported_versions) or RFC 5246 §E.1 (legacy_version): the best version both accept. */
function chooseVersion(ctx: ServerContext, ch: ClientHello): 'TLS1.3' | 'TLS1.2' {
  const versions = findExtension(ch.extensions, X.supported_versions)?.versions;
  const accepts = ctx.options.versions ?? ['TLS1.3', 'TLS1.2'];
  if (versions?.includes(ProtocolVersion.TLS13) && accepts.includes('TLS1.3')) return 'TLS1.3';
  const offers12 = versions ? versions.includes(ProtocolVersion.TLS12) : ch.legacyVersion >= ProtocolVersion.TLS12;
  if (offers12 && accepts.includes('TLS1.2')) return 'TLS1.2';
  const best = versions ? Math.max(...versions.filter((v) => v <= ProtocolVersion.TLS13), 0) : ch.legacyVersion;
  throw fail.version(`the client's best version is ${versionText(best)}; this server accepts ${accepts.map((v) => v.replace('TLS', 'TLS ')).join(' and ')}`);
}

function versionText(v: number): string {
  return ({ 0x0304: 'TLS 1.3', 0x0303: 'TLS 1.2', 0x0302: 'TLS 1.1', 0x0301: 'TLS 1.0', 0x0300: 'SSL 3.0' } as Record<number, string>)[v] ?? `0x${v.toString(16).padStart(4, '0')}`;
}

/** RFC 8446 §4.1.2 and §4.2: what every TLS 1.3 ClientHello must be before anything is chosen from it. */
function checkClientHello(ctx: ServerContext, ch: ClientHello): void {
  // RFC 8446 §4.2.1: with supported_versions, legacy_version plays no part in choosing the version (OpenSSL takes
  // 0x0301, 0x0302 or 0x0304 there too); only an SSL 3.0 or older one says the client is not a TLS client at all.
  if (ch.legacyVersion < ProtocolVersion.TLS10) throw fail.version(`a TLS 1.3 ClientHello with legacy_version 0x${ch.legacyVersion.toString(16).padStart(4, '0')}, older than TLS 1.0 (RFC 8446 §4.1.2 asks for 0x0303)`);
  if (ch.compressionMethods.length === 0) throw decodeError('the ClientHello lists no compression method (RFC 8446 §4.1.2: at least one)');
  if (ch.compressionMethods.length !== 1 || ch.compressionMethods[0] !== 0) throw fail.illegal('a TLS 1.3 ClientHello must offer exactly the null compression method (RFC 8446 §4.1.2)');
  const pskIndex = ch.extensions.findIndex((e) => e.code === X.pre_shared_key);
  if (pskIndex >= 0 && pskIndex !== ch.extensions.length - 1) throw fail.illegal('pre_shared_key must be the last extension of the ClientHello (RFC 8446 §4.2.11)');
  if (pskIndex >= 0 && !findExtension(ch.extensions, X.psk_key_exchange_modes)) throw fail.missingExtension('pre_shared_key without psk_key_exchange_modes (RFC 8446 §4.2.9)');
  const psk = ch.extensions[pskIndex];
  if (psk && psk.identities!.length !== psk.binders!.length) throw fail.illegal('pre_shared_key has a different number of identities and binders (RFC 8446 §4.2.11)');
}

/** RFC 8446 §4.1.2: the second ClientHello repeats the first but for the HRR's asks. */
function checkSecondClientHello(retry: Retry, ch: ClientHello): void {
  const first = retry.first;
  if (!equalBytes(first.random, ch.random) || !equalBytes(first.sessionId, ch.sessionId) || first.cipherSuites.join() !== ch.cipherSuites.join()) {
    throw fail.illegal('the second ClientHello changed its random, session id or cipher suites (RFC 8446 §4.1.2)');
  }
  if (!ch.cipherSuites.includes(retry.suite.code)) throw fail.illegal('the second ClientHello no longer offers the suite the HelloRetryRequest named');
  const cookie = findExtension(ch.extensions, X.cookie)?.cookie;
  if (!cookie || !equalBytes(cookie, retry.cookie)) throw fail.illegal('the second ClientHello does not echo the HelloRetryRequest\'s cookie (RFC 8446 §4.2.2)');
  if (findExtension(ch.extensions, X.early_data)) throw fail.illegal('early_data in the ClientHello after a HelloRetryRequest (RFC 8446 §4.2.10)');
  const shares = findExtension(ch.extensions, X.key_share)?.shares ?? [];
  if (shares.length !== 1 || shares[0].group !== retry.group) {
    throw fail.illegal(`the second ClientHello must carry exactly one key share, for ${groupName(retry.group)} (RFC 8446 §4.2.8)`);
  }
}

/** RFC 8446 §4.1.4: ask for a share of `group`, with a cookie the second ClientHello must echo. ClientHello1 becomes its hash. */
async function sendHelloRetryRequest(ctx: ServerContext, ch: ClientHello, suite: Tls13Suite, group: number, earlyData: boolean): Promise<ServerState> {
  const cookie = ctx.options.random(32);
  const extensions: Extension[] = [
    { code: X.supported_versions, selectedVersion: ProtocolVersion.TLS13 },
    { code: X.key_share, selectedGroup: group },
    { code: X.cookie, cookie },
  ];
  await ctx.transcript.replaceWithMessageHash();
  ctx.summary.helloRetryRequest = true;
  // RFC 8446 §4.2.10: the client drops its early data on a HelloRetryRequest; what is already on its way comes in the
  // clear before the second ClientHello and is skipped.
  if (earlyData) {
    const reason = 'a HelloRetryRequest was needed for the key share';
    ctx.reader.skipper = new EarlyDataSkipper('after-hello-retry', skipLimit(ctx), ctx.emit, ctx.channel);
    ctx.summary.earlyDataRefused = true;
    ctx.summary.earlyData = { offered: true, accepted: false, bytes: 0, refusedBecause: reason };
    ctx.emit({ kind: 'early-data', side: 'server', outcome: 'refused', reason });
  }
  ctx.emit({ kind: 'note', text: `HelloRetryRequest: the client sent no key share for a group both accept; asking for ${groupName(group)}${earlyData ? ' (the client drops its early data)' : ''}; ClientHello1 is replaced by its hash in the transcript` });
  await ctx.send({ type: 'server_hello', isHelloRetryRequest: true, legacyVersion: ProtocolVersion.TLS12, random: HRR_RANDOM, sessionIdEcho: ch.sessionId, cipherSuite: suite.code, compressionMethod: 0, extensions });
  // Middlebox compatibility (RFC 8446 §D.4): a ChangeCipherSpec right after our first handshake message.
  await sendCompatibilityCcs(ctx, ch);
  return new ExpectClientHello({ first: ch, suite, group, cookie });
}

/**
 * How much refused early data is skipped: what our tickets allow, and never less than 16 KiB (a client may hold
 * another server's ticket; OpenSSL skips up to its recv_max_early_data, 16384 by default).
 */
function skipLimit(ctx: ServerContext): number {
  return Math.max(ctx.options.maxEarlyData ?? 0, DEFAULT_MAX_EARLY_DATA);
}

async function sendCompatibilityCcs(ctx: ServerContext, ch: ClientHello): Promise<void> {
  if (ctx.ccsSent || ch.sessionId.length === 0) return;
  ctx.ccsSent = true;
  await ctx.channel.writeCompatibilityCcs();
}

interface AcceptedPsk extends PskForEarlyData {
  early: PskEarlyStage13;
}

/**
 * RFC 8446 §4.2.11: the first identity that is one of our tickets, for this suite's hash, not expired; its binder
 * must verify (else decrypt_error). Unknown or unusable tickets fall back to a full handshake.
 */
async function acceptPsk(ctx: ServerContext, ch: ClientHello, chBytes: Uint8Array, suite: Tls13Suite): Promise<AcceptedPsk | null> {
  const ext = findExtension(ch.extensions, X.pre_shared_key);
  if (!ext) return null;
  const modes = findExtension(ch.extensions, X.psk_key_exchange_modes)?.modes ?? [];
  if (!modes.includes(PskKeyExchangeMode.psk_dhe_ke)) {
    ctx.emit({ kind: 'note', text: 'the client offers a PSK only with psk_ke (no (EC)DHE); this server requires psk_dhe_ke: full handshake' });
    return null;
  }
  const now = ctx.options.clock();
  for (let i = 0; i < ext.identities!.length; i++) {
    const id = ext.identities![i];
    const state = await openTicket13(ctx.options.ticketKeys, id.identity);
    if (!state) {
      ctx.emit({ kind: 'note', text: `PSK identity ${i}: not a ticket this server can open (another server's, an old key, or damaged)` });
      continue;
    }
    if (state.hash !== suite.hash) {
      ctx.emit({ kind: 'note', text: `PSK identity ${i}: its suite's hash (${state.hash}) differs from ${suite.name}'s; not usable` });
      continue;
    }
    const ageMs = now - state.issuedAt;
    if (ageMs > state.lifetimeSeconds * 1000 || ageMs < -10_000) {
      ctx.emit({ kind: 'note', text: `PSK identity ${i}: the ticket has expired (issued ${Math.round(ageMs / 1000)} s ago)` });
      continue;
    }
    const clientAge = (id.obfuscatedTicketAge - state.ageAdd) >>> 0;
    const early = await EarlyStage13.withPsk(suite.hash, state.psk, ctx.emit);
    const partial = truncateBeforeBinders(chBytes, ext.binders!);
    const partialHash = await ctx.transcript.hashWith(partial, { name: 'ClientHello (up to the binders)' });
    const expected = await early.binderValue('res', partialHash);
    const ok = equalBytes(expected, ext.binders![i]);
    ctx.emit({ kind: 'finished', direction: 'client', expected: toHex(expected), received: toHex(ext.binders![i]), ok });
    if (!ok) throw tlsFailure('BAD_PSK_BINDER', `the binder of PSK identity ${i} does not verify: the client does not hold this ticket's key, or the ClientHello was changed (RFC 8446 §4.2.11.2)`);
    ctx.emit({ kind: 'note', text: `PSK identity ${i} accepted: a ticket issued ${Math.round(ageMs / 1000)} s ago (the client counts ${Math.round(clientAge / 1000)} s); binder verified; resumed handshake (psk_dhe_ke)` });
    return { early, identity: i, state, ticket: id.identity, clientAgeMs: clientAge, serverAgeMs: ageMs };
  }
  return null;
}

interface Flight {
  ch: ClientHello;
  suite: Tls13Suite;
  group: number;
  clientShare: Uint8Array;
  alpn: string | null;
  psk: AcceptedPsk | null;
  choice: CertificateChoice | null;
  sniUsed: boolean;
  /** 0-RTT accepted: its records are read under the client's early keys until EndOfEarlyData; 'skip': refused. */
  earlyData: EarlyDataReceiver | 'skip' | null;
}

/** ServerHello, then under the handshake keys EncryptedExtensions, CertificateRequest?, Certificate, CertificateVerify, Finished. */
async function sendServerFlight(ctx: ServerContext, f: Flight): Promise<ServerState> {
  const { ch, suite } = f;
  // RFC 8446 §5.1: nothing may follow the ClientHello in its record, as the keys change after it. Checked before the
  // ServerHello, so the alert goes out in plaintext, which the client can read.
  ctx.reader.assertAtMessageBoundary('after the ClientHello');
  // For a hybrid group (X25519MLKEM768) our share is an ML-KEM ciphertext to the client's key plus an X25519 half.
  const { serverShare, sharedSecret: shared } = await respondToKeyShare(GROUP_NAMES[f.group], f.clientShare);
  ctx.summary.group = GROUP_NAMES[f.group];
  ctx.summary.alpn = f.alpn;
  ctx.summary.resumed = !!f.psk;
  ctx.emit({ kind: 'key-exchange', group: GROUP_NAMES[f.group], clientShare: toHex(f.clientShare), serverShare: toHex(serverShare), sharedSecret: toHex(shared), ...hybridParts(GROUP_NAMES[f.group]) });

  const extensions: Extension[] = [
    { code: X.supported_versions, selectedVersion: ProtocolVersion.TLS13 },
    { code: X.key_share, share: { group: f.group, keyExchange: serverShare } },
  ];
  if (f.psk) extensions.push({ code: X.pre_shared_key, selectedIdentity: f.psk.identity });
  // RFC 8446 §7.1: client_early_traffic_secret over Transcript-Hash(ClientHello), before the ServerHello joins it.
  const accepted = f.earlyData instanceof EarlyDataReceiver ? f.earlyData : null;
  const clientEarlySecret = accepted && f.psk ? await f.psk.early.clientEarlyTrafficSecret(await ctx.transcript.hash()) : null;
  await ctx.send({ type: 'server_hello', isHelloRetryRequest: false, legacyVersion: ProtocolVersion.TLS12, random: ctx.options.random(32), sessionIdEcho: ch.sessionId, cipherSuite: suite.code, compressionMethod: 0, extensions });
  await sendCompatibilityCcs(ctx, ch);

  // RFC 8446 §7.1: handshake secret from the (EC)DHE secret, on the PSK's early secret when resuming.
  const early = f.psk?.early ?? (await EarlyStage13.withoutPsk(suite.hash, ctx.emit));
  const handshake = await early.handshake(shared);
  const secrets = await handshake.trafficSecrets(await ctx.transcript.hash());
  await ctx.channel.setWriteKeys(suite, await handshake.trafficKeys(secrets.server, suite.keyLength, 'server_handshake'), 'handshake');
  ctx.currentWriteEpoch = 'handshake';
  if (clientEarlySecret && accepted && f.psk) {
    // The client's early data comes first, under its early keys; its handshake keys follow EndOfEarlyData.
    await ctx.channel.setReadKeys(suite, await f.psk.early.trafficKeys(clientEarlySecret, suite.keyLength, 'client_early'), 'early');
    ctx.reader.onEarlyData = accepted.take;
  } else {
    await ctx.channel.setReadKeys(suite, await handshake.trafficKeys(secrets.client, suite.keyLength, 'client_handshake'), 'handshake');
    // RFC 8446 §4.2.10: refused early data, under keys we do not have, comes before the client's second flight: the
    // records that do not open under its handshake keys are skipped, until one opens.
    if (f.earlyData === 'skip') ctx.reader.skipper = new EarlyDataSkipper('trial-decryption', skipLimit(ctx), ctx.emit, ctx.channel);
  }

  // RFC 8446 §4.3.1: what the ServerHello cannot carry.
  const ee: Extension[] = [];
  if (accepted) ee.push({ code: X.early_data });
  if (f.sniUsed) ee.push({ code: X.server_name });
  if (f.alpn) ee.push({ code: X.alpn, protocols: [f.alpn] });
  ee.push({ code: X.supported_groups, groups: ctx.options.groupCodes });
  await ctx.send({ type: 'encrypted_extensions', extensions: ee });

  const askClient = !f.psk && ctx.options.clientAuth !== 'none';
  if (askClient) {
    // RFC 8446 §4.3.2: an empty context during the handshake; the schemes we accept for the client's signature.
    ctx.summary.clientCertificateRequested = true;
    await ctx.send({ type: 'certificate_request', context: new Uint8Array(0), extensions: certificateRequestExtensions13(ctx.options) });
  }
  if (f.choice) {
    // RFC 8446 §4.4.2 and §4.4.3: the chain, then a signature over the transcript so far.
    // RFC 8446 §4.4.2.1: an OCSP response the client asked for rides in the leaf's entry.
    const staple = stapleFor(ctx, ch, f.choice.certificate);
    const entries = f.choice.certificate.chain.map((certData, i) => ({ certData, extensions: i === 0 && staple ? [{ code: X.status_request, ocspResponse: staple }] : [] }));
    await ctx.send({ type: 'certificate', context: new Uint8Array(0), entries });
    const content = certificateVerifyContent('server', await ctx.transcript.hash());
    const signature = await f.choice.signer.sign(f.choice.scheme, content);
    ctx.summary.signatureScheme = schemeName(f.choice.scheme);
    ctx.emit({ kind: 'signature', subject: 'server CertificateVerify', scheme: ctx.summary.signatureScheme, signedContent: toHex(content), signature: toHex(signature), ok: true, detail: 'signed by this server over the transcript so far' });
    await ctx.send({ type: 'certificate_verify', scheme: f.choice.scheme, signature });
  }
  // RFC 8446 §4.4.4: Finished over the transcript through CertificateVerify.
  const verifyData = await handshake.finishedVerifyData(secrets.server, await ctx.transcript.hash(), 'server');
  ctx.emit({ kind: 'finished', direction: 'server', expected: toHex(verifyData), received: toHex(verifyData), ok: true });
  await ctx.send({ type: 'finished', verifyData });

  // RFC 8446 §7.1: application secrets over the transcript through the server Finished; we may send from now on.
  const afterServerFinished = await ctx.transcript.hash();
  const master = await handshake.master();
  const app = await master.applicationTrafficSecrets(afterServerFinished);
  const exporter = await master.exporterMasterSecret(afterServerFinished);
  // After its Finished the server writes under its application keys (tickets, alerts, 0.5-RTT data: RFC 8446 §4.4.4).
  await ctx.channel.setWriteKeys(suite, await master.trafficKeys(app.server, suite.keyLength, 'server_application'), 'application');
  ctx.currentWriteEpoch = 'application';
  const keys: KeysSoFar = { suite, handshake, clientHandshakeSecret: secrets.client, master, app, exporter };
  if (accepted) return new ExpectEndOfEarlyData(keys, accepted);
  return askClient ? new ExpectClientCertificate(keys) : new ExpectClientFinished(keys);
}

interface KeysSoFar {
  suite: Tls13Suite;
  handshake: HandshakeStage13;
  clientHandshakeSecret: Uint8Array;
  master: MasterStage13;
  app: { client: Uint8Array; server: Uint8Array };
  exporter: Uint8Array;
}

/** RFC 8446 §4.5: the end of accepted early data, under the early keys; the client's handshake keys follow. */
class ExpectEndOfEarlyData implements ServerState {
  readonly name = 'ExpectEndOfEarlyData';
  readonly expects = HandshakeType.end_of_early_data;
  constructor(
    private readonly keys: KeysSoFar,
    private readonly received: EarlyDataReceiver,
  ) {}
  async handle(ctx: ServerContext, m: ReceivedMessage): Promise<ServerState | null> {
    expectMessage(m, 'end_of_early_data', this.name);
    ctx.transcript.add(m.bytes, m.name, m.eventIndex);
    ctx.reader.onEarlyData = null;
    ctx.reader.assertAtMessageBoundary('after EndOfEarlyData');
    const k = this.keys;
    await ctx.channel.setReadKeys(k.suite, await k.handshake.trafficKeys(k.clientHandshakeSecret, k.suite.keyLength, 'client_handshake'), 'handshake');
    ctx.earlyDataReceived = this.received.chunks;
    if (ctx.summary.earlyData) ctx.summary.earlyData.bytes = this.received.bytes;
    ctx.emit({ kind: 'note', text: `EndOfEarlyData: ${this.received.bytes} bytes of early data read; the client's handshake keys from here on` });
    return new ExpectClientFinished(k);
  }
}

class ExpectClientCertificate implements ServerState {
  readonly name = 'ExpectClientCertificate';
  readonly expects = HandshakeType.certificate;
  constructor(private readonly keys: KeysSoFar) {}
  async handle(ctx: ServerContext, m: ReceivedMessage): Promise<ServerState | null> {
    const cert = expectMessage(m, 'certificate', this.name);
    if (cert.context.length !== 0) throw fail.illegal('the client\'s Certificate during the handshake must have an empty context (RFC 8446 §4.4.2)');
    ctx.transcript.add(m.bytes, m.name, m.eventIndex);
    const chain = cert.entries.map((e) => e.certData);
    await checkClientChain(ctx, chain);
    return chain.length ? new ExpectClientCertificateVerify(this.keys, chain[0]) : new ExpectClientFinished(this.keys);
  }
}

class ExpectClientCertificateVerify implements ServerState {
  readonly name = 'ExpectClientCertificateVerify';
  readonly expects = HandshakeType.certificate_verify;
  constructor(
    private readonly keys: KeysSoFar,
    private readonly leaf: Uint8Array,
  ) {}
  async handle(ctx: ServerContext, m: ReceivedMessage): Promise<ServerState | null> {
    const cv = expectMessage(m, 'certificate_verify', this.name);
    await checkPeerCertificateVerify(ctx.emit, { signer: 'client', leaf: this.leaf, scheme: cv.scheme, signature: cv.signature, offered: ctx.options.signatureSchemes, transcriptHash: await ctx.transcript.hash(), subject: 'client CertificateVerify' });
    ctx.transcript.add(m.bytes, m.name, m.eventIndex);
    return new ExpectClientFinished(this.keys);
  }
}

/** RFC 8446 §4.4.4: the client's verify_data, keyed from `secret`, must be ours over the same transcript (else decrypt_error). */
export async function checkClientFinished13(emit: Emit, master: MasterStage13, secret: Uint8Array, transcriptHash: Uint8Array, received: Uint8Array, mismatch: string): Promise<void> {
  const expected = await master.finishedVerifyData(secret, transcriptHash, 'client');
  const ok = equalBytes(expected, received);
  emit({ kind: 'finished', direction: 'client', expected: toHex(expected), received: toHex(received), ok });
  if (!ok) throw fail.badFinished(mismatch);
}

class ExpectClientFinished implements ServerState {
  readonly name = 'ExpectClientFinished';
  readonly expects = HandshakeType.finished;
  constructor(private readonly keys: KeysSoFar) {}
  async handle(ctx: ServerContext, m: ReceivedMessage): Promise<ServerState | null> {
    const fin = expectMessage(m, 'finished', this.name);
    const k = this.keys;
    await checkClientFinished13(ctx.emit, k.master, k.clientHandshakeSecret, await ctx.transcript.hash(), fin.verifyData, 'the client\'s Finished does not match: the two sides do not share the same transcript or keys');
    ctx.transcript.add(m.bytes, m.name, m.eventIndex);
    ctx.reader.ccsAllowed = false;
    ctx.reader.assertAtMessageBoundary('after the client Finished');
    // RFC 8446 §7.1: the resumption secret covers the client Finished; application keys both ways from now on.
    const resumption = await k.master.resumptionMasterSecret(await ctx.transcript.hash());
    await ctx.channel.setReadKeys(k.suite, await k.master.trafficKeys(k.app.client, k.suite.keyLength, 'client_application'), 'application');
    ctx.established13 = {
      suite: k.suite,
      master: k.master,
      clientApp: k.app.client,
      serverApp: k.app.server,
      exporter: k.exporter,
      resumption,
      clientHelloOffersPostHandshakeAuth: !!findExtension(ctx.clientHello!.extensions, X.post_handshake_auth),
    };
    return null;
  }
}

