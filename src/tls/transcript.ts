// The handshake transcript (RFC 8446 §4.4.1). It keeps the message bytes (the trace names what each hash covers)
// and, where the crypto provider has a running hash, feeds each message to it once: a Transcript-Hash is then a
// copy of that state finished, not the whole transcript hashed again (the Certificate message alone is most of
// it, and a TLS 1.3 client asks for five hashes). Otherwise it hashes the concatenation when asked. Each hash is
// reported to the trace with the messages it covers.
import type { Emit } from '../trace/recorder.ts';
import { concat, toHex } from '../util/bytes.ts';
import { digest, hashLength, startRunningHash, type HashName } from '../crypto/hash.ts';
import type { RunningHash } from '../crypto/provider.ts';

/** Handshake type of the synthetic message that replaces ClientHello1 after a HelloRetryRequest. */
const MESSAGE_HASH_TYPE = 254;

interface Entry {
  bytes: Uint8Array;
  name: string;
  /** Index of the trace event of this message (-1 if none). */
  eventIndex: number;
}

export class Transcript {
  private entries: Entry[] = [];
  private hashName: HashName | null;
  /** The latest Transcript-Hash (maybe still running) and how many messages it covers: hash() reuses it. */
  private lastHash: { count: number; hash: HashName; value: Promise<Uint8Array> } | null = null;
  /** The provider's running hash over the first `count` messages (null: none yet, or the provider has none). */
  private running: { hash: HashName; count: number; state: RunningHash } | null = null;

  /**
   * `hash` may be null while it is not known yet (a client before ServerHello); set it with
   * `setHash` before the first `hash()` call.
   */
  constructor(hash: HashName | null, private readonly emit: Emit = () => -1) {
    this.hashName = hash;
  }

  get hashAlgorithm(): HashName | null {
    return this.hashName;
  }

  setHash(hash: HashName): void {
    if (this.hashName && this.hashName !== hash) throw new Error(`the transcript hash is already ${this.hashName}; cannot switch to ${hash}`);
    this.hashName = hash;
  }

  /** Append one whole handshake message (4-byte header included). */
  add(messageBytes: Uint8Array, name: string, eventIndex = -1): void {
    this.entries.push({ bytes: Uint8Array.from(messageBytes), name, eventIndex });
    this.startHash();
  }

  /**
   * Start hashing the messages so far in the background, so that a later hash() finds the value
   * ready instead of waiting for WebCrypto then (most prefixes are asked for: after ServerHello,
   * Certificate, CertificateVerify, each Finished). The trace event is still emitted by hash().
   */
  private startHash(): void {
    const hash = this.hashName;
    if (!hash) return;
    // With a running hash a later hash() costs next to nothing: nothing to start ahead.
    if (this.runningHash(hash)) return;
    const value = this.digestOver(this.entries.slice(), new Uint8Array(0), hash);
    this.lastHash = { count: this.entries.length, hash, value };
    value.catch(() => {
      if (this.lastHash?.value === value) this.lastHash = null;
    });
  }

  /** Names of the messages covered so far, in order. */
  get covers(): string[] {
    return this.entries.map((e) => e.name);
  }

  /** The concatenated message bytes (what the hash covers). */
  bytes(): Uint8Array {
    return concat(...this.entries.map((e) => e.bytes));
  }

  /**
   * Transcript-Hash of every message so far without a trace event, for work started before the protocol asks for
   * it (the step that asks calls hash(), which traces it); null when the provider keeps no running hash.
   */
  hashUntraced(): Uint8Array | null {
    const hash = this.hashName;
    return hash ? (this.runningHash(hash)?.digest() ?? null) : null;
  }

  /** Transcript-Hash of every message added so far. */
  async hash(): Promise<Uint8Array> {
    const hash = this.requireHash();
    // The messages as of this call: the trace event names these even if more arrive meanwhile.
    const entries = this.entries.slice();
    const count = entries.length;
    const running = this.runningHash(hash);
    if (running) {
      const value = running.digest();
      this.report(entries, undefined, hash, value);
      return value;
    }
    const last = this.lastHash;
    if (last && last.count === count && last.hash === hash) {
      const value = Uint8Array.from(await last.value);
      this.report(entries, undefined, hash, value);
      return value;
    }
    const value = this.digestOver(entries, new Uint8Array(0), hash);
    this.lastHash = { count, hash, value };
    value.catch(() => {
      if (this.lastHash?.value === value) this.lastHash = null;
    });
    const out = Uint8Array.from(await value);
    this.report(entries, undefined, hash, out);
    return out;
  }

  /**
   * Transcript-Hash of the messages so far plus `extraBytes` that are not (yet) part of the
   * transcript, e.g. a ClientHello truncated before its PSK binders (RFC 8446 §4.2.11.2).
   */
  async hashWith(extraBytes: Uint8Array, options: { name?: string; hash?: HashName } = {}): Promise<Uint8Array> {
    return this.hashOver(this.entries, extraBytes, options.name ?? 'partial message', options.hash ?? this.requireHash());
  }

  /**
   * After a HelloRetryRequest: ClientHello1 is replaced by the synthetic handshake message
   * message_hash (type 254, length Hash.length) carrying Hash(ClientHello1).
   */
  async replaceWithMessageHash(): Promise<Uint8Array> {
    const hash = this.requireHash();
    if (this.entries.length !== 1) throw new Error(`replaceWithMessageHash expects exactly ClientHello1 in the transcript, found ${this.covers.join(', ') || 'nothing'}`);
    const [first] = this.entries;
    const h = await digest(hash, first.bytes);
    const n = hashLength(hash);
    const synthetic = concat(Uint8Array.of(MESSAGE_HASH_TYPE, 0, 0, n), h);
    this.entries = [{ bytes: synthetic, name: `message_hash(${first.name})`, eventIndex: first.eventIndex }];
    this.lastHash = null;
    this.running = null;
    return synthetic;
  }

  /** The provider's running hash brought up to every message so far, or null without one. */
  private runningHash(hash: HashName): RunningHash | null {
    if (!this.running || this.running.hash !== hash) {
      const state = startRunningHash(hash);
      if (!state) return null;
      this.running = { hash, count: 0, state };
    }
    const r = this.running;
    while (r.count < this.entries.length) r.state.update(this.entries[r.count++].bytes);
    return r.state;
  }

  private requireHash(): HashName {
    if (!this.hashName) throw new Error('the transcript hash algorithm is not known yet (no cipher suite negotiated): call setHash first');
    return this.hashName;
  }

  private async hashOver(entries: Entry[], extra: Uint8Array, extraName: string | undefined, hash: HashName): Promise<Uint8Array> {
    const value = await this.digestOver(entries, extra, hash);
    this.report(entries, extraName, hash, value);
    return value;
  }

  private digestOver(entries: Entry[], extra: Uint8Array, hash: HashName): Promise<Uint8Array> {
    return digest(hash, concat(...entries.map((e) => e.bytes), extra));
  }

  private report(entries: Entry[], extraName: string | undefined, hash: HashName, value: Uint8Array): void {
    this.emit({
      kind: 'transcript',
      hash,
      covers: [...entries.map((e) => e.name), ...(extraName ? [extraName] : [])],
      messages: entries.map((e) => e.eventIndex).filter((i) => i >= 0),
      value: toHex(value),
    });
  }
}
