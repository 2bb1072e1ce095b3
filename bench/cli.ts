// CLI start-up benchmark: whole-process wall time of `tls-lens --help` and `tls-lens connect` (a verified TLS 1.3
// handshake against a local `openssl s_server`), run as users run them (`node bin/tls-lens.js ...`, package.json's
// "bin"), against bare `node -e 0` and `openssl s_client` in the same rounds. Rounds alternate the commands so
// machine load hits them alike; medians are reported with their ratios, wall and CPU time (bench/process-time.ts).
// `connect --help` (loadConnect) loads the connect command's bundle and runs nothing: it splits connect's cost into
// starting the command and running it. `nodeTls` is the floor: Node's own TLS client as a process doing the same
// job (bench/node-tls-client.cjs: node:tls with the same --ca and servername, one JSON line, exit), what the
// lightest JavaScript client that loads node:tls, node:crypto and node:net costs here.
// Environments: NODE_EXTRA_CA_CERTS, when set, makes every node process (bare node too) read and parse that file at
// start. The rounds run first in a clean environment (without it), then, when it is set, again with it; each
// environment gets its own ratios. TLS_LENS_BENCH_NO_EXTRA_CA=1 runs the clean environment only.
// Run: npm run bench:cli   (TLS_LENS_BENCH_ROUNDS=N to change the number of rounds, default 15)
import fs from 'node:fs';
import path from 'node:path';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { makePki, startSServer } from '../test/tls/helpers.ts';
import { ProcessTimer, cleanEnv, ratio } from './process-time.ts';

// TLS_LENS_BENCH_BIN: another checkout's bin/tls-lens.js (to measure a base commit in the same conditions).
const BIN = process.env.TLS_LENS_BENCH_BIN ?? fileURLToPath(new URL('../bin/tls-lens.js', import.meta.url));
const ROUNDS = Number(process.env.TLS_LENS_BENCH_ROUNDS ?? 15);
// TLS_LENS_BENCH_BASE_BIN: a base checkout's bin/tls-lens.js timed in the same rounds (before/after as a ratio).
const BASE_BIN = process.env.TLS_LENS_BENCH_BASE_BIN;
const NODE_TLS_CLIENT = fileURLToPath(new URL('./node-tls-client.cjs', import.meta.url));

const EXTRA_CA = process.env.NODE_EXTRA_CA_CERTS;
const ENVIRONMENTS: [string, NodeJS.ProcessEnv][] = [['clean', cleanEnv()]];
if (EXTRA_CA && !process.env.TLS_LENS_BENCH_NO_EXTRA_CA) ENVIRONMENTS.push(['nodeExtraCaCerts', process.env]);

/** The rounds in one environment: medians and ratios, wall and CPU. */
async function measure(env: NodeJS.ProcessEnv, target: string, rootPem: string) {
  const timer = new ProcessTimer();
  const connectArgs = ['connect', target, '--servername', 'localhost', '--ca', rootPem, '--json'];
  const commands: Record<string, () => Promise<number>> = {
    nodeBare: () => timer.run('nodeBare', 'node', ['-e', '0'], env),
    help: () => timer.run('help', 'node', [BIN, '--help'], env),
    loadConnect: () => timer.run('loadConnect', 'node', [BIN, 'connect', '--help'], env),
    connect: () => timer.run('connect', 'node', [BIN, ...connectArgs], env),
    nodeTls: () => timer.run('nodeTls', 'node', [NODE_TLS_CLIENT, target, 'localhost', rootPem], env),
    ...(BASE_BIN
      ? {
          helpBase: () => timer.run('helpBase', 'node', [BASE_BIN, '--help'], env),
          connectBase: () => timer.run('connectBase', 'node', [BASE_BIN, ...connectArgs], env),
        }
      : {}),
    opensslSClient: () => timer.run('opensslSClient', 'openssl', ['s_client', '-connect', target, '-servername', 'localhost', '-CAfile', rootPem, '-verify_return_error', '-brief'], env, 0, ''),
  };
  try {
    // One untimed round: the file cache and the build (if bin/tls-lens.js has to make it) are warm afterwards.
    for (const run of Object.values(commands)) await run();
    timer.reset();
    for (let i = 0; i < ROUNDS; i++) for (const run of Object.values(commands)) await run();
    const ms = Object.fromEntries(Object.keys(commands).map((k) => [k, timer.medianWall(k)]));
    const cpu = Object.fromEntries(Object.keys(commands).map((k) => [k, timer.medianCpu(k)]));
    const ratios = (m: Record<string, number>) => ({
      helpVsNode: ratio(m.help, m.nodeBare),
      connectVsNode: ratio(m.connect, m.nodeBare),
      loadConnectVsNode: ratio(m.loadConnect, m.nodeBare),
      nodeTlsVsNode: ratio(m.nodeTls, m.nodeBare),
      connectVsNodeTls: ratio(m.connect, m.nodeTls),
      connectVsOpensslSClient: ratio(m.connect, m.opensslSClient),
      ...(BASE_BIN ? { helpVsBase: ratio(m.help, m.helpBase), connectVsBase: ratio(m.connect, m.connectBase), baseConnectVsNode: ratio(m.connectBase, m.nodeBare) } : {}),
    });
    return {
      loadAverage1m: +loadavg()[0].toFixed(2),
      nodeExtraCaCerts: env.NODE_EXTRA_CA_CERTS ?? null,
      medianMs: ms,
      ratios: ratios(ms),
      cpuMedianMs: cpu,
      cpuRatios: ratios(cpu),
      runsMs: timer.wallMs,
    };
  } finally {
    timer.close();
  }
}

async function main() {
  const pki = makePki();
  const server = await startSServer(pki);
  try {
    const target = `127.0.0.1:${server.port}`;
    const environments: Record<string, Awaited<ReturnType<typeof measure>>> = {};
    for (const [name, env] of ENVIRONMENTS) environments[name] = await measure(env, target, pki.rootPem);
    const report = { rounds: ROUNDS, bin: BIN, baseBin: BASE_BIN ?? null, goals: { helpVsNode: '<= 1.3', connectVsNode: '<= 2' }, environments };
    console.log(JSON.stringify(report, (_k, v) => (typeof v === 'number' ? +v.toFixed(2) : v), 2));
    console.log('');
    for (const [name, r] of Object.entries(environments)) {
      const ms = Object.fromEntries(Object.entries(r.medianMs).map(([k, v]) => [k, Math.round(v)]));
      const { ratios: w, cpuRatios: c } = r;
      console.log(
        `${name}${r.nodeExtraCaCerts ? ` (NODE_EXTRA_CA_CERTS=${r.nodeExtraCaCerts}: every node process, bare node too, parses it at start)` : ''}: ` +
          `--help ${ms.help} ms = ${w.helpVsNode}x bare node (${ms.nodeBare} ms); connect ${ms.connect} ms = ${w.connectVsNode}x bare node, ` +
          `${w.connectVsOpensslSClient}x openssl s_client (${ms.opensslSClient} ms); floor, Node's tls client ${ms.nodeTls} ms = ` +
          `${w.nodeTlsVsNode}x bare node (connect ${w.connectVsNodeTls}x it); CPU: --help ${c.helpVsNode}x, connect ${c.connectVsNode}x bare node ` +
          `(loading it ${c.loadConnectVsNode}x), Node's tls client ${c.nodeTlsVsNode}x` +
          (BASE_BIN ? `; against the base: connect ${w.connectVsBase}x wall, ${c.connectVsBase}x CPU (base connect ${w.baseConnectVsNode}x bare node wall, ${c.baseConnectVsNode}x CPU)` : '') +
          `. Medians of ${ROUNDS}, load average ${r.loadAverage1m}.`,
      );
    }
  } finally {
    await server.stop();
    fs.rmSync(path.resolve(pki.dir), { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
