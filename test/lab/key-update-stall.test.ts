// The key-update scenario on a busy machine. Right after our client's handshake, the lab's own process is kept busy
// for a moment (a synchronous wait: no timer or stdout handler of the lab runs) and then its s_server is frozen
// (SIGSTOP), as a loaded machine may leave either unscheduled. The lines the lab types while s_server is frozen must
// not reach it as one read (a "K" glued to text is sent as text): once s_server runs again the client still gets both
// KeyUpdates, each followed by its own line, in order. And an s_server that does not acknowledge a line is ended
// after the step deadline, so its client is not held open forever.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectTls } from '../../src/tls/client.ts';
import { connectTcp } from '../../src/transport/tcp.ts';
import type { TraceEvent } from '../../src/trace/types.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import { ensureLabPki, LAB_HOST, type LabPki } from '../../server/lab/pki.ts';
import { startKeyUpdateScenario } from '../../server/lab/openssl-keyupdate.ts';
import type { RunningServer } from '../../server/lab/running-server.ts';
import { pemToDer, recorder } from '../tls/helpers.ts';
import { waitFor } from '../support/wait.ts';

const ADDRESS = '127.0.0.1';
let dir: string;
let pki: LabPki;
let server: RunningServer;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tls-lens-keyupdate-stall-'));
  pki = await ensureLabPki(path.join(dir, 'pki'));
  server = await startKeyUpdateScenario(pki, ADDRESS);
});
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** This process's child processes running openssl s_server (the lab runs in this process). */
function sServerChildren(): number[] {
  const tasks = `/proc/${process.pid}/task`;
  const pids = readdirSync(tasks).flatMap((t) => readFileSync(`${tasks}/${t}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number));
  return pids.filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('s_server');
    } catch {
      return false; // gone meanwhile
    }
  });
}

const serverKeyUpdates = (events: TraceEvent[]) => events.filter((e) => e.kind === 'handshake' && e.direction === 'server' && e.name === 'KeyUpdate');

/** Keeps this process (the lab's too) from running anything else for `ms`. */
function busy(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end);
}

/** Bytes s_server has read so far (its socket and its stdin). */
const readSoFar = (pid: number) => Number(/^rchar: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))![1]);

/** Our client, with the trace it records, checking the chain against the lab root. */
async function connectClient(tcp: Awaited<ReturnType<typeof connectTcp>>) {
  const rec = recorder();
  const conn = await connectTls(tcp, { serverName: LAB_HOST, verifier: createVerifier({ anchors: [pemToDer(pki.root.cert)] }), timeoutMs: 20_000 }, rec.emit);
  return { conn, events: rec.events as TraceEvent[] };
}

/**
 * Connect our client to `port`, then freeze this connection's s_server once it has read our Finished and printed that
 * its handshake is done, before the lab can have typed more than the script's first line.
 */
async function connectAndFreeze(port: number) {
  const before = new Set(sServerChildren());
  const tcp = await connectTcp(ADDRESS, port);
  // The front starts this connection's own s_server as the connection arrives.
  let pid = 0;
  await waitFor(() => (pid = sServerChildren().find((p) => !before.has(p)) ?? 0) > 0);
  const client = await connectClient(tcp);
  // Our Finished has left, but the lab's front (in this process) must pass it on: one event-loop turn at a time, each
  // followed by a busy pause, until s_server has read something more. A turn lets the lab type at most one line.
  const read = readSoFar(pid);
  for (let turn = 0; turn < 100 && readSoFar(pid) === read; turn++) {
    await new Promise((r) => setImmediate(r));
    busy(20);
  }
  busy(300); // s_server finishes its side of the handshake and says so, while the lab cannot answer
  process.kill(pid, 'SIGSTOP');
  return { ...client, pid };
}

/** Application data until both lines are in, or the connection ends (null) or fails. */
async function readLines(conn: Awaited<ReturnType<typeof connectClient>>['conn']): Promise<{ text: string; ended: boolean }> {
  let text = '';
  try {
    while (!text.includes('(update_requested)') || !text.endsWith('\n')) {
      const data = await conn.read();
      if (!data) return { text, ended: true };
      text += new TextDecoder().decode(data);
    }
  } catch {
    return { text, ended: true };
  }
  return { text, ended: false };
}

it('s_server frozen for a second after the handshake: both KeyUpdates and both lines still arrive, in order', async () => {
  const c = await connectAndFreeze(server.port);
  setTimeout(() => process.kill(c.pid, 'SIGCONT'), 1000);
  const { text } = await readLines(c.conn).finally(() => c.conn.close().catch(() => undefined));

  expect(text).toBe('After a KeyUpdate (update_not_requested) from the server.\nAfter a KeyUpdate (update_requested): the client must update its own keys before it sends again.\n');
  expect(serverKeyUpdates(c.events)).toHaveLength(2);
  // Each line came under the keys of the KeyUpdate before it: KeyUpdate, line, KeyUpdate, line.
  const order = c.events.filter((e) => (e.kind === 'handshake' && e.name === 'KeyUpdate' && e.direction === 'server') || (e.kind === 'app-data' && e.direction === 'server')).map((e) => e.kind);
  expect(order).toEqual(['handshake', 'app-data', 'handshake', 'app-data']);
  // update_requested: the client answered with a KeyUpdate of its own.
  expect(c.events.some((e) => e.kind === 'handshake' && e.direction === 'client' && e.name === 'KeyUpdate')).toBe(true);
});

it('an s_server that never acknowledges a line: its connection is ended after the step deadline', async () => {
  // The script's first line is a real KeyUpdate, but the lab waits for a line s_server never prints.
  const deaf = await startKeyUpdateScenario(pki, ADDRESS, { stepDeadlineMs: 500, script: [{ line: 'k\n', ack: /^no such line$/ }, { line: 'never typed\n', ack: /^/ }] });
  try {
    const { conn, events } = await connectClient(await connectTcp(ADDRESS, deaf.port));
    const started = Date.now();
    const outcome = await Promise.race([readLines(conn), new Promise<'still open'>((r) => setTimeout(() => r('still open'), 8000))]);
    await conn.close().catch(() => undefined);
    expect(outcome).toEqual({ text: '', ended: true });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(serverKeyUpdates(events)).toHaveLength(1);
  } finally {
    await deaf.stop();
  }
});
