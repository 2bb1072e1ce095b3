// The bridge's WebSocket subprotocol (must match server/bridge).
export const BRIDGE_SUBPROTOCOL = 'tls-lens-bridge.v1';
