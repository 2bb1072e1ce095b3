// Work the TLS 1.3 key schedule starts before it is asked for, so that it overlaps with waiting for the peer:
// the next stage's "derived" salt (and extract), finished keys, the other direction's write keys, the client
// Finished value, the binder key, the exporter secret. Values only: the schedule emits the trace events when the
// caller asks, in the same order as without this helper. Every `take*` hands a result over once (or undefined).
// Each piece runs when the thread is free (IdleWork: after the current step, e.g. while the server's flight is
// decrypting), or when taken, whichever comes first: started as plain calls, these synchronous hashes would all run
// before the step that must come first (installing the keys the server's flight needs, sending our Finished).
import { toHex } from '../../util/bytes.ts';
import { hmac, type HashName } from '../../crypto/hash.ts';
import { prepareAead, type AeadName } from '../../crypto/aead.ts';
import { deriveSecret, emptyHash, hkdfExpandLabel, hkdfExtract } from '../../crypto/hkdf.ts';
import { IdleWork } from './idle-work.ts';

type Pending<T> = Promise<T>;

export class WorkAhead13 {
  private nextStage?: { take(): Promise<{ salt: Uint8Array; next: Uint8Array | null }> };
  private readonly finishedKeys = new Map<string, IdleWork<Uint8Array>>();
  private readonly trafficKeys = new Map<string, IdleWork<[Uint8Array, Uint8Array]>>();
  private readonly twins = new Map<string, Uint8Array>();
  private readonly verifyData = new Map<string, IdleWork<Uint8Array>>();
  private binderKey?: { kind: 'res' | 'ext'; value: IdleWork<Uint8Array> };
  private exporter?: { context: string; value: IdleWork<Uint8Array> };
  /** Key and IV lengths of the suite, learnt from the first trafficKeys() call. */
  keyLengths?: { key: number; iv: number };
  /** The client handshake traffic secret: its Finished is computed ahead once the application secrets exist. */
  clientHandshakeSecret?: Uint8Array;
  /** The record cipher the keys are for, once known: write keys made ahead are then handed to it ahead too. */
  aead?: AeadName;

  constructor(readonly hash: HashName) {}

  /** Derive-Secret(secret, "derived", "") and, when `nextIkm` is given, the HKDF-Extract of the next stage. */
  startNextStage(secret: Uint8Array, nextIkm: Uint8Array | null): void {
    this.nextStage = new IdleWork(async () => {
      const salt = await deriveSecret(this.hash, secret, 'derived', await emptyHash(this.hash));
      return { salt, next: nextIkm ? await hkdfExtract(this.hash, salt, nextIkm) : null };
    });
  }

  /** The "derived" salt already known (the same for every connection without a PSK): handed over as if made ahead. */
  knownNextStage(salt: Promise<Uint8Array>): void {
    this.nextStage = { take: async () => ({ salt: Uint8Array.from(await salt), next: null }) };
  }

  takeNextStage(): Pending<{ salt: Uint8Array; next: Uint8Array | null }> | undefined {
    const ahead = this.nextStage;
    this.nextStage = undefined;
    return ahead?.take();
  }

  startFinishedKey(trafficSecret: Uint8Array): void {
    this.finishedKeys.set(toHex(trafficSecret), new IdleWork(() => this.expandFinishedKey(trafficSecret)));
  }

  takeFinishedKey(trafficSecret: Uint8Array): Pending<Uint8Array> | undefined {
    return take(this.finishedKeys, toHex(trafficSecret))?.take();
  }

  /** `prepare`: hand the key to the record cipher ahead too (not for application keys, whose import waits for idle). */
  startTrafficKeys(secret: Uint8Array, keyLength: number, ivLength: number, prepare = true): void {
    const id = `${toHex(secret)}|${keyLength}|${ivLength}`;
    if (this.trafficKeys.has(id)) return;
    const aead = prepare ? this.aead : undefined;
    this.trafficKeys.set(
      id,
      new IdleWork(async () => {
        const keys = await expandKeyAndIv(this.hash, secret, keyLength, ivLength);
        if (aead) prepareAead(aead, keys[0]);
        return keys;
      }),
    );
  }

  takeTrafficKeys(secret: Uint8Array, keyLength: number, ivLength: number): Pending<[Uint8Array, Uint8Array]> | undefined {
    return take(this.trafficKeys, `${toHex(secret)}|${keyLength}|${ivLength}`)?.take();
  }

  /** Remember that two traffic secrets belong together (client and server of one stage). */
  pair(client: Uint8Array, server: Uint8Array): void {
    this.twins.set(toHex(client), server);
    this.twins.set(toHex(server), client);
  }

  /** The other direction's secret, once: its keys are wanted soon after this one's. */
  takeTwin(secret: Uint8Array): Uint8Array | undefined {
    const twin = take(this.twins, toHex(secret));
    if (twin) this.twins.delete(toHex(twin));
    return twin;
  }

  /** HMAC(finished_key(secret), transcriptHash), picked up only if asked with the same hash. */
  startVerifyData(trafficSecret: Uint8Array, transcriptHash: Uint8Array): void {
    const key = this.finishedKeys.get(toHex(trafficSecret));
    this.verifyData.set(
      `${toHex(trafficSecret)}|${toHex(transcriptHash)}`,
      new IdleWork(async () => hmac(this.hash, await (key ? key.take() : this.expandFinishedKey(trafficSecret)), transcriptHash)),
    );
  }

  takeVerifyData(trafficSecret: Uint8Array, transcriptHash: Uint8Array): Pending<Uint8Array> | undefined {
    return take(this.verifyData, `${toHex(trafficSecret)}|${toHex(transcriptHash)}`)?.take();
  }

  startBinderKey(kind: 'res' | 'ext', early: Uint8Array): void {
    const value = new IdleWork(async () => {
      const key = await deriveSecret(this.hash, early, `${kind} binder`, await emptyHash(this.hash));
      this.startFinishedKey(key);
      return key;
    });
    this.binderKey = { kind, value };
  }

  takeBinderKey(kind: 'res' | 'ext'): Pending<Uint8Array> | undefined {
    const ahead = this.binderKey;
    this.binderKey = undefined;
    return ahead?.kind === kind ? ahead.value.take() : undefined;
  }

  startExporter(master: Uint8Array, transcriptHash: Uint8Array): void {
    this.exporter = { context: toHex(transcriptHash), value: new IdleWork(() => deriveSecret(this.hash, master, 'exp master', transcriptHash)) };
  }

  takeExporter(transcriptHash: Uint8Array): Pending<Uint8Array> | undefined {
    const ahead = this.exporter;
    this.exporter = undefined;
    return ahead?.context === toHex(transcriptHash) ? ahead.value.take() : undefined;
  }

  private expandFinishedKey(trafficSecret: Uint8Array): Promise<Uint8Array> {
    return hkdfExpandLabel(this.hash, trafficSecret, 'finished', new Uint8Array(0), trafficSecret.length);
  }
}

/** [key, iv] = HKDF-Expand-Label(secret, "key" | "iv", "", length): independent, so run together. */
export function expandKeyAndIv(hash: HashName, secret: Uint8Array, keyLength: number, ivLength: number): Promise<[Uint8Array, Uint8Array]> {
  const empty = new Uint8Array(0);
  return Promise.all([hkdfExpandLabel(hash, secret, 'key', empty, keyLength), hkdfExpandLabel(hash, secret, 'iv', empty, ivLength)]);
}

function take<V>(map: Map<string, V>, id: string): V | undefined {
  const value = map.get(id);
  map.delete(id);
  return value;
}
