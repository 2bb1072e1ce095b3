// tcpdump on the loopback for one TCP port, started for real: the capture tests and the serve tests use it.
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * tcpdump for one TCP port (on lo unless `extra` names another interface), writing `file`. Resolves once packets
 * are really being captured: it sends UDP probes to a second port until tcpdump prints one (the probes are not
 * TCP, so they never show up as streams).
 */
export async function startTcpdump(file: string, port: number, extra: string[] = []): Promise<{ stop(): Promise<void> }> {
  const probePort = 9; // discard: nothing listens, the probe is only there to be seen
  const args = extra.includes('-i') ? [] : ['-i', 'lo'];
  // -Z root: keep root so it can write into our temp dir; -U: write each packet at once; --print: also tell us.
  const proc = spawn('tcpdump', [...args, '--immediate-mode', '-U', '-Z', 'root', '--print', '-n', '-w', file, ...extra, `tcp port ${port} or udp port ${probePort}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d) => (out += d.toString()));
  proc.stderr!.on('data', (d) => (err += d.toString()));
  const probe = dgram.createSocket('udp4');
  try {
    const deadline = Date.now() + 15_000;
    while (!/UDP/.test(out)) {
      if (proc.exitCode !== null) throw new Error(`tcpdump exited (${proc.exitCode}): ${err}`);
      if (Date.now() > deadline) throw new Error(`tcpdump did not start capturing: ${err}`);
      probe.send('probe', probePort, '127.0.0.1');
      await sleep(100);
    }
  } finally {
    probe.close();
  }
  return {
    async stop() {
      await sleep(500); // let the last packets reach the file
      if (proc.exitCode !== null) return;
      const exited = new Promise<void>((r) => proc.once('exit', () => r()));
      proc.kill('SIGINT');
      await exited;
    },
  };
}

