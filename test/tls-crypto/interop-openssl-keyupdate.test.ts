// Interop: openssl s_server sends a KeyUpdate (typed "k" on its stdin) to openssl s_client through
// a recording relay. From the key log, our key schedule derives the next application traffic secret
// and our record layer must decrypt the records sent after the update.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { concat, fromHex, toHex, utf8 } from '../../src/util/bytes.ts';
import { TrafficSecretUse13 } from '../../src/tls/key-schedule/key-schedule13.ts';
import { RecordLayer } from '../../src/tls/record/record-layer.ts';
import { Tls13RecordProtector } from '../../src/tls/record/tls13-protector.ts';
import { suiteByName } from '../../src/tls/suites.ts';
import { scriptedTransport } from './transports.ts';
import { makeSelfSignedP256, startRecordingRelay } from './recording-relay.ts';

let dir: string;
const children: ChildProcess[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tls-crypto-keyupdate-'));
  makeSelfSignedP256(dir);
});

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** Resolves when `text` has appeared on the process's stdout. */
function waitForOutput(proc: ChildProcess, text: string | RegExp, ms = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`"${text}" did not appear within ${ms} ms; output so far: ${seen.slice(-500)}`)), ms);
    proc.stdout!.on('data', (d: Buffer) => {
      seen += d.toString('latin1');
      if (typeof text === 'string' ? seen.includes(text) : text.test(seen)) {
        clearTimeout(timer);
        resolve(seen);
      }
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('decrypts the records after an OpenSSL KeyUpdate with nextTrafficSecret', async () => {
  const suiteName = 'TLS_AES_256_GCM_SHA384';
  // Port 0, then the port s_server prints: a port picked in advance can be taken by another socket meanwhile.
  // stdbuf: s_server's own lines ("SSL_do_handshake -> 1" once it acted on a command) reach us as they are printed.
  const server = spawn('stdbuf', ['-o0', 'openssl', 's_server', '-accept', '127.0.0.1:0', '-cert', join(dir, 'cert.pem'), '-key', join(dir, 'key.pem'), '-tls1_3', '-ciphersuites', suiteName], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(server);
  const accepted = /^ACCEPT\s+\S*:(\d+)\r?\n/m;
  const serverPort = Number(accepted.exec(await waitForOutput(server, accepted))![1]);

  const toClient: Uint8Array[] = [];
  const { port: relayPort, relay } = await startRecordingRelay(serverPort, { toClient });

  const keylog = join(dir, 'keylog.txt');
  const client = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${relayPort}`, '-tls1_3', '-keylogfile', keylog, '-ign_eof'], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(client);
  try {
    const connected = waitForOutput(server, 'CIPHER is');
    await connected;
    const before = waitForOutput(client, 'before update');
    server.stdin!.write('before update\n');
    await before;
    // The next line only once s_server has sent the KeyUpdate: a read holding "k" and more is not a command.
    const updated = waitForOutput(server, 'SSL_do_handshake -> ');
    server.stdin!.write('k\n');
    await updated;
    const after = waitForOutput(client, 'after update');
    server.stdin!.write('after update\n');
    await after;
  } finally {
    client.kill();
    server.kill();
    await sleep(100);
    relay.close();
  }

  const secrets = new Map<string, Uint8Array>();
  for (const line of readFileSync(keylog, 'latin1').split('\n')) {
    const [label, , secret] = line.trim().split(' ');
    if (secret && !label.startsWith('#')) secrets.set(label, fromHex(secret));
  }
  const suite = suiteByName(suiteName)!;
  const ks = TrafficSecretUse13.forSecrets(suite.hash);

  const rl = new RecordLayer(scriptedTransport(toClient), () => 0);
  const sh = await rl.readRecord();
  expect(sh?.contentType).toBe(22);
  let handshakeBytes = new Uint8Array(0) as Uint8Array;
  const messages: { type: number; body: Uint8Array }[] = [];
  const takeMessages = () => {
    while (handshakeBytes.length >= 4) {
      const len = (handshakeBytes[1] << 16) | (handshakeBytes[2] << 8) | handshakeBytes[3];
      if (handshakeBytes.length < 4 + len) break;
      messages.push({ type: handshakeBytes[0], body: handshakeBytes.slice(4, 4 + len) });
      handshakeBytes = handshakeBytes.subarray(4 + len);
    }
  };

  rl.setReadProtector(await Tls13RecordProtector.fromTrafficSecret(ks, suite, secrets.get('SERVER_HANDSHAKE_TRAFFIC_SECRET')!, 'handshake'));
  while (!messages.some((m) => m.type === 20)) {
    const r = await rl.readRecord();
    expect(r).not.toBeNull();
    if (r!.contentType === 20) continue;
    handshakeBytes = concat(handshakeBytes, r!.fragment);
    takeMessages();
  }

  let secret = secrets.get('SERVER_TRAFFIC_SECRET_0')!;
  rl.setReadProtector(await Tls13RecordProtector.fromTrafficSecret(ks, suite, secret, 'application'));
  const appText: string[] = [];
  let keyUpdates = 0;
  for (let r = await rl.readRecord(); r; r = await rl.readRecord()) {
    if (r.contentType === 23) appText.push(utf8.decode(r.fragment));
    if (r.contentType !== 22) continue;
    handshakeBytes = concat(handshakeBytes, r.fragment);
    const seen = messages.length;
    takeMessages();
    for (const m of messages.slice(seen)) {
      if (m.type !== 24) continue;
      expect(toHex(m.body)).toBe('00'); // update_not_requested
      keyUpdates++;
      secret = await ks.nextTrafficSecret(secret, 'server');
      rl.setReadProtector(await Tls13RecordProtector.fromTrafficSecret(ks, suite, secret, 'application'));
    }
  }
  expect(keyUpdates).toBe(1);
  expect(appText.join('')).toBe('before update\nafter update\n');
}, 30_000);
