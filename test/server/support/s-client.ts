// Runs `openssl s_client` (OpenSSL 3.0, Debian) against a local port: feeds it lines on stdin (with pauses so
// that `k`, `K` and `R` are read as commands), collects its output, and ends it.
import { spawn } from 'node:child_process';

export interface SClientRun {
  code: number | null;
  output: string;
}

export async function sClient(port: number, args: string[], input: string[] = [], opts: { pauseMs?: number; timeoutMs?: number } = {}): Promise<SClientRun> {
  const child = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 15_000);
  // Let the handshake finish before typing.
  await waitFor(() => /Verify return code|Cipher is|:error:|errno=/.test(output), 8000);
  for (const line of input) {
    await new Promise((r) => setTimeout(r, opts.pauseMs ?? 300));
    if (!child.stdin.destroyed) child.stdin.write(`${line}\n`);
  }
  await new Promise((r) => setTimeout(r, opts.pauseMs ?? 300));
  child.stdin.end();
  const code = await exited;
  clearTimeout(timer);
  return { code, output };
}

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}
