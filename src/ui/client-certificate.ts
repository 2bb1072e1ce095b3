// The client certificate our client sent, read from the trace's client Certificate message: the Certificates view
// shows it beside the server's chain. Our client does not check it (the server does), so it carries no verdict.
// Pure: trace events in, DER out (no DOM, no x509 code).
import type { FieldNode, HandshakeMessageEvent, TraceEvent } from '../trace/types.ts';

export interface SentClientCertificate {
  /** Index of the client Certificate message's event. */
  event: number;
  conn: number;
  /** The certificates as sent, leaf first, in hex DER; empty when the client declined (an empty Certificate). */
  chain: string[];
  /** Whether the message travelled encrypted (TLS 1.3) or in plaintext (TLS 1.2). */
  encrypted: boolean;
}

/**
 * The last Certificate message our client sent at or before event `upTo`; undefined when it sent none, or when the
 * trace was recorded by our server (its client Certificate is the peer's, not ours).
 */
export function sentClientCertificate(events: readonly TraceEvent[], upTo = events.length - 1): SentClientCertificate | undefined {
  let found: HandshakeMessageEvent | undefined;
  let recordedBy: 'client' | 'server' = 'client';
  for (let i = 0; i <= upTo && i < events.length; i++) {
    const e = events[i];
    if (e.kind === 'connection' && e.phase === 'start') recordedBy = e.recordedBy === 'server' ? 'server' : 'client';
    if (e.kind === 'handshake' && e.direction === 'client' && e.name === 'Certificate') found = e;
  }
  if (!found || recordedBy === 'server') return undefined;
  return { event: found.index, conn: found.conn, chain: certificatesOf(found), encrypted: found.epoch !== 'plaintext' };
}

/**
 * Each certificate's DER in a Certificate message, leaf first: TLS 1.3 names it cert_data inside each entry, TLS 1.2
 * "certificate N"; either is an opaque field whose "value" child spans the DER (offsets into the message's bytes).
 */
export function certificatesOf(message: Pick<HandshakeMessageEvent, 'bytes' | 'fields'>): string[] {
  const out: string[] = [];
  const todo: FieldNode[] = [...message.fields].reverse();
  while (todo.length) {
    const f = todo.pop()!;
    const value = f.children?.find((c) => c.name === 'value');
    const isCert = (f.name === 'cert_data' || /^certificate \d+/.test(f.name)) && value && f.children?.some((c) => c.name === 'length');
    if (isCert && value.end > value.start && value.end * 2 <= message.bytes.length) {
      out.push(message.bytes.slice(value.start * 2, value.end * 2));
      continue;
    }
    if (f.children) for (let i = f.children.length - 1; i >= 0; i--) todo.push(f.children[i]);
  }
  return out;
}
