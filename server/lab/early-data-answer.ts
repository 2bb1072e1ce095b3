// What the early-data scenario's server answers (tls-lens-server.ts): like the other lab servers (app-responder.ts),
// an HTTP request gets a plain-text report of the connection and anything else is echoed; here the report, and the
// first line of an echo, say what the server read as 0-RTT early data, so a person sees it arrived before the handshake
// ended.
import type { ServerSummary } from '../../src/tls/server.ts';

const HTTP_REQUEST = /^(GET|HEAD|POST|PUT|OPTIONS) \S+ HTTP\/1\.[01]\r?\n/;
/** Early data quoted in the answer up to this many characters. */
const QUOTED_MAX = 200;

export interface ConnectionFacts {
  scenarioId: string;
  summary: ServerSummary;
  /** What the server read as 0-RTT (the connection's earlyData), null when none. */
  earlyData: Uint8Array | null;
}

export function isHttpRequestStart(text: string): boolean {
  return HTTP_REQUEST.test(text);
}

/** Still only capital letters: the start of a method, so the server waits for more before it decides. */
export function mayBecomeHttpRequest(text: string): boolean {
  return text.length < 8 && /^[A-Z]*$/.test(text);
}

export function requestHeadComplete(text: string): boolean {
  return text.includes('\r\n\r\n') || text.includes('\n\n');
}

/** JSON's quoting: CR, LF and other control characters visible, as typed in the Connect form. */
function quoted(bytes: Uint8Array): string {
  const text = new TextDecoder().decode(bytes);
  return JSON.stringify(text.length > QUOTED_MAX ? `${text.slice(0, QUOTED_MAX)}…` : text);
}

/** One line on the 0-RTT of this connection: what was read, or why none was. */
export function earlyDataLine({ summary, earlyData }: ConnectionFacts): string {
  if (earlyData && earlyData.length > 0) return `early data (0-RTT): read ${earlyData.length} bytes of early data before the handshake ended: ${quoted(earlyData)}`;
  const e = summary.earlyData;
  if (e && !e.accepted) return `early data (0-RTT): refused, ${e.refusedBecause ?? 'no reason given'}; the client sends it again after the handshake`;
  return 'early data (0-RTT): none (the ClientHello offered no early_data)';
}

/** The HTTP answer: a report of the connection, early data first. */
export function answerFor(request: string, facts: ConnectionFacts): string {
  const s = facts.summary;
  const body = [
    `TLS Lens lab scenario: ${facts.scenarioId}`,
    earlyDataLine(facts),
    `protocol: ${s.version ?? 'unknown'}`,
    `cipher: ${s.cipherSuite ?? 'unknown'}`,
    `session resumed: ${s.resumed ? 'yes' : 'no'}`,
    '',
  ].join('\n');
  const head = `HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${new TextEncoder().encode(body).length}\r\nConnection: close\r\n\r\n`;
  return request.startsWith('HEAD ') ? head : head + body;
}
