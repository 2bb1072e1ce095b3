// `npm start`: the web app, the bridge and the lab on 127.0.0.1 until Ctrl-C.
import { loadConfig, USAGE } from './config.ts';
import { startServer } from './app.ts';
import { jsonLogger } from './log.ts';
import type { ClientsListenerInfo } from '../src/clients/report-message.ts';
import { localEntryWarnings, parseAllowlist, PUBLIC_TLS_PORTS } from './bridge/allowlist.ts';

async function main(): Promise<number> {
  let config;
  try {
    config = loadConfig(process.argv.slice(2), process.env, process.cwd());
  } catch (err) {
    console.error(`tls-lens: ${(err as Error).message}`);
    return 2;
  }
  if (config.help) {
    console.log(USAGE);
    return 0;
  }
  const log = jsonLogger();
  const labNotes: string[] = [];
  if (config.lab) config.lab.onUnavailable = (id, reason) => labNotes.push(`  (${id} is not available here: ${reason})`);

  let running;
  try {
    running = await startServer({ ...config, log });
  } catch (err) {
    console.error(`tls-lens: could not start: ${(err as Error).message}`);
    return 1;
  }

  // A terminal that went away (EPIPE on stdout) must not cut the shutdown short.
  process.stdout.on('error', () => {});
  process.stderr.on('error', () => {});
  let stopping: Promise<void> | undefined;
  const stop = (signal: string) => (stopping ??= shutdown(signal));
  const shutdown = async (signal: string) => {
    console.log(`\n${signal}: stopping the bridge, the lab servers and the web app ...`);
    const force = setTimeout(() => {
      console.error('tls-lens: shutdown took too long, exiting');
      process.exit(1);
    }, 8000);
    await running.stop();
    clearTimeout(force);
    console.log('Stopped. Nothing is left running.');
    if (signal !== 'error') process.exit(0);
  };
  // A crash must not leave Dovecot or openssl running: stop everything, then exit non-zero.
  process.on('uncaughtException', (err) => {
    console.error(`tls-lens: unexpected error: ${err.stack ?? err}`);
    void stop('error').finally(() => process.exit(1));
  });
  process.on('unhandledRejection', (err) => {
    console.error(`tls-lens: unexpected error: ${err}`);
    void stop('error').finally(() => process.exit(1));
  });
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGHUP', () => void stop('SIGHUP'));

  const lines: string[] = [];
  if (running.lab) {
    if (running.lab.pki.generated) lines.push(`Generated the lab's test PKI in ${running.lab.pki.dir}`);
    lines.push(`Lab scenarios (servers on 127.0.0.1; certificates for ${running.lab.scenarios[0]?.host ?? 'lab.tls-lens.test'}):`);
    const width = Math.max(...running.lab.scenarios.map((s) => s.id.length));
    for (const s of running.lab.scenarios) lines.push(`  ${s.id.padEnd(width)}  :${String(s.port).padEnd(5)}  ${s.title}`);
    lines.push(...labNotes);
    lines.push(`Lab root CA: ${running.url}/api/lab/ca.pem   client certificate: ${running.url}/api/lab/client-cert and /api/lab/client-key`);
  }
  const b = config.bridge!;
  const outside = [...(b.allow ?? []).map(String), ...(b.allowPublicTlsPorts ? [`any public host on ports ${PUBLIC_TLS_PORTS.join(', ')}`] : [])];
  lines.push(`Bridge: ${running.url.replace('http', 'ws')}/bridge?scenario=ID  (targets outside the lab: ${outside.length ? outside.join('; ') : 'none; see TLS_LENS_BRIDGE_ALLOW'})`);
  lines.push(...localEntryWarnings(parseAllowlist((b.allow ?? []).map(String))));
  if (b.token) lines.push(`Bridge token required: open ${running.url}/?token=${b.token}`);
  lines.push(...clientsLines(running.clientsListener, running.url, running.reportUrl));
  lines.push('', `TLS Lens is ready at ${running.url}`, 'Press Ctrl-C to stop.');
  console.log(lines.join('\n'));
  return -1; // keep running
}

/** What the ready banner says about the Clients view's listener: where it is and how a client trusts it. */
function clientsLines(l: ClientsListenerInfo, appUrl: string, reportUrl: string): string[] {
  if (!l.running) return [`Clients view: no serve listener (${l.reason}); \`tls-lens serve --report ${reportUrl}\` still reports to it`];
  const local = l.host === '0.0.0.0' || l.host === '::' ? `https://127.0.0.1:${l.port}/` : l.url;
  return [
    `Clients view: tls-lens serve listens on ${l.url} (port ${l.port}); every client that connects is listed in the app's Clients view`,
    `  trust its throwaway CA ${l.caFile} (also ${appUrl}/api/clients/ca.pem): curl --cacert ${l.caFile} ${local}`,
    `  openssl s_client -connect ${new URL(local!).host} -CAfile ${l.caFile}   Chromium: --ignore-certificate-errors-spki-list=${l.leafSpkiSha256}`,
    `  a serve of your own: tls-lens serve --report ${reportUrl}`,
  ];
}

main().then((code) => {
  if (code >= 0) process.exit(code);
});
