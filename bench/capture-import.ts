// One import of a capture with its key log, in its own process so its peak memory is its own: every TCP stream
// read, reassembled and decoded into trace events as the file is read (src/capture/import.ts), with every record
// decrypted. Prints one JSON line. The third argument names the crypto provider: 'node' (what `tls-lens pcap`
// installs) or 'webcrypto' (what the page uses).
import fs from 'node:fs';
import { setCryptoProvider } from '../src/crypto/provider.ts';
import { nodeCryptoProvider } from '../src/crypto/node-provider.ts';
import { importCapture } from '../src/capture/import.ts';
import { addKeyLog, emptyKeyLog } from '../src/capture/keylog.ts';
import { fileChunks } from '../src/capture/file-chunks.ts';

const [file, keys, provider = 'node'] = process.argv.slice(2);
if (provider === 'node') setCryptoProvider(nodeCryptoProvider);
else if (provider !== 'webcrypto') throw new Error(`unknown crypto provider ${provider}: node or webcrypto`);
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const keyLog = addKeyLog(emptyKeyLog(), fs.readFileSync(keys, 'utf8'));
let records = 0;
let appDataEvents = 0;
let undecrypted = 0;
let streams = 0;
// Read as `tls-lens pcap` reads (large blocks into reused memory).
await importCapture(fileChunks(file), {
  keyLog,
  // Each stream counted as it ends, then let go (as `tls-lens pcap --json` turns each into its summary).
  onStream(_stream, d) {
    streams++;
    for (const e of d.events) {
      if (e.kind === 'record') records++;
      if (e.kind === 'app-data') appDataEvents++;
    }
    undecrypted += d.session.undecrypted.reduce((n, u) => n + u.records, 0);
  },
});
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
console.log(JSON.stringify({ provider, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, streams, records, appDataEvents, undecrypted, maxRssKb: process.resourceUsage().maxRSS }));
