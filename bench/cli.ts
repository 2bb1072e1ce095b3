// CLI start-up benchmark: whole-process wall time of `tls-lens --help` and `tls-lens connect` (a verified TLS 1.3
// handshake against a local `openssl s_server`), against bare `node -e 0` and `openssl s_client` in the same run.
// Rounds alternate the commands so machine load hits them alike; medians are reported with their ratios. Each
// process also has its CPU time (user + system of the command and its children, from bash's `times`, to the
// millisecond): on a machine other work keeps busy the wall time mostly measures waiting for a core, the CPU time
// what the command itself costs. `connect --help` (loadConnect) loads the connect command's bundle and runs nothing:
// it splits connect's cost into starting the command and running it.
// NODE_EXTRA_CA_CERTS, when set, makes every node process (bare node too) read and parse that file at start: the
// report says so; TLS_LENS_BENCH_NO_EXTRA_CA=1 leaves it out of the measured processes' environment.
// Run: npm run bench:cli   (TLS_LENS_BENCH_ROUNDS=N to change the number of rounds, default 15)
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import os, { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { makePki, startSServer } from '../test/tls/helpers.ts';
import { median } from './common.ts';

// TLS_LENS_BENCH_BIN: another checkout's bin/tls-lens.js (to measure a base commit in the same conditions).
const BIN = process.env.TLS_LENS_BENCH_BIN ?? fileURLToPath(new URL('../bin/tls-lens.js', import.meta.url));
const ROUNDS = Number(process.env.TLS_LENS_BENCH_ROUNDS ?? 15);
// TLS_LENS_BENCH_BASE_BIN: a base checkout's bin/tls-lens.js timed in the same rounds (before/after as a ratio).
const BASE_BIN = process.env.TLS_LENS_BENCH_BASE_BIN;

const EXTRA_CA = process.env.NODE_EXTRA_CA_CERTS;
const CHILD_ENV = process.env.TLS_LENS_BENCH_NO_EXTRA_CA ? Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_EXTRA_CA_CERTS')) : process.env;

const TIME_FILE = path.join(os.tmpdir(), `tls-lens-bench-cli-${process.pid}.time`);
const cpuMs: Record<string, number[]> = {};

// bash runs the command, then writes `times`: its own CPU time and its children's, as "0m0.123s 0m0.045s" lines.
const TIMED = '"$@"; status=$?; times > "$0"; exit $status';

/** Wall time of one process from spawn to exit, ms (its CPU time goes to `cpuMs[name]`); throws if it exits with
 * another code than `expect`. */
function timeProcess(name: string, cmd: string, args: string[], expect = 0, input?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('bash', ['-c', TIMED, TIME_FILE, cmd, ...args], { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], env: CHILD_ENV });
    let err = '';
    child.stdout!.resume();
    child.stderr!.on('data', (d) => (err += d));
    if (input !== undefined) child.stdin!.end(input);
    child.on('error', reject);
    child.on('exit', (code) => {
      const ms = performance.now() - t0;
      if (code !== expect) return reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err}`));
      const children = fs.readFileSync(TIME_FILE, 'utf8').trim().split('\n')[1];
      const [user, sys] = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
      (cpuMs[name] ??= []).push((user + sys) * 1000);
      resolve(ms);
    });
  });
}

async function main() {
  const pki = makePki();
  const server = await startSServer(pki);
  try {
    const target = `127.0.0.1:${server.port}`;
    const commands: Record<string, () => Promise<number>> = {
      nodeBare: () => timeProcess('nodeBare', 'node', ['-e', '0']),
      help: () => timeProcess('help', 'node', [BIN, '--help']),
      loadConnect: () => timeProcess('loadConnect', 'node', [BIN, 'connect', '--help']),
      connect: () => timeProcess('connect', 'node', [BIN, 'connect', target, '--servername', 'localhost', '--ca', pki.rootPem, '--json']),
      ...(BASE_BIN
        ? {
            helpBase: () => timeProcess('helpBase', 'node', [BASE_BIN, '--help']),
            connectBase: () => timeProcess('connectBase', 'node', [BASE_BIN, 'connect', target, '--servername', 'localhost', '--ca', pki.rootPem, '--json']),
          }
        : {}),
      opensslSClient: () => timeProcess('opensslSClient', 'openssl', ['s_client', '-connect', target, '-servername', 'localhost', '-CAfile', pki.rootPem, '-verify_return_error', '-brief'], 0, ''),
    };
    // One untimed round: the file cache and the build (if bin/tls-lens.js has to make it) are warm afterwards.
    for (const run of Object.values(commands)) await run();
    for (const k of Object.keys(cpuMs)) delete cpuMs[k];
    const times: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
    for (let i = 0; i < ROUNDS; i++) for (const [name, run] of Object.entries(commands)) times[name].push(await run());
    const ms = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
    const ratio = (a: number, b: number) => +(a / b).toFixed(2);
    const report = {
      machine: { loadAverage1m: +loadavg()[0].toFixed(2), rounds: ROUNDS, nodeExtraCaCerts: CHILD_ENV.NODE_EXTRA_CA_CERTS ?? null },
      medianMs: ms,
      ratios: {
        helpVsNode: ratio(ms.help, ms.nodeBare),
        connectVsNode: ratio(ms.connect, ms.nodeBare),
        connectVsOpensslSClient: ratio(ms.connect, ms.opensslSClient),
        loadConnectVsNode: ratio(ms.loadConnect, ms.nodeBare),
        ...(BASE_BIN ? { helpVsBase: ratio(ms.help, ms.helpBase), connectVsBase: ratio(ms.connect, ms.connectBase), baseConnectVsNode: ratio(ms.connectBase, ms.nodeBare) } : {}),
      },
      cpuMedianMs: Object.fromEntries(Object.entries(cpuMs).map(([k, v]) => [k, median(v)])),
      cpuRatios: {
        helpVsNode: ratio(median(cpuMs.help), median(cpuMs.nodeBare)),
        connectVsNode: ratio(median(cpuMs.connect), median(cpuMs.nodeBare)),
        loadConnectVsNode: ratio(median(cpuMs.loadConnect), median(cpuMs.nodeBare)),
        ...(BASE_BIN ? { helpVsBase: ratio(median(cpuMs.help), median(cpuMs.helpBase)), connectVsBase: ratio(median(cpuMs.connect), median(cpuMs.connectBase)), baseConnectVsNode: ratio(median(cpuMs.connectBase), median(cpuMs.nodeBare)) } : {}),
      },
      goals: { helpVsNode: '<= 1.3', connectVsNode: '<= 2' },
      runsMs: times,
    };
    console.log(JSON.stringify(report, (_k, v) => (typeof v === 'number' ? +v.toFixed(1) : v), 2));
    console.log(
      `\ntls-lens --help ${ms.help} ms = ${report.ratios.helpVsNode}x bare node (${ms.nodeBare} ms); ` +
        `connect ${ms.connect} ms = ${report.ratios.connectVsNode}x bare node, ${report.ratios.connectVsOpensslSClient}x openssl s_client (${ms.opensslSClient} ms); medians of ${ROUNDS}. ` +
        `CPU time: --help ${report.cpuRatios.helpVsNode}x, connect ${report.cpuRatios.connectVsNode}x bare node (loading it ${report.cpuRatios.loadConnectVsNode}x). ` +
        `Load average ${report.machine.loadAverage1m}.` +
        (CHILD_ENV.NODE_EXTRA_CA_CERTS ? ` NODE_EXTRA_CA_CERTS=${CHILD_ENV.NODE_EXTRA_CA_CERTS}: every node process, bare node too, parses it at start (TLS_LENS_BENCH_NO_EXTRA_CA=1 to leave it out).` : EXTRA_CA ? ' NODE_EXTRA_CA_CERTS left out.' : ''),
    );
  } finally {
    await server.stop();
    fs.rmSync(TIME_FILE, { force: true });
    fs.rmSync(path.resolve(pki.dir), { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
