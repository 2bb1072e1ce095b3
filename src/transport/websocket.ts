// A Transport over the bridge's WebSocket: binary frames in both directions, backpressure on
// send (waits while too much is buffered), and every way the bridge ends a session turned into
// a plain-words error. Works with the browser's WebSocket and with `ws` in Node (injected).
// Writes of one flight go out as one bridge message: a write is held until the engine turns to
// reading (it has said all it will say before the peer answers), closes, fills a frame, or a
// short timer runs out; a write made while a read already waits (a lone send) goes at once.
// Received bytes move to an HTTP download once a session carries more than a handshake's worth: a browser
// receives a streamed fetch several times faster than WebSocket messages (bench/browser/engine-bench.ts
// measures both). The bridge offers the download in one text message when the URL asks (downstream=http), once
// the count this side asks for (downloadAfter) came as messages, and says in the response how many bytes went as
// messages before it; the two are joined in order here.
import type { Transport } from './types.ts';
import { concat } from '../util/bytes.ts';
import { BRIDGE_DOWNLOAD_AFTER_PARAM, BRIDGE_DOWNLOAD_DECLINED } from './bridge-protocol.ts';

/** The subset of the WebSocket API used here (browser WebSocket and `ws` both provide it). */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  readonly bufferedAmount: number;
  readonly protocol: string;
  send(data: Uint8Array | string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string; wasClean?: boolean }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export type WebSocketFactory = (url: string, protocols?: string | string[]) => WebSocketLike;

export interface WebSocketTransportOptions {
  protocols?: string | string[];
  factory?: WebSocketFactory;
  timeoutMs?: number;
  flushDelayMs?: number;
  /** 'http' (default): ask the bridge to offer its bytes as a download, and take it for a long transfer;
   * 'websocket': every byte as WebSocket messages. */
  downstream?: 'http' | 'websocket';
  /** How the download is fetched (default: the global fetch). */
  fetch?: typeof fetch;
  /** Fetch the download once this many bytes came as messages (default DOWNLOAD_AFTER_BYTES; 0: at once). */
  downloadAfterBytes?: number;
}

/** Why the bridge closed, in words a person can act on. */
export class BridgeClosedError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    /** The bridge's machine code from the reason ("not-allowlisted", ...), if any. */
    readonly refusal?: string,
  ) {
    super(message);
    this.name = 'BridgeClosedError';
  }
}

const HIGH_WATER = 1 << 20; // stop queueing writes past 1 MiB not yet sent
/** Received bytes after which the download is fetched: a handshake and a small response stay on the WebSocket. */
export const DOWNLOAD_AFTER_BYTES = 64 * 1024;
/** Downloaded bytes held for the reader at most: past this the download waits (and the bridge's TCP read with it). */
const DOWNLOAD_BUFFER = 1 << 20;
/** The response header naming the bytes sent as WebSocket messages before the download (server/bridge/relay.ts). */
const BYTES_BEFORE_HEADER = 'x-tls-lens-bytes-before';
/** The bridge's largest message; larger writes go out as several frames. */
export const MAX_FRAME_BYTES = 64 * 1024;
/** The longest a held write waits for the rest of its flight: a safety net for a caller that writes and then
 * neither reads nor closes (a flight ends with a read or a close, which send at once). Long enough to span the
 * crypto between two records of one flight (a TLS 1.2 PRF, a new key share after a retry). */
export const FLUSH_DELAY_MS = 50;

const CLOSE_WORDS: Record<number, string> = {
  1001: 'the bridge is shutting down',
  1003: 'the bridge only carries binary data',
  1006: 'the connection to the bridge dropped without a close (is the TLS Lens server running?)',
  1009: 'a message was too large for the bridge',
  1011: 'the bridge hit an internal error',
  4400: 'the bridge did not understand the target',
  4401: 'the bridge needs an access token',
  4403: 'the bridge refused this target',
  4404: 'there is no lab scenario with that id',
  4408: 'connecting to the target took too long',
  4410: 'the session was idle for too long',
  4411: 'the session reached its maximum duration',
  4412: 'the download carrying the session was closed',
  4429: 'too many bridge sessions are open',
  4500: 'the bridge hit an internal error',
  4502: 'the target refused the connection or is unreachable',
  4503: 'the target name does not resolve',
  4504: 'the target reset the connection',
};

/** Turn a close code and reason into an error, or null for a normal end of stream. */
export function describeClose(code: number, reason: string): BridgeClosedError | null {
  if (code === 1000) return null;
  const m = /^([a-z0-9-]+):\s*(.*)$/i.exec(reason);
  const words = CLOSE_WORDS[code] ?? `the bridge closed the connection (code ${code})`;
  const detail = m ? m[2] : reason;
  return new BridgeClosedError(code, reason, detail ? `${words}: ${detail}` : words, m?.[1]);
}

export class WebSocketTransport implements Transport {
  private chunks: Uint8Array[] = [];
  private waiters: { resolve: (c: Uint8Array | null) => void; reject: (e: Error) => void }[] = [];
  private ended: { error: Error | null } | null = null;
  /** Written but not yet sent: the flight being gathered. */
  private held: Uint8Array[] = [];
  private heldBytes = 0;
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private flushQueued = false;
  /** Bytes received as WebSocket messages. */
  private messageBytes = 0;
  /** Bytes queued in `chunks`, for the download's bound. */
  private queuedBytes = 0;
  private readonly download: Download;
  /** How the WebSocket closed, kept while the download still delivers what came before the close. */
  private closedWith: { error: Error | null } | null = null;

  private constructor(
    private ws: WebSocketLike,
    private readonly flushDelayMs: number,
    url: string,
    fetcher: typeof fetch | undefined,
    downloadAfterBytes: number,
  ) {
    this.download = { state: 'none', url: null, url0: url, fetcher, after: downloadAfterBytes, before: 0, early: [], reader: null, wake: null };
    ws.onmessage = (ev) => (typeof ev.data === 'string' ? this.onOffer(ev.data) : this.onMessageBytes(toBytes(ev.data)));
    ws.onclose = (ev) => this.onClose(describeClose(ev.code, ev.reason));
    ws.onerror = () => {
      /* the close event that follows carries the code */
    };
  }

  /** Open the WebSocket; rejects with a plain-words error if the bridge refuses or is unreachable. */
  static open(url: string, options: WebSocketTransportOptions = {}): Promise<WebSocketTransport> {
    const factory: WebSocketFactory = options.factory ?? ((u, p) => new (globalThis as unknown as { WebSocket: new (u: string, p?: string | string[]) => WebSocketLike }).WebSocket(u, p));
    const fetcher = options.downstream === 'websocket' ? undefined : (options.fetch ?? (globalThis.fetch as typeof fetch | undefined)?.bind(globalThis));
    const after = options.downloadAfterBytes ?? DOWNLOAD_AFTER_BYTES;
    // The bridge holds what follows the first `after` bytes until the download is fetched (or declined).
    const wsUrl = fetcher ? `${url}${url.includes('?') ? '&' : '?'}downstream=http&${BRIDGE_DOWNLOAD_AFTER_PARAM}=${after}` : url;
    return new Promise((resolve, reject) => {
      let ws: WebSocketLike;
      try {
        ws = factory(wsUrl, options.protocols);
      } catch (e) {
        reject(new Error(`cannot open the bridge at ${url}: ${(e as Error).message}`));
        return;
      }
      ws.binaryType = 'arraybuffer';
      let settled = false;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        ws.close();
        reject(new BridgeClosedError(0, 'timeout', 'the bridge did not answer in time'));
      }, options.timeoutMs ?? 15_000);
      ws.onopen = () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(new WebSocketTransport(ws, options.flushDelayMs ?? FLUSH_DELAY_MS, wsUrl, fetcher, after));
      };
      ws.onerror = () => {};
      ws.onclose = (ev) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(describeClose(ev.code, ev.reason) ?? new BridgeClosedError(1000, ev.reason, 'the bridge closed the connection at once'));
      };
    });
  }

  /** Where the received bytes come from now: 'websocket' messages, or also the bridge's 'download' (once joined). */
  get receivedVia(): 'websocket' | 'download' {
    const d = this.download;
    return (d.state === 'active' || d.state === 'done') && this.messageBytes >= d.before ? 'download' : 'websocket';
  }

  /** The subprotocol the bridge agreed to. */
  get protocol(): string {
    return this.ws.protocol;
  }

  private push(chunk: Uint8Array) {
    if (chunk.length === 0) return;
    const w = this.waiters.shift();
    if (w) w.resolve(chunk);
    else {
      this.chunks.push(chunk);
      this.queuedBytes += chunk.length;
    }
  }

  private onMessageBytes(chunk: Uint8Array) {
    this.messageBytes += chunk.length;
    const d = this.download;
    if (d.state === 'active' && this.messageBytes > d.before) return this.end(new Error('the bridge sent more bytes as messages than its download said'));
    this.push(chunk);
    if (d.state === 'active' && this.messageBytes === d.before) this.joinDownload();
    if (d.state === 'offered' && this.messageBytes >= d.after) void this.startDownload();
  }

  /** The bridge's one text message: where its download is. */
  private onOffer(text: string) {
    const d = this.download;
    let path: unknown;
    try {
      path = (JSON.parse(text) as { downstream?: unknown }).downstream;
    } catch {
      path = undefined;
    }
    if (d.state !== 'none' || !d.fetcher) return;
    if (typeof path !== 'string') return this.declineDownload();
    d.url = new URL(path, d.url0.replace(/^ws/, 'http')).href;
    d.state = 'offered';
    if (this.messageBytes >= d.after) void this.startDownload();
  }

  /** Fetch the download; on any failure the bytes keep coming as messages (the bridge switches only once it answers). */
  private async startDownload() {
    const d = this.download;
    d.state = 'fetching';
    try {
      const res = await d.fetcher!(d.url!, { cache: 'no-store', credentials: 'omit' });
      // Only the bridge's own answer says where it joins: anything else (a dev server's page, a proxy's error) is not it.
      const header = res.headers.get(BYTES_BEFORE_HEADER);
      const before = header !== null && /^\d{1,15}$/.test(header) ? Number(header) : NaN;
      if (!res.ok || !res.body || !Number.isSafeInteger(before)) {
        await res.body?.cancel().catch(() => undefined);
        return this.declineDownload();
      }
      d.reader = res.body.getReader();
      d.before = before;
      d.state = 'active';
      if (this.messageBytes > before) return this.end(new Error('the bridge sent more bytes as messages than its download said'));
      if (this.messageBytes === before) this.joinDownload();
      await this.pumpDownload();
    } catch (e) {
      if (d.state === 'fetching') return this.declineDownload();
      // The download broke off: the WebSocket's close says why (it follows, if it has not come already).
      d.state = 'done';
      if (this.closedWith) this.end(this.closedWith.error ?? (e as Error));
    }
  }

  /** Read the download while fewer than DOWNLOAD_BUFFER bytes wait for the reader. */
  private async pumpDownload() {
    const d = this.download;
    for (;;) {
      while (this.queuedBytes + d.early.reduce((n, c) => n + c.length, 0) >= DOWNLOAD_BUFFER && !this.ended) await new Promise<void>((r) => (d.wake = r));
      if (this.ended && this.closedWith) return this.releaseDownload();
      const { value, done } = await d.reader!.read();
      if (done) break;
      // Closed by us: what still comes until the bridge ends the download is dropped.
      if (value.length === 0 || this.ended) continue;
      // Bytes that follow messages still on their way wait for them.
      if (this.messageBytes < d.before) d.early.push(value);
      else this.push(value);
    }
    d.state = 'done';
    this.finishIfClosed();
  }

  /** The download will not be used: the bridge, which holds the bytes for it, sends them on as messages. */
  private declineDownload() {
    this.download.state = 'failed';
    if (this.ws.readyState === 1) this.ws.send(BRIDGE_DOWNLOAD_DECLINED);
    this.finishIfClosed();
  }

  /** Every message before the download has arrived: the download's bytes that came early follow them now. */
  private joinDownload() {
    const d = this.download;
    for (const chunk of d.early.splice(0)) this.push(chunk);
  }

  /** The WebSocket closed: the end of the stream, unless the download still carries bytes sent before the close. */
  private onClose(error: Error | null) {
    this.closedWith = { error };
    if (this.ended) return this.releaseDownload();
    const s = this.download.state;
    if (s === 'fetching' || s === 'active') return;
    this.end(error);
  }

  private finishIfClosed() {
    if (this.closedWith) this.end(this.closedWith.error);
  }

  /**
   * Let go of the download once the WebSocket has closed. Before that the bridge ends the download itself when our
   * close reaches it; letting go first would read to the bridge as a dropped download (4412) and reset the target
   * instead of ending it cleanly.
   */
  private releaseDownload() {
    if (this.closedWith && this.download.reader) void this.download.reader.cancel().catch(() => undefined);
  }

  private end(error: Error | null) {
    if (this.ended) return;
    this.ended = { error };
    this.download.wake?.();
    this.releaseDownload();
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    for (const w of this.waiters.splice(0)) error ? w.reject(error) : w.resolve(null);
  }

  private throwIfEnded() {
    if (this.ended) throw this.ended.error ?? new Error('the connection is closed');
  }

  async write(data: Uint8Array): Promise<void> {
    this.throwIfEnded();
    if (this.ws.readyState !== 1) throw new Error('the bridge connection is not open');
    // Backpressure: let the socket drain before queueing more.
    while (this.ws.bufferedAmount + this.heldBytes > HIGH_WATER) {
      await new Promise((r) => setTimeout(r, 5));
      this.throwIfEnded();
    }
    if (data.length === 0) return;
    // Callers may reuse their buffer once write returns: hold a copy.
    this.held.push(data.slice());
    this.heldBytes += data.length;
    if (this.heldBytes >= MAX_FRAME_BYTES) this.flush();
    else if (this.waiters.length > 0) this.flushSoon();
    else this.flushTimer ??= setTimeout(() => this.flush(), this.flushDelayMs);
  }

  /** Send at the end of this turn: writes made together in one synchronous run still share a message. */
  private flushSoon() {
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(() => {
      this.flushQueued = false;
      this.flush();
    });
  }

  /** Send everything held, as whole frames of up to MAX_FRAME_BYTES. */
  flush(): void {
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (this.heldBytes === 0) return;
    const parts = this.held;
    const all = parts.length === 1 ? parts[0] : concat(...parts);
    this.held = [];
    this.heldBytes = 0;
    // Closed meanwhile: the close event reports why; nothing more can be sent.
    if (this.ws.readyState !== 1) return;
    for (let i = 0; i < all.length; i += MAX_FRAME_BYTES) this.ws.send(all.subarray(i, i + MAX_FRAME_BYTES));
  }

  read(): Promise<Uint8Array | null> {
    // The engine waits for the peer now: what it wrote must be on its way.
    this.flush();
    const chunk = this.chunks.shift();
    if (chunk) {
      this.queuedBytes -= chunk.length;
      const wake = this.download.wake;
      this.download.wake = null;
      wake?.();
      return Promise.resolve(chunk);
    }
    if (this.ended) return this.ended.error ? Promise.reject(this.ended.error) : Promise.resolve(null);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  async close(): Promise<void> {
    this.flush();
    if (this.ws.readyState === 0 || this.ws.readyState === 1) this.ws.close(1000, 'client-closed');
    this.end(null);
  }
}

/** The HTTP download of a session's received bytes, from the bridge's offer to its end. */
interface Download {
  state: 'none' | 'offered' | 'fetching' | 'active' | 'failed' | 'done';
  url: string | null;
  /** The WebSocket's URL, which the offered path is relative to. */
  url0: string;
  fetcher: typeof fetch | undefined;
  /** Received bytes after which it is fetched. */
  after: number;
  /** How many bytes the bridge sent as messages before the download took over. */
  before: number;
  /** Downloaded bytes that arrived before the last of those messages. */
  early: Uint8Array[];
  reader: ReadableStreamDefaultReader<Uint8Array> | null;
  /** Wakes the download's reading when the reader took bytes. */
  wake: (() => void) | null;
}

function toBytes(data: unknown): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (Array.isArray(data)) {
    // `ws` may deliver fragmented messages as Buffer[]
    return concat(...(data as Uint8Array[]));
  }
  return new Uint8Array(0);
}
