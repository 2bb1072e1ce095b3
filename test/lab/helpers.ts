// Clients for checking lab scenarios: Node's tls, openssl s_client, and a plaintext-then-TLS dialogue.
import { spawn } from 'node:child_process';
import net from 'node:net';
import tls from 'node:tls';

export interface TlsResult {
  ok: boolean;
  error?: string;
  protocol?: string | null;
  cipher?: string;
  authorized?: boolean;
  authorizationError?: string;
  reused?: boolean;
  session?: Buffer;
  peerChain?: string[];
  reply?: string;
  ephemeral?: string;
}

/** How long a client here may take before it gives up: generous, so that only a hang ends it on a busy machine. */
const CLIENT_DEADLINE_MS = 15_000;

/**
 * One Node TLS connection; optionally sends `request` and collects the reply until the server closes. Without a
 * request it ends shortly after the handshake, or with `waitForSession` once a session (TLS 1.3: a ticket) arrived.
 */
export function nodeTls(port: number, options: tls.ConnectionOptions & { request?: string; waitForSession?: boolean } = {}): Promise<TlsResult> {
  return new Promise((resolve) => {
    const { request, waitForSession, ...opts } = options;
    let session: Buffer | undefined;
    let reply = '';
    let result: TlsResult | undefined;
    const sock = tls.connect({ host: '127.0.0.1', port, servername: 'lab.tls-lens.test', rejectUnauthorized: false, ...opts });
    const timer = setTimeout(() => finish(), CLIENT_DEADLINE_MS);
    const finish = (error?: string) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(result ? { ...result, session, reply } : { ok: false, error });
    };
    sock.on('session', (s: Buffer) => {
      session = s;
      if (waitForSession && result && request === undefined) finish();
    });
    sock.once('secureConnect', () => {
      const chain: string[] = [];
      let c = sock.getPeerCertificate(true) as tls.DetailedPeerCertificate | undefined;
      while (c && c.subject && chain.length < 5) {
        chain.push(String(c.subject.CN));
        if (!c.issuerCertificate || c.issuerCertificate === c) break;
        c = c.issuerCertificate;
      }
      const eph = sock.getEphemeralKeyInfo() as { name?: string; type?: string } | null;
      result = {
        ok: true,
        protocol: sock.getProtocol(),
        cipher: sock.getCipher().standardName,
        authorized: sock.authorized,
        authorizationError: sock.authorizationError ? String(sock.authorizationError) : undefined,
        reused: sock.isSessionReused(),
        peerChain: chain,
        ephemeral: eph?.name ?? eph?.type,
      };
      if (request !== undefined) sock.write(request);
      else if (waitForSession) {
        if (session) finish(); // TLS 1.2: the session came with the handshake
      } else setTimeout(() => finish(), 150);
    });
    sock.on('data', (d: Buffer) => (reply += d.toString()));
    sock.on('end', () => finish());
    sock.on('error', (err: NodeJS.ErrnoException) => {
      if (result) {
        result.error = err.code ?? err.message;
        finish();
      } else finish(err.code ?? err.message);
    });
  });
}

/** The handshake is over (or failed): s_client printed its summary, -brief's or the full one, or an error. */
export const HANDSHAKE_DONE = /CONNECTION ESTABLISHED|Verify return code|:error:|errno=/;

export interface SClientOptions {
  /** Typed on stdin once the output matches `inputWhen`. */
  input?: string;
  /** Default: the handshake is over. */
  inputWhen?: RegExp | ((out: string) => boolean);
  /** stdin is closed (which ends s_client) once the output shows this; default: the handshake is over. */
  until?: RegExp | ((out: string) => boolean);
  timeoutMs?: number;
}

/**
 * Runs openssl s_client with `args`: types `input` when the output shows `inputWhen`, closes stdin once it shows
 * `until`, and resolves with everything it printed. Nothing waits a fixed time, so a busy machine only makes it
 * slower; if `until` never shows while s_client runs, it is killed after `timeoutMs` and the promise rejects with
 * the output so far. s_client ending by itself (the server closed) resolves as well.
 */
export function sClient(args: string[], opts: SClientOptions = {}): Promise<string> {
  const test = (c: RegExp | ((out: string) => boolean)) => (typeof c === 'function' ? c : (out: string) => c.test(out));
  const inputWhen = test(opts.inputWhen ?? HANDSHAKE_DONE);
  const until = test(opts.until ?? HANDSHAKE_DONE);
  const timeoutMs = opts.timeoutMs ?? CLIENT_DEADLINE_MS;
  return new Promise((resolve, reject) => {
    // stdbuf: s_client's stdout (its summary, -msg) is a pipe here, block-buffered unless told; the waits read it as it comes.
    const child = spawn('stdbuf', ['-o0', 'openssl', 's_client', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let typed = opts.input === undefined;
    let closed = false;
    let timedOut = false;
    const step = () => {
      if (!typed && inputWhen(out)) {
        typed = true;
        if (child.stdin.writable) child.stdin.write(opts.input);
      }
      if (typed && !closed && until(out)) {
        closed = true;
        child.stdin.end();
      }
    };
    const onData = (d: Buffer) => {
      out += d.toString('latin1');
      step();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.stdin.on('error', () => {});
    const kill = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    const describe = (c: RegExp | ((out: string) => boolean) | undefined) => (c === undefined ? String(HANDSHAKE_DONE) : typeof c === 'function' ? 'its condition' : String(c));
    // 'close': after the exit and the last of its output.
    child.on('close', () => {
      clearTimeout(kill);
      if (!timedOut) return resolve(out);
      const waited = typed ? `${describe(opts.until)} (to close stdin)` : `${describe(opts.inputWhen)} (to type)`;
      reject(new Error(`s_client ${args.join(' ')}: ${waited} not seen within ${timeoutMs} ms; output:\n${out}`));
    });
  });
}

/** One line to send (CRLF added) and what the answer must contain before the next step. */
export interface Step {
  send?: string;
  until: RegExp;
}

/** Accumulates text from a stream and waits for patterns, so dialogues never race the server. */
function reader(stream: NodeJS.ReadableStream) {
  let text = '';
  let waiter: (() => void) | null = null;
  const onData = (d: Buffer) => {
    text += d.toString('latin1');
    waiter?.();
  };
  stream.on('data', onData);
  return {
    get text() {
      return text;
    },
    detach: () => stream.off('data', onData),
    async waitFor(re: RegExp, from: number, timeoutMs = 15_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!re.test(text.slice(from))) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${re} in ${JSON.stringify(text)}`);
        await new Promise<void>((r) => {
          waiter = r;
          setTimeout(r, 100);
        });
      }
    },
  };
}

async function runSteps(write: (line: string) => void, r: ReturnType<typeof reader>, steps: Step[]): Promise<void> {
  for (const step of steps) {
    const from = r.text.length;
    if (step.send !== undefined) write(`${step.send}\r\n`);
    await r.waitFor(step.until, step.send === undefined ? 0 : from);
  }
}

/** Plaintext dialogue on a fresh TCP connection; returns everything the server said. */
export async function plainDialogue(port: number, host: string, steps: Step[]): Promise<string> {
  const sock = net.connect({ host, port });
  const r = reader(sock);
  await new Promise((res) => sock.once('connect', res));
  try {
    await runSteps((l) => sock.write(l), r, steps);
  } finally {
    sock.destroy();
  }
  return r.text;
}

/** Plaintext steps, then TLS on the same socket, then more steps over TLS. */
export async function starttlsDialogue(port: number, host: string, before: Step[], after: Step[], ca: string): Promise<{ plain: string; secure: string; protocol: string | null; authorized: boolean }> {
  const sock = net.connect({ host, port });
  const plain = reader(sock);
  await new Promise((res) => sock.once('connect', res));
  await runSteps((l) => sock.write(l), plain, before);
  plain.detach();
  const secureSock = tls.connect({ socket: sock, servername: 'lab.tls-lens.test', ca });
  await new Promise<void>((resolve, reject) => {
    secureSock.once('secureConnect', () => resolve());
    secureSock.once('error', reject);
  });
  const secure = reader(secureSock);
  try {
    await runSteps((l) => secureSock.write(l), secure, after);
  } finally {
    secureSock.destroy();
  }
  return { plain: plain.text, secure: secure.text, protocol: secureSock.getProtocol(), authorized: secureSock.authorized };
}
