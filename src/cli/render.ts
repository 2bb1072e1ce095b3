// Terminal rendering of a trace: an annotated walk through the handshake, one event at a time, so it can be
// printed live. Colour only on a TTY. Reads only trace events (and the explanation catalogue).
import { explain } from '../trace/explain.ts';
import type { FieldNode, KeyExchangeEvent, TraceEvent } from '../trace/types.ts';
import { fromHex, utf8 } from '../util/bytes.ts';
import { terminalSafe } from '../util/terminal-safe.ts';
import { ocspFields, ocspHeadline } from '../trace/ocsp-words.ts';
import { earlyDataWords } from '../trace/early-data-words.ts';
import { pathRole } from '../x509/path-words.ts';

export interface RenderOptions {
  color: boolean;
  /** Also show every record and the transcript hashes. */
  verbose?: boolean;
}

const CODES = { dim: 2, bold: 1, red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36 } as const;
type Style = keyof typeof CODES;

export function styler(color: boolean) {
  return (style: Style, text: string) => (color ? `\x1b[${CODES[style]}m${text}\x1b[0m` : text);
}

function short(value: string, n = 32): string {
  if (value.length <= n) return value;
  return /^[0-9a-f]+$/.test(value) ? `${value.slice(0, n)}… (${value.length / 2} bytes)` : `${value.slice(0, n)}…`;
}

/** Field lines for a handshake message: skip length prefixes, fold simple lists, cap depth, shorten values. */
function fieldLines(fields: FieldNode[], paint: ReturnType<typeof styler>, depth: number, maxDepth: number, out: string[], parent?: FieldNode): void {
  for (const f of fields) {
    if (f.name === 'length' || f.name === 'msg_type') continue;
    // The extension line already names its type.
    if (parent?.name === 'extension' && f.name === 'type') continue;
    if (f.name === 'body' && f.children) {
      fieldLines(f.children, paint, depth, maxDepth, out, f);
      continue;
    }
    const indent = '    '.repeat(depth);
    const title = f.explain ? explain(f.explain)?.title : undefined;
    const note = title && title.toLowerCase() !== f.name.replace(/_/g, ' ').toLowerCase() ? paint('dim', `  (${title})`) : '';
    const kids = f.children?.filter((c) => c.name !== 'length' && !(f.name === 'extension' && c.name === 'type'));
    // opaque<...>: one "value" child repeats its parent.
    if (kids && kids.length === 1 && kids[0].name === 'value' && !kids[0].children) {
      out.push(`${indent}${f.name} = ${short(kids[0].value ?? '', 48)}${note}`);
      continue;
    }
    // Lists of simple items (suites, versions, groups, schemes) read best on one line.
    if (kids && kids.length > 0 && f.name !== 'extension' && kids.every((c) => !c.children && c.value !== undefined && c.name === kids[0].name)) {
      out.push(`${indent}${f.name} = ${kids.map((c) => short(c.value!, 48)).join(', ')}${note}`);
      continue;
    }
    out.push(`${indent}${f.name}${f.value !== undefined ? ` = ${short(f.value, 48)}` : ''}${note}`);
    if (kids && depth < maxDepth) fieldLines(kids, paint, depth + 1, maxDepth, out, f);
  }
}

/**
 * Lines for one event (possibly none). Events carry text from the peer and from files (names, certificate subjects,
 * STARTTLS lines, messages quoting them): each line is made safe for a terminal, keeping only our own colours.
 */
export function renderEvent(e: TraceEvent, opts: RenderOptions): string[] {
  return eventLines(e, opts).map((line) => terminalSafe(line, opts.color));
}

function eventLines(e: TraceEvent, opts: RenderOptions): string[] {
  const paint = styler(opts.color);
  const arrow = (d: 'client' | 'server') => (d === 'client' ? paint('cyan', '→ client') : paint('magenta', '← server'));
  switch (e.kind) {
    case 'connection':
      if (e.phase === 'start') return [paint('bold', `▶ connection ${e.conn}${e.serverName ? ` (server name ${e.serverName})` : ''}`)];
      if (e.phase === 'closed') return [paint('dim', `■ connection ${e.conn} closed${e.detail ? ` (${e.detail})` : ''}`)];
      return [paint('dim', `  transport open ${e.target ?? ''}`)];
    case 'handshake': {
      const lines = [`${arrow(e.direction)} ${paint('bold', e.name)} ${paint('dim', `${e.bytes.length / 2} bytes, ${e.epoch} keys, record(s) ${e.records.join(',')}`)}`];
      const body: string[] = [];
      fieldLines(e.fields, paint, 1, 5, body);
      return lines.concat(body.slice(0, 60), body.length > 60 ? [paint('dim', `    … ${body.length - 60} more fields`)] : []);
    }
    case 'record':
      if (!opts.verbose) return [];
      return [paint('dim', `  ${e.direction === 'client' ? '→' : '←'} record ${e.epoch} #${e.seq} type ${e.contentType}${e.protection ? ` (inner ${e.protection.innerContentType})` : ''} ${e.bytes.length / 2} bytes`)];
    case 'key':
      return [`  ${paint('yellow', 'key')}  ${e.name} = ${short(e.output)} ${paint('dim', `[${e.op}${e.label ? ` "${e.label}"` : ''}]`)}`];
    case 'transcript':
      return opts.verbose ? [paint('dim', `  transcript ${e.hash}(${e.covers.join(' + ')}) = ${short(e.value)}`)] : [];
    case 'key-exchange': {
      const size = (hex?: string) => (hex ? `${hex.length / 2} bytes` : '—');
      const parts = e.parts;
      if (!parts) return [`  ${paint('yellow', exchangeKind(e.group))} ${e.group}: shared secret = ${short(e.sharedSecret)}`];
      // A hybrid: say how each field splits, so the 64-byte secret and the long shares make sense.
      const split = (pick: (p: NonNullable<KeyExchangeEvent['parts']>[number]) => number) => parts.map((p) => `${p.part} ${pick(p)}`).join(' || ');
      return [
        `  ${paint('yellow', 'hybrid KEM')} ${e.group}: shared secret = ${short(e.sharedSecret)} (${size(e.sharedSecret)} = ${split((p) => p.secretBytes)})`,
        paint('dim', `    client share ${size(e.clientShare)} = ${split((p) => p.clientShareBytes)}; server share ${size(e.serverShare)} = ${split((p) => p.serverShareBytes)}`),
      ];
    }
    case 'signature':
      return [`  ${e.ok ? paint('green', '✓') : paint('red', '✗')} ${e.subject} signature (${e.scheme})${e.detail ? `: ${e.detail}` : ''}`];
    case 'finished':
      return [`  ${e.ok ? paint('green', '✓') : paint('red', '✗')} ${e.direction} Finished ${e.ok ? 'matches the transcript' : `expected ${short(e.expected)}, got ${short(e.received)}`}`];
    case 'cert-check':
      return [`  ${e.ok ? paint('green', '✓') : e.ok === null ? paint('dim', '·') : paint('red', '✗')} certificate ${e.check}${e.certificate >= 0 ? ` (${pathRole(e.certificate)})` : ''}: ${e.detail}`];
    case 'cert-result':
      return e.ok
        ? [`  ${paint('green', '✓ certificate chain verified')} (${e.path.map((p) => p.subject).join(' ← ')})`]
        : [`  ${paint('red', `✗ certificate not verified: ${e.error?.code}`)} ${e.error?.message ?? ''}${e.overridden ? paint('yellow', ' — continuing anyway (--insecure)') : ''}`];
    case 'ocsp': {
      const mark = e.verdict === 'good' ? paint('green', '✓') : e.verdict === 'revoked' ? paint('red', '✗') : paint('yellow', '!');
      const head = `  ${mark} ${e.verdict === 'revoked' ? paint('red', ocspHeadline(e)) : e.verdict === 'good' ? ocspHeadline(e) : paint('yellow', ocspHeadline(e))}: ${e.detail}`;
      return [head, ...ocspFields(e).map(([label, value]) => paint('dim', `      ${label}: ${value}`))];
    }
    case 'alert':
      return [`${arrow(e.direction)} ${paint(e.name === 'close_notify' ? 'dim' : 'red', `alert ${e.level} ${e.name} (${e.description})`)}`];
    case 'app-data': {
      if (e.summarised) return [`${arrow(e.direction)} application data ${e.summarised.length} bytes ${paint('dim', '(summarised: beyond the part shown in full)')}`];
      const text = utf8.decode(fromHex(e.bytes)).replace(/[^\x20-\x7e\n]/g, '.');
      return [`${arrow(e.direction)} application data ${e.bytes.length / 2} bytes`, ...text.split('\n').slice(0, 20).map((l) => paint('dim', `    | ${l}`))];
    }
    case 'pause':
      return [paint('yellow', `  ⏸ ${e.breakpoint}: ${e.detail ?? ''}`)];
    case 'error':
      return [paint('red', `✗ ${e.code}: ${e.message}`)];
    case 'note':
      return [paint('dim', `  · ${e.text}`)];
    case 'early-data':
      return [paint(e.outcome === 'accepted' || e.outcome === 'sent' ? 'green' : 'yellow', `  · ${earlyDataWords(e)}`)];
    case 'renegotiation':
      // Its end and a refusal come with a note in words; the start is shown here.
      return e.phase === 'started' ? [paint('bold', `↻ renegotiation #${e.number} ${e.by === 'client' ? 'started by the client' : 'requested by the server (HelloRequest)'}`)] : [];
    case 'state':
    case 'preamble':
      return [];
    default:
      // A kind from a newer writer (trace-check keeps those): nothing this walk knows how to show.
      return [];
  }
}

/** What kind of exchange a key-exchange event's group names: finite-field DHE, RSA key transport, or ECDHE. */
function exchangeKind(group: string): string {
  if (group.startsWith('ffdhe')) return 'DHE';
  if (group.startsWith('RSA')) return 'RSA';
  return 'ECDHE';
}
