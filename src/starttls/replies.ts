// Reply readers shared by the line-based protocols.
import type { Dialogue } from './dialogue.ts';
import { StartTlsError } from './errors.ts';

/** Most lines one reply may have: a server cannot keep us reading forever. */
export const MAX_REPLY_LINES = 1000;

export interface CodedReply {
  code: number;
  /** Text of each line after the code and separator. */
  lines: string[];
}

/**
 * SMTP/LMTP/FTP style reply (RFC 5321 4.2.1, RFC 959 4.2): `ddd-text` continues, `ddd text` ends.
 * FTP allows lines without a code inside a multi-line reply; SMTP does not.
 */
export async function readCodedReply(d: Dialogue, what: string, opts: { ftpStyle?: boolean } = {}): Promise<CodedReply> {
  const lines: string[] = [];
  let code = -1;
  for (let n = 0; n < MAX_REPLY_LINES; n++) {
    const line = await d.receiveLine(what);
    const m = /^(\d{3})([ -]|$)(.*)$/.exec(line);
    if (!m) {
      if (opts.ftpStyle && code >= 0) {
        lines.push(line);
        continue;
      }
      throw new StartTlsError('PROTOCOL_ERROR', `${d.protocol}: malformed reply line ${JSON.stringify(line.slice(0, 80))} (expected a 3-digit code)`);
    }
    const lineCode = Number(m[1]);
    if (code < 0) code = lineCode;
    else if (lineCode !== code) {
      if (opts.ftpStyle) {
        lines.push(line);
        continue;
      }
      throw new StartTlsError('PROTOCOL_ERROR', `${d.protocol}: reply code changed from ${code} to ${lineCode} inside one multi-line reply`);
    }
    lines.push(m[3]);
    if (m[2] !== '-') return { code, lines };
  }
  throw new StartTlsError('PROTOCOL_ERROR', `${d.protocol}: a reply has more than ${MAX_REPLY_LINES} lines`);
}

/** Dot-terminated multi-line body (POP3 RFC 1939 3, NNTP RFC 3977 3.1.1): dot-unstuffed lines. */
export async function readDotBody(d: Dialogue, what: string): Promise<string[]> {
  const out: string[] = [];
  for (let n = 0; n < MAX_REPLY_LINES; n++) {
    const line = await d.receiveLine(what);
    if (line === '.') return out;
    out.push(line.startsWith('..') ? line.slice(1) : line);
  }
  throw new StartTlsError('PROTOCOL_ERROR', `${d.protocol}: a multi-line reply has more than ${MAX_REPLY_LINES} lines`);
}
