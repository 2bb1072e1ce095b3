// SMTP (RFC 5321, STARTTLS: RFC 3207) and LMTP (RFC 2033): greeting, EHLO/LHLO, STARTTLS, 220.
import type { Dialogue } from './dialogue.ts';
import { StartTlsError } from './errors.ts';
import type { ProtocolHandler, StartTlsOptions } from './protocol.ts';
import { readCodedReply } from './replies.ts';

function makeSmtpLike(id: 'smtp' | 'lmtp'): ProtocolHandler {
  const hello = id === 'smtp' ? 'EHLO' : 'LHLO';
  const name = id === 'smtp' ? 'SMTP' : 'LMTP';

  async function helloCaps(d: Dialogue, options: StartTlsOptions): Promise<string[]> {
    await d.sendLine(`${hello} ${options.clientName ?? 'tls-lens.localdomain'}`);
    const reply = await readCodedReply(d, `the ${hello} reply`);
    if (reply.code === 421) throw new StartTlsError('CLOSED', `${name}: the server is closing the connection: 421 ${reply.lines.join(' ')}`.trim());
    if (reply.code !== 250) {
      throw new StartTlsError('PROTOCOL_ERROR', `${name}: ${hello} was answered ${reply.code} ${reply.lines[0] ?? ''}`.trim());
    }
    // The first line names the server; every further line is one extension keyword with parameters.
    return reply.lines.slice(1).map((l) => l.trim()).filter(Boolean);
  }

  return {
    id,
    name,
    defaultPort: id === 'smtp' ? 25 : 24,
    rfc: id === 'smtp' ? 'RFC 3207' : 'RFC 2033 + RFC 3207',
    async negotiate(d, options) {
      const greeting = await readCodedReply(d, 'the greeting');
      if (greeting.code === 554 || greeting.code === 421) throw new StartTlsError('STARTTLS_REFUSED', `${name}: the server refuses service: ${greeting.code} ${greeting.lines.join(' ')}`);
      if (greeting.code !== 220) throw new StartTlsError('PROTOCOL_ERROR', `${name}: unexpected greeting ${greeting.code} ${greeting.lines[0] ?? ''}`);
      const caps = await helloCaps(d, options);
      if (!caps.some((c) => /^STARTTLS$/i.test(c.split(/\s+/)[0]))) d.notAdvertised(`the server does not offer STARTTLS in its ${hello} reply`);
      await d.sendStartTlsLine('STARTTLS');
      const go = await readCodedReply(d, 'the STARTTLS reply');
      if (go.code !== 220) {
        throw new StartTlsError('STARTTLS_REFUSED', `${name}: STARTTLS refused: ${go.code} ${go.lines.join(' ')}`.trim());
      }
      return { capabilitiesBefore: caps };
    },
    async afterTls(d, options) {
      // RFC 3207 4.2: the client must discard what it knew and say EHLO again.
      return helloCaps(d, options);
    },
  };
}

export const smtp = makeSmtpLike('smtp');
export const lmtp = makeSmtpLike('lmtp');
