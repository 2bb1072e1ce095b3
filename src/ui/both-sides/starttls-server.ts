// The server's half of an SMTP STARTTLS preamble (RFC 5321 greeting and EHLO, RFC 3207 STARTTLS), for the
// both-sides mode: each line it writes or reads goes into the server's trace as a `preamble` event, as the client's
// STARTTLS layer (src/starttls) records its own. Bytes the client sends after its STARTTLS command and before the
// go-ahead are refused: they would be read as if TLS protected them (the command injection of CVE-2011-0411).
import type { Emit } from '../../trace/recorder.ts';
import type { Transport } from '../../transport/types.ts';
import { concat, toHex } from '../../util/bytes.ts';
import { printable } from '../../starttls/dialogue.ts';
import { SMTP_GO_AHEAD } from './attacks.ts';

const PROTOCOL = 'SMTP';
const MAX_LINE = 4096;

export class PreambleRefused extends Error {
  constructor(
    readonly code: 'STARTTLS_INJECTION' | 'PROTOCOL_ERROR' | 'CLOSED',
    message: string,
  ) {
    super(message);
  }
}

/** Greets, answers EHLO with STARTTLS among its extensions, gives the go-ahead; then the TLS handshake may begin. */
export async function serveSmtpStartTls(transport: Transport, emit: Emit, hostname: string): Promise<void> {
  let buffer: Uint8Array = new Uint8Array(0);
  const encoder = new TextEncoder();
  const send = async (line: string, note?: string) => {
    const bytes = encoder.encode(line);
    emit({ kind: 'preamble', protocol: PROTOCOL, direction: 'server', bytes: toHex(bytes), text: printable(bytes), ...(note ? { note } : {}) });
    await transport.write(bytes);
  };
  const receive = async (what: string): Promise<string> => {
    for (;;) {
      const end = buffer.indexOf(0x0a);
      if (end >= 0) {
        const bytes = buffer.slice(0, end + 1);
        buffer = buffer.slice(end + 1);
        emit({ kind: 'preamble', protocol: PROTOCOL, direction: 'client', bytes: toHex(bytes), text: printable(bytes) });
        return new TextDecoder().decode(bytes).replace(/\r?\n$/, '');
      }
      if (buffer.length > MAX_LINE) throw new PreambleRefused('PROTOCOL_ERROR', `${PROTOCOL}: ${what} is longer than ${MAX_LINE} bytes`);
      const chunk = await transport.read();
      if (chunk === null) throw new PreambleRefused('CLOSED', `${PROTOCOL}: the client closed the connection while the server waited for ${what}`);
      buffer = concat(buffer, chunk);
    }
  };

  await send(`220 ${hostname} ESMTP TLS Lens (both sides)\r\n`);
  const hello = await receive('EHLO');
  if (!/^EHLO /i.test(hello)) throw new PreambleRefused('PROTOCOL_ERROR', `${PROTOCOL}: expected EHLO, got ${JSON.stringify(hello.slice(0, 80))}`);
  await send(`250-${hostname} greets you\r\n`);
  await send('250 STARTTLS\r\n');
  const command = await receive('STARTTLS');
  if (!/^STARTTLS$/i.test(command)) throw new PreambleRefused('PROTOCOL_ERROR', `${PROTOCOL}: expected STARTTLS, got ${JSON.stringify(command.slice(0, 80))}`);
  if (buffer.length > 0) {
    emit({ kind: 'preamble', protocol: PROTOCOL, direction: 'client', bytes: toHex(buffer), text: printable(buffer), note: 'INJECTED plaintext after the STARTTLS command: never passed to TLS' });
    throw new PreambleRefused('STARTTLS_INJECTION', `${PROTOCOL}: the client sent ${buffer.length} byte(s) after STARTTLS before the go-ahead; they are refused, never read as if TLS protected them`);
  }
  await send(SMTP_GO_AHEAD);
}
