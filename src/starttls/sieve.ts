// ManageSieve (RFC 5804): capabilities in the greeting, STARTTLS, OK; after TLS the server sends them again unasked.
import type { Dialogue } from './dialogue.ts';
import { printable } from './dialogue.ts';
import { StartTlsError } from './errors.ts';
import type { ProtocolHandler } from './protocol.ts';
import { MAX_REPLY_LINES } from './replies.ts';

/** Split a response line into its strings: quoted ("a\"b"), literals already inlined, and atoms. */
export function sieveTokens(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]);
  return out;
}

/** One response line with any literal `{n}` / `{n+}` replaced by its content as a quoted string. */
async function readLine(d: Dialogue, what: string): Promise<string> {
  let text = await d.receiveLine(what);
  for (let n = 0; n < 16; n++) {
    const lit = /\{(\d{1,7})\+?\}$/.exec(text);
    if (!lit) return text;
    const size = Number(lit[1]);
    if (size > d.limits.maxLineLength * 8) throw new StartTlsError('PROTOCOL_ERROR', `ManageSieve: a literal of ${size} bytes is too large`);
    const body = await d.readExact(size, 'a literal');
    d.recordReceived(body, printable(body), `literal of ${size} bytes`);
    const quoted = '"' + new TextDecoder().decode(body).replace(/["\\]/g, '\\$&') + '"';
    text = text.slice(0, lit.index) + quoted + (await d.receiveLine(what));
  }
  throw new StartTlsError('PROTOCOL_ERROR', 'ManageSieve: too many literals in one response');
}

/** Capability lines up to the final OK/NO/BYE. */
async function readCapabilities(d: Dialogue, what: string): Promise<{ status: string; text: string; caps: string[] }> {
  const caps: string[] = [];
  for (let n = 0; n < MAX_REPLY_LINES; n++) {
    const line = await readLine(d, what);
    const status = /^(OK|NO|BYE)\b/i.exec(line);
    if (status) return { status: status[1].toUpperCase(), text: line, caps };
    const tokens = sieveTokens(line);
    if (tokens.length === 0) throw new StartTlsError('PROTOCOL_ERROR', 'ManageSieve: empty capability line');
    caps.push(tokens.join(' '));
  }
  throw new StartTlsError('PROTOCOL_ERROR', `ManageSieve: more than ${MAX_REPLY_LINES} capability lines`);
}

export const sieve: ProtocolHandler = {
  id: 'sieve',
  name: 'ManageSieve',
  defaultPort: 4190,
  rfc: 'RFC 5804',
  async negotiate(d) {
    const greeting = await readCapabilities(d, 'the greeting');
    if (greeting.status !== 'OK') throw new StartTlsError('STARTTLS_REFUSED', `ManageSieve: the server refuses the connection: ${greeting.text}`);
    if (!greeting.caps.some((c) => c.split(' ')[0].toUpperCase() === 'STARTTLS')) d.notAdvertised('the server does not list STARTTLS in its capabilities');
    await d.sendStartTlsLine('STARTTLS');
    const go = await readLine(d, 'the STARTTLS reply');
    if (!/^OK\b/i.test(go)) throw new StartTlsError('STARTTLS_REFUSED', `ManageSieve: STARTTLS refused: ${go}`);
    return { capabilitiesBefore: greeting.caps };
  },
  async afterTls(d) {
    // RFC 5804 2.2: after a successful handshake the server sends its capabilities again, unasked.
    const r = await readCapabilities(d, 'the capabilities after TLS');
    if (r.status !== 'OK') throw new StartTlsError('PROTOCOL_ERROR', `ManageSieve: capabilities after TLS ended with ${r.text}`);
    return r.caps;
  },
};
