// POP3 (RFC 1939, CAPA: RFC 2449, STLS: RFC 2595): greeting, CAPA, STLS, +OK.
import type { Dialogue } from './dialogue.ts';
import { StartTlsError } from './errors.ts';
import type { ProtocolHandler } from './protocol.ts';
import { readDotBody } from './replies.ts';

async function capa(d: Dialogue): Promise<string[] | null> {
  await d.sendLine('CAPA');
  const status = await d.receiveLine('the CAPA reply');
  if (status.startsWith('-ERR')) return null;
  if (!status.startsWith('+OK')) throw new StartTlsError('PROTOCOL_ERROR', `POP3: unexpected CAPA reply ${JSON.stringify(status.slice(0, 80))}`);
  return readDotBody(d, 'the capability list');
}

export const pop3: ProtocolHandler = {
  id: 'pop3',
  name: 'POP3',
  defaultPort: 110,
  rfc: 'RFC 2595, RFC 2449',
  async negotiate(d) {
    const greeting = await d.receiveLine('the greeting');
    if (greeting.startsWith('-ERR')) throw new StartTlsError('STARTTLS_REFUSED', `POP3: the server refuses the connection: ${greeting}`);
    if (!greeting.startsWith('+OK')) throw new StartTlsError('PROTOCOL_ERROR', `POP3: unexpected greeting ${JSON.stringify(greeting.slice(0, 80))}`);
    const caps = await capa(d);
    if (!caps) d.notAdvertised('the server does not support CAPA, so it cannot announce STLS');
    else if (!caps.some((c) => c.split(/\s+/)[0].toUpperCase() === 'STLS')) d.notAdvertised('the server does not list STLS in its capabilities');
    await d.sendStartTlsLine('STLS');
    const go = await d.receiveLine('the STLS reply');
    if (!go.startsWith('+OK')) throw new StartTlsError('STARTTLS_REFUSED', `POP3: STLS refused: ${go}`);
    return { capabilitiesBefore: caps ?? [] };
  },
  async afterTls(d) {
    return (await capa(d)) ?? [];
  },
};
