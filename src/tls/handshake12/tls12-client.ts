// TLS 1.2's client handshake and connection: the code a TLS 1.3 handshake never runs. Loaded on its own, by
// loadTls12() in ./index.ts, when a ServerHello picks TLS 1.2 or only TLS 1.2 is offered, so a bundle that splits
// at dynamic imports (the browser's engine worker) keeps it out of what compiles before the first ClientHello.
export { continueAsTls12, handshakeTls12Only, Tls12Connection, type Handshake12 } from './connection12.ts';
export { selectsTls12 } from './states12.ts';
