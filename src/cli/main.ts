// Dispatches `tls-lens <command> ...` to the module that owns the command.
import { CliError, EXIT, reportCliError, wantsJson } from './errors.ts';

// The commands that run the engine install the node:crypto provider themselves (./node-crypto.ts).
const COMMANDS: Record<string, { summary: string; load: () => Promise<{ run(args: string[]): Promise<number> }> }> = {
  connect: { summary: 'connect HOST:PORT — a TLS handshake against a real server, explained', load: () => import('./connect.ts') },
  verify: { summary: 'verify --leaf FILE ... — validate a certificate chain on disk', load: () => import('./verify.ts') },
  compare: { summary: 'compare A.json [B.json] — two saved handshakes side by side', load: () => import('./compare.ts') },
  pcap: { summary: 'pcap FILE [--keylog F] — the TLS sessions in a pcap/pcapng capture, decoded and decrypted', load: () => import('./pcap.ts') },
  decode: { summary: 'decode HEX|- — TLS records or a handshake message pasted as hex, explained', load: () => import('./decode.ts') },
  serve: { summary: 'serve [--port N] [--cert F --key F] [--www] ... — our TLS server: each client\'s handshake from the server\'s side', load: () => import('./serve.ts') },
  limbo: { summary: 'limbo < limbo.json > results.json — run the x509-limbo conformance suite', load: () => import('./limbo.ts') },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${c.summary}`);
  return `usage: tls-lens <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun 'tls-lens <command> --help' for a command's options.\n`;
}

type Command = { run(args: string[]): Promise<number> };

/** `loadCached`: the host's faster way to load a command (bin/tls-lens.js: a bundle with V8's code cache), or null. */
export async function main(argv: string[], loadCached?: (name: string) => Command | null): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  const json = wantsJson(argv);
  const command = COMMANDS[name];
  if (!command) return reportCliError('tls-lens', new CliError('UNKNOWN_COMMAND', `unknown command '${name}'`, EXIT.usage, true), json, usage());
  try {
    const mod = loadCached?.(name) ?? (await command.load());
    return await mod.run(rest);
  } catch (e) {
    // A failure no command foresaw still answers in the form asked for (INTERNAL_ERROR, exit 1).
    return reportCliError(`tls-lens ${name}`, e, json);
  }
}
