// The WebSocket subprotocol the bridge speaks: the one definition, for the browser transport and the server.
export const BRIDGE_SUBPROTOCOL = 'tls-lens.bridge.v1';
