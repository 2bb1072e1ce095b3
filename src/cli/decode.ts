// `tls-lens decode HEX|-`: TLS records or one handshake message pasted as hex (plain, 0x, xxd or Wireshark hex
// dump), decoded with the usual field trees and explanations; a ClientHello also gets its JA3 and JA4.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { decodePastedText, pastedJson } from '../capture/pasted.ts';
import { renderEvent, styler } from './render.ts';
import { useNodeHost } from './node-host.ts';
import { stdout } from './stdout.ts';
import { CliError, EXIT, fromParseArgsError, reportCliError, wantsJson } from './errors.ts';

const HELP = `usage: tls-lens decode HEX|- [options]

  HEX             the bytes as hex (quote it), or - to read them from stdin
  --from SIDE     who sent them: client or server (default: guessed from the handshake message type)
  --json          print JSON: {what, direction, events, fingerprints}, with error {code, message, line,
                  column} when the hex stops partway (what came before it is decoded)
  --verbose       also show the record events

exit status: 0 decoded; 1 the bytes are not TLS or do not decode; 2 usage or not hex
  (with --json, bad usage is {"ok": false, "error": {"code", "message"}})
`;

export async function run(args: string[]): Promise<number> {
  useNodeHost();
  // Bad usage: a plain line on stderr, and with --json the error object on stdout, as every command answers.
  const fail = (e: unknown) => reportCliError('tls-lens decode', e, wantsJson(args), HELP);
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { from: { type: 'string' }, json: { type: 'boolean' }, verbose: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  } catch (e) {
    return fail(fromParseArgsError(e));
  }
  const { values: v, positionals } = parsed;
  if (v.help) {
    stdout().write(HELP);
    return 0;
  }
  if (positionals.length === 0) return fail(new CliError('MISSING_ARGUMENT', 'give the hex, or - to read it from stdin', EXIT.usage, true));
  if (v.from !== undefined && v.from !== 'client' && v.from !== 'server') return fail(new CliError('BAD_OPTION_VALUE', `--from takes client or server, not "${v.from}"`));
  const text = positionals.length === 1 && positionals[0] === '-' ? fs.readFileSync(0, 'utf8') : positionals.join(' ');
  // The page's paste box decodes through the same function: the same bytes, events and problem.
  const result = await decodePastedText(text, { from: v.from as 'client' | 'server' | undefined });
  // A file named instead of its hex: said as such (its name is seldom hex, and "'h' is not a hex digit" puzzles).
  if (result.error?.code === 'NOT_HEX' && positionals.length === 1 && positionals[0] !== '-' && isFile(positionals[0])) {
    result.error = { ...result.error, message: `"${positionals[0]}" is a file: decode takes the hex itself, or - to read it from stdin (tls-lens decode - < ${positionals[0]}); ${result.error.message}` };
  }
  const status = result.error ? (result.error.code === 'NOT_HEX' ? 2 : 1) : result.decoding!.events.some((e) => e.kind === 'error') ? 1 : 0;
  if (v.json) {
    stdout().write(JSON.stringify(pastedJson(result), null, 2) + '\n');
    if (result.error) process.stderr.write(`tls-lens decode: ${result.error.message}\n`);
    return status;
  }
  const decoded = result.decoding;
  if (decoded) {
    const color = process.stdout.isTTY === true;
    const paint = styler(color);
    stdout().write(paint('bold', `${result.bytes} bytes: ${decoded.what} from the ${decoded.direction}\n`));
    for (const e of decoded.events) for (const line of renderEvent(e, { color, verbose: !!v.verbose })) stdout().write(line + '\n');
    for (const f of decoded.fingerprints) {
      stdout().write(`  ${paint('yellow', 'JA3')} ${f.ja3}  ${paint('dim', f.ja3Text)}\n  ${paint('yellow', 'JA4')} ${f.ja4}\n`);
    }
  }
  if (result.error) process.stderr.write(`tls-lens decode: ${result.error.message}\n`);
  return status;
}

function isFile(name: string): boolean {
  try {
    return fs.statSync(name).isFile();
  } catch {
    return false;
  }
}
