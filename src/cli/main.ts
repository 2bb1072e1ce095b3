// Dispatches `tls-lens <command> ...` to the module that owns the command.
const COMMANDS: Record<string, { summary: string; load: () => Promise<{ run(args: string[]): Promise<number> }> }> = {
  connect: { summary: 'connect HOST:PORT — a TLS handshake against a real server, explained', load: () => import('./connect.ts') },
  verify: { summary: 'verify --leaf FILE ... — validate a certificate chain on disk', load: () => import('./verify.ts') },
  pcap: { summary: 'pcap FILE [--keylog F] — the TLS sessions in a pcap/pcapng capture, decoded and decrypted', load: () => import('./pcap.ts') },
  decode: { summary: 'decode HEX|- — TLS records or a handshake message pasted as hex, explained', load: () => import('./decode.ts') },
  limbo: { summary: 'limbo < limbo.json > results.json — run the x509-limbo conformance suite', load: () => import('./limbo.ts') },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${c.summary}`);
  return `usage: tls-lens <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun 'tls-lens <command> --help' for a command's options.\n`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`tls-lens: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  const mod = await command.load();
  return mod.run(rest);
}
