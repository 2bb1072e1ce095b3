// Real captures for the capture tests: tcpdump on the loopback while openssl s_client talks to s_server (both
// writing NSS key logs), and tshark's dissection of the same file with the same key log to compare against.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CaptureImport } from '../../src/capture/import.ts';
import { decodeStream, type DecodedStream } from '../../src/capture/session.ts';
import { parseKeyLog } from '../../src/capture/keylog.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import { scanCapture } from '../../src/capture/streams.ts';
import { nodeCryptoProvider } from '../../src/crypto/node-provider.ts';
import { setCryptoProvider } from '../../src/crypto/provider.ts';
import { spawnSServer } from '../tls/helpers.ts';
import type { TestPki } from '../tls/helpers.ts';

export const tempDir = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), `tls-lens-capture-${prefix}-`));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

import { startTcpdump } from '../support/tcpdump.ts';

export { startTcpdump };

export interface ClientStep {
  /** Text to type on s_client's stdin ("k" + newline: KeyUpdate, "R": renegotiate). */
  type?: string;
  /** Text to type on s_server's stdin. */
  serverType?: string;
  /**
   * What s_client prints once the step is done, when nothing else tells: needed for text typed to a server whose
   * output runSClient cannot read (not s_server).
   */
  until?: RegExp;
}

/** `count` lines typed on s_client, one record each ("line 00 zzz…", 200 z's: whole records a gap or damage can
 * take out and a test can count). */
export function typedLines(count: number): ClientStep[] {
  return Array.from({ length: count }, (_, i) => ({ type: `line ${String(i).padStart(2, '0')} ${'z'.repeat(200)}\n` }));
}

/** How long one step may take: only a hang takes this long, a busy machine is merely slower. */
const STEP_DEADLINE_MS = 15_000;
/** What s_client prints on reading a command line. */
const COMMANDS: Record<string, RegExp> = { 'k\n': /KEYUPDATE/, 'K\n': /KEYUPDATE/, 'R\n': /RENEGOTIATING/ };
/** s_server's commands (a KeyUpdate, a renegotiation, ...): it prints this once it has acted on one. */
const SERVER_COMMAND = /^[kKrR]\n$/;
const SERVER_ACTED = /SSL_do_handshake -> /;

/**
 * Run `openssl s_client` to completion: wait for the handshake, play the steps, close stdin. Each step waits for
 * its effect before the next, never for a fixed time: a command until s_client says it read it, typed text until
 * s_server printed it (so every line is a read, and a record, of its own), text the server typed until s_client
 * printed it, and `until` when it is given.
 */
export async function runSClient(port: number, args: string[], steps: ClientStep[], server?: { type(t: string): void; output?(): string }): Promise<string> {
  const proc: ChildProcess = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d.toString()));
  proc.stderr!.on('data', (d) => (out += d.toString()));
  proc.stdin!.on('error', () => {});
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  /** Until `cond` holds; s_client ending first leaves the judging to the caller's checks of what it printed. */
  const waitFor = async (what: string, cond: () => boolean) => {
    const deadline = Date.now() + STEP_DEADLINE_MS;
    while (!cond() && proc.exitCode === null) {
      if (Date.now() > deadline) throw new Error(`s_client: ${what} not seen within ${STEP_DEADLINE_MS} ms; s_client printed (the end): ${out.slice(-3000)}`);
      await sleep(20);
    }
  };
  await waitFor('the end of the handshake (Verify return code)', () => /Verify return code/.test(out));
  await sleep(150);
  for (const step of steps) {
    const clientFrom = out.length;
    const serverFrom = server?.output?.().length ?? 0;
    if (step.type) {
      const command = COMMANDS[step.type];
      if (!command && !step.until && !server?.output) throw new Error(`runSClient: a step typing ${JSON.stringify(step.type)} needs \`until\` (no server output to wait for)`);
      proc.stdin!.write(step.type);
      if (command) await waitFor(`${command} after typing ${JSON.stringify(step.type)}`, () => command.test(out.slice(clientFrom)));
      else if (!step.until) await waitFor(`s_server printing ${JSON.stringify(step.type.slice(0, 60))}`, () => server!.output!().slice(serverFrom).includes(step.type!));
    }
    if (step.serverType) {
      server?.type(step.serverType);
      if (SERVER_COMMAND.test(step.serverType)) {
        // A command: until s_server says it acted on it, so that the next line is a read of its own.
        if (server?.output) await waitFor(`s_server acting on ${JSON.stringify(step.serverType)}`, () => SERVER_ACTED.test(server.output!().slice(serverFrom)));
      } else {
        // Text the server typed: wait until the client printed it.
        const expected = step.serverType.trim();
        if (expected) await waitFor(`s_client printing ${JSON.stringify(expected)}`, () => out.slice(clientFrom).includes(expected));
      }
    }
    if (step.until) await waitFor(String(step.until), () => step.until!.test(out.slice(clientFrom)));
  }
  proc.stdin!.end();
  const timer = setTimeout(() => proc.kill('SIGTERM'), STEP_DEADLINE_MS);
  await exited;
  clearTimeout(timer);
  return out;
}

export interface CapturedRun {
  dir: string;
  pcap: string;
  keyLog: string;
  serverPort: number;
}

/**
 * Capture s_client <-> s_server sessions: `serverArgs` for s_server (cert, key, CA come from the PKI), then each
 * client run in turn (`{keylog}` and `{dir}` in their args are replaced). A busy machine can make tcpdump drop
 * packets; when our own reader finds a gap in the capture, the capture is made again (up to 3 times).
 */
export async function captureOpenssl(pki: TestPki, name: string, serverArgs: string[], clients: { args: string[]; steps?: ClientStep[] }[]): Promise<CapturedRun> {
  return withoutGaps(() => captureOnce(pki, name, serverArgs, clients), (r) => r.pcap);
}

/** Run `capture` until the file it made has no TCP gap (tcpdump lost nothing), at most 3 times. */
export async function withoutGaps<T>(capture: () => Promise<T>, file: (r: T) => string): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const r = await capture();
    const scan = await scanCapture(fs.createReadStream(file(r)));
    if (scan.streams.every((s) => s.gaps === 0) || attempt === 3) return r;
  }
}

async function captureOnce(pki: TestPki, name: string, serverArgs: string[], clients: { args: string[]; steps?: ClientStep[] }[]): Promise<CapturedRun> {
  const dir = tempDir(name);
  const keyLog = path.join(dir, 'keys.log');
  const pcap = path.join(dir, `${name}.pcap`);
  const server = await spawnSServer(['-cert', pki.leafCert, '-key', pki.leafKey, '-CAfile', pki.rootPem, ...serverArgs]);
  const dump = await startTcpdump(pcap, server.port);
  try {
    for (const c of clients) {
      const args = c.args.map((a) => a.replace('{keylog}', keyLog).replace('{dir}', dir));
      await runSClient(server.port, ['-keylogfile', keyLog, '-CAfile', pki.rootPem, ...args], c.steps ?? [{ type: 'hello from s_client\n' }, { serverType: 'hello from s_server\n' }], server);
    }
  } finally {
    await dump.stop();
    await server.stop();
  }
  return { dir, pcap, keyLog, serverPort: server.port };
}

export interface TsharkStream {
  messages: { direction: 'client' | 'server'; type: number; length: number }[];
  /** Decrypted application data each way (hex), as tshark shows it (data.data). */
  data: { client: string; server: string };
  serverName: string | null;
  /** The ServerHello's cipher suite code. */
  suite: number | null;
}

/** Our decoding in tshark's terms: handshake messages (direction, type, body length) and the application data each way (hex). */
export function ours(d: DecodedStream) {
  const messages = d.events.flatMap((e) => (e.kind === 'handshake' ? [{ direction: e.direction, type: e.msgType, length: e.bytes.length / 2 - 4 }] : []));
  const data = { client: '', server: '' };
  for (const e of d.events) if (e.kind === 'app-data') data[e.direction] += e.bytes;
  return { messages, data };
}

/** One direction's messages as "type:length", to compare with tshark's. */
export const byDirection = (m: { direction: string; type: number; length: number }[], side: string) => m.filter((x) => x.direction === side).map((x) => `${x.type}:${x.length}`);

/** tshark's dissection of every TCP stream: handshake messages, SNI, suite, decrypted data. */
export function tsharkStreams(pcap: string, serverPort: number, keyLog?: string): Map<number, TsharkStream> {
  const fields = ['tcp.stream', 'tcp.srcport', 'tls.handshake.type', 'tls.handshake.length', 'tls.handshake.extensions_server_name', 'tls.handshake.ciphersuite', 'data.data'];
  const args = ['-r', pcap, '-T', 'fields', '-E', 'separator=/t', ...fields.flatMap((f) => ['-e', f])];
  if (keyLog) args.unshift('-o', `tls.keylog_file:${keyLog}`);
  // Pin our own ports to TLS (tshark otherwise guesses only from well-known ones).
  args.unshift('-d', `tcp.port==${serverPort},tls`);
  const text = execFileSync('tshark', args, { stdio: ['ignore', 'pipe', 'ignore'], timeout: 60_000 }).toString();
  const streams = new Map<number, TsharkStream>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const [stream, srcPort, types, lengths, sni, suites, data] = line.split('\t');
    if (stream === '') continue; // not TCP (the UDP probes of startTcpdump)
    const s = streams.get(Number(stream)) ?? { messages: [], data: { client: '', server: '' }, serverName: null, suite: null };
    streams.set(Number(stream), s);
    const direction = Number(srcPort) === serverPort ? 'server' : 'client';
    const t = types ? types.split(',').map(Number) : [];
    const l = lengths ? lengths.split(',').map(Number) : [];
    t.forEach((type, i) => s.messages.push({ direction, type, length: l[i] }));
    if (sni && !s.serverName) s.serverName = sni;
    if (t.includes(2) && suites) s.suite = parseInt(suites.split(',').pop()!, 16);
    if (data) s.data[direction] += data.split(',').join('');
  }
  return streams;
}

/** Run `work` with node:crypto as the provider (as the CLI installs it): records then open synchronously. */
export async function withNodeCrypto<T>(work: () => Promise<T>): Promise<T> {
  const before = setCryptoProvider(nodeCryptoProvider);
  try {
    return await work();
  } finally {
    setCryptoProvider(before);
  }
}

/** A source reading `file` into one buffer of `size` bytes, scribbled over as soon as the next block is asked for. */
export async function* scribbled(file: string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = fs.readFileSync(file);
  const buffer = new Uint8Array(size);
  for (let at = 0; at < bytes.length; at += size) {
    const n = Math.min(size, bytes.length - at);
    buffer.set(bytes.subarray(at, at + n));
    yield buffer.subarray(0, n);
    buffer.fill(0xee);
  }
}

/** Every event of every stream, as the JSON a saved trace holds. */
export const traces = (r: CaptureImport) => r.streams.map((s) => JSON.stringify(s.decoded!.events));

/** Every stream of a capture file decoded with its key log, its chains checked against `anchors`. */
export async function decodeCaptureFile(file: Uint8Array, keyLogText: string, anchors: Uint8Array[]): Promise<DecodedStream[]> {
  const scan = await scanCapture([file]);
  const keyLog = parseKeyLog(keyLogText);
  const verifier = createVerifier({ anchors });
  const decoded: DecodedStream[] = [];
  for (const s of scan.streams) decoded.push(await decodeStream(s, { keyLog, verifier }));
  return decoded;
}
