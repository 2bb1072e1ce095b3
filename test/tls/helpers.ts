// Test fixtures: certificates made with the openssl CLI, real servers on 127.0.0.1, free ports.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TraceRecorder } from '../../src/trace/recorder.ts';

export interface TestPki {
  dir: string;
  rootPem: string;
  rootDer: Uint8Array;
  leafCert: string;
  leafKey: string;
  /** A second leaf with an RSA key (for rsa_pss_rsae). */
  rsaCert: string;
  rsaKey: string;
  clientCert: string;
  clientKey: string;
  clientCertDer: Uint8Array;
  clientKeyPkcs8: Uint8Array;
  leafDer: Uint8Array;
  leafKeyPkcs8: Uint8Array;
  /** More server leaves (cert, key files) for the other CertificateVerify schemes. */
  extraLeaves: { ed25519: [string, string]; p384: [string, string]; rsaPss: [string, string] };
}

function run(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'pipe' });
}

/** root CA (P-256) → server leaves (P-256, RSA-2048) for localhost/127.0.0.1, and a client leaf. */
export function makePki(): TestPki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-lens-pki-'));
  const ext = (name: string, body: string) => fs.writeFileSync(path.join(dir, name), body);
  ext('ca.ext', 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n');
  ext('leaf.ext', 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\nauthorityKeyIdentifier=keyid\n');
  ext('client.ext', 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\nauthorityKeyIdentifier=keyid\n');
  run(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key'], dir);
  run(['req', '-new', '-x509', '-key', 'ca.key', '-subj', '/CN=TLS Lens Test Root', '-days', '3650', '-sha256', '-out', 'ca.pem', '-extensions', 'v3_ca', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  const leaf = (name: string, keyArgs: string[], subj: string, extFile: string) => {
    run(keyArgs, dir);
    run(['req', '-new', '-key', `${name}.key`, '-subj', subj, '-out', `${name}.csr`], dir);
    run(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '365', '-sha256', '-extfile', extFile, '-out', `${name}.pem`], dir);
  };
  leaf('leaf', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'leaf.key'], '/CN=localhost', 'leaf.ext');
  leaf('rsa', ['genrsa', '-out', 'rsa.key', '2048'], '/CN=localhost', 'leaf.ext');
  leaf('ed', ['genpkey', '-algorithm', 'ed25519', '-out', 'ed.key'], '/CN=localhost', 'leaf.ext');
  leaf('p384', ['ecparam', '-name', 'secp384r1', '-genkey', '-noout', '-out', 'p384.key'], '/CN=localhost', 'leaf.ext');
  leaf('pss', ['genpkey', '-algorithm', 'rsa-pss', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'pss.key'], '/CN=localhost', 'leaf.ext');
  leaf('client', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'client.key'], '/CN=TLS Lens test client', 'client.ext');
  run(['pkcs8', '-topk8', '-nocrypt', '-in', 'client.key', '-outform', 'DER', '-out', 'client.p8'], dir);
  run(['x509', '-in', 'client.pem', '-outform', 'DER', '-out', 'client.der'], dir);
  run(['x509', '-in', 'ca.pem', '-outform', 'DER', '-out', 'ca.der'], dir);
  run(['pkcs8', '-topk8', '-nocrypt', '-in', 'leaf.key', '-outform', 'DER', '-out', 'leaf.p8'], dir);
  run(['x509', '-in', 'leaf.pem', '-outform', 'DER', '-out', 'leaf.der'], dir);
  const p = (f: string) => path.join(dir, f);
  return {
    dir,
    rootPem: p('ca.pem'),
    rootDer: new Uint8Array(fs.readFileSync(p('ca.der'))),
    leafCert: p('leaf.pem'),
    leafKey: p('leaf.key'),
    rsaCert: p('rsa.pem'),
    rsaKey: p('rsa.key'),
    clientCert: p('client.pem'),
    clientKey: p('client.key'),
    clientCertDer: new Uint8Array(fs.readFileSync(p('client.der'))),
    clientKeyPkcs8: new Uint8Array(fs.readFileSync(p('client.p8'))),
    leafDer: new Uint8Array(fs.readFileSync(p('leaf.der'))),
    extraLeaves: { ed25519: [p('ed.pem'), p('ed.key')], p384: [p('p384.pem'), p('p384.key')], rsaPss: [p('pss.pem'), p('pss.key')] },
    leafKeyPkcs8: new Uint8Array(fs.readFileSync(p('leaf.p8'))),
  };
}

export { freePort } from '../support/net.ts';

export interface SServer {
  port: number;
  proc: ChildProcess;
  /** Everything s_server printed so far. */
  output(): string;
  /** Type a line on s_server's stdin (e.g. "k" for a KeyUpdate). */
  type(text: string): void;
  stop(): Promise<void>;
}

/** The port `openssl s_server -accept 127.0.0.1:0` reports once it listens ("ACCEPT 127.0.0.1:40123"), or 0. */
export function acceptedPort(output: string): number {
  // Only a whole line: a chunk may end in the middle of the number.
  const m = /^ACCEPT\s+\S*:(\d+)\r?\n/m.exec(output);
  return m ? Number(m[1]) : 0;
}

/** Start `openssl s_server -tls1_3` with extra arguments; resolves once it accepts connections. */
export function startSServer(pki: TestPki, extra: string[] = [], opts: { cert?: string; key?: string } = {}): Promise<SServer> {
  return spawnSServer(['-tls1_3', '-cert', opts.cert ?? pki.leafCert, '-key', opts.key ?? pki.leafKey, '-CAfile', pki.rootPem, ...extra]);
}

/** `openssl s_server` on 127.0.0.1 with these arguments and its stdin held open; resolves once it accepts connections. */
export async function spawnSServer(args: string[]): Promise<SServer> {
  // Port 0: the OS picks a free port while s_server binds it and s_server prints it ("ACCEPT 127.0.0.1:<port>").
  // Asking for a free port first and binding it later races with every other socket on a busy machine.
  // stdbuf: s_server's own lines (such as "SSL_do_handshake -> 1" after a typed command) go to a block-buffered
  // stdout otherwise, and output() would show them only later; waits read them as they come.
  const proc = spawn('stdbuf', ['-o0', 'openssl', 's_server', '-accept', '127.0.0.1:0', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d.toString()));
  proc.stderr!.on('data', (d) => (out += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`s_server did not start: ${out}`)), 30_000);
    const check = () => {
      const bound = acceptedPort(out);
      if (bound) {
        clearTimeout(timer);
        // Found once: scanning all the output again at every later line would cost a long-lived server more and more.
        proc.stdout!.off('data', check);
        resolve(bound);
      }
    };
    proc.stdout!.on('data', check);
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

export function recorder(): TraceRecorder {
  return new TraceRecorder();
}

export function pemToDer(pem: string): Uint8Array {
  const b64 = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  return new Uint8Array(Buffer.from(b64, 'base64'));
}
