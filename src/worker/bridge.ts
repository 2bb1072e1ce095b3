// The bridge's WebSocket subprotocol (must match server/bridge/index.ts BRIDGE_SUBPROTOCOL).
export const BRIDGE_SUBPROTOCOL = 'tls-lens.bridge.v1';
