// The key-update scenario: `openssl s_server` driven through its stdin commands.
//
// s_server serves one connection at a time, and one idle client would block a whole classroom.
// So a small TCP front accepts each connection and hands it to its own `s_server -naccept 1`
// (bytes are piped unchanged). s_server reads stdin only while a connection is open, so each
// command is written when its stdout reports a finished handshake ("CIPHER is ..."): no guessing
// about when a client arrives.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { LabPki } from './pki.ts';
import type { RunningServer } from './running-server.ts';
import { diesWithParent, listenTcp } from './running-server.ts';

const STEP_MS = 150;
/** At most this many s_server processes at once; further clients are turned away. */
const MAX_CHILDREN = 32;

interface OneShot {
  port: number;
  child: ChildProcess;
  exited: Promise<void>;
  kill(): Promise<void>;
}

/** One s_server for exactly one connection, already listening when this resolves. */
async function spawnOneShot(dir: string, address: string): Promise<OneShot> {
  // Port 0: s_server binds a port the OS picks and prints it. A port probed free beforehand could be taken by
  // another socket before s_server binds it, and this runs once per client connection.
  const [command, args] = diesWithParent('openssl', [
    's_server', '-accept', `${address}:0`, '-naccept', '1', '-cert', path.join(dir, 'chain.pem'), '-key', path.join(dir, 'key.pem'), '-tls1_3', '-num_tickets', '0',
  ]);
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let done = false;
  const exited = new Promise<void>((resolve) => child.once('exit', () => ((done = true), resolve())));
  const timers: NodeJS.Timeout[] = [];
  const send = (line: string) => {
    if (!done && child.stdin!.writable) child.stdin!.write(line);
  };
  let out = '';
  let ready = false;
  let port = 0;
  child.stdin!.on('error', () => {});
  child.stderr!.resume();
  child.stdout!.setEncoding('latin1');
  const acceptSeen = new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => !ready && reject(new Error(`openssl s_server exited early (code ${code})`)));
    child.stdout!.on('data', (text: string) => {
      out = (out + text).slice(-4096);
      const accepted = ready ? null : /^ACCEPT\s+\S*:(\d+)\r?\n/m.exec(out);
      if (accepted) {
        ready = true;
        port = Number(accepted[1]);
        resolve();
      }
      if (!out.includes('CIPHER is')) return;
      out = '';
      // One command per stdin read: s_server treats a read that is exactly "k\n" as a command.
      timers.push(
        setTimeout(() => send('k\n'), STEP_MS),
        setTimeout(() => send('After a KeyUpdate (update_not_requested) from the server.\n'), 2 * STEP_MS),
        setTimeout(() => send('K\n'), 3 * STEP_MS),
        setTimeout(() => send('After a KeyUpdate (update_requested): the client must update its own keys before it sends again.\n'), 4 * STEP_MS),
      );
    });
  });
  const kill = async () => {
    for (const t of timers) clearTimeout(t);
    if (done) return;
    child.stdin!.end(); // s_server exits when stdin closes ...
    child.kill('SIGTERM'); // ... but it may be blocked in accept()
    const killer = setTimeout(() => child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(killer);
  };
  exited.then(() => timers.forEach(clearTimeout));
  try {
    await acceptSeen;
  } catch (err) {
    await kill();
    throw err;
  }
  return { port, child, exited, kill };
}

export async function startKeyUpdateScenario(pki: LabPki, address: string): Promise<RunningServer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tls-lens-keyupdate-'));
  await writeFile(path.join(dir, 'chain.pem'), pki.leaves.good.cert + pki.intermediate.cert);
  await writeFile(path.join(dir, 'key.pem'), pki.leaves.good.key, { mode: 0o600 });
  // Fail at start-up, not at the first client, if openssl cannot run here.
  await (await spawnOneShot(dir, address)).kill();

  const children = new Set<OneShot>();
  const front = net.createServer((client) => {
    client.pause();
    client.on('error', () => {});
    if (children.size >= MAX_CHILDREN) return void client.destroy();
    spawnOneShot(dir, address).then(
      (one) => {
        children.add(one);
        one.exited.then(() => children.delete(one));
        if (client.destroyed) return void one.kill();
        const upstream = net.connect({ host: address, port: one.port });
        upstream.on('error', () => client.destroy());
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => {
          client.destroy();
          void one.kill();
        });
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      },
      () => client.destroy(),
    );
  });
  const running = await listenTcp(front, address);
  return {
    port: running.port,
    stop: async () => {
      await running.stop();
      await Promise.all([...children].map((c) => c.kill()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
