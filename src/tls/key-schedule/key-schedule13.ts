// The TLS 1.3 key schedule (RFC 8446 §7.1) as three stages, each a type of its own:
//   EarlyStage13 --handshake(shared)--> HandshakeStage13 --master()--> MasterStage13
// A stage offers only the secrets its own secret can make, and the next stage comes only from the one before
// (as rustls tls13/key_schedule.rs and Go's tls13 package do), so asking for a secret too early does not compile.
// Treat a stage as consumed once the next is made. Both sides derive the same secrets: nothing here is side-bound.
// Every derivation is reported to the trace as a `kind: 'key'` event with its label, context, inputs and output.
// Each secret is derived when it is asked for: the hashes are synchronous JavaScript, and a browser Worker has no
// idle moment in the server's flight to hide work in (docs/engine-browser.md, session 15).
import type { Emit } from '../../trace/recorder.ts';
import { digest, hmac, hashLength, type HashName } from '../../crypto/hash.ts';
import { deriveSecret, emptyHash, hkdfExpandLabel, hkdfExtract } from '../../crypto/hkdf.ts';
import { LiveKeyEvent } from './key-event.ts';

export interface TrafficSecrets {
  client: Uint8Array;
  server: Uint8Array;
}

export interface TrafficKeys {
  key: Uint8Array;
  iv: Uint8Array;
}

type Input = { name: string; value: Uint8Array };
export type Stage13Name = 'early' | 'handshake' | 'master';

/**
 * What every stage can do with a traffic secret it was handed, whatever stage made it: write keys, Finished,
 * KeyUpdate, exporters and ticket PSKs (RFC 8446 §4.4.4, §4.6.1, §7.2, §7.3, §7.5).
 */
export class TrafficSecretUse13 {
  readonly hashLength: number;

  protected constructor(
    readonly hash: HashName,
    protected readonly emit: Emit,
  ) {
    this.hashLength = hashLength(hash);
  }

  /** For traffic secrets learnt elsewhere (a key log, a capture): keys, Finished and KeyUpdate without the stages. */
  static forSecrets(hash: HashName, emit: Emit = () => -1): TrafficSecretUse13 {
    return new TrafficSecretUse13(hash, emit);
  }

  /** finished_key = HKDF-Expand-Label(BaseKey, "finished", "", Hash.length). */
  async finishedKey(trafficSecret: Uint8Array, who = ''): Promise<Uint8Array> {
    const out = await hkdfExpandLabel(this.hash, trafficSecret, 'finished', new Uint8Array(0), this.hashLength);
    return this.report('HKDF-Expand-Label', prefixed(who, 'finished_key'), 'finished', new Uint8Array(0), [{ name: 'base_key', value: trafficSecret }], out);
  }

  /** verify_data = HMAC(finished_key, Transcript-Hash(...)). */
  async finishedVerifyData(trafficSecret: Uint8Array, transcriptHash: Uint8Array, who = ''): Promise<Uint8Array> {
    const key = await this.finishedKey(trafficSecret, who);
    const out = await hmac(this.hash, key, transcriptHash);
    return this.report('HMAC', prefixed(who, 'verify_data'), undefined, transcriptHash, [{ name: 'finished_key', value: key }], out);
  }

  /** [sender]_write_key and [sender]_write_iv from a traffic secret. `who` names them in the trace, e.g. "server_handshake". */
  async trafficKeys(secret: Uint8Array, keyLength: number, who = '', ivLength = 12): Promise<TrafficKeys> {
    const empty = new Uint8Array(0);
    const key = await hkdfExpandLabel(this.hash, secret, 'key', empty, keyLength);
    const iv = await hkdfExpandLabel(this.hash, secret, 'iv', empty, ivLength);
    this.report('HKDF-Expand-Label', prefixed(who, 'write_key'), 'key', empty, [{ name: 'traffic_secret', value: secret }], key);
    this.report('HKDF-Expand-Label', prefixed(who, 'write_iv'), 'iv', empty, [{ name: 'traffic_secret', value: secret }], iv);
    return { key, iv };
  }

  /** KeyUpdate: application_traffic_secret_N+1 = HKDF-Expand-Label(secret_N, "traffic upd", "", Hash.length). */
  async nextTrafficSecret(secret: Uint8Array, who = ''): Promise<Uint8Array> {
    const out = await hkdfExpandLabel(this.hash, secret, 'traffic upd', new Uint8Array(0), this.hashLength);
    return this.report('HKDF-Expand-Label', prefixed(who, 'next_application_traffic_secret'), 'traffic upd', new Uint8Array(0), [{ name: 'application_traffic_secret', value: secret }], out);
  }

  /** PSK for a ticket = HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce, Hash.length). */
  async resumptionPsk(resumptionMasterSecret: Uint8Array, ticketNonce: Uint8Array): Promise<Uint8Array> {
    return TrafficSecretUse13.resumptionPsk(this.hash, resumptionMasterSecret, ticketNonce, this.emit);
  }

  static async resumptionPsk(hash: HashName, resumptionMasterSecret: Uint8Array, ticketNonce: Uint8Array, emit?: Emit): Promise<Uint8Array> {
    const out = await hkdfExpandLabel(hash, resumptionMasterSecret, 'resumption', ticketNonce, hashLength(hash));
    // The nonce is a view into a received message and the PSK goes to the caller's session: the event keeps copies
    // of its own (its hex is made when first read).
    emit?.(keyEvent(hash, 'HKDF-Expand-Label', 'resumption_psk', 'resumption', Uint8Array.from(ticketNonce), [{ name: 'resumption_master_secret', value: resumptionMasterSecret }], Uint8Array.from(out)));
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
    // The caller gets `out`: the event keeps a copy of its own.
    this.report('HKDF-Expand-Label', 'exported_keying_material', 'exporter', contextHash, [{ name: 'exporter_secret_for_label', value: perLabel }], Uint8Array.from(out));
    return out;
  }

  /** Derive-Secret(stage secret, label, transcript hash), checked for the hash's length. */
  protected async deriveFrom(stage: Stage13Name, secret: Uint8Array, label: string, name: string, context: Uint8Array): Promise<Uint8Array> {
    this.checkContext(name, context);
    const out = await deriveSecret(this.hash, secret, label, context);
    return this.report('Derive-Secret', name, label, context, [{ name: `${stage}_secret`, value: secret }], out);
  }

  /** Two Derive-Secret calls from one secret and context, run together and reported in order. */
  protected async deriveBoth(stage: Stage13Name, secret: Uint8Array, context: Uint8Array, labels: [string, string][]): Promise<Uint8Array[]> {
    this.checkContext(labels[0][1], context);
    const outs = await Promise.all(labels.map(([label]) => deriveSecret(this.hash, secret, label, context)));
    return outs.map((out, i) => this.report('Derive-Secret', labels[i][1], labels[i][0], context, [{ name: `${stage}_secret`, value: secret }], out));
  }

  /** The "derived" salt for the next stage: Derive-Secret(secret, "derived", ""), or the one given when known. */
  protected async derivedSalt(stage: 'early' | 'handshake', secret: Uint8Array, name: string, known?: Promise<Uint8Array>): Promise<Uint8Array> {
    const context = await emptyHash(this.hash);
    const salt = known ? Uint8Array.from(await known) : await deriveSecret(this.hash, secret, 'derived', context);
    return this.report('Derive-Secret', name, 'derived', context, [{ name: `${stage}_secret`, value: secret }], salt);
  }

  protected report(op: string, name: string, label: string | undefined, context: Uint8Array | undefined, inputs: Input[], output: Uint8Array): Uint8Array {
    this.emit(keyEvent(this.hash, op, name, label, context, inputs, output));
    return output;
  }

  private checkContext(name: string, context: Uint8Array): void {
    if (context.length !== this.hashLength) throw new Error(`${name}: the transcript hash must be ${this.hashLength} bytes for ${this.hash}, got ${context.length}`);
  }
}

/** Early Secret = HKDF-Extract(0, PSK or HashLen zeros): early traffic, and the way to the handshake stage. */
export class EarlyStage13 extends TrafficSecretUse13 {
  readonly stage = 'early' as const;

  protected constructor(hash: HashName, emit: Emit, readonly secret: Uint8Array, private readonly knownSalt?: Promise<Uint8Array>) {
    super(hash, emit);
  }

  /** The early stage of a full handshake: no PSK, so the input is HashLen zeros. */
  static async withoutPsk(hash: HashName, emit: Emit = () => -1): Promise<EarlyStage13> {
    const zeros = new Uint8Array(hashLength(hash));
    // Without a PSK the early secret is the same for every connection: computed once per hash.
    const stage = new EarlyStage13(hash, emit, await noPskEarlySecret(hash), noPskDerivedSalt(hash));
    stage.report('HKDF-Extract', 'early_secret', undefined, undefined, [{ name: 'salt', value: zeros }, { name: 'ikm (no PSK: zeros)', value: zeros }], stage.secret);
    return stage;
  }

  /** The early stage from a PSK (a ticket's, or an external one): binders become possible. */
  static async withPsk(hash: HashName, psk: Uint8Array, emit: Emit = () => -1): Promise<PskEarlyStage13> {
    return PskEarlyStage13.fromPsk(hash, psk, emit);
  }

  async clientEarlyTrafficSecret(transcriptHash: Uint8Array): Promise<Uint8Array> {
    return this.deriveFrom('early', this.secret, 'c e traffic', 'client_early_traffic_secret', transcriptHash);
  }

  async earlyExporterMasterSecret(transcriptHash: Uint8Array): Promise<Uint8Array> {
    return this.deriveFrom('early', this.secret, 'e exp master', 'early_exporter_master_secret', transcriptHash);
  }

  /**
   * Handshake Secret = HKDF-Extract(Derive-Secret(Early Secret, "derived", ""), (EC)DHE).
   * Without a shared secret (PSK-only, psk_ke) the input is HashLen zeros.
   */
  async handshake(sharedSecret?: Uint8Array): Promise<HandshakeStage13> {
    const salt = await this.derivedSalt('early', this.secret, 'derived_secret_for_handshake', this.knownSalt);
    const ikm = sharedSecret ?? new Uint8Array(this.hashLength);
    const secret = await hkdfExtract(this.hash, salt, ikm);
    const next = HandshakeStage13.after(this.hash, this.emit, secret);
    this.report('HKDF-Extract', 'handshake_secret', undefined, undefined, [
      { name: 'salt (derived from early_secret)', value: salt },
      { name: sharedSecret ? 'ecdhe_shared_secret' : 'ikm (no (EC)DHE: zeros)', value: ikm },
    ], secret);
    return next;
  }
}

/** The early stage made from a PSK: it can also make the PSK binder (RFC 8446 §4.2.11.2). */
export class PskEarlyStage13 extends EarlyStage13 {
  static async fromPsk(hash: HashName, psk: Uint8Array, emit: Emit = () => -1): Promise<PskEarlyStage13> {
    const salt = new Uint8Array(hashLength(hash));
    const stage = new PskEarlyStage13(hash, emit, await hkdfExtract(hash, salt, psk));
    stage.report('HKDF-Extract', 'early_secret', undefined, undefined, [{ name: 'salt', value: salt }, { name: 'psk', value: Uint8Array.from(psk) }], stage.secret);
    return stage;
  }

  /** binder_key = Derive-Secret(Early Secret, "res binder" | "ext binder", ""). */
  async binderKey(kind: 'res' | 'ext'): Promise<Uint8Array> {
    const context = await emptyHash(this.hash);
    const label = `${kind} binder`;
    const out = await deriveSecret(this.hash, this.secret, label, context);
    return this.report('Derive-Secret', 'binder_key', label, context, [{ name: 'early_secret', value: this.secret }], out);
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
}

/** Handshake Secret: the handshake traffic secrets, and the way to the master stage. */
export class HandshakeStage13 extends TrafficSecretUse13 {
  readonly stage = 'handshake' as const;

  private constructor(hash: HashName, emit: Emit, readonly secret: Uint8Array) {
    super(hash, emit);
  }

  /** Made only by EarlyStage13.handshake(). */
  static after(hash: HashName, emit: Emit, secret: Uint8Array): HandshakeStage13 {
    return new HandshakeStage13(hash, emit, secret);
  }

  /** client/server handshake traffic secrets over Transcript-Hash(ClientHello..ServerHello). */
  async trafficSecrets(transcriptHash: Uint8Array): Promise<TrafficSecrets> {
    const [client, server] = await this.deriveBoth('handshake', this.secret, transcriptHash, [
      ['c hs traffic', 'client_handshake_traffic_secret'],
      ['s hs traffic', 'server_handshake_traffic_secret'],
    ]);
    return { client, server };
  }

  /** Master Secret = HKDF-Extract(Derive-Secret(Handshake Secret, "derived", ""), 0). */
  async master(): Promise<MasterStage13> {
    const salt = await this.derivedSalt('handshake', this.secret, 'derived_secret_for_master');
    const zeros = new Uint8Array(this.hashLength);
    const secret = await hkdfExtract(this.hash, salt, zeros);
    const stage = MasterStage13.after(this.hash, this.emit, secret);
    this.report('HKDF-Extract', 'master_secret', undefined, undefined, [
      { name: 'salt (derived from handshake_secret)', value: salt },
      { name: 'ikm (zeros)', value: zeros },
    ], secret);
    return stage;
  }
}

/** Master Secret: application traffic, exporter and resumption secrets. */
export class MasterStage13 extends TrafficSecretUse13 {
  readonly stage = 'master' as const;

  private constructor(hash: HashName, emit: Emit, readonly secret: Uint8Array) {
    super(hash, emit);
  }

  /** Made only by HandshakeStage13.master(). */
  static after(hash: HashName, emit: Emit, secret: Uint8Array): MasterStage13 {
    return new MasterStage13(hash, emit, secret);
  }

  /** Application traffic secrets (generation 0) over Transcript-Hash(ClientHello..server Finished). */
  async applicationTrafficSecrets(transcriptHash: Uint8Array): Promise<TrafficSecrets> {
    const [client, server] = await this.deriveBoth('master', this.secret, transcriptHash, [
      ['c ap traffic', 'client_application_traffic_secret_0'],
      ['s ap traffic', 'server_application_traffic_secret_0'],
    ]);
    return { client, server };
  }

  async exporterMasterSecret(transcriptHash: Uint8Array): Promise<Uint8Array> {
    return this.deriveFrom('master', this.secret, 'exp master', 'exporter_master_secret', transcriptHash);
  }

  /** Over Transcript-Hash(ClientHello..client Finished). */
  async resumptionMasterSecret(transcriptHash: Uint8Array): Promise<Uint8Array> {
    return this.deriveFrom('master', this.secret, 'res master', 'resumption_master_secret', transcriptHash);
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

const noPskDerivedSalts = new Map<HashName, Promise<Uint8Array>>();

/** Derive-Secret(the no-PSK early secret, "derived", ""): also the same for every connection without a PSK. */
function noPskDerivedSalt(hash: HashName): Promise<Uint8Array> {
  let salt = noPskDerivedSalts.get(hash);
  if (!salt) {
    salt = (async () => deriveSecret(hash, await noPskEarlySecret(hash), 'derived', await emptyHash(hash)))();
    noPskDerivedSalts.set(hash, salt);
    salt.catch(() => noPskDerivedSalts.delete(hash));
  }
  return salt;
}

function prefixed(who: string, name: string): string {
  return who ? `${who}_${name}` : name;
}

/** A key event (key-event.ts): its hex made when first read. The byte arrays given are never written again. */
function keyEvent(hash: HashName, op: string, name: string, label: string | undefined, context: Uint8Array | undefined, inputs: Input[], output: Uint8Array): LiveKeyEvent {
  return new LiveKeyEvent(hash, op, name, label, context, inputs, output);
}
