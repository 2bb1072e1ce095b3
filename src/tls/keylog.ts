// NSS key log lines (the SSLKEYLOGFILE format Wireshark reads), derived from a trace: the ClientHello random
// names the connection, the key-schedule events give the secrets. A saved trace therefore also gives a key log.
// https://firefox-source-docs.mozilla.org/security/nss/legacy/key_log_format/
import type { TraceEvent } from '../trace/types.ts';
import { fromHex, toHex } from '../util/bytes.ts';
import { HandshakeType } from './messages/constants.ts';
import { decodeHandshake } from './messages/handshake.ts';

const LABELS: Record<string, string> = {
  client_handshake_traffic_secret: 'CLIENT_HANDSHAKE_TRAFFIC_SECRET',
  server_handshake_traffic_secret: 'SERVER_HANDSHAKE_TRAFFIC_SECRET',
  client_application_traffic_secret_0: 'CLIENT_TRAFFIC_SECRET_0',
  server_application_traffic_secret_0: 'SERVER_TRAFFIC_SECRET_0',
  exporter_master_secret: 'EXPORTER_SECRET',
  client_early_traffic_secret: 'CLIENT_EARLY_TRAFFIC_SECRET',
};

/** ClientHello.random, read by the codec from the message as recorded. */
function clientRandom(e: TraceEvent): string | null {
  if (e.kind !== 'handshake' || e.direction !== 'client' || e.msgType !== HandshakeType.client_hello) return null;
  try {
    const { message } = decodeHandshake(fromHex(e.bytes));
    return message.type === 'client_hello' ? toHex(message.random) : null;
  } catch {
    return null; // not a well-formed ClientHello: no connection to name
  }
}

/** The key log lines for every connection in the trace, in order. */
export function keyLogLines(events: TraceEvent[]): string[] {
  const lines: string[] = [];
  const randoms = new Map<number, string>();
  const latest = new Map<number, string>();
  const updates = new Map<string, number>();
  for (const e of events) {
    const random = clientRandom(e);
    if (random && !randoms.has(e.conn)) randoms.set(e.conn, random);
    if (random) latest.set(e.conn, random);
    if (e.kind !== 'key') continue;
    // TLS 1.2: one master secret per handshake (a renegotiation has its own ClientHello random).
    if (e.name === 'master_secret' && (e.op === 'PRF' || e.op === 'resumed')) {
      const r = latest.get(e.conn);
      if (r) lines.push(`CLIENT_RANDOM ${r} ${e.output}`);
      continue;
    }
    const cr = randoms.get(e.conn);
    if (!cr) continue;
    let label = LABELS[e.name];
    // After KeyUpdate: the Nth next secret of a side is its traffic secret N.
    const next = /^(client|server)_next_application_traffic_secret$/.exec(e.name);
    if (next) {
      const key = `${e.conn}:${next[1]}`;
      const n = (updates.get(key) ?? 0) + 1;
      updates.set(key, n);
      label = `${next[1].toUpperCase()}_TRAFFIC_SECRET_${n}`;
    }
    if (label) lines.push(`${label} ${cr} ${e.output}`);
  }
  return lines;
}

export function keyLogText(events: TraceEvent[]): string {
  const lines = keyLogLines(events);
  return lines.length ? lines.join('\n') + '\n' : '';
}

export { toHex };
