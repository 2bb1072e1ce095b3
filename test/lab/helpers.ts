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

/** Plaintext dialogue on a fresh TCP connection: send each line and collect what comes back. */
export async function plainDialogue(port: number, host: string, lines: string[], waitMs = 300): Promise<string> {
  const sock = net.connect({ host, port });
  let text = '';
  sock.on('data', (d) => (text += d.toString('latin1')));
  await new Promise((r) => sock.once('connect', r));
  await new Promise((r) => setTimeout(r, waitMs));
  for (const line of lines) {
    sock.write(`${line}\r\n`);
    await new Promise((r) => setTimeout(r, waitMs));
  }
  sock.destroy();
  return text;
}

/** Plaintext commands, then upgrade the same socket with TLS and run more commands over it. */
export async function starttlsDialogue(port: number, host: string, before: string[], after: string[], ca: string, waitMs = 300): Promise<{ plain: string; secure: string; protocol: string | null; authorized: boolean }> {
  const sock = net.connect({ host, port });
  let plain = '';
  const onPlain = (d: Buffer) => (plain += d.toString('latin1'));
  sock.on('data', onPlain);
  await new Promise((r) => sock.once('connect', r));
  await new Promise((r) => setTimeout(r, waitMs));
  for (const line of before) {
    sock.write(`${line}\r\n`);
    await new Promise((r) => setTimeout(r, waitMs));
  }
  sock.off('data', onPlain);
  const secureSock = tls.connect({ socket: sock, servername: 'lab.tls-lens.test', ca });
  await new Promise<void>((resolve, reject) => {
    secureSock.once('secureConnect', () => resolve());
    secureSock.once('error', reject);
  });
  let secure = '';
  secureSock.on('data', (d) => (secure += d.toString('latin1')));
  for (const line of after) {
    secureSock.write(`${line}\r\n`);
    await new Promise((r) => setTimeout(r, waitMs));
  }
  const out = { plain, secure, protocol: secureSock.getProtocol(), authorized: secureSock.authorized };
  secureSock.destroy();
  return out;
}
