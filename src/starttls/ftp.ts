// FTP (RFC 959, FEAT: RFC 2389, AUTH TLS: RFC 4217): greeting, FEAT, AUTH TLS, 234; after TLS PBSZ 0 and PROT P.
import type { Dialogue } from './dialogue.ts';
import { StartTlsError } from './errors.ts';
import type { ProtocolHandler } from './protocol.ts';
import { readCodedReply } from './replies.ts';

async function feat(d: Dialogue): Promise<string[] | null> {
  await d.sendLine('FEAT');
  const r = await readCodedReply(d, 'the FEAT reply', { ftpStyle: true });
  if (r.code !== 211) return null;
  // Multi-line: the first and last lines frame the list; each feature line starts with a space.
  return r.lines.length > 1 ? r.lines.slice(1, -1).map((l) => l.trim()).filter(Boolean) : [];
}

async function expect200(d: Dialogue, cmd: string): Promise<void> {
  await d.sendLine(cmd);
  const r = await readCodedReply(d, `the ${cmd} reply`, { ftpStyle: true });
  if (r.code !== 200) throw new StartTlsError('PROTOCOL_ERROR', `FTP: ${cmd} was answered ${r.code} ${r.lines[0] ?? ''}`.trim());
}

export const ftp: ProtocolHandler = {
  id: 'ftp',
  name: 'FTP',
  defaultPort: 21,
  rfc: 'RFC 4217',
  async negotiate(d) {
    let greeting = await readCodedReply(d, 'the greeting', { ftpStyle: true });
    // 120: "ready in nnn minutes", a 220 follows (RFC 959 5.4).
    if (greeting.code === 120) greeting = await readCodedReply(d, 'the greeting', { ftpStyle: true });
    if (greeting.code === 421) throw new StartTlsError('STARTTLS_REFUSED', `FTP: the server refuses service: 421 ${greeting.lines.join(' ')}`);
    if (greeting.code !== 220) throw new StartTlsError('PROTOCOL_ERROR', `FTP: unexpected greeting ${greeting.code} ${greeting.lines[0] ?? ''}`);
    const features = await feat(d);
    // Asking costs nothing: a server that does not know AUTH TLS refuses it, and we stop there.
    if (!features?.length) d.notAdvertised('the server lists no features (FEAT, RFC 2389), so AUTH TLS is not advertised');
    else if (!features.some((f) => /^AUTH\b.*\bTLS\b/i.test(f))) d.notAdvertised('the FEAT list has no AUTH TLS');
    await d.sendStartTlsLine('AUTH TLS');
    const go = await readCodedReply(d, 'the AUTH TLS reply', { ftpStyle: true });
    if (go.code !== 234) throw new StartTlsError('STARTTLS_REFUSED', `FTP: AUTH TLS refused: ${go.code} ${go.lines.join(' ')}`.trim());
    return { capabilitiesBefore: features ?? [] };
  },
  async afterTls(d) {
    // RFC 4217 9: PBSZ 0 then PROT P protect the data connections too.
    await expect200(d, 'PBSZ 0');
    await expect200(d, 'PROT P');
    return (await feat(d)) ?? [];
  },
};
