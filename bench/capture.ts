// npm run bench:capture — importing a ~100 MB capture of many TLS sessions with their key log: MB/s and peak
// memory for TLS Lens (bench/capture-import.ts, its own process) against tshark decrypting the same file with the
// same key log, in the same run. The capture is made here: tcpdump on lo while Node's tls clients (TLS 1.3 and
// 1.2, AES-GCM and ChaCha20) exchange data with a Node tls echo server, the clients writing the NSS key log.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { makePki } from '../test/tls/helpers.ts';
import { startTcpdump, tempDir } from '../test/capture/helpers.ts';

const SESSIONS = Number(process.env.CAPTURE_SESSIONS ?? 100);
const BYTES_PER_SESSION = Number(process.env.CAPTURE_SESSION_BYTES ?? 512 * 1024);
const CONCURRENCY = 8;

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

/** Run a command under /usr/bin/time: wall seconds and peak resident memory (KiB). */
function timed(cmd: string, args: string[]): { seconds: number; maxRssKb: number; stdout: string } {
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %e %M', cmd, ...args], { maxBuffer: 1 << 30, encoding: 'utf8' });
  const m = /TIME ([\d.]+) (\d+)/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`${cmd} failed: ${r.stderr.slice(-2000)}`);
  return { seconds: Number(m[1]), maxRssKb: Number(m[2]), stdout: r.stdout };
}

const dir = tempDir('bench');
try {
  console.log(`making a capture: ${SESSIONS} sessions of ${BYTES_PER_SESSION} bytes echoed, tcpdump on lo ...`);
  const { pcap, keys, port } = await makeCapture(dir);
  const mb = fs.statSync(pcap).size / 1e6;
  console.log(`capture: ${mb.toFixed(1)} MB, key log: ${fs.readFileSync(keys, 'utf8').split('\n').filter(Boolean).length} lines`);

  const ours = timed(process.execPath, ['--import', 'tsx', path.resolve(import.meta.dirname, 'capture-import.ts'), pcap, keys]);
  const summary = JSON.parse(ours.stdout.trim().split('\n').pop()!);
  // tshark: every packet dissected, every TLS record decrypted, the decrypted data printed (to a pipe we drop).
  const tsharkArgs = (file: string) => ['-r', file, '-o', `tls.keylog_file:${keys}`, '-d', `tcp.port==${port},tls`, '-T', 'fields', '-e', 'tls.record.content_type', '-e', 'data.len'];
  const theirs = timed('tshark', tsharkArgs(pcap));
  const theirRecords = theirs.stdout.split('\n').reduce((n, l) => n + (l.split('\t')[0] ? l.split('\t')[0].split(',').length : 0), 0);
  // Start-up costs (tsx compiling TypeScript; tshark loading its dissectors), measured on an empty capture, so
  // the work itself can be compared too.
  const empty = path.join(dir, 'empty.pcap');
  fs.writeFileSync(empty, Buffer.from('d4c3b2a1020004000000000000000000ffff000001000000', 'hex'));
  const theirStartup = timed('tshark', tsharkArgs(empty)).seconds;
  const ourStartup = ours.seconds - summary.seconds;
  const row = (name: string, seconds: number, kb: number | null) => `${name.padEnd(34)} ${(mb / seconds).toFixed(1).padStart(8)} MB/s ${seconds.toFixed(2).padStart(8)} s ${kb === null ? '' : `${(kb / 1024).toFixed(0).padStart(8)} MiB peak`}`;
  console.log(row('TLS Lens, whole process', ours.seconds, ours.maxRssKb));
  console.log(row('tshark, whole process', theirs.seconds, theirs.maxRssKb));
  console.log(row(`TLS Lens, import only (start ${ourStartup.toFixed(2)} s)`, summary.seconds, null));
  console.log(row(`tshark, minus start (${theirStartup.toFixed(2)} s)`, Math.max(0.01, theirs.seconds - theirStartup), null));
  console.log(`TLS Lens: ${summary.streams} streams, ${summary.records} records, ${summary.appDataEvents} application data records decrypted, ${summary.undecrypted} records not decrypted; tshark: ${theirRecords} records`);
  console.log(`ratio (TLS Lens / tshark): speed ${(theirs.seconds / ours.seconds).toFixed(2)}x whole process, ${((theirs.seconds - theirStartup) / summary.seconds).toFixed(2)}x without start-up; peak memory ${(ours.maxRssKb / theirs.maxRssKb).toFixed(2)}x`);
} finally {
  if (!process.env.CAPTURE_KEEP) fs.rmSync(dir, { recursive: true, force: true });
  else console.log(`capture kept in ${dir}`);
}
