// The TLS 1.2 server handshake (RFC 5246 §7.3) as one small state per expected client message, on the same
// shared layers as TLS 1.3: ECDHE or finite-field DHE (RFC 7919 groups) key exchange signed with the certificate's
// key (ECDSA, RSA-PSS or PKCS#1 v1.5, Ed25519, Ed448),
// AEAD and CBC (MtE or EtM, RFC 7366) records, the extended master secret (RFC 7627), the secure-renegotiation
// indication (RFC 5746), resumption by session id (a bounded cache) or by ticket (RFC 5077), and the downgrade
// sentinel when TLS 1.3 was possible (RFC 8446 §4.1.3).
import { concat, equalBytes, toHex } from '../../util/bytes.ts';
import { decodeError, fail, tlsFailure } from '../errors.ts';
import { generateKeyShare } from '../../crypto/key-exchange.ts';
import type { ReceivedRecord } from '../handshake/channel.ts';
import type { ReceivedMessage } from '../handshake/message-reader.ts';
import { MasterStage12, PreMasterStage12 } from '../key-schedule/key-schedule12.ts';
import { DOWNGRADE_TLS12, ExtensionType as X, ProtocolVersion, groupName, schemeName } from '../messages/constants.ts';
import { STATUS_TYPE_OCSP, findExtension, type Extension } from '../messages/extensions.ts';
import type { ClientHello } from '../messages/handshake.ts';
import { HT12, serverKeyExchangeParams } from '../messages/tls12.ts';
import type { RecordProtector } from '../record/protector.ts';
import { Tls12AeadProtector } from '../record/tls12-aead-protector.ts';
import { Tls12CbcProtector } from '../record/tls12-cbc-protector.ts';
import { describePublicKey, type PublicKeyInfo } from '../../crypto/signature.ts';
import { bigIntToBytes, dhKeyPair, ffdheGroupByCode, type FfdheGroup } from '../../crypto/ffdhe.ts';
import { signer12For } from './signer12.ts';
import { certificateSpki } from '../handshake/signatures.ts';
import { GROUP_NAMES, isEcdheCurve } from '../suites.ts';
import { EMPTY_RENEGOTIATION_INFO_SCSV, suite12ByCode, type Tls12Suite } from '../suites12.ts';
import { utf8, fromHex } from '../../util/bytes.ts';
import type { ServerContext } from './context.ts';
import { mutual, selectAlpn, type CertificateChoice } from './negotiate13.ts';
import { checkClientChain } from './client-chain.ts';
import { clientHelloBreakpoint, expectMessage, stapleFor, type ServerState } from './state.ts';
import { quoted } from './quoted.ts';
import { checkPeerCertificateVerify } from '../handshake/peer-signature.ts';
import { scheme12Algorithm } from '../handshake12/signatures12.ts';
import { checkPeerFinished12, ourFinished12 } from '../handshake12/finished12.ts';

/** What the established TLS 1.2 connection needs. */
export interface Established12 {
  suite: Tls12Suite;
  master: MasterStage12;
  /** This handshake's hello randoms: with the master secret, what the RFC 5705 exporter derives from. */
  clientRandom: Uint8Array;
  serverRandom: Uint8Array;
  clientVerifyData: Uint8Array;
  serverVerifyData: Uint8Array;
  secureRenegotiation: boolean;
  extendedMasterSecret: boolean;
  encryptThenMac: boolean;
  resumedBy: 'session id' | 'ticket' | null;
}

/** One TLS 1.2 handshake's running values, handed from state to state. */
class Handshake12 {
  master!: MasterStage12;
  clientKeys!: RecordProtector;
  serverKeys!: RecordProtector;
  clientVerifyData: Uint8Array = new Uint8Array(0);
  serverVerifyData: Uint8Array = new Uint8Array(0);
  ccsExpected = false;
  resumedBy: 'session id' | 'ticket' | null = null;
  sessionId: Uint8Array = new Uint8Array(0);
  previous: PreviousHandshake | null = null;
  constructor(
    readonly ch: ClientHello,
    readonly suite: Tls12Suite,
    readonly serverRandom: Uint8Array,
    readonly ems: boolean,
    readonly etm: boolean,
    readonly secureRenegotiation: boolean,
    readonly sendTicket: boolean,
  ) {}
}

/** The key exchange chosen for a suite: an ECDHE curve, or an RFC 7919 finite-field group. */
type Exchange12 = { kx: 'ECDHE'; group: number } | { kx: 'DHE'; group: FfdheGroup };

/** The curve an ECDSA certificate's key is on, as a supported_groups code (RFC 8422 §5.1.1). */
const CURVE_CODES: Record<string, number> = { 'P-256': 0x0017, 'P-384': 0x0018, 'P-521': 0x0019 };

/**
 * RFC 5246 §7.4.1.2, RFC 8422 §5.1 and RFC 7919 §4: the first suite (by whose preference rules) whose key exchange
 * this server does with a group both accept, for which a configured certificate fits (key type, and for ECDSA a
 * curve the client lists) and can sign with a scheme the client offers. Each suite passed over says why.
 */
async function select12(ctx: ServerContext, ch: ClientHello): Promise<{ suite: Tls12Suite; choice: CertificateChoice; exchange: Exchange12 }> {
  const o = ctx.options;
  const offered = mutual(o.suites12.map((s) => s.code), ch.cipherSuites, o.preference).map((c) => o.suites12.find((s) => s.code === c)!);
  const supported = findExtension(ch.extensions, X.supported_groups)?.groups;
  const usable = withoutGroupsEcdheLast(offered.filter((s) => s.kx === 'ECDHE' || s.kx === 'DHE'), supported);
  if (usable.length === 0) {
    const clientKx = ch.cipherSuites.map((c) => suite12ByCode(c)?.kx);
    if (clientKx.includes('RSA') && !clientKx.includes('ECDHE') && !clientKx.includes('DHE')) throw fail.handshake('the client offers only static RSA key exchange, which this server refuses: it has no forward secrecy and this server does not implement RFC 5246 §7.4.7.1\'s countermeasure against Bleichenbacher\'s attack');
    throw fail.handshake('the client offers none of the TLS 1.2 cipher suites this server accepts');
  }
  // What each key exchange would use with this client, or why it cannot run.
  const exchanges: Record<'ECDHE' | 'DHE', Exchange12 | string> = { ECDHE: ecdheExchange(ctx, supported), DHE: ffdheExchange(ctx, supported) };
  const schemes = findExtension(ch.extensions, X.signature_algorithms)?.schemes;
  if (!schemes) throw fail.handshake('the ClientHello has no signature_algorithms: the SHA-1 defaults of RFC 5246 §7.4.1.4.1 are not signed with here');
  const sni = findExtension(ch.extensions, X.server_name)?.hostName;
  const certificates = ctx.certificate ? [ctx.certificate] : o.certificates;
  const reasons = new Set<string>();
  for (const suite of usable) {
    const exchange = exchanges[suite.kx as 'ECDHE' | 'DHE'];
    if (typeof exchange === 'string') {
      reasons.add(exchange);
      continue;
    }
    for (const certificate of certificates) {
      const key = describePublicKey(certificateSpki(certificate.chain[0]));
      const unfit = certificateUnfit(key, suite, supported);
      if (unfit) {
        reasons.add(unfit);
        continue;
      }
      const signer = await signer12For(certificate);
      const scheme = mutual(signer.schemes, schemes, o.preference)[0];
      if (scheme) return { suite, choice: { certificate, signer, scheme }, exchange };
      reasons.add(`the ${certificate.keyAlgorithm ?? key.type} certificate signs with ${signer.schemes.map(schemeName).join(', ')}, none of which the client offers`);
    }
  }
  throw fail.handshake(`no TLS 1.2 suite the client offers can be completed${sni ? ` for ${quoted(sni)}` : ''}: ${[...reasons].join('; ')}`);
}

/**
 * A client that sends no supported_groups lists no curve: RFC 8422 §4 lets the server pick one (P-256 here), but
 * such a client may well do no ECDHE at all (`openssl s_client -tls1_2 -groups ffdhe2048` sends ECDHE suites
 * and no supported_groups, and refuses any curve). OpenSSL and Go then do no ECDHE; here ECDHE on the default
 * curve stays, but only after every other suite, so DHE is chosen when it can be completed.
 */
function withoutGroupsEcdheLast(suites: Tls12Suite[], supported: number[] | undefined): Tls12Suite[] {
  if (supported) return suites;
  return [...suites.filter((s) => s.kx !== 'ECDHE'), ...suites.filter((s) => s.kx === 'ECDHE')];
}

/** The ECDHE curve: the first both accept; without supported_groups, P-256 (RFC 8422 §4). A reason when none. */
function ecdheExchange(ctx: ServerContext, supported: number[] | undefined): Exchange12 | string {
  // A hybrid group (X25519MLKEM768) is a TLS 1.3 key share, and a finite-field group names DHE parameters: neither
  // is a TLS 1.2 ECDHE curve.
  const both = mutual(ctx.options.groupCodes.filter(isEcdheCurve), supported ?? [0x0017], ctx.options.preference);
  return both.length ? { kx: 'ECDHE', group: both[0] } : 'the client supports none of the curves this server accepts for ECDHE';
}

/**
 * RFC 7919 §4: a client that lists finite-field groups gets one of them or no DHE suite; a client that lists none
 * gets the server's first. A reason when none fits.
 */
function ffdheExchange(ctx: ServerContext, supported: number[] | undefined): Exchange12 | string {
  const ours = ctx.options.ffdheGroups;
  if (ours.length === 0) return 'this server accepts no finite-field group for DHE';
  const theirs = (supported ?? []).filter((c) => ffdheGroupByCode(c));
  if (theirs.length === 0) return { kx: 'DHE', group: ours[0] };
  const code = mutual(ours.map((g) => g.code), theirs, ctx.options.preference)[0];
  return code !== undefined ? { kx: 'DHE', group: ffdheGroupByCode(code)! } : `the client's finite-field groups (${theirs.map(groupName).join(', ')}) are none this server accepts (RFC 7919 §4)`;
}

/** Why a certificate cannot serve a suite, or null when it can. */
function certificateUnfit(key: PublicKeyInfo, suite: Tls12Suite, supported: number[] | undefined): string | null {
  if (suite.auth === 'RSA') return key.type === 'rsa' && !key.pssOnly ? null : `${suite.name} needs an RSA certificate`;
  if (key.type === 'ed25519' || key.type === 'ed448') return null; // RFC 8422 §5.1.1: EdDSA keys serve ECDHE_ECDSA too
  if (key.type !== 'ec') return `${suite.name} needs an ECDSA, Ed25519 or Ed448 certificate`;
  // RFC 8422 §5.1: the client verifies an ECDSA signature only on a curve it lists.
  const code = CURVE_CODES[key.curve ?? ''];
  if (supported && (code === undefined || !supported.includes(code))) return `the ECDSA certificate's curve ${key.curve} is not in the client's supported_groups (RFC 8422 §5.1)`;
  return null;
}

/** RFC 7627 §5.1 and RFC 7366 §2: extended_master_secret and encrypt_then_mac carry no data (else decode_error, as OpenSSL). */
function checkEmptyExtensions(ch: ClientHello): void {
  for (const [code, name] of [
    [X.extended_master_secret, 'extended_master_secret'],
    [X.encrypt_then_mac, 'encrypt_then_mac'],
  ] as const) {
    const data = findExtension(ch.extensions, code)?.data;
    if (data?.length) throw decodeError(`the ClientHello's ${name} extension must be empty, it carries ${data.length} bytes`);
  }
}

/**
 * RFC 8422 §5.1.2: ec_point_formats is a non-empty list (else decode_error), and a client that lists elliptic curves
 * must list the uncompressed format, the only one this server (and TLS 1.3) writes: else illegal_parameter, where
 * OpenSSL's s_server refuses too.
 */
function checkPointFormats(ch: ClientHello): void {
  const data = findExtension(ch.extensions, X.ec_point_formats)?.data;
  if (!data) return;
  if (data.length < 2 || data[0] !== data.length - 1) throw decodeError('ec_point_formats must be a non-empty list of point formats (RFC 8422 §5.1.2)');
  const curves = findExtension(ch.extensions, X.supported_groups)?.groups?.some((g) => !ffdheGroupByCode(g));
  if (curves && !data.subarray(1).includes(0)) throw fail.illegal('ec_point_formats leaves out the uncompressed format, the only one there is in practice (RFC 8422 §5.1.2)');
}

/** A renegotiation's link to the handshake before it (RFC 5746 §3.7): both verify_data values. */
export interface PreviousHandshake {
  clientVerifyData: Uint8Array;
  serverVerifyData: Uint8Array;
}

/** Start TLS 1.2 from the ClientHello (already checked to offer TLS 1.2): the server's first flight. */
export async function startTls12(ctx: ServerContext, m: ReceivedMessage, tls13Enabled: boolean, previous: PreviousHandshake | null = null): Promise<ServerState> {
  const ch = m.message as ClientHello;
  ctx.summary.version = 'TLSv1.2';
  ctx.clientHello = ch;
  // RFC 5246 §7.1: the client's ChangeCipherSpec follows its key exchange (expectClientCcs); one before has no keys
  // to switch to (the early-CCS attack, CVE-2014-0224): unexpected_message, not dropped as TLS 1.3 would.
  ctx.reader.onChangeCipherSpec = async () => {
    throw fail.unexpected('a ChangeCipherSpec arrived before the client\'s key exchange (RFC 5246 §7.1)');
  };
  if (ch.compressionMethods.length === 0) throw decodeError('the ClientHello lists no compression method (RFC 5246 §7.4.1.2: at least one)');
  checkEmptyExtensions(ch);
  if (ch.compressionMethods.indexOf(0) < 0) throw fail.illegal('the ClientHello does not offer the null compression method (RFC 5246 §7.4.1.2)');
  const sni = findExtension(ch.extensions, X.server_name)?.hostName;
  ctx.summary.sni = sni ?? null;
  await clientHelloBreakpoint(ctx, ch, sni, `ClientHello read (TLS 1.2)${sni ? `, server_name ${quoted(sni)}` : ''}`);

  // RFC 5746 §3.6: the client shows it does secure renegotiation by the extension (empty) or the SCSV; in a
  // renegotiation (§3.7) the extension must carry the client's verify_data of the handshake before.
  const ri = findExtension(ch.extensions, X.renegotiation_info);
  const expectedRi = previous ? concat(Uint8Array.of(previous.clientVerifyData.length), previous.clientVerifyData) : Uint8Array.of(0);
  if (previous && !ri) throw tlsFailure('INSECURE_RENEGOTIATION', 'the renegotiation ClientHello has no renegotiation_info (RFC 5746 §3.7)');
  if (ri && !equalBytes(ri.data ?? new Uint8Array(0), expectedRi)) throw tlsFailure('INSECURE_RENEGOTIATION', previous ? 'renegotiation_info does not carry the client\'s verify_data of the previous handshake (RFC 5746 §3.7)' : 'the initial ClientHello\'s renegotiation_info must be empty (RFC 5746 §3.6)');
  if (previous) ctx.emit({ kind: 'note', text: 'renegotiation_info checked: it carries the client\'s verify_data of the previous handshake (RFC 5746)' });
  const secure = !!ri || ch.cipherSuites.includes(EMPTY_RENEGOTIATION_INFO_SCSV);

  const alpn = selectAlpn(ctx.options, ch);
  ctx.summary.alpn = alpn;
  ctx.transcript.add(m.bytes, 'ClientHello', m.eventIndex);

  // Resumption: a ticket (RFC 5077 §3.1) first, else a cached session id (RFC 5246 §7.4.1.2).
  const resumed = await findSession(ctx, ch);
  const serverRandom = ctx.options.random(32);
  // RFC 8446 §4.1.3: a server able to do TLS 1.3 that settles on TLS 1.2 says so in its random.
  if (tls13Enabled) serverRandom.set(DOWNGRADE_TLS12, 24);

  if (resumed) {
    const suite = ctx.options.suites12.find((s) => s.code === resumed.state.suite);
    const ems = !!findExtension(ch.extensions, X.extended_master_secret);
    if (suite && ch.cipherSuites.includes(suite.code) && ems === resumed.state.extendedMasterSecret) {
      return resume(ctx, ch, suite, serverRandom, secure, resumed, previous);
    }
    ctx.emit({ kind: 'note', text: 'the offered session cannot be resumed (its suite is not offered now, or extended_master_secret differs: RFC 7627 §5.3): full handshake' });
  }

  checkPointFormats(ch);
  const { suite, choice, exchange } = await select12(ctx, ch);
  if (exchange.kx === 'ECDHE' && !findExtension(ch.extensions, X.supported_groups)) {
    ctx.emit({ kind: 'note', text: `the client sent no supported_groups: ${GROUP_NAMES[exchange.group]} assumed (RFC 8422 §4), as no suite with another key exchange could be completed; a client without that curve will refuse the ServerKeyExchange` });
  }
  const groupText = exchange.kx === 'DHE' ? exchange.group.name : GROUP_NAMES[exchange.group];
  ctx.transcript.setHash(suite.prfHash);
  ctx.reader.decoder.useTls12(() => suite.kx);
  ctx.summary.cipherSuite = suite.name;
  ctx.summary.group = groupText;
  ctx.certificate = choice.certificate;
  const ems = !!findExtension(ch.extensions, X.extended_master_secret);
  const etm = suite.cipher === 'AES-CBC' && !!findExtension(ch.extensions, X.encrypt_then_mac);
  const sendTicket = !!findExtension(ch.extensions, X.session_ticket) && ctx.options.numTickets > 0;
  const h = new Handshake12(ch, suite, serverRandom, ems, etm, secure, sendTicket);
  h.previous = previous;
  h.sessionId = sendTicket ? new Uint8Array(0) : ctx.options.random(32);
  ctx.emit({ kind: 'note', text: `server chose TLS 1.2, ${suite.name} with ${groupText}${ems ? ', extended master secret' : ''}${etm ? ', encrypt-then-MAC' : ''}${tls13Enabled ? '; DOWNGRD\\x01 in the random tells a TLS 1.3 client this was not forced' : ''}` });

  const staple = stapleFor(ctx, ch, choice.certificate);
  await ctx.send({ type: 'server_hello', isHelloRetryRequest: false, legacyVersion: ProtocolVersion.TLS12, random: serverRandom, sessionIdEcho: h.sessionId, cipherSuite: suite.code, compressionMethod: 0, extensions: serverHelloExtensions(h, alpn, !!sni, !!staple) });
  await ctx.send({ type: 'certificate12', chain: choice.certificate.chain });
  // RFC 6066 §8: the CertificateStatus follows the Certificate, acknowledged by an empty status_request above.
  if (staple) await ctx.send({ type: 'certificate_status', statusType: STATUS_TYPE_OCSP, ocspResponse: staple });

  // RFC 8422 §5.4 and RFC 5246 §7.4.3: the ephemeral key, signed over both randoms and the params.
  const ours = await ephemeralKey(ctx, exchange);
  const signed = concat(ch.random, serverRandom, ours.params);
  const signature = await choice.signer.sign(choice.scheme, signed);
  ctx.summary.signatureScheme = schemeName(choice.scheme);
  ctx.emit({ kind: 'signature', subject: 'ServerKeyExchange', scheme: schemeName(choice.scheme), signedContent: toHex(signed), signature: toHex(signature), ok: true, detail: 'signed by this server over client_random || server_random || params' });
  await ctx.send({ ...ours.message, scheme: choice.scheme, signature });
  const askClient = ctx.options.clientAuth !== 'none';
  if (askClient) {
    // RFC 5246 §7.4.4: certificate types (rsa_sign 1, ecdsa_sign 64), the schemes we accept, our anchors' names.
    ctx.summary.clientCertificateRequested = true;
    await ctx.send({ type: 'certificate_request12', certificateTypes: [1, 64], schemes: ctx.options.signatureSchemes12, authorities: ctx.options.certificateAuthorities });
  }
  await ctx.send({ type: 'server_hello_done' });
  const kx = new ExpectClientKeyExchange(h, async (clientPublic) => {
    const preMaster = await ours.agree(clientPublic);
    ctx.emit({ kind: 'key-exchange', group: groupText, clientShare: toHex(clientPublic), serverShare: toHex(ours.publicKey), sharedSecret: toHex(preMaster) });
    return preMaster;
  });
  return askClient ? new ExpectClientCertificate12(kx) : kx;
}

/** Our ephemeral key for the chosen exchange: the ServerKeyExchange's params, and the agreement with the client's. */
async function ephemeralKey(ctx: ServerContext, exchange: Exchange12) {
  if (exchange.kx === 'ECDHE') {
    const share = await generateKeyShare(GROUP_NAMES[exchange.group]);
    const params = serverKeyExchangeParams({ kx: 'ECDHE', group: exchange.group, publicKey: share.publicKey });
    return { params, publicKey: share.publicKey, message: { type: 'server_key_exchange' as const, kx: 'ECDHE' as const, group: exchange.group, publicKey: share.publicKey, params }, agree: (peer: Uint8Array) => share.computeSharedSecret(peer) };
  }
  // RFC 7919 §3: the named group's prime and generator; our public value padded to the length of p.
  const g = exchange.group;
  const pair = dhKeyPair(g.p, g.g, g.exponentBits, ctx.options.random);
  const dh = { dhP: bigIntToBytes(g.p), dhG: bigIntToBytes(g.g), dhYs: pair.publicKey };
  const params = serverKeyExchangeParams({ kx: 'DHE', ...dh });
  return { params, publicKey: pair.publicKey, message: { type: 'server_key_exchange' as const, kx: 'DHE' as const, ...dh, params }, agree: async (peer: Uint8Array) => pair.computeSharedSecret(peer) };
}

class ExpectClientCertificate12 implements ServerState {
  readonly name = 'ExpectClientCertificate (TLS 1.2)';
  readonly expects = HT12.certificate;
  constructor(private readonly next: ExpectClientKeyExchange) {}
  async handle(ctx: ServerContext, m: ReceivedMessage): Promise<ServerState | null> {
    const cert = expectMessage(m, 'certificate12', this.name);
    ctx.transcript.add(m.bytes, m.name, m.eventIndex);
    await checkClientChain(ctx, cert.chain);
    if (cert.chain.length) this.next.clientLeaf = cert.chain[0];
    return this.next;
  }
}

/** RFC 5246 §7.4.8: the client signs every handshake message so far, in full. */
class ExpectClientCertificateVerify12 implements ServerState {
  readonly name = 'ExpectClientCertificateVerify (TLS 1.2)';
  readonly expects = HT12.certificate_verify;
  constructor(
    private readonly h: Handshake12,
    private readonly leaf: Uint8Array,
  ) {}
  async handle(ctx: ServerContext, m: ReceivedMessage): Promise<ServerState | null> {
    const cv = expectMessage(m, 'certificate_verify12', this.name);
    const signedContent = ctx.transcript.bytes();
    await checkPeerCertificateVerify(ctx.emit, { signer: 'client', leaf: this.leaf, scheme: cv.scheme, signature: cv.signature, offered: ctx.options.signatureSchemes12, transcriptHash: new Uint8Array(0), subject: 'client CertificateVerify (TLS 1.2)', tls12: { signedContent, algorithm: scheme12Algorithm } });
    ctx.transcript.add(m.bytes, m.name, m.eventIndex);
    return new ExpectClientFinished(this.h);
  }
}

function serverHelloExtensions(h: Handshake12, alpn: string | null, sniSeen: boolean, stapling = false): Extension[] {
  const ext: Extension[] = [];
  if (stapling) ext.push({ code: X.status_request });
  if (h.secureRenegotiation) {
    // RFC 5746 §3.6/§3.7: empty at first; client_verify_data || server_verify_data of the handshake before after.
    const both = h.previous ? concat(h.previous.clientVerifyData, h.previous.serverVerifyData) : new Uint8Array(0);
    ext.push({ code: X.renegotiation_info, data: concat(Uint8Array.of(both.length), both) });
  }
  if (h.ems) ext.push({ code: X.extended_master_secret });
  if (h.etm) ext.push({ code: X.encrypt_then_mac });
  if (h.sendTicket) ext.push({ code: X.session_ticket });
  if (sniSeen && !h.resumedBy) ext.push({ code: X.server_name });
  if (alpn) ext.push({ code: X.alpn, protocols: [alpn] });
  if (findExtension(h.ch.extensions, X.ec_point_formats)) ext.push({ code: X.ec_point_formats, data: Uint8Array.of(1, 0) });
  return ext;
}

interface SavedSession {
  by: 'ticket' | 'session id';
  state: { suite: number; masterSecret: Uint8Array; extendedMasterSecret: boolean };
}

async function findSession(ctx: ServerContext, ch: ClientHello): Promise<SavedSession | null> {
  const ticket = findExtension(ch.extensions, X.session_ticket)?.data;
  if (ticket && ticket.length > 0) {
    const plain = await ctx.options.ticketKeys.open(ticket);
    const state = plain && parseTicket12(plain);
    if (state && ctx.options.clock() - state.createdAt <= ctx.options.ticketLifetimeSeconds * 1000) return { by: 'ticket', state };
    ctx.emit({ kind: 'note', text: 'the client\'s session ticket is not one this server can open (or it expired): full handshake' });
  }
  if (ch.sessionId.length > 0) {
    const state = ctx.options.sessionCache.get(ch.sessionId, ctx.options.clock());
    if (state) return { by: 'session id', state };
  }
  return null;
}

function parseTicket12(plain: Uint8Array): { suite: number; masterSecret: Uint8Array; extendedMasterSecret: boolean; createdAt: number } | null {
  try {
    const s = JSON.parse(utf8.decode(plain));
    if (s.v !== 12) return null;
    return { suite: s.suite, masterSecret: fromHex(s.masterSecret), extendedMasterSecret: s.ems, createdAt: s.createdAt };
  } catch {
    return null;
  }
}

/** RFC 5246 §7.3 abbreviated handshake: ServerHello, ChangeCipherSpec, Finished; then the client's. */
async function resume(ctx: ServerContext, ch: ClientHello, suite: Tls12Suite, serverRandom: Uint8Array, secure: boolean, saved: SavedSession, previous: PreviousHandshake | null): Promise<ServerState> {
  ctx.transcript.setHash(suite.prfHash);
  ctx.reader.decoder.useTls12(() => suite.kx);
  ctx.summary.cipherSuite = suite.name;
  ctx.summary.resumed = true;
  const etm = suite.cipher === 'AES-CBC' && !!findExtension(ch.extensions, X.encrypt_then_mac);
  const h = new Handshake12(ch, suite, serverRandom, saved.state.extendedMasterSecret, etm, secure, false);
  h.previous = previous;
  h.resumedBy = saved.by;
  // A ticket resumption echoes the client's session id (RFC 5077 §3.4); a cached one echoes its own id.
  h.sessionId = ch.sessionId;
  h.master = MasterStage12.resumed(suite.prfHash, saved.state.masterSecret, ctx.emit);
  ctx.emit({ kind: 'key', op: 'resumed', name: 'master_secret', label: `session resumed by ${saved.by}`, inputs: [{ name: saved.by === 'ticket' ? 'ticket' : 'session_id', value: toHex(saved.by === 'ticket' ? findExtension(ch.extensions, X.session_ticket)!.data! : ch.sessionId) }], output: toHex(saved.state.masterSecret), hash: suite.prfHash });
  await ctx.send({ type: 'server_hello', isHelloRetryRequest: false, legacyVersion: ProtocolVersion.TLS12, random: serverRandom, sessionIdEcho: h.sessionId, cipherSuite: suite.code, compressionMethod: 0, extensions: serverHelloExtensions(h, ctx.summary.alpn, false) });
  await deriveKeys(ctx, h);
  await sendServerFinished(ctx, h);
  expectClientCcs(ctx, h);
  return new ExpectClientFinished(h);
}

async function deriveKeys(ctx: ServerContext, h: Handshake12): Promise<void> {
  const k = await h.master.keyBlock(h.suite, h.ch.random, h.serverRandom);
  const make = (mac: Uint8Array, key: Uint8Array, iv: Uint8Array) =>
    h.suite.cipher === 'AES-CBC' ? Tls12CbcProtector.create(h.suite, mac, key, h.etm, 'application', ctx.options.random) : Tls12AeadProtector.create(h.suite, key, iv, 'application');
  h.clientKeys = await make(k.clientMacKey, k.clientKey, k.clientIv);
  h.serverKeys = await make(k.serverMacKey, k.serverKey, k.serverIv);
}

/** The client's ChangeCipherSpec switches what we read to its new keys (RFC 5246 §7.1). */
function expectClientCcs(ctx: ServerContext, h: Handshake12): void {
  h.ccsExpected = true;
  ctx.reader.onChangeCipherSpec = async (record: ReceivedRecord) => {
    if (record.fragment.length !== 1 || record.fragment[0] !== 1) throw fail.unexpected('a malformed ChangeCipherSpec (it must be the single byte 1)');
    if (!h.ccsExpected) throw fail.unexpected('a ChangeCipherSpec arrived where the handshake does not expect one');
    ctx.reader.assertAtMessageBoundary('at the client ChangeCipherSpec');
    ctx.channel.setReadProtector(h.clientKeys);
    h.ccsExpected = false;
    ctx.emit({ kind: 'note', text: `ChangeCipherSpec received: the client now writes with ${h.suite.name}` });
  };
}

async function sendServerFinished(ctx: ServerContext, h: Handshake12): Promise<void> {
  if (h.sendTicket && !h.resumedBy) {
    // RFC 5077 §3.3: the session sealed with the ticket keys, before our ChangeCipherSpec.
    const state = { v: 12, suite: h.suite.code, masterSecret: toHex(h.master.secret), ems: h.ems, createdAt: ctx.options.clock() };
    const ticket = await ctx.options.ticketKeys.seal(utf8.encode(JSON.stringify(state)));
    await ctx.send({ type: 'new_session_ticket12', lifetimeHint: ctx.options.ticketLifetimeSeconds, ticket });
  }
  await ctx.channel.writeChangeCipherSpec();
  ctx.channel.setWriteProtector(h.serverKeys);
  ctx.emit({ kind: 'note', text: `ChangeCipherSpec sent: the server now writes with ${h.suite.name}` });
  h.serverVerifyData = await ourFinished12(ctx.emit, h.master, 'server', await ctx.transcript.hash());
  await ctx.send({ type: 'finished12', verifyData: h.serverVerifyData });
}

class ExpectClientKeyExchange implements ServerState {
  readonly name = 'ExpectClientKeyExchange (TLS 1.2)';
  readonly expects = HT12.client_key_exchange;
  /** The client's certificate, when it sent one: a CertificateVerify follows the key exchange. */
  clientLeaf: Uint8Array | null = null;
  constructor(
    private readonly h: Handshake12,
    private readonly agree: (clientPublic: Uint8Array) => Promise<Uint8Array>,
  ) {}
  async handle(ctx: ServerContext, m: ReceivedMessage): Promise<ServerState | null> {
    const cke = expectMessage(m, 'client_key_exchange', this.name);
    const h = this.h;
    ctx.transcript.add(m.bytes, m.name, m.eventIndex);
    let preMaster: Uint8Array;
    try {
      preMaster = await this.agree(cke.exchange);
    } catch (e) {
      throw fail.illegal(h.suite.kx === 'DHE' ? `the client's DH public value is unusable: ${(e as Error).message}` : `the client's ECDHE public key is not a valid point of the group: ${(e as Error).message}`);
    }
    // RFC 7627 §4: the session hash covers the handshake through ClientKeyExchange.
    const pre = new PreMasterStage12(h.suite.prfHash, preMaster, ctx.emit);
    h.master = h.ems ? await pre.extendedMaster(await ctx.transcript.hash()) : await pre.master(h.ch.random, h.serverRandom);
    await deriveKeys(ctx, h);
    expectClientCcs(ctx, h);
    return this.clientLeaf ? new ExpectClientCertificateVerify12(h, this.clientLeaf) : new ExpectClientFinished(h);
  }
}

class ExpectClientFinished implements ServerState {
  readonly name = 'ExpectClientFinished (TLS 1.2)';
  readonly expects = HT12.finished;
  constructor(private readonly h: Handshake12) {}
  async handle(ctx: ServerContext, m: ReceivedMessage): Promise<ServerState | null> {
    const fin = expectMessage(m, 'finished12', this.name);
    const h = this.h;
    if (h.ccsExpected) throw fail.unexpected('the client\'s Finished arrived before its ChangeCipherSpec');
    await checkPeerFinished12(ctx.emit, h.master, 'client', await ctx.transcript.hash(), fin.verifyData);
    ctx.transcript.add(m.bytes, m.name, m.eventIndex);
    h.clientVerifyData = fin.verifyData;
    if (!h.resumedBy) {
      await sendServerFinished(ctx, h);
      if (h.sessionId.length) ctx.options.sessionCache.put(h.sessionId, { suite: h.suite.code, masterSecret: h.master.secret, extendedMasterSecret: h.ems, alpn: ctx.summary.alpn, sni: ctx.summary.sni, createdAt: ctx.options.clock() });
    }
    ctx.reader.onChangeCipherSpec = async () => {
      throw fail.unexpected('a ChangeCipherSpec after the handshake');
    };
    ctx.established12 = {
      suite: h.suite,
      master: h.master,
      clientRandom: h.ch.random,
      serverRandom: h.serverRandom,
      clientVerifyData: h.clientVerifyData,
      serverVerifyData: h.serverVerifyData,
      secureRenegotiation: h.secureRenegotiation,
      extendedMasterSecret: h.ems,
      encryptThenMac: h.etm,
      resumedBy: h.resumedBy,
    };
    return null;
  }
}
