// Dispatches `tls-lens <command> ...` to the module that owns the command. This module is the dispatcher's whole
// bundle (dist-cli/main.cjs): it names the commands but imports none of them, so `--help` loads no command's code.
// The host (bin/tls-lens.js) runs a command that has a bundle straight from it, and loads this module only for the
// rest: the usage, an unknown name, a failure no command foresaw (reportUnforeseen).
import { CliError, EXIT, reportCliError, wantsJson } from './errors.ts';
import { writeStdout } from './stdout.ts';

/** Each command (src/cli/<name>.ts, exporting `run`) with its line in the usage; the build bundles each one. */
export const COMMANDS: Record<string, string> = {
  connect: 'connect HOST:PORT — a TLS handshake against a real server, explained',
  verify: 'verify --leaf FILE ... — validate a certificate chain on disk',
  compare: 'compare A.json [B.json] — two saved handshakes side by side',
  pcap: 'pcap FILE [--keylog F] — the TLS sessions in a pcap/pcapng capture, decoded and decrypted',
  decode: 'decode HEX|- — TLS records or a handshake message pasted as hex, explained',
  serve: "serve [--port N] [--cert F --key F] [--www] ... — our TLS server: each client's handshake from the server's side",
  limbo: 'limbo < limbo.json > results.json — run the x509-limbo conformance suite',
};

function usage(): string {
  const lines = Object.values(COMMANDS).map((summary) => `  ${summary}`);
  return `usage: tls-lens <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun 'tls-lens <command> --help' for a command's options.\n`;
}

export type Command = { run(args: string[]): Promise<number> };

/** `load`: the host's way to load a command by name (bin/tls-lens.js: its bundle, with V8's code cache). */
export async function main(argv: string[], load: (name: string) => Command | Promise<Command>): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    // One write to the descriptor: process.stdout's stream would cost `--help` more than all its own work.
    writeStdout(usage());
    return name ? 0 : 2;
  }
  if (!Object.hasOwn(COMMANDS, name)) return reportCliError('tls-lens', new CliError('UNKNOWN_COMMAND', `unknown command '${name}'`, EXIT.usage, true), wantsJson(argv), usage());
  try {
    const command = await load(name);
    return await command.run(rest);
  } catch (e) {
    return reportUnforeseen(argv, e);
  }
}

/**
 * A failure no command foresaw still answers in the form asked for (INTERNAL_ERROR, exit 1).
 * `argv`: the command's name, then its arguments.
 */
export function reportUnforeseen(argv: string[], e: unknown): number {
  return reportCliError(`tls-lens ${argv[0]}`, e, wantsJson(argv));
}
