import fs from 'node:fs';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTls } from '../../src/tls/client.ts';
import { keyLogLines } from '../../src/tls/keylog.ts';
import { connectTcp } from '../../src/transport/tcp.ts';
import { makePki, recorder, type TestPki } from './helpers.ts';

let pki: TestPki;
let server: tls.Server;
let port = 0;
const serverKeylog: string[] = [];

beforeAll(async () => {
  pki = makePki();
  server = tls.createServer({ key: fs.readFileSync(pki.leafKey), cert: fs.readFileSync(pki.leafCert), minVersion: 'TLSv1.3' }, (s) => s.pipe(s));
  server.on('keylog', (line) => serverKeylog.push(line.toString().trim()));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  fs.rmSync(pki.dir, { recursive: true, force: true });
});

describe('key log from the trace', () => {
  it('matches the secrets Node\'s own TLS server logs for the same connection, including after KeyUpdate', async () => {
    const rec = recorder();
    const conn = await connectTls(await connectTcp('127.0.0.1', port), { serverName: 'localhost', insecure: true }, rec.emit);
    await conn.keyUpdate(false);
    await conn.write(new TextEncoder().encode('ping'));
    expect(new TextDecoder().decode((await conn.read())!)).toBe('ping');
    await conn.close();
    const ours = keyLogLines(rec.events);
    expect(ours.map((l) => l.split(' ')[0])).toEqual([
      'CLIENT_HANDSHAKE_TRAFFIC_SECRET',
      'SERVER_HANDSHAKE_TRAFFIC_SECRET',
      'CLIENT_TRAFFIC_SECRET_0',
      'SERVER_TRAFFIC_SECRET_0',
      'EXPORTER_SECRET',
      'CLIENT_TRAFFIC_SECRET_1',
    ]);
    // Node's server logs the same handshake and application secrets under the same client random.
    for (const line of ours.slice(0, 5)) expect(serverKeylog).toContain(line);
    // A saved and reloaded trace gives the same lines.
    expect(keyLogLines(JSON.parse(JSON.stringify(rec.events)))).toEqual(ours);
  });
});
