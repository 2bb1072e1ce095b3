// NNTP (RFC 3977, STARTTLS: RFC 4642): greeting 200/201, CAPABILITIES (101), STARTTLS, 382.
import type { Dialogue } from './dialogue.ts';
import { StartTlsError } from './errors.ts';
import type { ProtocolHandler } from './protocol.ts';
import { readDotBody } from './replies.ts';

function code(line: string): number {
  const m = /^(\d{3})(?: |$)/.exec(line);
  if (!m) throw new StartTlsError('PROTOCOL_ERROR', `NNTP: malformed reply ${JSON.stringify(line.slice(0, 80))}`);
  return Number(m[1]);
}

async function capabilities(d: Dialogue): Promise<string[]> {
  await d.sendLine('CAPABILITIES');
  const status = await d.receiveLine('the CAPABILITIES reply');
  if (code(status) !== 101) throw new StartTlsError('PROTOCOL_ERROR', `NNTP: CAPABILITIES failed: ${status}`);
  return readDotBody(d, 'the capability list');
}

export const nntp: ProtocolHandler = {
  id: 'nntp',
  name: 'NNTP',
  defaultPort: 119,
  rfc: 'RFC 4642, RFC 3977',
  async negotiate(d) {
    const greeting = await d.receiveLine('the greeting');
    const g = code(greeting);
    if (g === 400 || g === 502) throw new StartTlsError('STARTTLS_REFUSED', `NNTP: the server refuses service: ${greeting}`);
    if (g !== 200 && g !== 201) throw new StartTlsError('PROTOCOL_ERROR', `NNTP: unexpected greeting ${greeting}`);
    const caps = await capabilities(d);
    if (!caps.some((c) => c.split(/\s+/)[0].toUpperCase() === 'STARTTLS')) d.notAdvertised('the server does not list STARTTLS in its capabilities');
    await d.sendStartTlsLine('STARTTLS');
    const go = await d.receiveLine('the STARTTLS reply');
    if (code(go) !== 382) throw new StartTlsError('STARTTLS_REFUSED', `NNTP: STARTTLS refused: ${go}`);
    return { capabilitiesBefore: caps };
  },
  async afterTls(d) {
    return capabilities(d);
  },
};
