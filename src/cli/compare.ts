// `tls-lens compare A.json [B.json]`: two saved traces side by side (or two connections of one trace, e.g. a
// first connection and its resumption from `connect --reconnect --trace`), as text or JSON.
import { parseArgs } from 'node:util';
import { parseTraceFrame } from '../trace/recorder.ts';
import { soundPart } from '../trace/trace-check.ts';
import type { TraceFile } from '../trace/types.ts';
import { compareTraces, connectionsOf, describeCertificates, type Comparison, type HandshakeSummary, type WireItem } from '../ui/compare/model.ts';
import { CliError, EXIT, fromParseArgsError, readInputFile, reportCliError, wantsJson } from './errors.ts';
import { stdout } from './stdout.ts';
import { terminalSafe, terminalSafeLines } from '../util/terminal-safe.ts';

const HELP = `usage: tls-lens compare A.json [B.json] [--conn-a N] [--conn-b N] [--json]

Compares two handshakes saved as traces (connect --trace, or Save trace in the page): versions, suites,
messages aligned by role, flights and bytes on the wire, round trips before application data, what was
encrypted when, and the differences in plain words.
  --conn-a N   which connection of A (default: its first)
  --conn-b N   which connection of B (default: its first; with one file, its second)
  --json       machine-readable output
Exit status: 0 compared, 2 bad usage or a file that is not a trace.
`;

const OPTIONS = {
  'conn-a': { type: 'string' },
  'conn-b': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function readTrace(file: string): TraceFile {
  const text = readInputFile(file, 'trace').toString('utf8');
  let trace: TraceFile;
  try {
    trace = parseTraceFrame(text);
  } catch (e) {
    throw new CliError('BAD_INPUT', `"${file}": ${(e as Error).message}`);
  }
  // A file damaged part-way is compared as far as it is sound, and the damage said.
  const sound = soundPart(trace);
  if (sound.problem && sound.file.events.length === 0) throw new CliError('BAD_INPUT', `"${file}": ${sound.problem}`);
  if (sound.problem) process.stderr.write(`tls-lens compare: warning: "${terminalSafe(file)}" is damaged part-way: ${terminalSafe(sound.problem)}\n`);
  return sound.file;
}

function connNumber(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new CliError('BAD_OPTION_VALUE', `${option}: "${value}" is not a connection number (0, 1, ...)`, EXIT.usage, true);
  return Number(value);
}

export function compareFiles(args: string[]): Comparison {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: OPTIONS });
  } catch (e) {
    throw fromParseArgsError(e);
  }
  const files = parsed.positionals;
  if (files.length === 0) throw new CliError('MISSING_ARGUMENT', 'give one or two trace files', EXIT.usage, true);
  if (files.length > 2) throw new CliError('BAD_OPTION_VALUE', `compare takes two trace files, not ${files.length}`, EXIT.usage, true);
  const a = readTrace(files[0]);
  const b = files[1] ? readTrace(files[1]) : a;
  const connA = connNumber(parsed.values['conn-a'], '--conn-a');
  let connB = connNumber(parsed.values['conn-b'], '--conn-b');
  if (!files[1] && connB === undefined) {
    const conns = connectionsOf(a.events);
    if (conns.length < 2) throw new CliError('MISSING_ARGUMENT', `"${files[0]}" holds one connection: give a second trace file, or a trace made with --reconnect`, EXIT.usage, true);
    connB = conns[1];
  }
  try {
    return compareTraces({ name: files[0], events: a.events, conn: connA }, { name: files[1] ?? files[0], events: b.events, conn: connB });
  } catch (e) {
    throw new CliError('BAD_OPTION_VALUE', (e as Error).message);
  }
}

export async function run(args: string[]): Promise<number> {
  const json = wantsJson(args);
  if (args.includes('--help') || args.includes('-h')) {
    stdout().write(HELP);
    return 0;
  }
  let comparison: Comparison;
  try {
    comparison = compareFiles(args);
  } catch (e) {
    return reportCliError('tls-lens compare', e, json, HELP);
  }
  // Saved traces carry names from peers and files: the text made safe for the terminal.
  stdout().write(json ? JSON.stringify({ ok: true, ...comparison }, null, 2) + '\n' : terminalSafeLines(renderComparison(comparison)));
  return EXIT.ok;
}

function headline(s: HandshakeSummary): string {
  const parts = [s.version ?? 'version unknown', s.cipherSuite, s.group, s.resumed ? 'resumed' : 'full handshake', s.helloRetry && 'HelloRetryRequest', s.failure && `failed: ${s.failure}`];
  return `${s.name} (connection ${s.conn}): ${parts.filter(Boolean).join(', ')}`;
}

function cell(i: WireItem | undefined): string {
  if (!i) return '';
  const arrow = i.side === 'client' ? '→' : '←';
  return `${arrow} ${i.label}${i.count > 1 ? ` ×${i.count}` : ''} [${i.epoch}] ${i.bytes} B`;
}

const rt = (n: number | null) => (n === null ? '—' : String(n));

export function renderComparison(c: Comparison): string {
  const out: string[] = [`A: ${headline(c.a)}`, `B: ${headline(c.b)}`, ''];
  out.push(c.differences.length ? 'Differences:' : 'No differences in version, suite, round trips, messages, certificates or extensions.');
  for (const d of c.differences) out.push(`  - ${d.text}`);
  out.push('', 'Messages aligned by role (→ client to server, ← server to client; [keys] bytes):');
  const width = Math.max(8, ...c.rows.map((r) => cell(r.a).length));
  out.push(`  ${'role'.padEnd(20)} ${'A'.padEnd(width)} | B`);
  for (const r of c.rows) out.push(`  ${r.role.padEnd(20)} ${cell(r.a).padEnd(width)} | ${cell(r.b)}`);
  out.push('', 'Round trips (A / B):');
  out.push(`  until the client has the server's Finished: ${rt(c.a.roundTrips.handshake)} / ${rt(c.b.roundTrips.handshake)}`);
  out.push(`  before the client's first application data: ${rt(c.a.roundTrips.clientData)} / ${rt(c.b.roundTrips.clientData)}`);
  out.push(`  before the server's first application data: ${rt(c.a.roundTrips.serverData)} / ${rt(c.b.roundTrips.serverData)}`);
  out.push(`  handshake bytes on the wire: ${c.a.handshakeBytes} / ${c.b.handshakeBytes}`);
  out.push(`  server certificates: ${describeCertificates(c.a.certificates)} / ${describeCertificates(c.b.certificates)}`);
  for (const [tag, s] of [['A', c.a], ['B', c.b]] as const) {
    out.push('', `Flights of ${tag}:`);
    for (const f of s.flights) out.push(`  ${String(f.number).padStart(2)}. ${f.side.padEnd(6)} ${String(f.records).padStart(3)} record${f.records === 1 ? ' ' : 's'} ${String(f.bytes).padStart(6)} B  keys: ${f.epochs.join(', ')}`);
  }
  return out.join('\n') + '\n';
}
