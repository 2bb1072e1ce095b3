// The TLS 1.3 key schedule (RFC 8446 §7.1), one stage after another:
//   early secret -> handshake secret -> master secret
// Each stage needs the one before it; asking for a secret whose input does not exist yet throws
// a KeyScheduleOrderError rather than silently deriving from zeros. Every derivation is reported
// to the trace as a `kind: 'key'` event with its label, context, inputs and output.
import type { Emit } from '../../trace/recorder.ts';
import { equalBytes, toHex } from '../../util/bytes.ts';
import { digest, hmac, hashLength, type HashName } from '../crypto/hash.ts';
import { deriveSecret, emptyHash, hkdfExpandLabel, hkdfExtract } from '../crypto/hkdf.ts';

export class KeyScheduleOrderError extends Error {
  readonly code = 'KEY_SCHEDULE_ORDER';
  constructor(message: string) {
    super(message);
    this.name = 'KeyScheduleOrderError';
  }
}

export interface TrafficSecrets {
  client: Uint8Array;
  server: Uint8Array;
}

export interface TrafficKeys {
  key: Uint8Array;
  iv: Uint8Array;
}

type Input = { name: string; value: Uint8Array };

export class KeySchedule13 {
  readonly hashLength: number;
  private earlySecret?: Uint8Array;
  private handshakeSecret?: Uint8Array;
  private masterSecret?: Uint8Array;
  private pskUsed = false;
  /**
   * Work started ahead of need, so that it overlaps with waiting for the peer: the "derived" salt
   * and (for the master stage) the next extract, and finished keys. Values only; the trace events
   * are emitted when the caller asks, in the same order as without prefetching.
   */
  private nextStageAhead?: Promise<{ salt: Uint8Array; next: Uint8Array | null }>;
  private readonly finishedKeysAhead = new Map<string, Promise<Uint8Array>>();
  /** Write key/iv started ahead, by traffic secret and lengths; and each traffic secret's other-direction twin. */
  private readonly trafficKeysAhead = new Map<string, Promise<[Uint8Array, Uint8Array]>>();
  private readonly twinSecrets = new Map<string, Uint8Array>();
  /** Key and IV lengths of the suite, learnt from the first trafficKeys() call, for prefetching later keys. */
  private keyLengths?: { key: number; iv: number };
  private clientHandshakeSecret?: Uint8Array;
  /** verify_data values started ahead, by traffic secret and transcript hash. */
  private readonly verifyDataAhead = new Map<string, Promise<Uint8Array>>();
  private binderKeyAhead?: { kind: 'res' | 'ext'; value: Promise<Uint8Array> };
  /** exporter_master_secret started with the application traffic secrets, by transcript hash. */
  private exporterAhead?: { context: string; value: Promise<Uint8Array> };

  constructor(
    readonly hash: HashName,
    private readonly emit: Emit = () => -1,
  ) {
    this.hashLength = hashLength(hash);
  }

  /** Which stage the schedule has reached, for traces and assertions. */
  get stage(): 'start' | 'early' | 'handshake' | 'master' {
    return this.masterSecret ? 'master' : this.handshakeSecret ? 'handshake' : this.earlySecret ? 'early' : 'start';
  }

  // ---- early secret ---------------------------------------------------------------------------

  /** Early Secret = HKDF-Extract(0, PSK), with PSK = HashLen zeros when there is none. */
  async deriveEarlySecret(psk?: Uint8Array): Promise<Uint8Array> {
    if (this.earlySecret) throw new KeyScheduleOrderError('the early secret was already derived; start a new KeySchedule13 for a new connection');
    const ikm = psk ?? new Uint8Array(this.hashLength);
    const salt = new Uint8Array(this.hashLength);
    this.pskUsed = psk !== undefined;
    // Without a PSK the early secret is the same for every connection: computed once per hash.
    this.earlySecret = psk ? await hkdfExtract(this.hash, salt, ikm) : await noPskEarlySecret(this.hash);
    this.prefetchNextStage(this.earlySecret, null);
    // With a PSK the binder comes next (a ticket's: "res binder"); start its key and finished key.
    if (psk) this.prefetchBinderKey('res', this.earlySecret);
    this.report('HKDF-Extract', 'early_secret', undefined, undefined, [
      { name: 'salt', value: salt },
      { name: psk ? 'psk' : 'ikm (no PSK: zeros)', value: ikm },
    ], this.earlySecret);
    return this.earlySecret;
  }

  /** binder_key = Derive-Secret(Early Secret, "res binder" | "ext binder", ""). */
  async binderKey(kind: 'res' | 'ext'): Promise<Uint8Array> {
    const early = this.need('early', 'binderKey');
    if (!this.pskUsed) throw new KeyScheduleOrderError('binderKey needs an early secret derived from a PSK');
    const context = await emptyHash(this.hash);
    const label = `${kind} binder`;
    const ahead = this.binderKeyAhead;
    this.binderKeyAhead = undefined;
    const out = ahead?.kind === kind ? Uint8Array.from(await ahead.value) : await deriveSecret(this.hash, early, label, context);
    return this.report('Derive-Secret', 'binder_key', label, context, [{ name: 'early_secret', value: early }], out);
  }

  /** The HMAC key for a PSK binder: the finished_key of the binder key. */
  async binderFinishedKey(kind: 'res' | 'ext' = 'res'): Promise<Uint8Array> {
    return this.finishedKey(await this.binderKey(kind), 'binder');
  }

  /** The PSK binder value: HMAC(binder finished key, Transcript-Hash(ClientHello up to the binders)). */
  async binderValue(kind: 'res' | 'ext', partialClientHelloHash: Uint8Array): Promise<Uint8Array> {
    const key = await this.binderFinishedKey(kind);
    const out = await hmac(this.hash, key, partialClientHelloHash);
    return this.report('HMAC', 'psk_binder', undefined, partialClientHelloHash, [{ name: 'binder_finished_key', value: key }], out);
  }

  async clientEarlyTrafficSecret(transcriptHash: Uint8Array): Promise<Uint8Array> {
    return this.derive('early', 'clientEarlyTrafficSecret', 'c e traffic', 'client_early_traffic_secret', transcriptHash);
  }

  async earlyExporterMasterSecret(transcriptHash: Uint8Array): Promise<Uint8Array> {
    return this.derive('early', 'earlyExporterMasterSecret', 'e exp master', 'early_exporter_master_secret', transcriptHash);
  }

  // ---- handshake secret -----------------------------------------------------------------------

  /**
   * Handshake Secret = HKDF-Extract(Derive-Secret(Early Secret, "derived", ""), (EC)DHE).
   * Without a shared secret (PSK-only, psk_ke) the input is HashLen zeros.
   */
  async deriveHandshakeSecret(sharedSecret?: Uint8Array): Promise<Uint8Array> {
    this.need('early', 'deriveHandshakeSecret');
    if (this.handshakeSecret) throw new KeyScheduleOrderError('the handshake secret was already derived');
    const salt = await this.derivedSalt('early', 'derived_secret_for_handshake');
    const ikm = sharedSecret ?? new Uint8Array(this.hashLength);
    this.handshakeSecret = await hkdfExtract(this.hash, salt, ikm);
    // The master secret's inputs are all known now (its IKM is zeros): start it.
    this.prefetchNextStage(this.handshakeSecret, new Uint8Array(this.hashLength));
    this.report('HKDF-Extract', 'handshake_secret', undefined, undefined, [
      { name: 'salt (derived from early_secret)', value: salt },
      { name: sharedSecret ? 'ecdhe_shared_secret' : 'ikm (no (EC)DHE: zeros)', value: ikm },
    ], this.handshakeSecret);
    return this.handshakeSecret;
  }

  /** client/server handshake traffic secrets over Transcript-Hash(ClientHello..ServerHello). */
  async handshakeTrafficSecrets(transcriptHash: Uint8Array): Promise<TrafficSecrets> {
    const [client, server] = await this.deriveBoth('handshake', 'handshakeTrafficSecrets', transcriptHash, [
      ['c hs traffic', 'client_handshake_traffic_secret'],
      ['s hs traffic', 'server_handshake_traffic_secret'],
    ]);
    this.prefetchFinishedKey(client);
    this.prefetchFinishedKey(server);
    this.pairSecrets(client, server);
    this.clientHandshakeSecret = client;
    return { client, server };
  }

  // ---- master secret --------------------------------------------------------------------------

  /** Master Secret = HKDF-Extract(Derive-Secret(Handshake Secret, "derived", ""), 0). */
  async deriveMasterSecret(): Promise<Uint8Array> {
    this.need('handshake', 'deriveMasterSecret');
    if (this.masterSecret) throw new KeyScheduleOrderError('the master secret was already derived');
    const ahead = await this.nextStageAhead;
    const salt = await this.derivedSalt('handshake', 'derived_secret_for_master');
    const zeros = new Uint8Array(this.hashLength);
    this.masterSecret = ahead?.next && equalBytes(ahead.salt, salt) ? ahead.next : await hkdfExtract(this.hash, salt, zeros);
    this.report('HKDF-Extract', 'master_secret', undefined, undefined, [
      { name: 'salt (derived from handshake_secret)', value: salt },
      { name: 'ikm (zeros)', value: zeros },
    ], this.masterSecret);
    return this.masterSecret;
  }

  /** Application traffic secrets (generation 0) over Transcript-Hash(ClientHello..server Finished). */
  async applicationTrafficSecrets(transcriptHash: Uint8Array): Promise<TrafficSecrets> {
    // exporter_master_secret uses the same secret and transcript hash and is asked for next.
    if (this.masterSecret && transcriptHash.length === this.hashLength) {
      const value = deriveSecret(this.hash, this.masterSecret, 'exp master', transcriptHash);
      value.catch(() => undefined); // a failure surfaces when exporterMasterSecret() awaits it
      this.exporterAhead = { context: toHex(transcriptHash), value };
    }
    const [client, server] = await this.deriveBoth('master', 'applicationTrafficSecrets', transcriptHash, [
      ['c ap traffic', 'client_application_traffic_secret_0'],
      ['s ap traffic', 'server_application_traffic_secret_0'],
    ]);
    this.pairSecrets(client, server);
    // Next come the application write keys (same suite as the handshake keys) and, without client
    // authentication, the client Finished over this same transcript hash: start both.
    if (this.keyLengths) {
      this.prefetchTrafficKeys(client, this.keyLengths.key, this.keyLengths.iv);
      this.prefetchTrafficKeys(server, this.keyLengths.key, this.keyLengths.iv);
    }
    if (this.clientHandshakeSecret) this.prefetchVerifyData(this.clientHandshakeSecret, transcriptHash);
    return { client, server };
  }

  async exporterMasterSecret(transcriptHash: Uint8Array): Promise<Uint8Array> {
    const ahead = this.exporterAhead;
    this.exporterAhead = undefined;
    if (ahead && this.masterSecret && ahead.context === toHex(transcriptHash)) {
      const out = Uint8Array.from(await ahead.value);
      return this.report('Derive-Secret', 'exporter_master_secret', 'exp master', transcriptHash, [{ name: 'master_secret', value: this.masterSecret }], out);
    }
    return this.derive('master', 'exporterMasterSecret', 'exp master', 'exporter_master_secret', transcriptHash);
  }

  /** Over Transcript-Hash(ClientHello..client Finished). */
  async resumptionMasterSecret(transcriptHash: Uint8Array): Promise<Uint8Array> {
    return this.derive('master', 'resumptionMasterSecret', 'res master', 'resumption_master_secret', transcriptHash);
  }

  /** PSK for a ticket = HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce, Hash.length). */
  async resumptionPsk(resumptionMasterSecret: Uint8Array, ticketNonce: Uint8Array): Promise<Uint8Array> {
    return KeySchedule13.resumptionPsk(this.hash, resumptionMasterSecret, ticketNonce, this.emit);
  }

  static async resumptionPsk(hash: HashName, resumptionMasterSecret: Uint8Array, ticketNonce: Uint8Array, emit?: Emit): Promise<Uint8Array> {
    const out = await hkdfExpandLabel(hash, resumptionMasterSecret, 'resumption', ticketNonce, hashLength(hash));
    emit?.(keyEvent(hash, 'HKDF-Expand-Label', 'resumption_psk', 'resumption', ticketNonce, [{ name: 'resumption_master_secret', value: resumptionMasterSecret }], out));
    return out;
  }

  /**
   * RFC 8446 §7.5 exporter: HKDF-Expand-Label(Derive-Secret(exporter_master_secret, label, ""),
   * "exporter", Hash(context), length). TLS 1.3 treats an absent context like an empty one.
   */
  async exportKeyingMaterial(exporterMasterSecret: Uint8Array, label: string, context: Uint8Array | null, length: number): Promise<Uint8Array> {
    const perLabel = await deriveSecret(this.hash, exporterMasterSecret, label, await emptyHash(this.hash));
    this.report('Derive-Secret', 'exporter_secret_for_label', label, await emptyHash(this.hash), [{ name: 'exporter_master_secret', value: exporterMasterSecret }], perLabel);
    const contextHash = await digest(this.hash, context ?? new Uint8Array(0));
    const out = await hkdfExpandLabel(this.hash, perLabel, 'exporter', contextHash, length);
    return this.report('HKDF-Expand-Label', 'exported_keying_material', 'exporter', contextHash, [{ name: 'exporter_secret_for_label', value: perLabel }], out);
  }

  // ---- secrets to keys ------------------------------------------------------------------------

  /** finished_key = HKDF-Expand-Label(BaseKey, "finished", "", Hash.length). */
  async finishedKey(trafficSecret: Uint8Array, who = ''): Promise<Uint8Array> {
    const id = toHex(trafficSecret);
    const ahead = this.finishedKeysAhead.get(id);
    this.finishedKeysAhead.delete(id);
    const out = ahead ? Uint8Array.from(await ahead) : await hkdfExpandLabel(this.hash, trafficSecret, 'finished', new Uint8Array(0), this.hashLength);
    return this.report('HKDF-Expand-Label', prefixed(who, 'finished_key'), 'finished', new Uint8Array(0), [{ name: 'base_key', value: trafficSecret }], out);
  }

  /** verify_data = HMAC(finished_key, Transcript-Hash(...)). */
  async finishedVerifyData(trafficSecret: Uint8Array, transcriptHash: Uint8Array, who = ''): Promise<Uint8Array> {
    const id = `${toHex(trafficSecret)}|${toHex(transcriptHash)}`;
    const ahead = this.verifyDataAhead.get(id);
    this.verifyDataAhead.delete(id);
    const key = await this.finishedKey(trafficSecret, who);
    const out = ahead ? Uint8Array.from(await ahead) : await hmac(this.hash, key, transcriptHash);
    return this.report('HMAC', prefixed(who, 'verify_data'), undefined, transcriptHash, [{ name: 'finished_key', value: key }], out);
  }

  /** [sender]_write_key and [sender]_write_iv from a traffic secret. `who` names them in the trace, e.g. "server_handshake". */
  async trafficKeys(secret: Uint8Array, keyLength: number, who = '', ivLength = 12): Promise<TrafficKeys> {
    const empty = new Uint8Array(0);
    this.keyLengths ??= { key: keyLength, iv: ivLength };
    const id = `${toHex(secret)}|${keyLength}|${ivLength}`;
    const ahead = this.trafficKeysAhead.get(id);
    this.trafficKeysAhead.delete(id);
    // The other direction's keys (same suite, so the same lengths) will be asked for soon: start them.
    const twin = this.twinSecrets.get(toHex(secret));
    if (twin) {
      this.twinSecrets.delete(toHex(secret));
      this.twinSecrets.delete(toHex(twin));
      this.prefetchTrafficKeys(twin, keyLength, ivLength);
    }
    const [key, iv] = (await (ahead ?? this.expandKeyAndIv(secret, keyLength, ivLength))).map((b) => Uint8Array.from(b));
    this.report('HKDF-Expand-Label', prefixed(who, 'write_key'), 'key', empty, [{ name: 'traffic_secret', value: secret }], key);
    this.report('HKDF-Expand-Label', prefixed(who, 'write_iv'), 'iv', empty, [{ name: 'traffic_secret', value: secret }], iv);
    return { key, iv };
  }

  /** KeyUpdate: application_traffic_secret_N+1 = HKDF-Expand-Label(secret_N, "traffic upd", "", Hash.length). */
  async nextTrafficSecret(secret: Uint8Array, who = ''): Promise<Uint8Array> {
    const out = await hkdfExpandLabel(this.hash, secret, 'traffic upd', new Uint8Array(0), this.hashLength);
    return this.report('HKDF-Expand-Label', prefixed(who, 'next_application_traffic_secret'), 'traffic upd', new Uint8Array(0), [{ name: 'application_traffic_secret', value: secret }], out);
  }

  // ---- plumbing -------------------------------------------------------------------------------

  private need(stage: 'early' | 'handshake' | 'master', caller: string): Uint8Array {
    const secret = stage === 'early' ? this.earlySecret : stage === 'handshake' ? this.handshakeSecret : this.masterSecret;
    if (!secret) {
      const how = { early: 'deriveEarlySecret()', handshake: 'deriveHandshakeSecret(sharedSecret)', master: 'deriveMasterSecret()' }[stage];
      throw new KeyScheduleOrderError(`${caller} needs the ${stage} secret: call ${how} first`);
    }
    return secret;
  }

  private async derive(stage: 'early' | 'handshake' | 'master', caller: string, label: string, name: string, context: Uint8Array): Promise<Uint8Array> {
    const secret = this.need(stage, caller);
    if (context.length !== this.hashLength) throw new Error(`${caller}: the transcript hash must be ${this.hashLength} bytes for ${this.hash}, got ${context.length}`);
    const out = await deriveSecret(this.hash, secret, label, context);
    return this.report('Derive-Secret', name, label, context, [{ name: `${stage}_secret`, value: secret }], out);
  }

  /** Independent derivations: run together (one wait instead of two). */
  private expandKeyAndIv(secret: Uint8Array, keyLength: number, ivLength: number): Promise<[Uint8Array, Uint8Array]> {
    const empty = new Uint8Array(0);
    return Promise.all([hkdfExpandLabel(this.hash, secret, 'key', empty, keyLength), hkdfExpandLabel(this.hash, secret, 'iv', empty, ivLength)]);
  }

  private prefetchTrafficKeys(secret: Uint8Array, keyLength: number, ivLength: number): void {
    const id = `${toHex(secret)}|${keyLength}|${ivLength}`;
    if (this.trafficKeysAhead.has(id)) return;
    const keys = this.expandKeyAndIv(secret, keyLength, ivLength);
    keys.catch(() => undefined); // a failure surfaces when trafficKeys() awaits it
    this.trafficKeysAhead.set(id, keys);
  }

  /** Remember that two traffic secrets belong together (client and server of one stage). */
  private pairSecrets(client: Uint8Array, server: Uint8Array): void {
    this.twinSecrets.set(toHex(client), server);
    this.twinSecrets.set(toHex(server), client);
  }

  /** Start HMAC(finished_key(secret), transcriptHash); finishedVerifyData() picks it up if asked with the same hash. */
  private prefetchVerifyData(trafficSecret: Uint8Array, transcriptHash: Uint8Array): void {
    const finishedKey = this.finishedKeysAhead.get(toHex(trafficSecret)) ?? hkdfExpandLabel(this.hash, trafficSecret, 'finished', new Uint8Array(0), this.hashLength);
    const value = finishedKey.then((key) => hmac(this.hash, key, transcriptHash));
    value.catch(() => undefined); // a failure surfaces when finishedVerifyData() awaits it
    this.verifyDataAhead.set(`${toHex(trafficSecret)}|${toHex(transcriptHash)}`, value);
  }

  private prefetchBinderKey(kind: 'res' | 'ext', early: Uint8Array): void {
    const value = emptyHash(this.hash).then((context) => deriveSecret(this.hash, early, `${kind} binder`, context));
    value.then((key) => this.prefetchFinishedKey(key), () => undefined); // a failure surfaces when binderKey() awaits it
    this.binderKeyAhead = { kind, value };
  }

  /** Start finished_key for a handshake traffic secret; finishedKey() picks it up. */
  private prefetchFinishedKey(trafficSecret: Uint8Array): void {
    const key = hkdfExpandLabel(this.hash, trafficSecret, 'finished', new Uint8Array(0), this.hashLength);
    key.catch(() => undefined); // a failure surfaces when finishedKey() awaits it
    this.finishedKeysAhead.set(toHex(trafficSecret), key);
  }

  /** Start Derive-Secret(secret, "derived", "") and, when `nextIkm` is given, the extract that follows it. */
  private prefetchNextStage(secret: Uint8Array, nextIkm: Uint8Array | null): void {
    this.nextStageAhead = (async () => {
      const salt = await deriveSecret(this.hash, secret, 'derived', await emptyHash(this.hash));
      return { salt, next: nextIkm ? await hkdfExtract(this.hash, salt, nextIkm) : null };
    })();
    this.nextStageAhead.catch(() => undefined); // a failure surfaces when derivedSalt() awaits it
  }

  /** The "derived" salt for the next stage (prefetched when the stage secret was set), reported as before. */
  private async derivedSalt(stage: 'early' | 'handshake', name: string): Promise<Uint8Array> {
    const secret = this.need(stage, name);
    const context = await emptyHash(this.hash);
    const ahead = this.nextStageAhead;
    this.nextStageAhead = undefined;
    const salt = ahead ? Uint8Array.from((await ahead).salt) : await deriveSecret(this.hash, secret, 'derived', context);
    return this.report('Derive-Secret', name, 'derived', context, [{ name: `${stage}_secret`, value: secret }], salt);
  }

  /** Two Derive-Secret calls from one secret and context, run together and reported in order. */
  private async deriveBoth(stage: 'handshake' | 'master', caller: string, context: Uint8Array, labels: [string, string][]): Promise<Uint8Array[]> {
    const secret = this.need(stage, caller);
    if (context.length !== this.hashLength) throw new Error(`${caller}: the transcript hash must be ${this.hashLength} bytes for ${this.hash}, got ${context.length}`);
    const outs = await Promise.all(labels.map(([label]) => deriveSecret(this.hash, secret, label, context)));
    return outs.map((out, i) => this.report('Derive-Secret', labels[i][1], labels[i][0], context, [{ name: `${stage}_secret`, value: secret }], out));
  }

  private report(op: string, name: string, label: string | undefined, context: Uint8Array | undefined, inputs: Input[], output: Uint8Array): Uint8Array {
    this.emit(keyEvent(this.hash, op, name, label, context, inputs, output));
    return output;
  }
}

const noPskEarlySecrets = new Map<HashName, Promise<Uint8Array>>();

/** HKDF-Extract(zeros, zeros): the early secret of every connection without a PSK. A copy each time. */
async function noPskEarlySecret(hash: HashName): Promise<Uint8Array> {
  let secret = noPskEarlySecrets.get(hash);
  if (!secret) {
    const zeros = new Uint8Array(hashLength(hash));
    secret = hkdfExtract(hash, zeros, zeros);
    noPskEarlySecrets.set(hash, secret);
    secret.catch(() => noPskEarlySecrets.delete(hash));
  }
  return Uint8Array.from(await secret);
}

function prefixed(who: string, name: string): string {
  return who ? `${who}_${name}` : name;
}

function keyEvent(hash: HashName, op: string, name: string, label: string | undefined, context: Uint8Array | undefined, inputs: Input[], output: Uint8Array) {
  return {
    kind: 'key' as const,
    op,
    name,
    ...(label !== undefined ? { label: 'tls13 ' + label } : {}),
    ...(context !== undefined ? { context: toHex(context) } : {}),
    inputs: inputs.map((i) => ({ name: i.name, value: toHex(i.value) })),
    output: toHex(output),
    hash,
  };
}
