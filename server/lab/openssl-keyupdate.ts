// The key-update scenario: `openssl s_server` driven through its stdin commands.
// s_server reads stdin only while a connection is open, so each command is written when its
// stdout reports a finished handshake ("CIPHER is ..."): no timing guesses about when a client arrives.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { LabPki } from './pki.ts';
import type { RunningServer } from './running-server.ts';
import { freePort } from './running-server.ts';

const STEP_MS = 150;

export async function startKeyUpdateScenario(pki: LabPki, address: string): Promise<RunningServer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tls-lens-keyupdate-'));
  await writeFile(path.join(dir, 'chain.pem'), pki.leaves.good.cert + pki.intermediate.cert);
  await writeFile(path.join(dir, 'key.pem'), pki.leaves.good.key, { mode: 0o600 });
  const port = await freePort(address);
  const child = spawn(
    'openssl',
    ['s_server', '-accept', `${address}:${port}`, '-cert', path.join(dir, 'chain.pem'), '-key', path.join(dir, 'key.pem'), '-tls1_3', '-num_tickets', '0'],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  let timers: NodeJS.Timeout[] = [];
  const send = (line: string) => {
    if (!exited && child.stdin.writable) child.stdin.write(line);
  };
  let out = '';
  child.stdout.setEncoding('latin1');
  child.stdout.on('data', (text: string) => {
    out = (out + text).slice(-4096);
    if (!out.includes('CIPHER is')) return;
    out = '';
    for (const t of timers) clearTimeout(t);
    // One command per stdin read: s_server only treats a read that is exactly "k\n" as a command.
    timers = [
      setTimeout(() => send('k\n'), STEP_MS),
      setTimeout(() => send('After a KeyUpdate (update_not_requested) from the server.\n'), 2 * STEP_MS),
      setTimeout(() => send('K\n'), 3 * STEP_MS),
      setTimeout(() => send('After a KeyUpdate (update_requested): the client must update its own keys before it sends again.\n'), 4 * STEP_MS),
    ];
  });
  child.stderr.resume();
  child.stdin.on('error', () => {});

  await new Promise<void>((resolve, reject) => {
    const onData = (text: string) => {
      if (text.includes('ACCEPT')) {
        child.stdout.off('data', onData);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`openssl s_server exited early (code ${code})`)));
    child.once('error', reject);
  });

  return {
    port,
    stop: async () => {
      for (const t of timers) clearTimeout(t);
      if (!exited) {
        child.stdin.end(); // s_server exits when stdin closes ...
        child.kill('SIGTERM'); // ... but it may be blocked in accept()
        const killer = setTimeout(() => child.kill('SIGKILL'), 2000);
        await exit;
        clearTimeout(killer);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
