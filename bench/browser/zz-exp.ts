import http from 'node:http';
import { WebSocketServer } from 'ws';
import { chromium } from 'playwright-core';
const TOTAL = 16 * 1024 * 1024;
const WORKER = `onmessage = async (e) => { postMessage(await READ(e.data)); };\nconst READ = ${readIn.toString()};`;
const server = http.createServer((req, res) => {
  if (req.url === '/w.js') { res.writeHead(200, { 'content-type': 'text/javascript' }); return res.end(WORKER); }
  if (req.url!.startsWith('/stream')) {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'cache-control': 'no-store' });
    const buf = Buffer.alloc(64 * 1024, 1); let left = TOTAL;
    const pump = () => { while (left > 0) { left -= buf.length; if (!res.write(buf)) return void res.once('drain', pump); } res.end(); };
    return pump();
  }
  res.writeHead(200, { 'content-type': 'text/html' }); res.end('<!doctype html><title>x</title>');
});
async function readIn(url: string) {
  const t0 = performance.now(); let bytes = 0; let msgs = 0;
  if (url.startsWith('http')) {
    const r = await fetch(url); const rd = r.body!.getReader();
    for (;;) { const { value, done } = await rd.read(); if (done) break; bytes += value.byteLength; msgs++; }
  } else await new Promise<void>((resolve) => { const ws = new WebSocket(url); ws.binaryType = 'arraybuffer'; ws.onmessage = (e) => { bytes += e.data.byteLength; msgs++; }; ws.onclose = () => resolve(); });
  return { mbps: bytes / 1e6 / ((performance.now() - t0) / 1000), msgs };
}
const wss = new WebSocketServer({ server, perMessageDeflate: false });
wss.on('connection', (ws) => {
  const buf = Buffer.alloc(64 * 1024, 1); let left = TOTAL;
  const pump = () => { while (left > 0) { if (ws.bufferedAmount > 1 << 20) return void setTimeout(pump, 1); left -= buf.length; ws.send(buf); } ws.close(1000); };
  pump();
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
const port = (server.address() as any).port;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
const page = await browser.newPage();
await page.goto(`http://127.0.0.1:${port}/`);
await page.evaluate(() => { (window as any).w = new Worker('/w.js'); (window as any).inWorker = (u: string) => new Promise((r) => { (window as any).w.onmessage = (e: any) => r(e.data); (window as any).w.postMessage(u); }); });
for (let round = 0; round < 3; round++)
for (const url of [`ws://127.0.0.1:${port}/`, `http://127.0.0.1:${port}/stream?${round}`]) {
  const w = await page.evaluate((u) => (window as any).inWorker(u), url) as any;
  console.log(`${url.slice(0, 4)}: worker ${w.mbps.toFixed(1)} MB/s in ${w.msgs} pieces`);
}
await browser.close(); server.close(); process.exit(0);
