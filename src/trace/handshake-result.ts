// One connection's handshake in the shape `tls-lens connect --json` prints, which `tls-lens pcap --json` gives for a
// captured stream too: both are read from trace events. Each command adds its own fields by extending it, and so
// does serve's report of a client (src/cli/serve-report.ts).
import type { TraceEvent } from './types.ts';

/** What every handshake summary says, whoever wrote the trace: connect and pcap (HandshakeResult), serve (ClientReport). */
export interface HandshakeOutcome {
  ok: boolean;
  version: string | null;
  cipherSuite: string | null;
  group: string | null;
  helloRetryRequest: boolean;
  alpn: string | null;
  resumed: boolean;
  serverName: string | null;
  messages: HandshakeMessageLine[];
  alertSent: string | null;
  alertReceived: string | null;
  error: { code: string; message: string } | null;
}

export interface HandshakeMessageLine {
  direction: string;
  type: string;
  length: number;
}

export interface HandshakeResult extends HandshakeOutcome {
  certificate: {
    verified: boolean;
    error: { code: string; message: string } | null;
    chain: { subject: string; issuer: string; sha256: string }[];
  };
  timing: { handshakeMs: number };
  clientCertificate: { requested: boolean; sent: boolean };
}

/** Each handshake message in the trace, in order: who sent it, its name, its length in bytes. */
export function handshakeMessages(events: TraceEvent[]): HandshakeMessageLine[] {
  return events.flatMap((e) => (e.kind === 'handshake' ? [{ direction: e.direction, type: e.name, length: e.bytes.length / 2 }] : []));
}

/** The alert one side sent that says why it ended: the first other than close_notify, else close_notify, else null. */
export function lastAlert(events: TraceEvent[], direction: 'client' | 'server'): string | null {
  const alerts = events.flatMap((e) => (e.kind === 'alert' && e.direction === direction ? [e.name] : []));
  return alerts.find((a) => a !== 'close_notify') ?? alerts[0] ?? null;
}
