// tcpdump on the loopback for one TCP port, started for real: the capture tests and the serve tests use it.
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How long start and stop may wait for tcpdump: only a hang takes this long, a busy machine is merely slower. */
const DEADLINE_MS = 30_000;
/** How long stop waits for the connections it saw to be closed both ways before it stops anyway. */
const CLOSE_WAIT_MS = 10_000;

/**
 * tcpdump for one TCP port (on lo unless `extra` names another interface), writing `file`. Resolves once packets
 * are really being captured: it sends UDP probes to a second port until tcpdump prints one (the probes are not
 * TCP, so they never show up as streams).
 *
 * stop() waits, instead of for a fixed time, until every connection to `port` that tcpdump saw start has been closed
 * both ways (FIN from each side, or a RST), and then until tcpdump printed a last probe: tcpdump writes (and with -U flushes)
 * each packet to the file before it prints it, in the order the loopback carried them, so everything sent before
 * that probe is in the file when it is stopped.
 */
export async function startTcpdump(file: string, port: number, extra: string[] = []): Promise<{ stop(): Promise<void> }> {
  const probePort = 9; // discard: nothing listens, the probe is only there to be seen
  const args = extra.includes('-i') ? [] : ['-i', 'lo'];
  // -Z root: keep root so it can write into our temp dir; -U: write each packet at once; --print: also tell us;
  // -l: line-buffered, so each printed packet reaches us at once (a pipe is block-buffered otherwise).
  const proc = spawn('tcpdump', [...args, '-l', '--immediate-mode', '-U', '-Z', 'root', '--print', '-n', '-w', file, ...extra, `tcp port ${port} or udp port ${probePort}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d) => (out += d.toString()));
  proc.stderr!.on('data', (d) => (err += d.toString()));
  /**
   * Sends probes from a socket of its own until tcpdump has printed one of them: told apart by their source port
   * from earlier probes and from those of other tests' tcpdumps (they all see each other's on lo). A probe stays
   * a few bytes long, too short to pass for a TCP segment where a test rewrites the captured frames.
   */
  const probeUntilSeen = async (what: string) => {
    const from = out.length;
    const probe = dgram.createSocket('udp4');
    try {
      await new Promise<void>((resolve) => probe.bind(0, '127.0.0.1', () => resolve()));
      const seen = new RegExp(`\\.${probe.address().port} > \\S+\\.${probePort}: UDP`);
      const deadline = Date.now() + DEADLINE_MS;
      while (!seen.test(out.slice(from))) {
        if (proc.exitCode !== null) throw new Error(`tcpdump exited (${proc.exitCode}): ${err}`);
        if (Date.now() > deadline) throw new Error(`tcpdump ${what} within ${DEADLINE_MS} ms: ${err}`);
        probe.send('probe', probePort, '127.0.0.1');
        await sleep(100);
      }
    } finally {
      probe.close();
    }
  };
  await probeUntilSeen('did not start capturing');
  return {
    async stop() {
      if (proc.exitCode !== null) return;
      const closeDeadline = Date.now() + CLOSE_WAIT_MS;
      while (openConnections(out, port) > 0 && proc.exitCode === null && Date.now() < closeDeadline) await sleep(20);
      await probeUntilSeen('did not print the last probe');
      if (proc.exitCode !== null) return;
      const exited = new Promise<void>((r) => proc.once('exit', () => r()));
      proc.kill('SIGINT');
      await exited;
    },
  };
}

/**
 * Of the connections to `port` whose start (SYN) tcpdump printed, how many are not yet closed both ways (FIN each
 * way, or a RST). Others that the filter takes (a connection of another test with `port` as its own end) are not
 * waited for.
 */
function openConnections(printed: string, port: number): number {
  const finFrom = new Map<string, Set<string>>();
  const reset = new Set<string>();
  for (const m of printed.matchAll(/\bIP6? (\S+) > (\S+): Flags \[([^\]]*)\]/g)) {
    const from = m[1];
    const to = m[2].replace(/:$/, '');
    const key = [from, to].sort().join(' ');
    if (m[3] === 'S' && to.endsWith(`.${port}`)) finFrom.set(key, new Set());
    const fins = finFrom.get(key);
    if (!fins) continue;
    if (m[3].includes('R')) reset.add(key);
    if (m[3].includes('F')) fins.add(from);
  }
  let open = 0;
  for (const [key, fins] of finFrom) if (!reset.has(key) && fins.size < 2) open++;
  return open;
}
