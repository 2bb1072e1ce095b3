// The WebSocket subprotocol the bridge speaks: the one definition, for the browser transport and the server.
export const BRIDGE_SUBPROTOCOL = 'tls-lens.bridge.v1';

/**
 * The client's first bytes may travel in the upgrade request itself, base64url in this query parameter: the bridge
 * writes them to the target as soon as it has connected, so the target answers while the WebSocket is still
 * opening (a TLS server gets the ClientHello one WebSocket round trip earlier).
 */
export const BRIDGE_FIRST_PARAM = 'first';

/**
 * Offered beside BRIDGE_SUBPROTOCOL with BRIDGE_FIRST_PARAM. A bridge that wrote the first bytes agrees to this one;
 * a bridge that did not (one from before the parameter existed) agrees to BRIDGE_SUBPROTOCOL, and the client then
 * sends the bytes as its first message. Either way they reach the target once.
 */
export const BRIDGE_FIRST_SUBPROTOCOL = 'tls-lens.bridge.v1.first';

/** The most first bytes the upgrade request carries (decoded); a longer first flight goes as messages. */
export const BRIDGE_MAX_FIRST_BYTES = 8192;

/**
 * With `downstream=http`: the client fetches the download once this many of the target's bytes came as messages
 * (a decimal count). The bridge then sends about that many and holds the rest, its TCP reading paused, until the
 * download is fetched: a long transfer goes by the download from there, instead of megabytes piling into the
 * WebSocket while the fetch is on its way (they would then arrive at the WebSocket's slower rate).
 */
export const BRIDGE_DOWNLOAD_AFTER_PARAM = 'downloadAfter';

/** The one text message a client sends: it will not fetch the download (its fetch failed), so the bridge stops
 * holding and the bytes go on as messages. */
export const BRIDGE_DOWNLOAD_DECLINED = 'no-download';
