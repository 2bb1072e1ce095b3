// A bridge transport whose WebSocket opens when the engine first waits for the peer (its first read), carrying
// what was written before then in the upgrade request itself (bridge-protocol.ts, BRIDGE_FIRST_PARAM). The bridge
// writes those bytes to the target as soon as it has connected, so the target works on them while the WebSocket
// is still opening: a TLS client's ClientHello reaches the server one WebSocket round trip earlier than when it
// is sent once the socket is open. A bridge that does not take them (an older one) says so by the subprotocol it
// agrees to, and they go as the first message instead; so does a first flight too large for the request.
import { BRIDGE_FIRST_PARAM, BRIDGE_FIRST_SUBPROTOCOL, BRIDGE_MAX_FIRST_BYTES } from './bridge-protocol.ts';
import type { Transport } from './types.ts';
import { FLUSH_DELAY_MS, WebSocketTransport, type WebSocketTransportOptions } from './websocket.ts';
import { concat } from '../util/bytes.ts';

export class FirstFlightTransport implements Transport {
  private held: Uint8Array[] = [];
  private heldBytes = 0;
  private opening: Promise<WebSocketTransport> | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private closedUnopened = false;
  private readonly openedNow: { resolve: (t: WebSocketTransport) => void; reject: (e: Error) => void };
  private startedNow!: () => void;
  /** The WebSocket transport once open (rejects as the opening does). */
  readonly opened: Promise<WebSocketTransport>;
  /** Settles once the WebSocket is made (its upgrade on its way): from then on the caller waits for the network. */
  readonly started: Promise<void>;

  /** Nothing is opened yet: the first read (or close, or a write left alone for a moment) opens the WebSocket. */
  constructor(
    private readonly url: string,
    private readonly options: WebSocketTransportOptions = {},
  ) {
    let settle!: FirstFlightTransport['openedNow'];
    this.opened = new Promise<WebSocketTransport>((resolve, reject) => (settle = { resolve, reject }));
    this.opened.catch(() => undefined);
    this.openedNow = settle;
    this.started = new Promise<void>((resolve) => (this.startedNow = resolve));
  }

  write(data: Uint8Array): Promise<void> {
    if (this.closedUnopened) return Promise.reject(new Error('the connection is closed'));
    if (this.opening) return this.opening.then((t) => t.write(data));
    if (data.length === 0) return Promise.resolve();
    // Callers may reuse their buffer once write returns: hold a copy.
    this.held.push(data.slice());
    this.heldBytes += data.length;
    if (this.heldBytes > BRIDGE_MAX_FIRST_BYTES) void this.open().catch(() => undefined);
    // A caller that writes and then neither reads nor closes still gets its bytes sent.
    else this.timer ??= setTimeout(() => void this.open().catch(() => undefined), this.options.flushDelayMs ?? FLUSH_DELAY_MS);
    return Promise.resolve();
  }

  read(): Promise<Uint8Array | null> {
    if (this.closedUnopened) return Promise.resolve(null);
    return this.open().then((t) => t.read());
  }

  /** What is held goes now: in the upgrade request when not open yet, else through the open WebSocket. */
  flush(): void {
    if (this.closedUnopened) return;
    if (this.opening) void this.opening.then((t) => t.flush(), () => undefined);
    else if (this.heldBytes > 0) void this.open().catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.closedUnopened) return;
    if (!this.opening && this.heldBytes === 0) {
      // Never opened, nothing to send: nothing to open or close.
      this.closedUnopened = true;
      this.openedNow.reject(new Error('the connection was closed before it opened'));
      return;
    }
    try {
      await (await this.open()).close();
    } catch {
      // Never connected: nothing to close.
    }
  }

  private open(): Promise<WebSocketTransport> {
    if (this.opening) return this.opening;
    if (this.timer !== null) clearTimeout(this.timer);
    const first = this.held.length === 1 ? this.held[0] : concat(...this.held);
    this.held = [];
    this.heldBytes = 0;
    const inRequest = first.length > 0 && first.length <= BRIDGE_MAX_FIRST_BYTES;
    const protocols = this.options.protocols === undefined ? [] : typeof this.options.protocols === 'string' ? [this.options.protocols] : this.options.protocols;
    const opening = inRequest
      ? WebSocketTransport.open(`${this.url}${this.url.includes('?') ? '&' : '?'}${BRIDGE_FIRST_PARAM}=${base64Url(first)}`, { ...this.options, protocols: [BRIDGE_FIRST_SUBPROTOCOL, ...protocols] })
      : WebSocketTransport.open(this.url, this.options);
    this.startedNow();
    this.opening = opening.then(async (t) => {
      // The bridge took them only if it agreed to the subprotocol that says so. A session the bridge refused
      // closes at once: the next read reports its reason, which says more than this write's failure would.
      if (first.length > 0 && (!inRequest || t.protocol !== BRIDGE_FIRST_SUBPROTOCOL)) await t.write(first).catch(() => undefined);
      return t;
    });
    this.opening.then(this.openedNow.resolve, this.openedNow.reject);
    return this.opening;
  }
}

function base64Url(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
