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

/** One Node TLS connection; optionally sends `request` and collects the reply until the server closes. */
export function nodeTls(port: number, options: tls.ConnectionOptions & { request?: string } = {}): Promise<TlsResult> {
  return new Promise((resolve) => {
    const { request, ...opts } = options;
    let session: Buffer | undefined;
    let reply = '';
    let result: TlsResult | undefined;
    const sock = tls.connect({ host: '127.0.0.1', port, servername: 'lab.tls-lens.test', rejectUnauthorized: false, ...opts });
    const timer = setTimeout(() => finish(), 5000);
    const finish = (error?: string) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(result ? { ...result, session, reply } : { ok: false, error });
    };
    sock.on('session', (s: Buffer) => (session = s));
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
      else setTimeout(() => finish(), 150); // let tickets arrive
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

/** Runs openssl s_client with `args`, feeding `input` and keeping stdin open for `holdMs`. */
export function sClient(args: string[], input = '', holdMs = 1500, inputDelayMs = 0): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn('openssl', ['s_client', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d.toString('latin1')));
    child.stderr.on('data', (d) => (out += d.toString('latin1')));
    child.stdin.on('error', () => {});
    if (input) setTimeout(() => child.stdin.writable && child.stdin.write(input), inputDelayMs);
    const t = setTimeout(() => child.stdin.end(), holdMs);
    const kill = setTimeout(() => child.kill('SIGKILL'), holdMs + 5000);
    child.on('exit', () => {
      clearTimeout(t);
      clearTimeout(kill);
      resolve(out);
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
    async waitFor(re: RegExp, from: number, timeoutMs = 8000): Promise<void> {
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
