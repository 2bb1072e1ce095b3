// What serve says about one client: a summary built from the trace (so it is there even when the handshake failed
// half-way), the ClientHello fingerprints, and the --www page.
import { clientHelloFingerprints, explainFingerprints, type ClientHelloFingerprints } from '../tls/fingerprint.ts';
import { decodeHandshake, type ClientHello, type ServerHello } from '../tls/messages/handshake.ts';
import { ExtensionType } from '../tls/messages/constants.ts';
import { suiteByCode } from '../tls/suites.ts';
import type { TraceEvent } from '../trace/types.ts';
import { handshakeMessages, type HandshakeOutcome } from '../trace/handshake-result.ts';
import { fromHex } from '../util/bytes.ts';
import type { ServerConnection } from '../tls/server.ts';

export interface ClientReport extends HandshakeOutcome {
  client: string;
  /** 1 for the first client since the server started. */
  n: number;
  /** null when none was asked for; else whether one came and whether it chained to --ca. */
  clientCertificate: { sent: boolean; verified: boolean; error: { code: string; message: string } | null } | null;
  fingerprints: ClientHelloFingerprints | null;
  /** Present when the client offered 0-RTT early data: taken or not (and why not), and the bytes read. */
  earlyData?: { offered: true; accepted: boolean; bytes: number; refusedBecause?: string };
  timing: { handshakeMs: number | null; connectionMs: number };
}

/** The last handshake message of this name from this side, decoded from the trace, or null. */
function lastMessage<T>(events: TraceEvent[], direction: 'client' | 'server', name: string, first = false): T | null {
  const found = events.filter((x) => x.kind === 'handshake' && x.direction === direction && x.name === name);
  const e = first ? found[0] : found[found.length - 1];
  if (!e || e.kind !== 'handshake') return null;
  try {
    return decodeHandshake(fromHex(e.bytes)).message as T;
  } catch {
    return null;
  }
}

/** The client's first ClientHello as the trace recorded it, or null when none arrived whole. */
export function firstClientHello(events: TraceEvent[]): ClientHello | null {
  return lastMessage<ClientHello>(events, 'client', 'ClientHello', true);
}

/**
 * What the trace says was agreed, for a connection the engine did not hand back (the client left right after its
 * Finished, before the tickets): the handshake is complete once the client's Finished checked out.
 */
function agreedFromTrace(events: TraceEvent[]) {
  // The check of the client's Finished message: after it in the trace (a PSK binder's check is a 'finished' event too,
  // made on the ClientHello, long before the handshake is complete).
  const clientFinished = events.findLast((e) => e.kind === 'handshake' && e.direction === 'client' && e.name === 'Finished');
  const completed = !!clientFinished && events.some((e) => e.kind === 'finished' && e.direction === 'client' && e.ok && e.index > clientFinished.index);
  const sh = lastMessage<ServerHello>(events, 'server', 'ServerHello');
  const selected = sh?.extensions.find((x) => x.code === ExtensionType.supported_versions)?.selectedVersion;
  return {
    completed,
    version: selected === 0x0304 ? 'TLSv1.3' : sh ? 'TLSv1.2' : null,
    cipherSuite: sh ? (suiteByCode(sh.cipherSuite)?.name ?? null) : null,
    // TLS 1.3 resumption (PSK) skips the server's Certificate.
    resumed: completed && !events.some((e) => e.kind === 'handshake' && e.direction === 'server' && e.name === 'Certificate'),
  };
}

export function clientReport(args: { client: string; n: number; events: TraceEvent[]; connection: ServerConnection | null; failure: unknown; handshakeMs: number | null; connectionMs: number }): ClientReport {
  const { events, connection } = args;
  const hello = firstClientHello(events);
  const s = connection?.summary;
  const alert = (dir: string) => {
    const a = events.find((e) => e.kind === 'alert' && e.direction === dir && e.name !== 'close_notify');
    return a && a.kind === 'alert' ? a.name : null;
  };
  const errorEvent = events.find((e) => e.kind === 'error');
  const failure = args.failure as { code?: string; message?: string } | null;
  const error = failure ? { code: failure.code ?? 'INTERNAL_ERROR', message: failure.message ?? String(failure) } : errorEvent && errorEvent.kind === 'error' ? { code: errorEvent.code, message: errorEvent.message } : null;
  const keyExchange = events.find((e) => e.kind === 'key-exchange');
  const agreed = agreedFromTrace(events);
  return {
    client: args.client,
    n: args.n,
    // A handshake that completed counts even if the client hung up before our tickets (error says so).
    ok: connection ? !error : agreed.completed,
    version: s?.version ?? agreed.version,
    cipherSuite: s?.cipherSuite ?? agreed.cipherSuite,
    group: s?.group ?? (keyExchange && keyExchange.kind === 'key-exchange' ? keyExchange.group : null),
    helloRetryRequest: s?.helloRetryRequest ?? events.some((e) => e.kind === 'handshake' && e.name === 'HelloRetryRequest'),
    alpn: s?.alpn ?? null,
    serverName: s?.sni ?? (hello?.extensions.find((x) => x.code === 0)?.hostName ?? null),
    resumed: s?.resumed ?? agreed.resumed,
    clientCertificate: s?.clientCertificateRequested
      ? { sent: (s.clientCertificate?.chain.length ?? 0) > 0, verified: !!s.clientCertificate?.verified, error: s.clientCertificate?.error ?? null }
      : null,
    fingerprints: hello ? clientHelloFingerprints(hello) : null,
    ...(s?.earlyData ? { earlyData: { ...s.earlyData } } : {}),
    messages: handshakeMessages(events),
    alertSent: alert('server'),
    alertReceived: alert('client'),
    error,
    timing: { handshakeMs: args.handshakeMs, connectionMs: args.connectionMs },
  };
}

/** Plain-text lines for the end of a client's walk. */
export function reportLines(r: ClientReport): string[] {
  const head = r.ok
    ? `client #${r.n} ${r.client}: ${r.version} ${r.cipherSuite} over ${r.group}${r.helloRetryRequest ? ' after a HelloRetryRequest' : ''}${r.resumed ? ', resumed' : ''}${r.earlyData ? (r.earlyData.accepted ? `, 0-RTT accepted (${r.earlyData.bytes} bytes)` : ', 0-RTT refused') : ''}${r.alpn ? `, ALPN ${r.alpn}` : ''}${r.serverName ? `, SNI ${r.serverName}` : ''}`
    : `client #${r.n} ${r.client}: handshake failed${r.error ? `: ${r.error.code}: ${r.error.message}` : ''}${r.alertSent ? ` (we sent ${r.alertSent})` : ''}${r.alertReceived ? ` (the client sent ${r.alertReceived})` : ''}`;
  return [head, ...(r.fingerprints ? explainFingerprints(r.fingerprints).map((l) => `  ${l}`) : ['  no complete ClientHello arrived: no fingerprint'])];
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The --www page: this client's handshake, from the server's side. */
export function wwwPage(r: ClientReport, request: string): string {
  const row = (k: string, v: string | null | boolean) => `<tr><th>${escape(k)}</th><td>${escape(v === null ? '—' : String(v))}</td></tr>`;
  const fp = r.fingerprints;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>TLS Lens: your handshake</title></head>
<body>
<h1>Your TLS handshake with tls-lens serve</h1>
<table>
${row('client', r.client)}
${row('version', r.version)}
${row('cipher suite', r.cipherSuite)}
${row('key exchange group', r.group)}
${row('HelloRetryRequest', r.helloRetryRequest)}
${row('ALPN', r.alpn)}
${row('server name (SNI)', r.serverName)}
${row('resumed', r.resumed)}
${row('JA3', fp?.ja3 ?? null)}
${row('JA3 string', fp?.ja3Text ?? null)}
${row('JA4', fp?.ja4 ?? null)}
${row('JA4 raw', fp?.ja4Raw ?? null)}
</table>
<h2>What the fingerprints mean</h2>
${fp ? explainFingerprints(fp).map((l) => `<p>${escape(l)}</p>`).join('\n') : '<p>No ClientHello recorded.</p>'}
<h2>Handshake messages</h2>
<ol>
${r.messages.map((m) => `<li>${escape(m.direction === 'client' ? 'client → server' : 'server → client')}: ${escape(m.type)} (${m.length} bytes)</li>`).join('\n')}
</ol>
<h2>Your request</h2>
<pre>${escape(request)}</pre>
</body></html>
`;
}
