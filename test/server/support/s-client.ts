// Runs `openssl s_client` (OpenSSL 3.0, Debian) against a local port: feeds it lines on stdin one at a time, collects
// its output, and ends it. Every step waits for what shows that s_client has dealt with it (never a fixed pause, so a
// busy machine only makes it slower): the handshake's end before the first line, the server's echo of each line (the
// test listener echoes what it reads, upper-cased), and for the commands `k`, `K` and `R` the word s_client prints
// when it reads one. One line per stdin read matters: s_client takes a read that starts with `k` as a command and
// drops the rest of it, and a command glued behind text is sent as text.
import { spawn } from 'node:child_process';

export interface SClientRun {
  code: number | null;
  output: string;
}

/** What s_client prints when it reads each command line. */
const COMMANDS: Record<string, RegExp> = { k: /KEYUPDATE/, K: /KEYUPDATE/, R: /RENEGOTIATING/ };

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export async function sClient(port: number, args: string[], input: string[] = [], opts: { timeoutMs?: number } = {}): Promise<SClientRun> {
  const child = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  child.stdin.on('error', () => {});
  let exitedYet = false;
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => ((exitedYet = true), resolve(code))));
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const deadline = Date.now() + timeoutMs;
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  /** Until `cond`, s_client's end or the deadline (then the caller's asserts see the output as it is). */
  const waitFor = async (cond: () => boolean) => {
    while (!cond() && !exitedYet && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  };
  // Let the handshake finish before typing.
  await waitFor(() => /Verify return code|Cipher is|:error:|errno=/.test(output));
  for (const line of input) {
    const from = Math.max(0, output.length - 1);
    if (!child.stdin.destroyed) child.stdin.write(`${line}\n`);
    // A command: the word s_client prints on reading it. Text: the echo. A short echo must start a line (not a hex
    // dump's corner); a longer one may follow a partial line, as s_client sometimes prints session details beside it.
    const echo = escapeRegExp(line.toUpperCase());
    const shows = COMMANDS[line] ?? new RegExp(line.length >= 4 ? `${echo}\\n` : `(^|\\n)${echo}\\n`);
    await waitFor(() => shows.test(output.slice(from)));
  }
  child.stdin.end();
  const code = await exited;
  clearTimeout(timer);
  return { code, output };
}
