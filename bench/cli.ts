// CLI start-up benchmark: whole-process wall time of `tls-lens --help` and `tls-lens connect` (a verified TLS 1.3
// handshake against a local `openssl s_server`), against bare `node -e 0` and `openssl s_client` in the same run.
// Rounds alternate the commands so machine load hits them alike; medians are reported with their ratios.
// Run: npm run bench:cli   (TLS_LENS_BENCH_ROUNDS=N to change the number of rounds, default 15)
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { makePki, startSServer } from '../test/tls/helpers.ts';
import { median } from './common.ts';

// TLS_LENS_BENCH_BIN: another checkout's bin/tls-lens.js (to measure a base commit in the same conditions).
const BIN = process.env.TLS_LENS_BENCH_BIN ?? fileURLToPath(new URL('../bin/tls-lens.js', import.meta.url));
const ROUNDS = Number(process.env.TLS_LENS_BENCH_ROUNDS ?? 15);
// TLS_LENS_BENCH_BASE_BIN: a base checkout's bin/tls-lens.js timed in the same rounds (before/after as a ratio).
const BASE_BIN = process.env.TLS_LENS_BENCH_BASE_BIN;

/** Wall time of one process from spawn to exit, ms; throws if it exits with another code than `expect`. */
function timeProcess(cmd: string, args: string[], expect = 0, input?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let err = '';
    child.stdout!.resume();
    child.stderr!.on('data', (d) => (err += d));
    if (input !== undefined) child.stdin!.end(input);
    child.on('error', reject);
    child.on('exit', (code) => {
      const ms = performance.now() - t0;
      if (code !== expect) reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err}`));
      else resolve(ms);
    });
  });
}

async function main() {
  const pki = makePki();
  const server = await startSServer(pki);
  try {
    const target = `127.0.0.1:${server.port}`;
    const commands: Record<string, () => Promise<number>> = {
      nodeBare: () => timeProcess('node', ['-e', '0']),
      help: () => timeProcess('node', [BIN, '--help']),
      connect: () => timeProcess('node', [BIN, 'connect', target, '--servername', 'localhost', '--ca', pki.rootPem, '--json']),
      ...(BASE_BIN
        ? {
            helpBase: () => timeProcess('node', [BASE_BIN, '--help']),
            connectBase: () => timeProcess('node', [BASE_BIN, 'connect', target, '--servername', 'localhost', '--ca', pki.rootPem, '--json']),
          }
        : {}),
      opensslSClient: () => timeProcess('openssl', ['s_client', '-connect', target, '-servername', 'localhost', '-CAfile', pki.rootPem, '-verify_return_error', '-brief'], 0, ''),
    };
    // One untimed round: the file cache and the build (if bin/tls-lens.js has to make it) are warm afterwards.
    for (const run of Object.values(commands)) await run();
    const times: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
    for (let i = 0; i < ROUNDS; i++) for (const [name, run] of Object.entries(commands)) times[name].push(await run());
    const ms = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
    const ratio = (a: number, b: number) => +(a / b).toFixed(2);
    const report = {
      machine: { loadAverage1m: +loadavg()[0].toFixed(2), rounds: ROUNDS },
      medianMs: ms,
      ratios: {
        helpVsNode: ratio(ms.help, ms.nodeBare),
        connectVsNode: ratio(ms.connect, ms.nodeBare),
        connectVsOpensslSClient: ratio(ms.connect, ms.opensslSClient),
        ...(BASE_BIN ? { helpVsBase: ratio(ms.help, ms.helpBase), connectVsBase: ratio(ms.connect, ms.connectBase), baseConnectVsNode: ratio(ms.connectBase, ms.nodeBare) } : {}),
      },
      goals: { helpVsNode: '<= 1.3', connectVsNode: '<= 2' },
      runsMs: times,
    };
    console.log(JSON.stringify(report, (_k, v) => (typeof v === 'number' ? +v.toFixed(1) : v), 2));
    console.log(
      `\ntls-lens --help ${ms.help} ms = ${report.ratios.helpVsNode}x bare node (${ms.nodeBare} ms); ` +
        `connect ${ms.connect} ms = ${report.ratios.connectVsNode}x bare node, ${report.ratios.connectVsOpensslSClient}x openssl s_client (${ms.opensslSClient} ms); medians of ${ROUNDS}.`,
    );
  } finally {
    await server.stop();
    fs.rmSync(path.resolve(pki.dir), { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
