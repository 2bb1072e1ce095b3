// Runs `gnutls-cli` (GnuTLS, Debian) against a local port: types `input` once its handshakes are done (it says
// "Simple Client Mode"), waits for the test listener's echo of it (upper-cased), then closes stdin so it ends. No fixed
// pauses: a busy machine only makes it slower. A handshake that fails ends gnutls-cli by itself.
import { spawn } from 'node:child_process';

export interface GnutlsCliOptions {
  /** The --x509cafile to trust. */
  caFile: string;
  /** Killed after this long (the output so far is what the test sees). */
  timeoutMs?: number;
}

export function gnutlsCli(port: number, args: string[], input: string, opts: GnutlsCliOptions): Promise<string> {
  const child = spawn('gnutls-cli', ['-p', String(port), '--x509cafile', opts.caFile, ...args, 'localhost'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  child.stdin.on('error', () => {});
  let exitedYet = false;
  const exited = new Promise<void>((resolve) => child.on('close', () => ((exitedYet = true), resolve())));
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const deadline = Date.now() + timeoutMs;
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const waitFor = async (cond: () => boolean) => {
    while (!cond() && !exitedYet && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  };
  return (async () => {
    // After the handshake (and the resumed one, or the rehandshake, that the options ask for) it reads stdin.
    await waitFor(() => /Simple Client Mode/.test(out));
    const from = out.length;
    if (!exitedYet) child.stdin.write(input);
    const echo = input.trim().toUpperCase();
    await waitFor(() => out.slice(from).includes(echo));
    child.stdin.end();
    await exited;
    clearTimeout(timer);
    return out;
  })();
}
