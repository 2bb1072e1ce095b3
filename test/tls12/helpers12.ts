// TLS 1.2 test fixtures: `openssl s_server -tls1_2` on 127.0.0.1 with its stdin held open (typing `r` renegotiates),
// and a client connection with the x509 verifier trusting the test root.
import { spawn, type ChildProcess } from 'node:child_process';
import { connectTls, type TlsClientOptions } from '../../src/tls/client.ts';
import type { TraceRecorder } from '../../src/trace/recorder.ts';
import { connectTcp } from '../../src/transport/tcp.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import { acceptedPort, recorder, type TestPki } from '../tls/helpers.ts';

export interface SServer12 {
  port: number;
  proc: ChildProcess;
  output(): string;
  type(text: string): void;
  stop(): Promise<void>;
}

/** `anyVersion`: leave out -tls1_2, so the server also speaks TLS 1.3. */
export async function startSServer12(pki: TestPki, extra: string[], opts: { rsa?: boolean; anyVersion?: boolean } = {}): Promise<SServer12> {
  const cert = opts.rsa ? pki.rsaCert : pki.leafCert;
  const key = opts.rsa ? pki.rsaKey : pki.leafKey;
  const proc = spawn('openssl', ['s_server', '-accept', '127.0.0.1:0', ...(opts.anyVersion ? [] : ['-tls1_2']), '-cert', cert, '-key', key, '-CAfile', pki.rootPem, ...extra], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d.toString()));
  proc.stderr!.on('data', (d) => (out += d.toString()));
  // Port 0 and the port s_server prints: no window in which another socket can take a port picked in advance.
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`s_server did not start: ${out}`)), 30_000);
    proc.stdout!.on('data', () => {
      const bound = acceptedPort(out);
      if (bound) {
        clearTimeout(timer);
        resolve(bound);
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`s_server exited (${code}): ${out}`));
    });
  });
  return {
    port,
    proc,
    output: () => out,
    type: (text) => proc.stdin!.write(text),
    stop: () =>
      new Promise((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  };
}

export async function connect12(pki: TestPki, port: number, options: Partial<TlsClientOptions> = {}, rec: TraceRecorder = recorder()) {
  const transport = await connectTcp('127.0.0.1', port);
  const conn = await connectTls(transport, { serverName: 'localhost', verifier: createVerifier({ anchors: [pki.rootDer] }), timeoutMs: 10_000, versions: ['TLS1.2'], ...options }, rec.emit);
  return { conn, rec };
}

export async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
