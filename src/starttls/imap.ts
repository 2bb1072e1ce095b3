// IMAP (RFC 9051 / RFC 3501, STARTTLS: RFC 2595 and RFC 9051 6.2.1): greeting, CAPABILITY, STARTTLS, tagged OK.
import type { Dialogue } from './dialogue.ts';
import { printable } from './dialogue.ts';
import { StartTlsError } from './errors.ts';
import type { ProtocolHandler } from './protocol.ts';
import { MAX_REPLY_LINES } from './replies.ts';

/** One IMAP response line; a trailing literal `{n}` / `{n+}` is read and joined in (RFC 9051 4.3). */
async function readResponse(d: Dialogue, what: string): Promise<string> {
  let text = await d.receiveLine(what);
  for (let n = 0; n < 16; n++) {
    const lit = /\{(\d{1,7})\+?\}$/.exec(text);
    if (!lit) return text;
    const size = Number(lit[1]);
    if (size > d.limits.maxLineLength * 8) throw new StartTlsError('PROTOCOL_ERROR', `IMAP: a literal of ${size} bytes is too large`);
    const body = await d.readExact(size, 'a literal');
    d.recordReceived(body, printable(body), `literal of ${size} bytes`);
    // The literal's content takes the place of its {n} marker.
    text = text.slice(0, lit.index) + new TextDecoder().decode(body) + (await d.receiveLine(what));
  }
  throw new StartTlsError('PROTOCOL_ERROR', 'IMAP: too many literals in one response');
}

function capsFrom(text: string): string[] | null {
  const untagged = /^\* CAPABILITY (.*)$/i.exec(text);
  if (untagged) return untagged[1].trim().split(/\s+/);
  const code = /\[CAPABILITY ([^\]]*)\]/i.exec(text);
  return code ? code[1].trim().split(/\s+/) : null;
}

/** Send a tagged command and read to its tagged completion. Returns the status and the capabilities seen. */
async function command(d: Dialogue, tag: string, cmd: string): Promise<{ status: string; text: string; caps: string[] | null }> {
  if (cmd === 'STARTTLS') await d.sendStartTlsLine(`${tag} ${cmd}`);
  else await d.sendLine(`${tag} ${cmd}`);
  let caps: string[] | null = null;
  for (let n = 0; n < MAX_REPLY_LINES; n++) {
    const text = await readResponse(d, `the ${cmd} reply`);
    caps = capsFrom(text) ?? caps;
    if (text.startsWith(`${tag} `)) {
      const status = text.slice(tag.length + 1).split(' ')[0].toUpperCase();
      return { status, text, caps };
    }
    if (/^\* BYE\b/i.test(text)) throw new StartTlsError('CLOSED', `IMAP: the server said goodbye: ${text}`);
    if (!text.startsWith('* ') && !text.startsWith('+')) throw new StartTlsError('PROTOCOL_ERROR', `IMAP: unexpected line ${JSON.stringify(text.slice(0, 80))}`);
  }
  throw new StartTlsError('PROTOCOL_ERROR', `IMAP: the reply to ${cmd} has more than ${MAX_REPLY_LINES} lines`);
}

async function capability(d: Dialogue, tag: string): Promise<string[]> {
  const r = await command(d, tag, 'CAPABILITY');
  if (r.status !== 'OK' || !r.caps) throw new StartTlsError('PROTOCOL_ERROR', `IMAP: CAPABILITY failed: ${r.text}`);
  return r.caps;
}

export const imap: ProtocolHandler = {
  id: 'imap',
  name: 'IMAP',
  defaultPort: 143,
  rfc: 'RFC 9051 / RFC 3501, RFC 2595',
  async negotiate(d) {
    const greeting = await readResponse(d, 'the greeting');
    if (/^\* PREAUTH\b/i.test(greeting)) {
      throw new StartTlsError('PREAUTH', 'IMAP: the server greeted with PREAUTH: the session is already authenticated, and STARTTLS is only allowed before authentication, so TLS cannot be started on this connection (RFC 9051 6.2.1)');
    }
    if (/^\* BYE\b/i.test(greeting)) throw new StartTlsError('STARTTLS_REFUSED', `IMAP: the server refuses the connection: ${greeting}`);
    if (!/^\* OK\b/i.test(greeting)) throw new StartTlsError('PROTOCOL_ERROR', `IMAP: unexpected greeting ${JSON.stringify(greeting.slice(0, 80))}`);
    // Ask explicitly even if the greeting listed capabilities: the trace then shows the command.
    const caps = await capability(d, 'A1');
    if (!caps.some((c) => c.toUpperCase() === 'STARTTLS')) d.notAdvertised('the server does not list STARTTLS in its capabilities');
    const go = await command(d, 'A2', 'STARTTLS');
    if (go.status !== 'OK') throw new StartTlsError('STARTTLS_REFUSED', `IMAP: STARTTLS refused: ${go.text}`);
    return { capabilitiesBefore: caps };
  },
  async afterTls(d) {
    // RFC 9051 6.2.1: capabilities learnt before TLS must be forgotten and asked again.
    return capability(d, 'A3');
  },
};
