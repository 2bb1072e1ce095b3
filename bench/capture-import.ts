// One import of a capture with its key log, in its own process so its peak memory is its own: every TCP stream
// read, reassembled and decoded into trace events, with every record decrypted. Prints one JSON line.
import fs from 'node:fs';
import { addKeyLog, emptyKeyLog } from '../src/capture/keylog.ts';
import { decodeStream } from '../src/capture/session.ts';
import { scanCapture } from '../src/capture/streams.ts';

const [file, keys] = process.argv.slice(2);
const t0 = performance.now();
const keyLog = addKeyLog(emptyKeyLog(), fs.readFileSync(keys, 'utf8'));
const scan = await scanCapture(fs.createReadStream(file, { highWaterMark: 1 << 20 }));
let records = 0;
let appDataEvents = 0;
let undecrypted = 0;
// Several streams at once: each stream's records are decrypted in order, but one stream's wait for WebCrypto is
// another's turn to run.
const queue = [...scan.streams];
async function worker(): Promise<void> {
  for (let stream = queue.shift(); stream; stream = queue.shift()) {
    const d = await decodeStream(stream, { keyLog });
    for (const e of d.events) {
      if (e.kind === 'record') records++;
      if (e.kind === 'app-data') appDataEvents++;
    }
    undecrypted += d.session.undecrypted.reduce((n, u) => n + u.records, 0);
    stream.chunks = [];
  }
}
await Promise.all(Array.from({ length: 8 }, worker));
const seconds = (performance.now() - t0) / 1000;
console.log(JSON.stringify({ seconds, streams: scan.streams.length, records, appDataEvents, undecrypted, maxRssKb: process.resourceUsage().maxRSS }));
