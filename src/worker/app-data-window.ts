// What is kept of a long transfer: the first WINDOW bytes of application data each way in full, then each
// further record with its header, sizes, nonce and tag but not its body, and each further piece of application
// data as its length and SHA-256, both marked `summarised` (trace/types.ts). The page always gets these copies, so
// its memory and views stay the size of the window however much flows. The worker keeps them too, in place of
// the full events, unless the person asked to keep application data for saving (`kept`: the summary then says
// a saved trace has the bytes).
// Speed: the bytes are read from the engine's buffers (trace/event-bytes.ts), never through their hex, and hashed
// by WebCrypto off the thread; a summary's `sha256` is filled in when its digest is done (`digested()`).
import type { AppDataEvent, RecordEvent, Side, Summarised, TraceEvent } from '../trace/types.ts';
import { takeEventBytes, wantEventBytes } from '../trace/event-bytes.ts';
import { fromHex, toHex } from '../util/bytes.ts';
import { APP_DATA_WINDOW } from './messages.ts';

const APPLICATION_DATA = 23;

export class AppDataWindow {
  /** Application data bytes shown in full so far, per direction. */
  private readonly shown: Record<Side, number> = { client: 0, server: 0 };
  /** Records whose body was left out: their application data is left out too. */
  private readonly summarisedRecords = new Set<number>();
  private summarising = false;
  /** Digests not yet written into their summaries. */
  private pending: Promise<void>[] = [];

  private readonly window: number;
  /** The worker keeps the full events: said in each summary. */
  private readonly kept: boolean;

  constructor(options: { window?: number; kept?: boolean } = {}) {
    this.window = options.window ?? APP_DATA_WINDOW;
    this.kept = options.kept ?? false;
    wantEventBytes();
  }

  /** True once anything was left out. */
  get summarisedAny(): boolean {
    return this.summarising;
  }

  /** Resolves once every summary made so far has its `sha256`. */
  digested(): Promise<void> {
    const pending = this.pending;
    this.pending = [];
    return pending.length === 0 ? Promise.resolve() : Promise.all(pending).then(() => undefined);
  }

  /** True while a summary waits for its digest. */
  get digesting(): boolean {
    return this.pending.length > 0;
  }

  /** The event as the page should get it: itself, or a summarised copy (its `sha256` may come later: digested()). */
  forPage(e: TraceEvent): TraceEvent {
    if (e.kind === 'record') return this.record(e);
    if (e.kind === 'app-data') return this.appData(e);
    return e;
  }

  private record(e: RecordEvent): TraceEvent {
    // The record's own bytes, taken for every record so that none is held twice (bytes and hex).
    const whole = takeEventBytes(e);
    const p = e.protection;
    if ((p ? p.innerContentType : e.contentType) !== APPLICATION_DATA) return e;
    // Only the plaintext's length is read here, from the engine's buffer when it gave one (reading the hex would
    // encode the whole record).
    const length = p ? (takeEventBytes(p)?.length ?? p.plaintext.length / 2) : (whole?.length ?? e.bytes.length / 2) - 5;
    if (this.shown[e.direction] < this.window) {
      this.shown[e.direction] += length;
      return e;
    }
    this.summarising = true;
    this.summarisedRecords.add(e.index);
    // Built field by field: a spread would read (and encode) every lazy hex field.
    const copy: RecordEvent = {
      kind: 'record',
      index: e.index,
      t: e.t,
      conn: e.conn,
      direction: e.direction,
      epoch: e.epoch,
      seq: e.seq,
      contentType: e.contentType,
      // The header, and a TLS 1.2 AEAD record's explicit nonce (4-byte IV: RFC 5288 §3) that the nonce is built from.
      // Encoded from the record's bytes when the engine gave them: its whole hex would be 32 KiB a record.
      bytes: headHex(e, whole, p && p.iv.length === 8 ? 13 : 5),
      fields: e.fields,
      summarised: { length, kept: this.kept },
    };
    if (p) {
      copy.protection = { cipherSuite: p.cipherSuite, nonce: p.nonce, iv: p.iv, aad: p.aad, ciphertext: '', tag: p.tag, plaintext: '', innerContentType: p.innerContentType, paddingLength: p.paddingLength };
    }
    return copy;
  }

  private appData(e: AppDataEvent): TraceEvent {
    const left = e.record !== undefined ? this.summarisedRecords.has(e.record) : this.shown[e.direction] >= this.window;
    const data = takeEventBytes(e);
    if (!left) return e;
    this.summarising = true;
    const bytes = data ?? fromHex(e.bytes);
    const summarised: Summarised = { length: bytes.length, sha256: '', kept: this.kept };
    this.pending.push(
      crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>).then((digest) => {
        summarised.sha256 = toHex(new Uint8Array(digest));
      }),
    );
    return {
      kind: 'app-data',
      index: e.index,
      t: e.t,
      conn: e.conn,
      direction: e.direction,
      bytes: '',
      ...(e.record !== undefined ? { record: e.record } : {}),
      summarised,
    };
  }
}

/** The hex of a record's first `n` bytes. */
function headHex(e: RecordEvent, whole: Uint8Array | undefined, n: number): string {
  return whole ? toHex(whole.subarray(0, n)) : e.bytes.slice(0, 2 * n);
}
