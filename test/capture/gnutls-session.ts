// One captured GnuTLS session, run by captureGnutls (gnutls-capture.ts) inside a private network namespace:
// gnutls-serv has no bind-address option (/work/shared/notes/environment.md). tcpdump on the namespace's loopback
// (startTcpdump, as the other capture tests), gnutls-serv --echo, and gnutls-cli typing each line once the
// previous one came back, so every line is a record of its own each way; the key log comes from SSLKEYLOGFILE.
// Not a test file: `node --import tsx gnutls-session.ts '<job as JSON>'`.
import { spawn, type ChildProcess } from 'node:child_process';
import { startTcpdump } from '../support/tcpdump.ts';
import type { GnutlsCapture } from './gnutls-capture.ts';

export interface GnutlsJob extends GnutlsCapture {
  pcap: string;
  keyLog: string;
  port: number;
}

/** How long one wait may take: only a hang takes this long, a busy machine is merely slower. */
const DEADLINE_MS = 15_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function started(command: string, args: string[], env?: NodeJS.ProcessEnv): { proc: ChildProcess; output: () => string } {
  const proc = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d.toString()));
  proc.stderr!.on('data', (d) => (out += d.toString()));
  proc.stdin!.on('error', () => {});
  return { proc, output: () => out };
}

async function waitFor(what: string, cond: () => boolean, proc: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  while (!cond()) {
    if (proc.exitCode !== null) throw new Error(`${what}: the program ended first; it printed: ${output().slice(-2000)}`);
    if (Date.now() > deadline) throw new Error(`${what} not seen within ${DEADLINE_MS} ms; printed: ${output().slice(-2000)}`);
    await sleep(20);
  }
}

async function run(job: GnutlsJob): Promise<void> {
  const dump = await startTcpdump(job.pcap, job.port);
  const askClient = job.client ? ['--x509cafile', job.caFile, '--require-client-cert', '--verify-client-cert'] : [];
  const server = started('gnutls-serv', ['--echo', '-p', String(job.port), '--x509certfile', job.cert, '--x509keyfile', job.key, ...askClient, '--priority', job.priority]);
  try {
    await waitFor('gnutls-serv listening', () => /listening on IPv4/.test(server.output()), server.proc, server.output);
    const clientCert = job.client ? ['--x509certfile', job.client.cert, '--x509keyfile', job.client.key] : [];
    const client = started('gnutls-cli', ['-p', String(job.port), '--x509cafile', job.caFile, ...clientCert, '--priority', job.priority, 'localhost'], { SSLKEYLOGFILE: job.keyLog });
    await waitFor('the handshake (Simple Client Mode)', () => /Simple Client Mode/.test(client.output()), client.proc, client.output);
    for (const line of job.lines) {
      const from = client.output().length;
      client.proc.stdin!.write(`${line}\n`);
      await waitFor(`the echo of ${JSON.stringify(line.slice(0, 40))}`, () => client.output().slice(from).includes(line), client.proc, client.output);
    }
    const exited = new Promise<void>((r) => (client.proc.exitCode !== null ? r() : client.proc.once('exit', () => r())));
    client.proc.stdin!.end();
    const timer = setTimeout(() => client.proc.kill('SIGTERM'), DEADLINE_MS);
    await exited;
    clearTimeout(timer);
  } finally {
    // gnutls-serv closes its side once the client has gone; stop() waits for both FINs before it ends tcpdump.
    await dump.stop();
    server.proc.kill('SIGTERM');
  }
}

run(JSON.parse(process.argv[2]) as GnutlsJob).then(
  () => process.exit(0),
  (e) => {
    console.error(String(e?.stack ?? e));
    process.exit(1);
  },
);
