// When a TLS 1.3 client handshake reached each milestone, read from its trace events' times: the steps the benches
// split a handshake at, in a Worker (bench/browser/engine-worker.ts) and in Node (bench/tls-phases.ts).
import type { TraceEvent } from '../src/trace/types.ts';

export interface HandshakeMilestones {
  /** Our first record (the ClientHello) made. */
  made: number;
  /** The server's first record read. */
  answered: number;
  serverHello: number;
  keyExchange: number;
  /** The server's handshake keys installed (their last key event). */
  handshakeKeys: number;
  certificate: number;
  /** The chain's result. */
  chain: number;
  certificateVerify: number;
  signature: number;
  serverFinished: number;
  /** Our last record out, at or before `until`. */
  lastOut: number;
}

/** Each milestone's time (NaN where the trace has none). */
export function milestonesOf(events: readonly TraceEvent[], until = Infinity): HandshakeMilestones {
  const at = (test: (e: TraceEvent & Record<string, unknown>) => boolean): number => events.find((e) => test(e as TraceEvent & Record<string, unknown>))?.t ?? NaN;
  const fromServer = (name: string) => at((e) => e.kind === 'handshake' && e.name === name && e.direction === 'server');
  return {
    made: at((e) => e.kind === 'record' && e.direction === 'client'),
    answered: at((e) => e.kind === 'record' && e.direction === 'server'),
    serverHello: fromServer('ServerHello'),
    keyExchange: at((e) => e.kind === 'key-exchange'),
    handshakeKeys: at((e) => e.kind === 'key' && e.name === 'server_handshake_write_iv'),
    certificate: fromServer('Certificate'),
    chain: at((e) => e.kind === 'cert-result'),
    certificateVerify: fromServer('CertificateVerify'),
    signature: at((e) => e.kind === 'signature'),
    serverFinished: at((e) => e.kind === 'finished' && e.direction === 'server'),
    lastOut: [...events].reverse().find((e) => e.kind === 'record' && e.direction === 'client' && e.t <= until)?.t ?? NaN,
  };
}

/** The steps from the server's first record to `done`, in the clock's unit, each from the milestone before it. */
export function serverFlightSteps(m: HandshakeMilestones, done: number): Record<string, number> {
  return {
    sh: m.serverHello - m.answered,
    ecdhe: m.keyExchange - m.serverHello,
    keys: m.handshakeKeys - m.keyExchange,
    toCert: m.certificate - m.handshakeKeys,
    chain: m.chain - m.certificate,
    toCv: m.certificateVerify - m.chain,
    cv: m.signature - m.certificateVerify,
    fin: m.serverFinished - m.signature,
    clientFlight: m.lastOut - m.serverFinished,
    after: done - m.lastOut,
  };
}

/** `steps` with `round` applied to each value. */
export function roundSteps(steps: Record<string, number>, round: (n: number) => number): Record<string, number> {
  return Object.fromEntries(Object.entries(steps).map(([name, n]) => [name, round(n)]));
}
