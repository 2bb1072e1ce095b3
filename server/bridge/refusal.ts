// Every way a bridge session can be refused or end abnormally: a machine code, a WebSocket
// close code the UI can switch on, and a plain sentence (close reasons are limited to 123 bytes).

export const CLOSE = {
  normal: 1000, // the target closed its side (TCP FIN) and everything was relayed
  goingAway: 1001, // the bridge is shutting down
  unsupportedData: 1003, // a text frame
  tooBig: 1009, // a message over the size limit (sent by the ws library itself)
  badRequest: 4400, // missing or malformed target / scenario / first parameter
  unauthorized: 4401, // access token missing or wrong
  refused: 4403, // target not allowed (address class, allowlist)
  unknownScenario: 4404, // no lab scenario with that id
  connectTimeout: 4408, // TCP connect (or DNS) took too long
  idleTimeout: 4410, // no bytes in either direction for too long
  lifetime: 4411, // session reached its maximum duration
  streamClosed: 4412, // the client closed the HTTP download carrying the session's bytes
  tooMany: 4429, // per-client or global session cap reached
  internal: 4500,
  connectFailed: 4502, // target refused the connection / unreachable (server down)
  dnsFailed: 4503, // the name does not resolve
  targetReset: 4504, // the target reset the TCP connection (RST) or it failed mid-session
} as const;

export type CloseName = keyof typeof CLOSE;

export interface Refusal {
  /** Short machine code, e.g. "private-address", "odd-literal", "not-allowlisted". */
  code: string;
  /** WebSocket close code sent to the client. */
  close: number;
  /** One sentence a person can read. */
  message: string;
}

export function refusal(code: string, close: number, message: string): Refusal {
  return { code, close, message };
}

/** WebSocket close reasons must fit in 123 bytes of UTF-8; keep the machine code first. */
export function closeReason(r: Refusal): string {
  const text = `${r.code}: ${r.message}`;
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= 123) return text;
  return buf.subarray(0, 120).toString('utf8').replace(/\uFFFD+$/, '') + '...';
}
