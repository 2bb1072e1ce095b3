// The key-update scenario: `openssl s_server` driven through its stdin commands.
//
// s_server serves one connection at a time, and one idle client would block a whole classroom.
// So a small TCP front accepts each connection and hands it to its own `s_server -naccept 1`
// (bytes are piped unchanged). s_server reads stdin only while a connection is open, so the script
// starts when its stdout reports a finished handshake ("CIPHER is ..."): no guessing about when a
// client arrives. Each later line waits for s_server's word that it acted on the one before
// (s-server-script.ts): on a busy machine, lines written on a timer could merge into one read.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { LabPki } from './pki.ts';
import type { RunningServer } from './running-server.ts';
import { diesWithParent, listenTcp } from './running-server.ts';
import { lineSplitter, playScript, type ScriptStep } from './s-server-script.ts';

/** s_server's printf after it has run SSL_key_update and SSL_do_handshake for a typed "k" or "K". */
const KEY_UPDATE_DONE = /^SSL_do_handshake -> /;
/** -msg: s_server wrote a record, here the typed line as application data. */
const RECORD_WRITTEN = /^>>> .*RecordHeader/;
const SCRIPT: readonly ScriptStep[] = [
  { line: 'k\n', ack: KEY_UPDATE_DONE },
  { line: 'After a KeyUpdate (update_not_requested) from the server.\n', ack: RECORD_WRITTEN },
  { line: 'K\n', ack: KEY_UPDATE_DONE },
  { line: 'After a KeyUpdate (update_requested): the client must update its own keys before it sends again.\n', ack: RECORD_WRITTEN },
];
/** How long s_server may take to act on one line before its connection is given up. */
const STEP_DEADLINE_MS = 10_000;
/** At most this many s_server processes at once; further clients are turned away. */
const MAX_CHILDREN = 32;

/** The lines each s_server gets after its handshake, and how long it may take to act on each. */
interface Typing {
  steps: readonly ScriptStep[];
  deadlineMs: number;
}

interface OneShot {
  port: number;
  child: ChildProcess;
  exited: Promise<void>;
  kill(): Promise<void>;
}

/** One s_server for exactly one connection, already listening when this resolves. */
async function spawnOneShot(dir: string, address: string, typing: Typing): Promise<OneShot> {
  // Port 0: s_server binds a port the OS picks and prints it. A port probed free beforehand could be taken by
  // another socket before s_server binds it, and this runs once per client connection.
  // stdbuf -o0: s_server's printf lines (the KeyUpdate acknowledgement) would otherwise wait in a stdio buffer.
  // -msg: s_server prints each record it writes, the acknowledgement of a typed text line.
  // -cert reads only the first certificate of its file: the intermediate goes in with -cert_chain.
  const [command, args] = diesWithParent('stdbuf', [
    '-o0', 'openssl', 's_server', '-accept', `${address}:0`, '-naccept', '1', '-cert', path.join(dir, 'leaf.pem'), '-cert_chain', path.join(dir, 'intermediate.pem'), '-key', path.join(dir, 'key.pem'),
    '-tls1_3', '-num_tickets', '0', '-msg',
  ]);
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let done = false;
  const exited = new Promise<void>((resolve) => child.once('exit', () => ((done = true), resolve())));
  let ready = false;
  let port = 0;
  child.stdin!.on('error', () => {});
  child.stderr!.resume();
  child.stdout!.setEncoding('latin1');
  const script = playScript(
    typing.steps,
    {
      write: (line) => {
        if (!done && child.stdin!.writable) child.stdin!.write(line);
      },
      // s_server did not act on a line in time: end it, and with it this client's connection.
      stuck: () => void kill(),
    },
    typing.deadlineMs,
  );
  const acceptSeen = new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => !ready && reject(new Error(`openssl s_server exited early (code ${code})`)));
    child.stdout!.on(
      'data',
      lineSplitter((line) => {
        const accepted = ready ? null : /^ACCEPT\s+\S*:(\d+)$/.exec(line);
        if (accepted) {
          ready = true;
          port = Number(accepted[1]);
          resolve();
        }
        if (line.startsWith('CIPHER is ')) script.start();
        script.line(line);
      }),
    );
  });
  const kill = async () => {
    script.stop();
    if (done) return;
    child.stdin!.end(); // s_server exits when stdin closes ...
    child.kill('SIGTERM'); // ... but it may be blocked in accept()
    const killer = setTimeout(() => child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(killer);
  };
  exited.then(() => script.stop());
  try {
    await acceptSeen;
  } catch (err) {
    await kill();
    throw err;
  }
  return { port, child, exited, kill };
}

export interface KeyUpdateOptions {
  /** How long s_server may take to act on one typed line (default 10 s); then that connection is ended. */
  stepDeadlineMs?: number;
  /** What to type after each handshake (default: KeyUpdate, a line, KeyUpdate with update_requested, a line). */
  script?: readonly ScriptStep[];
}

export async function startKeyUpdateScenario(pki: LabPki, address: string, options: KeyUpdateOptions = {}): Promise<RunningServer> {
  const typing: Typing = { steps: options.script ?? SCRIPT, deadlineMs: options.stepDeadlineMs ?? STEP_DEADLINE_MS };
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tls-lens-keyupdate-'));
  await writeFile(path.join(dir, 'leaf.pem'), pki.leaves.good.cert);
  await writeFile(path.join(dir, 'intermediate.pem'), pki.intermediate.cert);
  await writeFile(path.join(dir, 'key.pem'), pki.leaves.good.key, { mode: 0o600 });
  // Fail at start-up, not at the first client, if openssl cannot run here.
  await (await spawnOneShot(dir, address, typing)).kill();

  const children = new Set<OneShot>();
  const front = net.createServer((client) => {
    client.pause();
    client.on('error', () => {});
    if (children.size >= MAX_CHILDREN) return void client.destroy();
    spawnOneShot(dir, address, typing).then(
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
