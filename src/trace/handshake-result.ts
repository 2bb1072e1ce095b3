// One connection's handshake in the shape `tls-lens connect --json` prints, which `tls-lens pcap --json` gives for a
// captured stream too: both are read from trace events. Each command adds its own fields by extending it.
import type { TraceEvent } from './types.ts';

export interface HandshakeResult {
  ok: boolean;
  version: string | null;
  cipherSuite: string | null;
  group: string | null;
  helloRetryRequest: boolean;
  alpn: string | null;
  resumed: boolean;
  serverName: string | null;
  certificate: {
    verified: boolean;
    error: { code: string; message: string } | null;
    chain: { subject: string; issuer: string; sha256: string }[];
  };
  messages: { direction: string; type: string; length: number }[];
  alertSent: string | null;
  alertReceived: string | null;
  error: { code: string; message: string } | null;
  timing: { handshakeMs: number };
  clientCertificate: { requested: boolean; sent: boolean };
}

/** The alert one side sent that says why it ended: the first other than close_notify, else close_notify, else null. */
export function lastAlert(events: TraceEvent[], direction: 'client' | 'server'): string | null {
  const alerts = events.flatMap((e) => (e.kind === 'alert' && e.direction === direction ? [e.name] : []));
  return alerts.find((a) => a !== 'close_notify') ?? alerts[0] ?? null;
}
