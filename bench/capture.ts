// npm run bench:capture — importing a ~100 MB capture of many TLS sessions with their key log: MB/s and peak
// memory for TLS Lens (bench/capture-import.ts, its own process, bundled by esbuild as the CLI is) against tshark
// decrypting the same file with the same key log, in the same run, as ratios. Each tool runs ROUNDS times,
// alternating (the machine may be shared: paired runs), and the best round of each is compared; CPU time
// (user + system, all threads) is shown too, being less sensitive to a loaded machine than wall time (its ratio
// takes the least CPU time of each tool's rounds).
// The capture is made here: tcpdump on lo while Node's tls clients (TLS 1.3 and 1.2, AES-GCM and ChaCha20)
// exchange data with a Node tls echo server, the clients writing the NSS key log. CAPTURE_FILE and CAPTURE_KEYS
// reuse a capture made before (CAPTURE_KEEP=1 keeps one).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { makePki } from '../test/tls/helpers.ts';
import { startTcpdump, tempDir } from '../test/capture/helpers.ts';

const SESSIONS = Number(process.env.CAPTURE_SESSIONS ?? 100);
const BYTES_PER_SESSION = Number(process.env.CAPTURE_SESSION_BYTES ?? 512 * 1024);
const CONCURRENCY = 8;
const ROUNDS = Number(process.env.CAPTURE_ROUNDS ?? 3);

async function makeCapture(dir: string): Promise<{ pcap: string; keys: string; port: number }> {
  const pki = makePki();
  const server = tls.createServer({ key: fs.readFileSync(pki.leafKey), cert: fs.readFileSync(pki.leafCert), minVersion: 'TLSv1.2' }, (s) => {
    s.on('error', () => undefined);
    s.pipe(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  const pcap = path.join(dir, 'bench.pcap');
  const keys = path.join(dir, 'keys.log');
  const keyLines: string[] = [];
  const dump = await startTcpdump(pcap, port, ['-B', '131072']);
  const payload = Buffer.alloc(BYTES_PER_SESSION, 0x61);
  const session = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const v12 = i % 2 === 1;
      const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: fs.readFileSync(pki.rootPem), ...(v12 ? { maxVersion: 'TLSv1.2', ciphers: i % 4 === 1 ? 'ECDHE-ECDSA-AES128-GCM-SHA256' : 'ECDHE-ECDSA-CHACHA20-POLY1305' } : {}) });
      socket.on('keylog', (line) => keyLines.push(line.toString().trim()));
      let got = 0;
      socket.on('secureConnect', () => socket.write(payload));
      socket.on('data', (d) => {
        got += d.length;
        if (got >= payload.length) socket.end();
      });
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });
  for (let i = 0; i < SESSIONS; i += CONCURRENCY) {
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, SESSIONS - i) }, (_, k) => session(i + k)));
  }
  await dump.stop();
  server.close();
  fs.writeFileSync(keys, keyLines.join('\n') + '\n');
  fs.rmSync(pki.dir, { recursive: true, force: true });
  return { pcap, keys, port };
}

interface Timed {
  seconds: number;
  cpuSeconds: number;
  maxRssKb: number;
  stdout: string;
}

/** Run a command under /usr/bin/time: wall seconds, CPU seconds and peak resident memory (KiB). */
function timed(cmd: string, args: string[]): Timed {
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %e %M %U %S', cmd, ...args], { maxBuffer: 1 << 30, encoding: 'utf8' });
  const m = /TIME ([\d.]+) (\d+) ([\d.]+) ([\d.]+)/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`${cmd} failed: ${r.stderr.slice(-2000)}`);
  return { seconds: Number(m[1]), maxRssKb: Number(m[2]), cpuSeconds: Number(m[3]) + Number(m[4]), stdout: r.stdout };
}

const best = (runs: Timed[]) => runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
/** The least CPU time of the rounds: on a shared machine a round's wall time swings with the others' load, its CPU time much less. */
const leastCpu = (runs: Timed[]) => Math.min(...runs.map((r) => r.cpuSeconds));

const dir = tempDir('bench');
try {
  let pcap = process.env.CAPTURE_FILE;
  let keys = process.env.CAPTURE_KEYS;
  let port: number;
  if (pcap && keys) {
    // The server's port: where the first SYN goes (tcpdump's start-up probes are UDP).
    const syns = execFileSync('tshark', ['-r', pcap, '-Y', 'tcp.flags.syn == 1 && tcp.flags.ack == 0', '-T', 'fields', '-e', 'tcp.dstport'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    port = Number(syns.split('\n')[0].trim());
  } else {
    console.log(`making a capture: ${SESSIONS} sessions of ${BYTES_PER_SESSION} bytes echoed, tcpdump on lo ...`);
    ({ pcap, keys, port } = await makeCapture(dir));
  }
  const mb = fs.statSync(pcap).size / 1e6;
  console.log(`capture: ${mb.toFixed(1)} MB, key log: ${fs.readFileSync(keys, 'utf8').split('\n').filter(Boolean).length} lines`);
  // Our import as plain JavaScript, as the CLI runs (dist-cli is esbuild's bundle too).
  const bundle = path.join(dir, 'capture-import.mjs');
  await (await import('esbuild')).build({
    entryPoints: [path.resolve(import.meta.dirname, 'capture-import.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: bundle,
    logLevel: 'warning',
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  });
  // tshark: every packet dissected, every TLS record decrypted, the decrypted data printed (to a pipe we drop).
  const tsharkArgs = (file: string) => ['-r', file, '-o', `tls.keylog_file:${keys}`, '-d', `tcp.port==${port},tls`, '-T', 'fields', '-e', 'tls.record.content_type', '-e', 'data.len'];
  // Ours under the node:crypto provider (as `tls-lens pcap` runs) and under WebCrypto (as the page runs).
  const ourRuns: Timed[] = [];
  const webRuns: Timed[] = [];
  const theirRuns: Timed[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    ourRuns.push(timed(process.execPath, [bundle, pcap, keys, 'node']));
    webRuns.push(timed(process.execPath, [bundle, pcap, keys, 'webcrypto']));
    theirRuns.push(timed('tshark', tsharkArgs(pcap)));
  }
  const ours = best(ourRuns);
  const web = best(webRuns);
  const theirs = best(theirRuns);
  const summary = JSON.parse(ours.stdout.trim().split('\n').pop()!);
  const webSummary = JSON.parse(web.stdout.trim().split('\n').pop()!);
  const theirRecords = theirs.stdout.split('\n').reduce((n, l) => n + (l.split('\t')[0] ? l.split('\t')[0].split(',').length : 0), 0);
  // Start-up costs (node loading the bundle; tshark loading its dissectors), measured on an empty capture, so
  // the work itself can be compared too.
  const empty = path.join(dir, 'empty.pcap');
  fs.writeFileSync(empty, Buffer.from('d4c3b2a1020004000000000000000000ffff000001000000', 'hex'));
  const theirStartup = timed('tshark', tsharkArgs(empty)).seconds;
  const ourStartup = Math.max(0, ours.seconds - summary.seconds);
  const row = (name: string, t: { seconds: number; cpuSeconds?: number; maxRssKb?: number }) =>
    `${name.padEnd(40)} ${(mb / t.seconds).toFixed(1).padStart(8)} MB/s ${t.seconds.toFixed(2).padStart(7)} s${t.cpuSeconds !== undefined ? ` ${t.cpuSeconds.toFixed(2).padStart(7)} s CPU` : ''}${t.maxRssKb !== undefined ? ` ${(t.maxRssKb / 1024).toFixed(0).padStart(6)} MiB peak` : ''}`;
  console.log(`best of ${ROUNDS} paired rounds (wall ${ourRuns.map((r) => r.seconds.toFixed(2)).join('/')} s ours (node:crypto), ${webRuns.map((r) => r.seconds.toFixed(2)).join('/')} s ours (WebCrypto), ${theirRuns.map((r) => r.seconds.toFixed(2)).join('/')} s tshark)`);
  console.log(row('TLS Lens, whole process', ours));
  console.log(row('TLS Lens (WebCrypto), whole process', web));
  console.log(row('tshark, whole process', theirs));
  console.log(row(`TLS Lens, import only (start ${ourStartup.toFixed(2)} s)`, { seconds: summary.seconds }));
  console.log(row(`tshark, minus start (${theirStartup.toFixed(2)} s)`, { seconds: Math.max(0.01, theirs.seconds - theirStartup) }));
  console.log(`TLS Lens: ${summary.streams} streams, ${summary.records} records, ${summary.appDataEvents} application data records decrypted, ${summary.undecrypted} records not decrypted; tshark: ${theirRecords} records`);
  if (webSummary.records !== summary.records || webSummary.undecrypted !== summary.undecrypted) throw new Error(`the two providers decoded differently: ${JSON.stringify(summary)} vs ${JSON.stringify(webSummary)}`);
  console.log(`least CPU time of the rounds: TLS Lens ${leastCpu(ourRuns).toFixed(2)} s (${ourRuns.map((r) => r.cpuSeconds.toFixed(2)).join('/')}), with WebCrypto ${leastCpu(webRuns).toFixed(2)} s (${webRuns.map((r) => r.cpuSeconds.toFixed(2)).join('/')}), tshark ${leastCpu(theirRuns).toFixed(2)} s (${theirRuns.map((r) => r.cpuSeconds.toFixed(2)).join('/')})`);
  console.log(`ratio (TLS Lens with WebCrypto / tshark): speed ${(theirs.seconds / web.seconds).toFixed(2)}x whole process, ${((theirs.seconds - theirStartup) / webSummary.seconds).toFixed(2)}x without start-up, CPU time ${(leastCpu(theirRuns) / leastCpu(webRuns)).toFixed(2)}x (least of the rounds); peak memory ${(web.maxRssKb / theirs.maxRssKb).toFixed(2)}x`);
  console.log(`ratio (TLS Lens / tshark): speed ${(theirs.seconds / ours.seconds).toFixed(2)}x whole process, ${((theirs.seconds - theirStartup) / summary.seconds).toFixed(2)}x without start-up, CPU time ${(leastCpu(theirRuns) / leastCpu(ourRuns)).toFixed(2)}x (least of the rounds); peak memory ${(ours.maxRssKb / theirs.maxRssKb).toFixed(2)}x`);
} finally {
  if (!process.env.CAPTURE_KEEP) fs.rmSync(dir, { recursive: true, force: true });
  else console.log(`capture kept in ${dir}`);
}
