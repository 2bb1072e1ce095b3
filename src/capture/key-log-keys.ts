// A captured session's record keys, made from its NSS key log: TLS 1.3's traffic secrets (the next one derived at a
// KeyUpdate the log does not cover; 0-RTT's early keys for every suite that fits the secret), TLS 1.2's key block
// from the master secret, and TLS 1.0 and 1.1's with their own PRF (legacy-schedule.ts); the RC4 and 3DES suites
// (legacy-cipher-suites.ts) in any of these three versions. Each secret used is a 'key' event naming its key log
// line; a missing one is a Protection saying which line would have opened the records.
import type { Emit } from '../trace/recorder.ts';
import type { Epoch, Side } from '../trace/types.ts';
import { toHex } from '../util/bytes.ts';
import {
  MasterStage12,
  Tls12AeadProtector,
  Tls12CbcProtector,
  Tls13RecordProtector,
  hashLength,
  hkdfExpandLabel,
  suiteByCode,
  type ClientHello,
  type RecordProtector,
  type Tls12Suite,
} from './engine.ts';
import type { CapturedHandshake } from './captured-handshake.ts';
import { placeOf, type KeyLog, type KeyLogSecret } from './keylog.ts';
import { NO_HANDSHAKE, UNKNOWN_SUITE, type Direction, type Protection } from './stream-direction.ts';
import { LegacyCbcProtector, type LegacyRecordVersion } from './legacy-cbc-protector.ts';
import { LEGACY_PRF_HASH, LegacyMasterSecret } from './legacy-schedule.ts';
import type { LegacyCipherSuite } from './legacy-cipher-suites.ts';
import { loadLegacyCipherKeys } from './legacy-cipher-loader.ts';

const NO_KEY = 'no key in the key log' as const;

/** The trace's names for the key log's TLS 1.3 labels. */
const SECRET_NAMES: Record<string, string> = {
  CLIENT_HANDSHAKE_TRAFFIC_SECRET: 'client_handshake_traffic_secret',
  SERVER_HANDSHAKE_TRAFFIC_SECRET: 'server_handshake_traffic_secret',
  CLIENT_TRAFFIC_SECRET_0: 'client_application_traffic_secret_0',
  SERVER_TRAFFIC_SECRET_0: 'server_application_traffic_secret_0',
};

export class KeyLogKeys {
  constructor(
    private readonly keyLog: KeyLog,
    private readonly hs: CapturedHandshake,
    /** The decoded session's list of key log lines used (each added once). */
    private readonly linesUsed: number[],
    private readonly emit: Emit,
  ) {}

  /** The key log line that would open a direction's records under `epoch`. */
  lineFor(dir: Direction, epoch: Epoch, tls13: boolean): string {
    const random = this.hs.clientRandom ? toHex(this.hs.clientRandom) : '(client random unknown)';
    if (!tls13 && epoch !== 'early') return `CLIENT_RANDOM ${random}`;
    const label = epoch === 'early' ? 'CLIENT_EARLY_TRAFFIC_SECRET' : epoch === 'handshake' ? `${dir.side.toUpperCase()}_HANDSHAKE_TRAFFIC_SECRET` : `${dir.side.toUpperCase()}_TRAFFIC_SECRET_${dir.generation}`;
    return `${label} ${random}`;
  }

  private secret(label: string): KeyLogSecret | undefined {
    if (!this.hs.clientRandom) return undefined;
    const found = this.keyLog.byRandom.get(toHex(this.hs.clientRandom))?.get(label);
    if (found && !this.linesUsed.includes(found.line)) this.linesUsed.push(found.line);
    return found;
  }

  private reportSecret(name: string, s: KeyLogSecret, hash: string): void {
    this.emit({ kind: 'key', op: 'key log', name, label: `${placeOf(s)}: ${s.label}`, inputs: [{ name: 'client_random', value: toHex(this.hs.clientRandom!) }], output: toHex(s.secret), hash });
  }

  /**
   * TLS 1.3 early data (0-RTT, RFC 8446 §4.2.10): the client's records after its ClientHello are under
   * client_early_traffic_secret with the resumed session's cipher suite, which the capture has not shown yet:
   * keys for each offered TLS 1.3 suite whose hash fits the secret are made, and the first record's tag picks.
   */
  async early(dir: Direction, ch: ClientHello): Promise<void> {
    dir.epoch = 'early';
    dir.seq = 0;
    const logged = this.secret('CLIENT_EARLY_TRAFFIC_SECRET');
    const candidates = ch.cipherSuites.flatMap((code) => {
      const suite = suiteByCode(code);
      return suite && logged && hashLength(suite.hash) === logged.secret.length ? [suite] : [];
    });
    if (!logged || candidates.length === 0) {
      dir.protection = { state: 'missing', needs: `CLIENT_EARLY_TRAFFIC_SECRET ${toHex(ch.random)}`, reason: NO_KEY };
      return;
    }
    this.reportSecret('client_early_traffic_secret', logged, candidates[0].hash);
    const protectors: RecordProtector[] = [];
    for (const suite of candidates) {
      const key = await hkdfExpandLabel(suite.hash, logged.secret, 'key', new Uint8Array(0), suite.keyLength);
      const iv = await hkdfExpandLabel(suite.hash, logged.secret, 'iv', new Uint8Array(0), suite.ivLength);
      protectors.push(await Tls13RecordProtector.create(suite, key, iv, 'early'));
    }
    dir.protection = { state: 'keys', protector: protectors[0] };
    dir.alternatives = protectors.slice(1);
  }

  /** Keys for `label` cannot be looked up: the capture never showed the ClientHello whose random names them. */
  private unseen(label: string): Protection | null {
    return this.hs.clientRandom ? null : { state: 'missing', needs: `${label} (client random unknown)`, reason: NO_HANDSHAKE };
  }

  /** TLS 1.3: a direction's protection from a traffic secret in the key log (or given). */
  async traffic13(dir: Direction, epoch: Epoch, label: string, given?: Uint8Array): Promise<Protection> {
    const unseen = this.unseen(label);
    if (unseen) return unseen;
    const random = toHex(this.hs.clientRandom!);
    const suite = this.hs.suite13;
    if (!suite) return { state: 'missing', needs: `${label} ${random}`, reason: UNKNOWN_SUITE };
    let secret = given;
    if (!secret) {
      const s = this.secret(label);
      if (!s) return { state: 'missing', needs: `${label} ${random}`, reason: NO_KEY };
      this.reportSecret(SECRET_NAMES[label] ?? label.toLowerCase(), s, suite.hash);
      secret = s.secret;
    }
    if (epoch === 'application') dir.trafficSecret = secret;
    if (epoch === 'handshake') this.hs.handshakeSecrets[dir.side] = secret;
    const empty = new Uint8Array(0);
    const who = `${dir.side}_${epoch === 'handshake' ? 'handshake' : 'application'}`;
    const key = await hkdfExpandLabel(suite.hash, secret, 'key', empty, suite.keyLength);
    const iv = await hkdfExpandLabel(suite.hash, secret, 'iv', empty, suite.ivLength);
    for (const [name, lbl, out] of [[`${who}_write_key`, 'key', key], [`${who}_write_iv`, 'iv', iv]] as const) {
      this.emit({ kind: 'key', op: 'HKDF-Expand-Label', name, label: lbl, context: '', inputs: [{ name: 'traffic_secret', value: toHex(secret) }], output: toHex(out), hash: suite.hash });
    }
    return { state: 'keys', protector: await Tls13RecordProtector.create(suite, key, iv, epoch) };
  }

  /** TLS 1.3 KeyUpdate: the direction's next application keys (its generation already counted up). */
  async afterKeyUpdate(dir: Direction): Promise<void> {
    const label = `${dir.side.toUpperCase()}_TRAFFIC_SECRET_${dir.generation}`;
    const suite = this.hs.suite13;
    const logged = this.secret(label);
    if (logged) {
      this.reportSecret(`${dir.side}_application_traffic_secret_${dir.generation}`, logged, suite?.hash ?? 'SHA-256');
      dir.protection = await this.traffic13(dir, 'application', label, logged.secret);
      dir.seq = 0;
      return;
    }
    if (!dir.trafficSecret || !suite || dir.protection.state !== 'keys') {
      dir.protection = this.unseen(label) ?? { state: 'missing', needs: `${label} ${toHex(this.hs.clientRandom!)}`, reason: NO_KEY };
      return;
    }
    // RFC 8446 §7.2: application_traffic_secret_N+1 = HKDF-Expand-Label(secret_N, "traffic upd", "", Hash.length).
    const hash = suite.hash;
    const next = await hkdfExpandLabel(hash, dir.trafficSecret, 'traffic upd', new Uint8Array(0), hashLength(hash));
    this.emit({ kind: 'key', op: 'HKDF-Expand-Label', name: `${dir.side}_next_application_traffic_secret`, label: 'traffic upd', context: '', inputs: [{ name: 'application_traffic_secret', value: toHex(dir.trafficSecret) }], output: toHex(next), hash });
    dir.protection = await this.traffic13(dir, 'application', label, next);
    dir.seq = 0;
  }

  /**
   * The CLIENT_RANDOM master secret for a TLS 1.2 or older session, or the protection both directions get without it:
   * the capture lacks the ClientHello, the suite is one not decrypted (`usable` false), or the key log lacks the line.
   */
  private master<S>(suite: S | null, usable: boolean, clientRandom: Uint8Array | null): { master: KeyLogSecret; suite: S; clientRandom: Uint8Array } | Protection {
    if (!clientRandom) return { state: 'missing', needs: 'CLIENT_RANDOM (client random unknown)', reason: NO_HANDSHAKE };
    const needs = `CLIENT_RANDOM ${toHex(clientRandom)}`;
    if (!suite || !usable) return { state: 'missing', needs, reason: UNKNOWN_SUITE };
    const master = this.secret('CLIENT_RANDOM');
    return master ? { master, suite, clientRandom } : { state: 'missing', needs, reason: NO_KEY };
  }

  /** TLS 1.2: both directions' protection from the CLIENT_RANDOM master secret. */
  async both12(given: Tls12Suite | null, random: Uint8Array | null, serverRandom: Uint8Array): Promise<Record<Side, Protection>> {
    if (!given && this.hs.legacyCipher) return this.bothLegacyCipher12(this.hs.legacyCipher, random, serverRandom);
    const found = this.master(given, true, random);
    if ('state' in found) return { client: found, server: found };
    const { master, suite, clientRandom } = found;
    this.reportSecret('master_secret', master, suite.prfHash);
    const schedule = MasterStage12.fromKeyLog(suite.prfHash, master.secret, this.emit);
    this.hs.master12 = schedule;
    this.hs.master10 = null;
    const block = await schedule.keyBlock(suite, clientRandom, serverRandom);
    const etm = this.hs.etm;
    const make = async (macKey: Uint8Array, key: Uint8Array, iv: Uint8Array): Promise<Protection> => ({
      state: 'keys',
      protector: suite.cipher === 'AES-CBC' ? await Tls12CbcProtector.create(suite, macKey, key, etm) : await Tls12AeadProtector.create(suite, key, iv),
    });
    return { client: await make(block.clientMacKey, block.clientKey, block.clientIv), server: await make(block.serverMacKey, block.serverKey, block.serverIv) };
  }

  /** TLS 1.2 with an RC4 or 3DES suite: the key block by TLS 1.2's PRF (SHA-256, as for every suite older than it). */
  private async bothLegacyCipher12(suite: LegacyCipherSuite, random: Uint8Array | null, serverRandom: Uint8Array): Promise<Record<Side, Protection>> {
    const found = this.master(suite, true, random);
    if ('state' in found) return { client: found, server: found };
    const { master, clientRandom } = found;
    this.reportSecret('master_secret', master, 'SHA-256');
    const schedule = MasterStage12.fromKeyLog('SHA-256', master.secret, this.emit);
    this.hs.master12 = schedule;
    this.hs.master10 = null;
    const block = await schedule.keyBlock(suite, clientRandom, serverRandom);
    const make = (macKey: Uint8Array, key: Uint8Array) => this.legacyCipherKeys(suite, 0x0303, macKey, key, null);
    return { client: await make(block.clientMacKey, block.clientKey), server: await make(block.serverMacKey, block.serverKey) };
  }

  /**
   * TLS 1.0 and 1.1: both directions' protection from the CLIENT_RANDOM master secret, for the AES-CBC suites and the
   * RC4 and 3DES ones (what these versions used); TLS 1.0's first CBC IVs come from the key block.
   */
  async bothLegacy(given: Tls12Suite | null, version: 0x0301 | 0x0302, random: Uint8Array | null, serverRandom: Uint8Array): Promise<Record<Side, Protection>> {
    const cipher = given ? null : this.hs.legacyCipher;
    const found = this.master(given ?? cipher, given?.cipher === 'AES-CBC' || cipher !== null, random);
    if ('state' in found) return { client: found, server: found };
    const { master, clientRandom } = found;
    this.reportSecret('master_secret', master, LEGACY_PRF_HASH);
    const schedule = new LegacyMasterSecret(master.secret, this.emit);
    this.hs.master10 = schedule;
    this.hs.master12 = null;
    // TLS 1.0's key block IVs are a cipher block: AES's 16 bytes, 3DES's 8, none for RC4.
    const sizes = given ? { macLength: given.macLength, keyLength: given.keyLength, ivLength: 16 } : { macLength: cipher!.macLength, keyLength: cipher!.keyLength, ivLength: cipher!.blockLength };
    const block = schedule.keyBlock(sizes, version, clientRandom, serverRandom);
    const etm = this.hs.etm;
    const make = async (macKey: Uint8Array, key: Uint8Array, iv: Uint8Array | null): Promise<Protection> =>
      given ? { state: 'keys', protector: await LegacyCbcProtector.create(given, version, macKey, key, iv, etm) } : this.legacyCipherKeys(cipher!, version, macKey, key, iv);
    return { client: await make(block.clientMacKey, block.clientKey, block.clientIv), server: await make(block.serverMacKey, block.serverKey, block.serverIv) };
  }

  /** One direction's keys under an RC4 or 3DES suite: their code is loaded with the first such session. */
  private async legacyCipherKeys(suite: LegacyCipherSuite, version: LegacyRecordVersion, macKey: Uint8Array, key: Uint8Array, iv: Uint8Array | null): Promise<Protection> {
    const { legacyCipherProtector } = await loadLegacyCipherKeys();
    return { state: 'keys', protector: legacyCipherProtector(suite, version, macKey, key, iv, this.hs.etm) };
  }
}
