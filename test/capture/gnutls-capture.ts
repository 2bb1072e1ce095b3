// Captures of GnuTLS peers (gnutls-cli <-> gnutls-serv, both Debian's GnuTLS 3.7), for suites OpenSSL 3 here does not
// speak without its legacy provider: RC4 and 3DES, TLS 1.0 to 1.2. Each session runs in a private network namespace
// (gnutls-serv listens on every address, and has no option to bind one), with tcpdump inside it
// (gnutls-session.ts); a capture tcpdump dropped packets from is made again (withoutGaps, as the OpenSSL captures).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GnutlsJob } from './gnutls-session.ts';
import { tempDir, withoutGaps, type CapturedRun } from './helpers.ts';

// From import.meta.url, not __dirname: the browser tests (Playwright, ES modules) use this file too.
const RUNNER = fileURLToPath(new URL('./gnutls-session.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The port inside the namespace: nothing else listens there. */
const PORT = 4433;

export interface GnutlsCapture {
  /** The GnuTLS priority string both peers get (it picks the version and the suite). */
  priority: string;
  cert: string;
  key: string;
  caFile: string;
  lines: string[];
  /** A client certificate (and key) gnutls-cli sends; gnutls-serv then requires one, checked against `caFile`. */
  client?: { cert: string; key: string };
}

export function captureGnutls(name: string, c: GnutlsCapture): Promise<CapturedRun> {
  return withoutGaps(() => captureOnce(name, c), (r) => r.pcap);
}

async function captureOnce(name: string, c: GnutlsCapture): Promise<CapturedRun> {
  const dir = tempDir(name);
  const job: GnutlsJob = { ...c, pcap: path.join(dir, `${name}.pcap`), keyLog: path.join(dir, 'keys.log'), port: PORT };
  const script = 'ip link set lo up && exec "$NODE" --import tsx "$RUNNER" "$JOB"';
  await new Promise<void>((resolve, reject) => {
    execFile('unshare', ['-n', 'sh', '-c', script], { cwd: ROOT, timeout: 60_000, env: { ...process.env, NODE: process.execPath, RUNNER, JOB: JSON.stringify(job) } }, (err, _out, errOut) =>
      err ? reject(new Error(`the GnuTLS session failed: ${err.message}\n${errOut}`)) : resolve(),
    );
  });
  return { dir, pcap: job.pcap, keyLog: job.keyLog, serverPort: PORT };
}
