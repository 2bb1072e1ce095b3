// The handshake messages of a captured stream, in order: cut from a direction's handshake records, decoded with the
// engine's codecs (or, in a form they do not read, shown as bytes saying why), what each tells kept (the session's
// summary, CapturedHandshake), its proofs checked again (handshake-proofs.ts, legacy-signatures.ts for TLS 1.0 and
// 1.1, captured-staple.ts for a stapled OCSP response), and the keys it changes set on the
// directions: the hellos, Finished, KeyUpdate and EndOfEarlyData are where each direction's keys change. The decoder
// hands it each direction's handshake bytes as records bring them; the handshake's own progress (renegotiations,
// resumption, the transcript's bounds) is kept here.
import type { Emit } from '../trace/recorder.ts';
import type { Epoch, NewTraceEvent, Side } from '../trace/types.ts';
import { toHex } from '../util/bytes.ts';
import {
  ExtensionType,
  HT12,
  groupName,
  decodeHandshake,
  digest,
  decodeHandshake12,
  findExtension,
  handshakeName12,
  suite12ByCode,
  IANA_SUITE_NAMES,
  suiteByCode,
  type CertificateVerifier,
  type ClientHello,
  type Extension,
  type ServerHello,
  type SignedForm,
  type VerifyOutcome,
} from './engine.ts';
import { decodeEitherVersion } from './midway.ts';
import { legacyCipherSuite } from './legacy-cipher-suites.ts';
import { dssSuite12 } from './dss-suites.ts';
import { withArticle } from '../util/words.ts';
import { LEGACY_VERSION, type Direction, type Protection, type Undecrypted } from './stream-direction.ts';
import type { CapturedHandshake } from './captured-handshake.ts';
import { checkCertificateVerify, checkFinished12, checkFinished13, checkServerKeyExchange, type SignedMessage } from './handshake-proofs.ts';
import { checkLegacyCertificateVerify, checkLegacyServerKeyExchange } from './legacy-signatures.ts';
import { checkCapturedStaple } from './captured-staple.ts';
import type { KeyLogKeys } from './key-log-keys.ts';
import { versionName, type DecodedSession, type LegacyVersion } from './decoded-session.ts';

const LEGACY_VERSIONS: Record<number, LegacyVersion> = { 0x0302: '1.1', 0x0301: '1.0', 0x0300: 'SSL 3.0' };

/** What the reader shares with the decoder: the directions whose keys it sets, what it learns, where it says so. */
export interface HandshakeContext {
  readonly dirs: Record<Side, Direction>;
  readonly session: DecodedSession;
  readonly hs: CapturedHandshake;
  readonly keys: KeyLogKeys;
  readonly emit: Emit;
  /** Checks the server's chain; none: no certificate checks. */
  readonly verifier?: CertificateVerifier;
  /** The capture time of the stream (certificates are checked at that time). */
  readonly time?: Date;
}

export class HandshakeReader {
  private readonly dirs: Record<Side, Direction>;
  private readonly session: DecodedSession;
  private readonly hs: CapturedHandshake;
  private readonly keys: KeyLogKeys;
  private readonly emitter: Emit;
  private readonly verifier: CertificateVerifier | undefined;
  private readonly time: Date | undefined;
  private offeredSessionId: string | null = null;
  private handshakesDone = 0;
  /** Sides whose Finished was seen in the current TLS 1.2 handshake, in order. */
  private finishedBy: Side[] = [];
  private verified = false;
  /** The server's last chain, and the path its check built (for the stapled OCSP response's issuer). */
  private serverChain: Uint8Array[] = [];
  private serverPath: VerifyOutcome['path'] = [];
  /** Handshake messages after the handshake (TLS 1.3 tickets, KeyUpdate) are not part of it. */
  private transcriptClosed = false;
  /** The last server message was a HelloRetryRequest. */
  private retried = false;

  constructor(ctx: HandshakeContext) {
    this.dirs = ctx.dirs;
    this.session = ctx.session;
    this.hs = ctx.hs;
    this.keys = ctx.keys;
    this.emitter = ctx.emit;
    this.verifier = ctx.verifier;
    this.time = ctx.time;
  }

  private emit(event: NewTraceEvent): number {
    return this.emitter(event);
  }

  /** The whole messages in the direction's handshake bytes (`dir.handshake`), each shown and acted on in turn. */
  async messages(dir: Direction, epoch: Epoch): Promise<void> {
    while (dir.handshake.length >= 4) {
      const length = (dir.handshake[1] << 16) | (dir.handshake[2] << 8) | dir.handshake[3];
      if (dir.handshake.length < 4 + length) return;
      const bytes = dir.handshake.slice(0, 4 + length);
      dir.handshake = dir.handshake.subarray(4 + length);
      const records = dir.handshakeRecords;
      dir.handshakeRecords = dir.handshake.length > 0 ? [records[records.length - 1]] : [];
      let decoded;
      try {
        decoded = this.tls12Like() ? decodeHandshake12(bytes, this.hs.kx, false, this.signedForm()) : this.session.version === '1.3' ? decodeHandshake(bytes) : decodeEitherVersion(bytes);
      } catch (e) {
        const why = this.whyNotDecoded();
        if (why) {
          this.undecodedMessage(dir, epoch, bytes, records, why);
          // Still one of the handshake's messages: the Finished of TLS 1.0 and 1.1 covers it (a HelloRequest never is one).
          if (!this.transcriptClosed && bytes[0] !== HT12.hello_request) this.hs.transcript.push(bytes);
        } else this.emit({ kind: 'error', code: 'DECODE_ERROR', message: `a ${dir.side} handshake message of type ${bytes[0]} (${bytes.length} bytes) does not decode: ${(e as Error).message}` });
        continue;
      }
      this.emit({ kind: 'handshake', direction: dir.side, epoch, msgType: decoded.msgType, name: decoded.name, bytes: toHex(bytes), fields: decoded.fields, records });
      const message = decoded.message as unknown as { type: string } & Record<string, unknown>;
      await this.afterMessage(dir, message);
      if (!this.transcriptClosed && message.type !== 'hello_request') this.hs.transcript.push(bytes);
      if (this.session.version === '1.3' && message.type === 'finished' && dir.side === 'client') this.transcriptClosed = true;
    }
  }

  /** TLS 1.2 or older: the ServerHello chose a version before 1.3. */
  private tls12Like(): boolean {
    return this.session.version !== null && this.session.version !== '1.3';
  }

  /** TLS 1.0 and 1.1 sign without an algorithm field (SSL 3.0 too, but its messages are not read: see whyNotDecoded). */
  private signedForm(): SignedForm {
    return this.session.version === '1.0' || this.session.version === '1.1' ? 'tls10' : 'tls12';
  }

  /** SSL 3.0 to TLS 1.1, when the ServerHello chose one. */
  private legacyVersion(): LegacyVersion | null {
    const v = this.session.version;
    return v === null || v === '1.2' || v === '1.3' ? null : v;
  }

  /**
   * Why a handshake message the codecs do not read is no fault of the capture: SSL 3.0's form (its CertificateVerify
   * is its own), or a suite the engine does not know, whose key exchange messages' form it cannot tell. Null: the
   * message itself is malformed.
   */
  private whyNotDecoded(): string | null {
    if (this.legacyVersion() === 'SSL 3.0') return `it is in SSL 3.0's form (no signature algorithm field), which TLS Lens does not decode`;
    if (this.tls12Like() && !this.hs.kx) return `its form depends on the key exchange of the cipher suite ${this.session.cipherSuite}, which TLS Lens does not know`;
    return null;
  }

  /** A message shown with its bytes and why it is not decoded, not as an error. */
  private undecodedMessage(dir: Direction, epoch: Epoch, bytes: Uint8Array, records: number[], why: string): void {
    const name = handshakeName12(bytes[0]);
    const fields = [{ name: 'body', start: 4, end: bytes.length, value: `${bytes.length - 4} bytes, not decoded` }];
    this.emit({ kind: 'handshake', direction: dir.side, epoch, msgType: bytes[0], name, bytes: toHex(bytes), fields, records });
    this.emit({ kind: 'note', text: `${name}: ${why}; its bytes are shown as they are, and nothing in it is checked` });
  }

  private async afterMessage(dir: Direction, m: { type: string } & Record<string, unknown>): Promise<void> {
    switch (m.type) {
      case 'client_hello': {
        const ch = m as unknown as ClientHello;
        if (this.handshakesDone > 0 && this.tls12Like()) this.session.renegotiations++;
        this.finishedBy = [];
        // A new handshake starts a new transcript, except the ClientHello that answers a HelloRetryRequest.
        if (!this.retried) this.hs.transcript = [];
        this.retried = false;
        this.transcriptClosed = false;
        const sameRandom = this.hs.clientRandom && toHex(this.hs.clientRandom) === toHex(ch.random);
        if (!sameRandom) this.hs.clientRandom = ch.random;
        this.hs.clientHello = ch;
        this.hs.requestedSchemes = null;
        this.session.clientRandom ??= toHex(ch.random);
        const sni = findExtension(ch.extensions, ExtensionType.server_name)?.hostName;
        if (sni && !this.session.serverName) this.session.serverName = sni;
        this.offeredSessionId = ch.sessionId.length ? toHex(ch.sessionId) : null;
        if (findExtension(ch.extensions, ExtensionType.early_data) !== undefined && dir.side === 'client') await this.keys.early(dir, ch);
        return;
      }
      case 'server_hello':
        return this.serverHello(m as unknown as ServerHello);
      case 'certificate':
      case 'certificate12': {
        const entries = m.type === 'certificate' ? (m.entries as { certData: Uint8Array; extensions: Extension[] }[]) : null;
        const chain = entries ? entries.map((e) => e.certData) : (m.chain as Uint8Array[]);
        if (chain[0]) this.hs.leaf[dir.side] = chain[0];
        this.hs.chain[dir.side] = { sent: chain };
        if (dir.side !== 'server' || !this.verifier) return;
        this.serverChain = chain;
        if (!this.verified) {
          this.verified = true;
          const outcome = await this.verifier.verify({ chain, serverName: this.session.serverName ?? undefined, purpose: 'server', now: this.certificateTime(), emit: (e) => void this.emit(e) });
          this.serverPath = outcome.path;
        }
        this.hs.chain.server = { sent: chain, built: this.serverPath };
        // TLS 1.3 (RFC 8446 §4.4.2.1): the leaf's OCSP response rides in its entry; one for another certificate is named, not checked (as the live client does).
        const staple = entries?.[0] ? findExtension(entries[0].extensions, ExtensionType.status_request)?.ocspResponse : undefined;
        entries?.slice(1).forEach((e, i) => {
          if (findExtension(e.extensions, ExtensionType.status_request)) this.emit({ kind: 'note', text: `certificate ${i + 2} of the chain as sent (counted from the leaf, 1) carries an OCSP response too; only the leaf's is checked` });
        });
        if (staple) await this.stapled(staple);
        return;
      }
      case 'certificate_status':
        // TLS 1.2 and older (RFC 6066 §8): the CertificateStatus right after the server's Certificate.
        if (dir.side === 'server' && this.verifier && this.serverChain.length > 0) await this.stapled(m.ocspResponse as Uint8Array);
        return;
      case 'encrypted_extensions': {
        const alpn = findExtension(m.extensions as Extension[], ExtensionType.alpn)?.protocols?.[0];
        if (alpn) this.session.alpn = alpn;
        return;
      }
      case 'certificate_request12':
        this.hs.requestedSchemes = m.schemes as number[];
        return;
      case 'certificate_request':
        this.hs.requestedSchemes = findExtension(m.extensions as Extension[], ExtensionType.signature_algorithms)?.schemes ?? [];
        return;
      case 'certificate_verify':
      case 'certificate_verify12':
        return checkCertificateVerify(this.hs, this.emitter, dir.side, m as unknown as SignedMessage);
      case 'certificate_verify10':
        return checkLegacyCertificateVerify(this.hs, this.emitter, dir.side, m as unknown as { signature: Uint8Array });
      case 'finished':
        await checkFinished13(this.hs, this.emitter, dir.side, m.verifyData as Uint8Array);
        return this.finished13(dir);
      case 'finished12':
        await checkFinished12(this.hs, this.emitter, dir.side, m.verifyData as Uint8Array);
        // An abbreviated (resumed) handshake: the server's Finished comes first.
        if (this.finishedBy.length === 0 && dir.side === 'server' && this.handshakesDone === 0) this.session.resumed = true;
        this.finishedBy.push(dir.side);
        if (this.finishedBy.length === 2) this.handshakesDone++;
        return;
      case 'server_key_exchange':
        if (m.group !== undefined && !this.session.group) this.session.group = groupName(m.group as number);
        return checkServerKeyExchange(this.hs, this.emitter, m as unknown as { params: Uint8Array; scheme: number; signature: Uint8Array });
      case 'server_key_exchange10':
        if (m.group !== undefined && !this.session.group) this.session.group = groupName(m.group as number);
        return checkLegacyServerKeyExchange(this.hs, this.emitter, m as unknown as { params: Uint8Array; signature: Uint8Array });
      case 'key_update':
        return this.keyUpdate(dir);
      case 'end_of_early_data':
        switchAfterEarlyData(dir, this.session.undecrypted);
        return;
      default:
        return;
    }
  }

  /** The time the capture checks certificates at: the stream's capture time (today's only for bytes without one). */
  private certificateTime(): Date {
    return this.time ?? new Date();
  }

  /** The server's stapled OCSP response for its leaf, checked against the last chain it sent (captured-staple.ts). */
  private stapled(response: Uint8Array): Promise<void> {
    return checkCapturedStaple({ verifier: this.verifier!, emit: this.emitter, chain: this.serverChain, path: this.serverPath, response, now: this.certificateTime() });
  }

  // ---------- the hellos, Finished and KeyUpdate: where each direction's keys change ----------

  private async serverHello(sh: ServerHello): Promise<void> {
    if (sh.isHelloRetryRequest) {
      this.session.helloRetryRequest = true;
      this.retried = true;
      // RFC 8446 §4.4.1: the first ClientHello is replaced in the transcript by message_hash (254) || length || Hash(CH1).
      const suite = suiteByCode(sh.cipherSuite);
      if (suite && this.hs.transcript.length === 1) {
        const h = await digest(suite.hash, this.hs.transcript[0]);
        this.hs.transcript = [Uint8Array.of(254, 0, 0, h.length, ...h)];
      }
      this.emit({ kind: 'note', text: 'HelloRetryRequest: the server asks for a new ClientHello (another key share group)' });
      return;
    }
    const selected = findExtension(sh.extensions, ExtensionType.supported_versions)?.selectedVersion;
    this.hs.serverRandom = sh.random;
    // Without the ClientHello (the capture began later, or lost or cut it) the version, suite and what is
    // encrypted from here on are still known: the keys say why they are missing (key-log-keys.ts).
    const random = this.hs.clientRandom;
    if (selected === 0x0304) {
      this.session.version = '1.3';
      const suite = suiteByCode(sh.cipherSuite) ?? null;
      this.hs.suite13 = suite;
      this.session.cipherSuite = suiteNameOf(sh.cipherSuite, suite);
      const share = findExtension(sh.extensions, ExtensionType.key_share)?.share;
      if (share) this.session.group = groupName(share.group);
      this.session.resumed = findExtension(sh.extensions, ExtensionType.pre_shared_key) !== undefined;
      this.dirs.server.epoch = 'handshake';
      this.dirs.server.protection = await this.keys.traffic13(this.dirs.server, 'handshake', 'SERVER_HANDSHAKE_TRAFFIC_SECRET');
      this.dirs.server.seq = 0;
      const client = this.dirs.client;
      const clientKeys = await this.keys.traffic13(client, 'handshake', 'CLIENT_HANDSHAKE_TRAFFIC_SECRET');
      if (client.epoch === 'early') {
        // Early data goes on under the early keys until the client's EndOfEarlyData.
        client.after0rtt = { protection: clientKeys, epoch: 'handshake' };
        return;
      }
      client.epoch = 'handshake';
      client.protection = clientKeys;
      client.seq = 0;
      return;
    }
    if (LEGACY_VERSIONS[sh.legacyVersion]) return this.legacyServerHello(sh, LEGACY_VERSIONS[sh.legacyVersion]);
    // TLS 1.2 (suites the engine lacks are shown, not decrypted).
    this.session.version = '1.2';
    const suite = this.serverHello12(sh);
    const pending = await this.keys.both12(suite, random, sh.random);
    this.dirs.client.pending12 = pending.client;
    this.dirs.server.pending12 = pending.server;
  }

  /**
   * What a TLS 1.2 (or older) ServerHello says besides the keys: the suite, encrypt-then-MAC (RFC 7366: both hellos
   * name it) and whether the session is resumed.
   */
  private serverHello12(sh: ServerHello) {
    // DHE_DSS suites: their DHE_RSA twin's records and messages (dss-suites.ts).
    const suite = suite12ByCode(sh.cipherSuite) ?? dssSuite12(sh.cipherSuite) ?? null;
    // RC4 and 3DES suites: not the engine's, decrypted by the capture's own protectors (legacy-cipher-suites.ts).
    this.hs.legacyCipher = suite ? null : (legacyCipherSuite(sh.cipherSuite) ?? null);
    this.hs.kx = suite?.kx ?? this.hs.legacyCipher?.kx;
    this.hs.suiteCode = sh.cipherSuite;
    this.session.cipherSuite = suiteNameOf(sh.cipherSuite, suite);
    const clientEtm = this.hs.clientHello ? findExtension(this.hs.clientHello.extensions, ExtensionType.encrypt_then_mac) !== undefined : false;
    this.hs.etm = clientEtm && findExtension(sh.extensions, ExtensionType.encrypt_then_mac) !== undefined;
    const echoed = sh.sessionIdEcho.length ? toHex(sh.sessionIdEcho) : null;
    // Resumed: the server echoes the offered session id (or, with a ticket, goes straight to ChangeCipherSpec; seen later).
    if (this.handshakesDone === 0 && echoed !== null && echoed === this.offeredSessionId) this.session.resumed = true;
    return suite;
  }

  /**
   * SSL 3.0 to TLS 1.1: named, and their messages shown as far as TLS 1.2's codecs read them. TLS 1.0 and 1.1's
   * records after ChangeCipherSpec are opened with their own PRF and key block (AES-CBC and 3DES suites:
   * legacy-cbc-protector.ts; RC4: rc4-protector.ts); SSL 3.0's stay encrypted, saying why (its MAC and key
   * derivation are its own: keys made as TLS's would fail and read as a wrong key log).
   */
  private async legacyServerHello(sh: ServerHello, version: LegacyVersion): Promise<void> {
    this.session.version = version;
    const suite = this.serverHello12(sh);
    if (version !== 'SSL 3.0') {
      const pending = await this.keys.bothLegacy(suite, version === '1.0' ? 0x0301 : 0x0302, this.hs.clientRandom, sh.random);
      this.dirs.client.pending12 = pending.client;
      this.dirs.server.pending12 = pending.server;
      if (suite && suite.cipher !== 'AES-CBC') this.emit({ kind: 'note', text: `the server chose ${suite.name} in ${versionName(version)}, a suite only TLS 1.2 defines: its records are not decrypted` });
      return;
    }
    const random = this.hs.clientRandom ? toHex(this.hs.clientRandom) : '(client random unknown)';
    const missing: Protection = { state: 'missing', needs: `CLIENT_RANDOM ${random}`, reason: LEGACY_VERSION };
    this.dirs.client.pending12 = missing;
    this.dirs.server.pending12 = missing;
    this.emit({ kind: 'note', text: `the server chose ${versionName(version)}: its handshake is shown, but its encrypted records are not decrypted (TLS Lens decrypts TLS 1.0 to 1.3)` });
  }

  private async finished13(dir: Direction): Promise<void> {
    if (this.session.version !== '1.3') return;
    // Each side's Finished is the last message under its handshake keys.
    const label = `${dir.side.toUpperCase()}_TRAFFIC_SECRET_0`;
    dir.epoch = 'application';
    dir.generation = 0;
    if (dir.protection.state === 'missing' && dir.protection.reason === 'the key did not decrypt') return;
    dir.protection = await this.keys.traffic13(dir, 'application', label);
    dir.seq = 0;
    if (dir.side === 'client') this.handshakesDone++;
  }

  private async keyUpdate(dir: Direction): Promise<void> {
    this.session.keyUpdates++;
    dir.generation++;
    await this.keys.afterKeyUpdate(dir);
  }
}

/**
 * TLS 1.3 with early data: the client's handshake keys take over from its early ones (at its EndOfEarlyData, or at
 * the first record they open); what stayed encrypted under the early keys is counted into `undecrypted`.
 */
export function switchAfterEarlyData(dir: Direction, undecrypted: Undecrypted[]): void {
  if (!dir.after0rtt) return;
  if (dir.undecrypted) undecrypted.push(dir.undecrypted);
  dir.undecrypted = null;
  dir.protection = dir.after0rtt.protection;
  dir.epoch = dir.after0rtt.epoch;
  dir.after0rtt = null;
  dir.seq = 0;
  dir.opaqueSeq = 0;
}

/** The handshake message a direction's leftover bytes begin, in words: "a Certificate (512 of 809 bytes)". */
export function partialMessage(bytes: Uint8Array): string {
  if (bytes.length < 4) return `a message header (${bytes.length} of its 4 bytes)`;
  const length = (bytes[1] << 16) | (bytes[2] << 8) | bytes[3];
  return `${withArticle(handshakeName12(bytes[0]))} message (${bytes.length - 4} of its ${length} bytes)`;
}

/** The chosen suite as the session shows it: the engine's name, else its IANA name (a suite TLS Lens does not run), else its code. */
function suiteNameOf(code: number, suite: { name: string } | null | undefined): string {
  return suite?.name ?? IANA_SUITE_NAMES[code] ?? `0x${code.toString(16).padStart(4, '0')}`;
}
