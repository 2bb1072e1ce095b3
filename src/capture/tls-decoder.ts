// Decodes the TLS inside one reassembled TCP stream into trace events, with the engine's own codecs and record
// protectors, so a captured session reads like a live one. Keys come from an NSS key log; without them, what is
// in clear is decoded and each encrypted record is shown as such, naming the key log line that would open it.
// A key that does not open its records is reported, never skipped silently.
import type { Emit } from '../trace/recorder.ts';
import { lazyHex, lazyHexOfPart } from '../trace/lazy-hex.ts';
import type { Epoch, NewTraceEvent, RecordEvent, Side } from '../trace/types.ts';
import { toHex } from '../util/bytes.ts';
import {
  ContentType,
  ExtensionType,
  HT12,
  groupName,
  MasterStage12,
  RECORD_HEADER_LENGTH,
  Tls12AeadProtector,
  Tls12CbcProtector,
  Tls13RecordProtector,
  alertName,
  decodeHandshake,
  decodeHandshake12,
  findExtension,
  hashLength,
  hkdfExpandLabel,
  plaintextRecordFields,
  protectedRecordFields,
  protectionJson,
  suite12ByCode,
  suiteByCode,
  type CertificateVerifier,
  type ClientHello,
  type Extension,
  type KeyExchange12,
  type ProtectionDetails,
  type RecordProtector,
  type ServerHello,
  type Tls12Suite,
  type Tls13Suite,
} from './engine.ts';
import type { KeyLog, KeyLogSecret } from './keylog.ts';
import type { StreamChunk } from './tcp-reassembly.ts';

/** Records that stayed encrypted, and why. */
export interface Undecrypted {
  direction: Side;
  epoch: Epoch;
  records: number;
  /** The key log line (label and client random) that would open them. */
  needs: string;
  reason: 'no key in the key log' | 'the key did not decrypt' | 'records were lost before them';
}

/** What the decoder learnt, for summaries (CLI --json, stream list). */
export interface DecodedSession {
  version: '1.3' | '1.2' | null;
  cipherSuite: string | null;
  serverName: string | null;
  alpn: string | null;
  group: string | null;
  helloRetryRequest: boolean;
  resumed: boolean;
  renegotiations: number;
  keyUpdates: number;
  clientRandom: string | null;
  undecrypted: Undecrypted[];
  /** Key log lines used, by number. */
  keyLogLinesUsed: number[];
}

export interface TlsDecodeOptions {
  keyLog: KeyLog;
  emit: Emit;
  /** Checks the server's chain (the x509 module's verifier); none: no certificate checks. */
  verifier?: CertificateVerifier;
  /** The capture time of the stream (certificates are checked at that time). */
  time?: Date;
}

type Protection =
  | { state: 'none' }
  | { state: 'keys'; protector: RecordProtector }
  | { state: 'missing'; needs: string; reason: Undecrypted['reason'] };

interface Direction {
  side: Side;
  buffer: Uint8Array;
  /** Stop framing this direction (bytes that are not TLS records). */
  stopped: boolean;
  epoch: Epoch;
  protection: Protection;
  /** TLS 1.2: the protection that starts with this side's next ChangeCipherSpec. */
  pending12: Protection | null;
  plaintextSeq: number;
  /** Sequence numbers of records we cannot open (counted so the trace still numbers them). */
  opaqueSeq: number;
  handshake: Uint8Array;
  handshakeRecords: number[];
  /** TLS 1.3: current application traffic secret and its generation (for KeyUpdate). */
  trafficSecret: Uint8Array | null;
  generation: number;
  undecrypted: Undecrypted | null;
  /** After a gap: look for the next record header. */
  resync: boolean;
}

const EMPTY = new Uint8Array(0);

function join(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function newDirection(side: Side): Direction {
  return {
    side,
    buffer: EMPTY,
    stopped: false,
    epoch: 'plaintext',
    protection: { state: 'none' },
    pending12: null,
    plaintextSeq: 0,
    opaqueSeq: 0,
    handshake: EMPTY,
    handshakeRecords: [],
    trafficSecret: null,
    generation: 0,
    undecrypted: null,
    resync: false,
  };
}

/** A plausible TLS record header: known content type, TLS 1.x version, a length within limits. */
export function looksLikeRecordHeader(b: Uint8Array, at = 0): boolean {
  if (b.length < at + 5) return false;
  const type = b[at];
  const length = (b[at + 3] << 8) | b[at + 4];
  return type >= 20 && type <= 24 && b[at + 1] === 3 && b[at + 2] >= 0 && b[at + 2] <= 4 && length <= (1 << 14) + 2048;
}

export class TlsStreamDecoder {
  private dirs: Record<Side, Direction> = { client: newDirection('client'), server: newDirection('server') };
  readonly session: DecodedSession = {
    version: null,
    cipherSuite: null,
    serverName: null,
    alpn: null,
    group: null,
    helloRetryRequest: false,
    resumed: false,
    renegotiations: 0,
    keyUpdates: 0,
    clientRandom: null,
    undecrypted: [],
    keyLogLinesUsed: [],
  };
  private clientHello: ClientHello | null = null;
  private clientRandom: Uint8Array | null = null;
  private serverRandom: Uint8Array | null = null;
  private suite13: Tls13Suite | null = null;
  private suite12: Tls12Suite | null = null;
  private kx: KeyExchange12 | undefined;
  private offeredSessionId: string | null = null;
  private etm = false;
  private handshakesDone = 0;
  /** Sides whose Finished was seen in the current TLS 1.2 handshake, in order. */
  private finishedBy: Side[] = [];
  private verified = false;

  constructor(private readonly options: TlsDecodeOptions) {}

  /** Feed the stream's data in capture order (both directions interleaved). */
  async feed(chunk: StreamChunk): Promise<void> {
    const dir = this.dirs[chunk.direction];
    if ('gap' in chunk) {
      this.emit({ kind: 'error', code: 'CAPTURE_GAP', message: `${chunk.gap} bytes from the ${chunk.direction} are missing from the capture here: what follows is read from the next record boundary found, and records under keys are not opened after the gap` });
      dir.buffer = EMPTY;
      dir.handshake = EMPTY;
      dir.handshakeRecords = [];
      if (dir.protection.state === 'keys') dir.protection = { state: 'missing', needs: this.lineFor(dir.side, dir.epoch), reason: 'records were lost before them' };
      dir.resync = true;
      return;
    }
    if (dir.stopped) return;
    dir.buffer = join(dir.buffer, chunk.bytes);
    await this.drain(dir);
  }

  /** The end of the stream: say what was left unfinished. */
  finish(): DecodedSession {
    for (const dir of Object.values(this.dirs)) {
      if (dir.buffer.length > 0 && !dir.stopped) {
        this.emit({ kind: 'error', code: 'TRUNCATED_RECORD', message: `the ${dir.side}'s data ends in the middle of a record (${dir.buffer.length} bytes left over)` });
      }
      if (dir.undecrypted) this.session.undecrypted.push(dir.undecrypted);
    }
    this.session.keyLogLinesUsed.sort((a, b) => a - b);
    return this.session;
  }

  private emit(event: NewTraceEvent): number {
    return this.options.emit(event);
  }

  private async drain(dir: Direction): Promise<void> {
    for (;;) {
      if (dir.resync) {
        // After a gap: find the next place that looks like a record header.
        let at = 0;
        while (at + 5 <= dir.buffer.length && !looksLikeRecordHeader(dir.buffer, at)) at++;
        if (at + 5 > dir.buffer.length) {
          dir.buffer = dir.buffer.subarray(Math.max(0, dir.buffer.length - 4));
          return;
        }
        dir.buffer = dir.buffer.subarray(at);
        dir.resync = false;
      }
      if (dir.buffer.length < RECORD_HEADER_LENGTH) return;
      if (!looksLikeRecordHeader(dir.buffer)) {
        const head = toHex(dir.buffer.subarray(0, 5));
        this.emit({ kind: 'error', code: 'NOT_TLS', message: `the ${dir.side}'s bytes stop looking like TLS records here (header ${head}); the rest of this direction is not decoded` });
        dir.stopped = true;
        return;
      }
      const length = (dir.buffer[3] << 8) | dir.buffer[4];
      if (dir.buffer.length < RECORD_HEADER_LENGTH + length) return;
      const bytes = dir.buffer.subarray(0, RECORD_HEADER_LENGTH + length);
      dir.buffer = dir.buffer.subarray(RECORD_HEADER_LENGTH + length);
      await this.record(dir, bytes);
    }
  }

  // ---------- records ----------

  private isProtected(dir: Direction, contentType: number): boolean {
    if (dir.protection.state === 'none') return false;
    // TLS 1.3 protects every record as application_data; a change_cipher_spec (or a plaintext alert) is in clear.
    if (this.session.version === '1.3') return contentType === ContentType.application_data;
    return true;
  }

  private async record(dir: Direction, bytes: Uint8Array): Promise<void> {
    const contentType = bytes[0];
    const raw = { contentType, version: (bytes[1] << 8) | bytes[2], bytes, fragment: bytes.subarray(RECORD_HEADER_LENGTH) };
    if (!this.isProtected(dir, contentType)) {
      const index = this.recordEvent(dir.side, 'plaintext', dir.plaintextSeq++, bytes, plaintextRecordFields(bytes));
      await this.content(dir, contentType, raw.fragment, index, 'plaintext');
      return;
    }
    const protection = dir.protection;
    if (protection.state === 'keys') {
      try {
        const opened = await protection.protector.decrypt(raw);
        const index = this.recordEvent(dir.side, dir.epoch, Number(opened.seq), bytes, protectedRecordFields(bytes, opened.details.tag.length), opened.details);
        await this.content(dir, opened.contentType, opened.fragment, index, dir.epoch);
        return;
      } catch (e) {
        const needs = this.lineFor(dir.side, dir.epoch);
        this.emit({ kind: 'error', code: 'KEY_DOES_NOT_DECRYPT', message: `${dir.side} record ${Number(protection.protector.nextSeq) - 1} (${dir.epoch} keys, ${protection.protector.cipherSuite}) does not decrypt with the key log's ${needs}: ${(e as Error).message}. It and the rest of this direction stay encrypted.` });
        dir.protection = { state: 'missing', needs, reason: 'the key did not decrypt' };
        dir.opaqueSeq = Number(protection.protector.nextSeq) - 1;
      }
    }
    // Encrypted and we cannot open it: show it as such, once saying which key log line would.
    const missing = dir.protection as Extract<Protection, { state: 'missing' }>;
    const fields = protectedRecordFields(bytes, this.session.version === '1.3' || contentType === ContentType.application_data ? 16 : 0);
    const index = this.recordEvent(dir.side, dir.epoch, dir.opaqueSeq++, bytes, fields);
    if (!dir.undecrypted || dir.undecrypted.epoch !== dir.epoch || dir.undecrypted.needs !== missing.needs) {
      if (dir.undecrypted) this.session.undecrypted.push(dir.undecrypted);
      dir.undecrypted = { direction: dir.side, epoch: dir.epoch, records: 0, needs: missing.needs, reason: missing.reason };
      if (missing.reason === 'no key in the key log') {
        this.emit({ kind: 'note', text: `encrypted ${dir.side} records (${dir.epoch} keys) from record #${index} on: the key log line ${missing.needs} would open them` });
      }
    }
    dir.undecrypted.records++;
  }

  private recordEvent(direction: Side, epoch: Epoch, seq: number, bytes: Uint8Array, fields: RecordEvent['fields'], details?: ProtectionDetails): number {
    const hex = lazyHex(bytes);
    const event: Omit<RecordEvent, 'index' | 't' | 'conn'> = {
      kind: 'record',
      direction,
      epoch,
      seq,
      contentType: bytes[0],
      get bytes() {
        return hex();
      },
      fields,
    };
    if (details) {
      const ciphertext = lazyHexOfPart(details.ciphertext, bytes, hex);
      const plaintext = lazyHexOfPart(details.plaintext, bytes, hex);
      event.protection = protectionJson(details, ciphertext, plaintext);
    }
    return this.emit(event);
  }

  private async content(dir: Direction, contentType: number, fragment: Uint8Array, record: number, epoch: Epoch): Promise<void> {
    switch (contentType) {
      case ContentType.change_cipher_spec:
        // TLS 1.2: ChangeCipherSpec (in clear, or under the old keys in a renegotiation) switches this side to the
        // keys just negotiated.
        if (this.session.version !== '1.3' && dir.pending12) {
          dir.protection = dir.pending12;
          dir.pending12 = null;
          dir.epoch = 'application';
          dir.opaqueSeq = 0;
        }
        return;
      case ContentType.handshake:
        dir.handshake = join(dir.handshake, fragment);
        dir.handshakeRecords.push(record);
        await this.handshakeMessages(dir, epoch);
        return;
      case ContentType.alert:
        for (let i = 0; i + 1 < fragment.length; i += 2) {
          this.emit({ kind: 'alert', direction: dir.side, level: fragment[i] === 2 ? 'fatal' : 'warning', description: fragment[i + 1], name: alertName(fragment[i + 1]), record });
        }
        return;
      case ContentType.application_data: {
        const data = fragment;
        const hex = lazyHex(data);
        this.emit({
          kind: 'app-data',
          direction: dir.side,
          get bytes() {
            return hex();
          },
          record,
        });
        return;
      }
      default:
        return;
    }
  }

  // ---------- handshake ----------

  private async handshakeMessages(dir: Direction, epoch: Epoch): Promise<void> {
    while (dir.handshake.length >= 4) {
      const length = (dir.handshake[1] << 16) | (dir.handshake[2] << 8) | dir.handshake[3];
      if (dir.handshake.length < 4 + length) return;
      const bytes = dir.handshake.slice(0, 4 + length);
      dir.handshake = dir.handshake.subarray(4 + length);
      const records = dir.handshakeRecords;
      dir.handshakeRecords = dir.handshake.length > 0 ? [records[records.length - 1]] : [];
      let decoded;
      try {
        decoded = this.session.version === '1.2' ? decodeHandshake12(bytes, this.kx) : decodeHandshake(bytes);
      } catch (e) {
        this.emit({ kind: 'error', code: 'DECODE_ERROR', message: `a ${dir.side} handshake message of type ${bytes[0]} (${bytes.length} bytes) does not decode: ${(e as Error).message}` });
        continue;
      }
      this.emit({ kind: 'handshake', direction: dir.side, epoch, msgType: decoded.msgType, name: decoded.name, bytes: toHex(bytes), fields: decoded.fields, records });
      await this.afterMessage(dir, decoded.message as unknown as { type: string } & Record<string, unknown>);
    }
  }

  private async afterMessage(dir: Direction, m: { type: string } & Record<string, unknown>): Promise<void> {
    switch (m.type) {
      case 'client_hello': {
        const ch = m as unknown as ClientHello;
        if (this.handshakesDone > 0 && this.session.version === '1.2') this.session.renegotiations++;
        this.finishedBy = [];
        const sameRandom = this.clientRandom && toHex(this.clientRandom) === toHex(ch.random);
        if (!sameRandom) this.clientRandom = ch.random;
        this.clientHello = ch;
        this.session.clientRandom ??= toHex(ch.random);
        const sni = findExtension(ch.extensions, ExtensionType.server_name)?.hostName;
        if (sni && !this.session.serverName) this.session.serverName = sni;
        this.offeredSessionId = ch.sessionId.length ? toHex(ch.sessionId) : null;
        return;
      }
      case 'server_hello':
        return this.serverHello(m as unknown as ServerHello);
      case 'certificate':
      case 'certificate12': {
        if (dir.side !== 'server' || this.verified || !this.options.verifier) return;
        const chain = m.type === 'certificate' ? (m.entries as { certData: Uint8Array }[]).map((e) => e.certData) : (m.chain as Uint8Array[]);
        this.verified = true;
        await this.options.verifier.verify({ chain, serverName: this.session.serverName ?? undefined, purpose: 'server', now: this.options.time ?? new Date(), emit: (e) => void this.emit(e) });
        return;
      }
      case 'encrypted_extensions': {
        const alpn = findExtension(m.extensions as Extension[], ExtensionType.alpn)?.protocols?.[0];
        if (alpn) this.session.alpn = alpn;
        return;
      }
      case 'finished':
        return this.finished13(dir);
      case 'finished12':
        // An abbreviated (resumed) handshake: the server's Finished comes first.
        if (this.finishedBy.length === 0 && dir.side === 'server' && this.handshakesDone === 0) this.session.resumed = true;
        this.finishedBy.push(dir.side);
        if (this.finishedBy.length === 2) this.handshakesDone++;
        return;
      case 'server_key_exchange':
        if (m.group !== undefined && !this.session.group) this.session.group = groupName(m.group as number);
        return;
      case 'key_update':
        return this.keyUpdate(dir);
      default:
        return;
    }
  }

  private async serverHello(sh: ServerHello): Promise<void> {
    if (sh.isHelloRetryRequest) {
      this.session.helloRetryRequest = true;
      this.emit({ kind: 'note', text: 'HelloRetryRequest: the server asks for a new ClientHello (another key share group)' });
      return;
    }
    const selected = findExtension(sh.extensions, ExtensionType.supported_versions)?.selectedVersion;
    this.serverRandom = sh.random;
    const random = this.clientRandom;
    if (!random) return;
    if (selected === 0x0304) {
      this.session.version = '1.3';
      const suite = suiteByCode(sh.cipherSuite) ?? null;
      this.suite13 = suite;
      this.session.cipherSuite = suite?.name ?? `0x${sh.cipherSuite.toString(16).padStart(4, '0')}`;
      const share = findExtension(sh.extensions, ExtensionType.key_share)?.share;
      if (share) this.session.group = groupName(share.group);
      this.session.resumed = findExtension(sh.extensions, ExtensionType.pre_shared_key) !== undefined;
      this.dirs.server.epoch = 'handshake';
      this.dirs.client.epoch = 'handshake';
      this.dirs.server.protection = await this.keys13('server', 'handshake', 'SERVER_HANDSHAKE_TRAFFIC_SECRET');
      this.dirs.client.protection = await this.keys13('client', 'handshake', 'CLIENT_HANDSHAKE_TRAFFIC_SECRET');
      return;
    }
    // TLS 1.2 (or older, shown but not decrypted by suites the engine lacks).
    this.session.version = '1.2';
    const suite = suite12ByCode(sh.cipherSuite) ?? null;
    this.suite12 = suite;
    this.kx = suite?.kx;
    this.session.cipherSuite = suite?.name ?? `0x${sh.cipherSuite.toString(16).padStart(4, '0')}`;
    const echoed = sh.sessionIdEcho.length ? toHex(sh.sessionIdEcho) : null;
    // Resumed: the server echoes the offered session id (or, with a ticket, goes straight to ChangeCipherSpec; seen later).
    if (this.handshakesDone === 0 && echoed !== null && echoed === this.offeredSessionId) this.session.resumed = true;
    const clientEtm = this.clientHello ? findExtension(this.clientHello.extensions, ExtensionType.encrypt_then_mac) !== undefined : false;
    this.etm = clientEtm && findExtension(sh.extensions, ExtensionType.encrypt_then_mac) !== undefined;
    const keys = await this.keys12(suite, random, sh.random);
    this.dirs.client.pending12 = keys.client;
    this.dirs.server.pending12 = keys.server;
  }

  private lineFor(side: Side, epoch: Epoch): string {
    const random = this.clientRandom ? toHex(this.clientRandom) : '(client random unknown)';
    if (this.session.version !== '1.3') return `CLIENT_RANDOM ${random}`;
    const dir = this.dirs[side];
    const label = epoch === 'handshake' ? `${side.toUpperCase()}_HANDSHAKE_TRAFFIC_SECRET` : `${side.toUpperCase()}_TRAFFIC_SECRET_${dir.generation}`;
    return `${label} ${random}`;
  }

  private secret(label: string): KeyLogSecret | undefined {
    if (!this.clientRandom) return undefined;
    const found = this.options.keyLog.byRandom.get(toHex(this.clientRandom))?.get(label);
    if (found && !this.session.keyLogLinesUsed.includes(found.line)) this.session.keyLogLinesUsed.push(found.line);
    return found;
  }

  private reportSecret(name: string, s: KeyLogSecret, hash: string): void {
    this.emit({ kind: 'key', op: 'key log', name, label: `key log line ${s.line}: ${s.label}`, inputs: [{ name: 'client_random', value: toHex(this.clientRandom!) }], output: toHex(s.secret), hash });
  }

  /** TLS 1.3: a direction's protection from a traffic secret in the key log (or given). */
  private async keys13(side: Side, epoch: Epoch, label: string, given?: Uint8Array): Promise<Protection> {
    const random = toHex(this.clientRandom!);
    const suite = this.suite13;
    if (!suite) return { state: 'missing', needs: `${label} ${random}`, reason: 'no key in the key log' };
    let secret = given;
    if (!secret) {
      const s = this.secret(label);
      if (!s) return { state: 'missing', needs: `${label} ${random}`, reason: 'no key in the key log' };
      const names: Record<string, string> = {
        CLIENT_HANDSHAKE_TRAFFIC_SECRET: 'client_handshake_traffic_secret',
        SERVER_HANDSHAKE_TRAFFIC_SECRET: 'server_handshake_traffic_secret',
        CLIENT_TRAFFIC_SECRET_0: 'client_application_traffic_secret_0',
        SERVER_TRAFFIC_SECRET_0: 'server_application_traffic_secret_0',
      };
      this.reportSecret(names[label] ?? label.toLowerCase(), s, suite.hash);
      secret = s.secret;
    }
    if (epoch === 'application') this.dirs[side].trafficSecret = secret;
    const empty = new Uint8Array(0);
    const who = `${side}_${epoch === 'handshake' ? 'handshake' : 'application'}`;
    const key = await hkdfExpandLabel(suite.hash, secret, 'key', empty, suite.keyLength);
    const iv = await hkdfExpandLabel(suite.hash, secret, 'iv', empty, suite.ivLength);
    for (const [name, lbl, out] of [[`${who}_write_key`, 'key', key], [`${who}_write_iv`, 'iv', iv]] as const) {
      this.emit({ kind: 'key', op: 'HKDF-Expand-Label', name, label: lbl, context: '', inputs: [{ name: 'traffic_secret', value: toHex(secret) }], output: toHex(out), hash: suite.hash });
    }
    return { state: 'keys', protector: await Tls13RecordProtector.create(suite, key, iv, epoch) };
  }

  private async finished13(dir: Direction): Promise<void> {
    if (this.session.version !== '1.3') return;
    // Each side's Finished is the last message under its handshake keys.
    const label = `${dir.side.toUpperCase()}_TRAFFIC_SECRET_0`;
    dir.epoch = 'application';
    dir.generation = 0;
    if (dir.protection.state === 'missing' && dir.protection.reason === 'the key did not decrypt') return;
    dir.protection = await this.keys13(dir.side, 'application', label);
    if (dir.side === 'client') this.handshakesDone++;
  }

  private async keyUpdate(dir: Direction): Promise<void> {
    this.session.keyUpdates++;
    dir.generation++;
    const label = `${dir.side.toUpperCase()}_TRAFFIC_SECRET_${dir.generation}`;
    const logged = this.secret(label);
    if (logged) {
      this.reportSecret(`${dir.side}_application_traffic_secret_${dir.generation}`, logged, this.suite13?.hash ?? 'SHA-256');
      dir.protection = await this.keys13(dir.side, 'application', label, logged.secret);
      return;
    }
    if (!dir.trafficSecret || !this.suite13 || dir.protection.state !== 'keys') {
      dir.protection = { state: 'missing', needs: `${label} ${toHex(this.clientRandom!)}`, reason: 'no key in the key log' };
      return;
    }
    // RFC 8446 §7.2: application_traffic_secret_N+1 = HKDF-Expand-Label(secret_N, "traffic upd", "", Hash.length).
    const hash = this.suite13.hash;
    const next = await hkdfExpandLabel(hash, dir.trafficSecret, 'traffic upd', new Uint8Array(0), hashLength(hash));
    this.emit({ kind: 'key', op: 'HKDF-Expand-Label', name: `${dir.side}_next_application_traffic_secret`, label: 'traffic upd', context: '', inputs: [{ name: 'application_traffic_secret', value: toHex(dir.trafficSecret) }], output: toHex(next), hash });
    dir.protection = await this.keys13(dir.side, 'application', label, next);
  }

  /** TLS 1.2: both directions' protection from the CLIENT_RANDOM master secret. */
  private async keys12(suite: Tls12Suite | null, clientRandom: Uint8Array, serverRandom: Uint8Array): Promise<{ client: Protection; server: Protection }> {
    const needs = `CLIENT_RANDOM ${toHex(clientRandom)}`;
    const master = this.secret('CLIENT_RANDOM');
    if (!suite || !master) {
      const missing: Protection = { state: 'missing', needs, reason: 'no key in the key log' };
      return { client: missing, server: missing };
    }
    this.reportSecret('master_secret', master, suite.prfHash);
    const schedule = MasterStage12.fromKeyLog(suite.prfHash, master.secret, (e) => this.emit(e));
    const block = await schedule.keyBlock(suite, clientRandom, serverRandom);
    const make = async (macKey: Uint8Array, key: Uint8Array, iv: Uint8Array): Promise<Protection> => ({
      state: 'keys',
      protector: suite.cipher === 'AES-CBC' ? await Tls12CbcProtector.create(suite, macKey, key, this.etm) : await Tls12AeadProtector.create(suite, key, iv),
    });
    return { client: await make(block.clientMacKey, block.clientKey, block.clientIv), server: await make(block.serverMacKey, block.serverKey, block.serverIv) };
  }
}

/** Decode one stream's chunks (after any plaintext preamble) into trace events. */
export async function decodeTlsChunks(chunks: Iterable<StreamChunk>, options: TlsDecodeOptions): Promise<DecodedSession> {
  const decoder = new TlsStreamDecoder(options);
  for (const chunk of chunks) await decoder.feed(chunk);
  return decoder.finish();
}

export { HT12 };
