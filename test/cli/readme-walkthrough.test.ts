// The README's commands as a user runs them, against real peers (openssl s_server, our own capture of a session
// with it) and real files: each case here is a defect found that way, held by the real CLI process.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitForPort } from '../support/net.ts';
import { spawnLogged, stopChild } from '../support/process.ts';

const BIN = path.resolve(__dirname, '../../bin/tls-lens.js');

interface Answer {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function cli(args: string[], timeoutMs = 30_000): Promise<Answer> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: timeoutMs, cwd: dir, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const e = err as { code?: number; killed?: boolean } | null;
      resolve({ code: e ? (e.killed ? null : (e.code ?? 1)) : 0, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** The README's promise for bad input with --json: one error object on stdout, the same words on stderr. */
function jsonError(r: Answer, code: string, status = 2): { code: string; message: string } {
  expect(r.code, r.stdout + r.stderr).toBe(status);
  const out = JSON.parse(r.stdout);
  expect(out).toEqual({ ok: false, error: { code, message: expect.any(String) } });
  expect(r.stderr).toContain(out.error.message);
  return out.error;
}

let dir: string;
const file = (name: string) => path.join(dir, name);
let port: number;
let server: ChildProcess;
let nobody: number;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-lens-walkthrough-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=Walkthrough Root', '-days', '5', '-keyout', 'root.key', '-out', 'root.pem');
  openssl('x509', '-in', 'root.pem', '-outform', 'DER', '-out', 'root.der');
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=localhost', '-keyout', 'leaf.key', '-out', 'leaf.csr');
  fs.writeFileSync(file('leaf.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  openssl('x509', '-req', '-in', 'leaf.csr', '-CA', 'root.pem', '-CAkey', 'root.key', '-CAcreateserial', '-days', '4', '-extfile', 'leaf.ext', '-out', 'leaf.pem');
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=other', '-days', '5', '-keyout', 'other.key', '-out', 'other.pem');
  fs.writeFileSync(file('notes.txt'), 'just some words\n');
  port = await freePort();
  // OpenSSL 3 refuses a client's renegotiation with a warning no_renegotiation alert and keeps the connection up.
  server = spawnLogged('s_server', dir, 'openssl', ['s_server', '-accept', String(port), '-cert', 'leaf.pem', '-key', 'leaf.key', '-www']);
  await waitForPort(port);
  nobody = await freePort();
}, 60_000);

afterAll(async () => {
  if (server) await stopChild(server);
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('connect', () => {
  it('--renegotiate that the server declines: the result is printed and the process ends (it hung on the open socket)', async () => {
    const r = await cli(['connect', `localhost:${port}`, '--ca', 'root.pem', '--tls1.2', '--renegotiate', '--json'], 25_000);
    expect(r.code, `ended after ${r.ms} ms; ${r.stderr}`).toBe(1);
    expect(r.ms).toBeLessThan(15_000);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, version: 'TLSv1.2', error: { code: 'NO_RENEGOTIATION' } });
  }, 40_000);

  it('--send to a server that never stops sending: the answer is cut at 1 MiB (it was read until memory ran out)', async () => {
    // s_server sends its stdin to the client: here, endless zero bytes.
    const streamPort = await freePort();
    const zero = fs.openSync('/dev/zero', 'r');
    const streaming = spawn('openssl', ['s_server', '-accept', String(streamPort), '-cert', 'leaf.pem', '-key', 'leaf.key'], { cwd: dir, stdio: [zero, 'ignore', 'ignore'] });
    fs.closeSync(zero);
    try {
      await waitForPort(streamPort);
      const r = await cli(['connect', `localhost:${streamPort}`, '--ca', 'root.pem', '--send', 'hello', '--json'], 60_000);
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out).toMatchObject({ ok: true, error: null });
      expect(out.received).toHaveLength(1 << 20);
      const walk = await cli(['connect', `localhost:${streamPort}`, '--ca', 'root.pem', '--send', 'hello'], 60_000);
      expect(walk.stdout).toContain('the answer was cut at 1048576 bytes: the server was still sending, and the rest was not read');
    } finally {
      await stopChild(streaming);
    }
  }, 150_000);

  it('options no handshake could use are usage errors before connecting (the engine refused them once connected, and the open socket kept the process alive)', async () => {
    const keyshare = jsonError(await cli(['connect', `localhost:${port}`, '--keyshare', 'secp384r1', '--groups', 'x25519', '--json'], 25_000), 'BAD_OPTION_VALUE');
    expect(keyshare.message).toBe('--keyshare secp384r1: a key share goes only to a group offered, and --groups is x25519: add secp384r1 to --groups');
    expect(jsonError(await cli(['connect', `localhost:${port}`, '--tls1.2', '--suites', 'TLS_AES_128_GCM_SHA256', '--json'], 25_000), 'BAD_OPTION_VALUE').message).toBe(
      '--suites names no TLS 1.2 suite, and only TLS 1.2 is offered: no handshake could complete',
    );
    // TLS 1.3 alone with TLS 1.2 suites only: TLS 1.3's default suites were offered instead, as if --suites were not given.
    expect(jsonError(await cli(['connect', `localhost:${port}`, '--tls1.3', '--suites', 'ECDHE-ECDSA-AES128-GCM-SHA256', '--json'], 25_000), 'BAD_OPTION_VALUE').message).toBe(
      '--suites names no TLS 1.3 suite, and only TLS 1.3 is offered: no handshake could complete',
    );
    // Both: TLS 1.2 alone was offered, silently.
    expect(jsonError(await cli(['connect', `localhost:${port}`, '--tls1.2', '--tls1.3', '--json']), 'BAD_OPTION_VALUE').message).toMatch(/^--tls1\.2 and --tls1\.3 exclude each other/);
  }, 90_000);

  it('a --servername no certificate can match, and a --timeout past what timers take, are usage errors', async () => {
    // Nothing listens on `nobody`: a connection attempt would be CONNECT_FAILED (exit 4); before, the name went out as SNI
    // and the handshake ended "not verified" (exit 3), and the timeout fired at once (TIMEOUT in 1 ms).
    expect(jsonError(await cli(['connect', `127.0.0.1:${nobody}`, '--servername', '', '--json']), 'BAD_OPTION_VALUE').message).toBe('--servername: "" is neither a host name nor an IP address');
    expect(jsonError(await cli(['connect', `127.0.0.1:${nobody}`, '--servername', 'a b', '--json']), 'BAD_OPTION_VALUE').message).toBe('--servername: "a b" is neither a host name nor an IP address');
    expect(jsonError(await cli(['connect', `localhost:${port}`, '--timeout', '99999999999', '--json']), 'BAD_OPTION_VALUE').message).toBe('--timeout 99999999999: at most 2147483647 ms (about 24 days)');
    const longest = await cli(['connect', `localhost:${port}`, '--ca', 'root.pem', '--servername', 'localhost', '--timeout', '2147483647', '--json']);
    expect(longest.code, longest.stderr).toBe(0);
  }, 60_000);

  it('a HOST:PORT that is wrong says what is wrong with it', async () => {
    expect(jsonError(await cli(['connect', 'localhost:0', '--json']), 'BAD_OPTION_VALUE').message).toMatch(/'localhost:0' has the port 0 \(a port is 1 to 65535\)/);
    expect(jsonError(await cli(['connect', 'localhost:99999', '--json']), 'BAD_OPTION_VALUE').message).toMatch(/port 99999 \(a port is 1 to 65535\)/);
    expect(jsonError(await cli(['connect', 'localhost', '--json']), 'BAD_OPTION_VALUE').message).toMatch(/'localhost' has no port; give HOST:PORT/);
    expect(jsonError(await cli(['connect', '::1:443', '--json']), 'BAD_OPTION_VALUE').message).toMatch(/IPv6 address and port without brackets.*\[::1\]:4433/);
    expect(jsonError(await cli(['connect', '--json']), 'MISSING_ARGUMENT').message).toBe('give the server as HOST:PORT');
  }, 40_000);

  it('a --key that is not the --cert certificate\'s is refused before connecting, in plain words', async () => {
    // Nothing listens on `nobody`: a connection attempt would be CONNECT_FAILED (exit 4).
    const mismatch = jsonError(await cli(['connect', `127.0.0.1:${nobody}`, '--cert', 'leaf.pem', '--key', 'other.key', '--json']), 'BAD_KEY_INPUT');
    expect(mismatch.message).toBe('--key file "other.key" is not the private key of the --cert certificate "leaf.pem" (their public keys differ)');
    const notKey = jsonError(await cli(['connect', `127.0.0.1:${nobody}`, '--cert', 'leaf.pem', '--key', 'notes.txt', '--json']), 'BAD_KEY_INPUT');
    expect(notKey.message).not.toMatch(/error:|routines/);
    expect(notKey.message).toMatch(/no private key this program can read/);
    expect(jsonError(await cli(['connect', `127.0.0.1:${nobody}`, '--cert', 'leaf.pem', '--key', 'leaf.pem', '--json']), 'BAD_KEY_INPUT').message).toMatch(/it holds a certificate, not a private key/);
  }, 40_000);

  it('--replay with --json prints JSON (it printed the text walk)', async () => {
    const saved = await cli(['connect', `localhost:${port}`, '--ca', 'root.pem', '--trace', 'walk.json']);
    expect(saved.code, saved.stderr).toBe(0);
    const r = await cli(['connect', '--replay', 'walk.json', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ ok: true, target: `localhost:${port}`, damage: null });
    expect(out.events.some((e: { kind: string; name?: string }) => e.kind === 'handshake' && e.name === 'ServerHello')).toBe(true);
  }, 40_000);
});

describe('pcap', () => {
  let capture: string;
  beforeAll(async () => {
    // A real session with s_server, written as a pcapng with its key log inside.
    capture = file('session.pcapng');
    const r = await cli(['connect', `localhost:${port}`, '--ca', 'root.pem', '--pcapng', capture]);
    expect(r.code, r.stderr).toBe(0);
  }, 40_000);

  it('--ca takes DER as every other command does (it was silently ignored, and every chain failed)', async () => {
    const der = await cli(['pcap', capture, '--ca', 'root.der', '--json']);
    expect(der.code, der.stderr).toBe(0);
    const streams = JSON.parse(der.stdout).streams;
    expect(streams.map((s: { certificate: { verified: boolean } }) => s.certificate.verified)).toEqual([true]);
    expect(jsonError(await cli(['pcap', capture, '--ca', 'notes.txt', '--json']), 'BAD_CERTIFICATE_INPUT').message).toMatch(/--ca file "notes\.txt"/);
    expect(jsonError(await cli(['pcap', capture, '--ca', 'leaf.key', '--json']), 'BAD_CERTIFICATE_INPUT').message).toMatch(/is a private key, not a certificate/);
  }, 40_000);

  it('bad input with --json is the error object every command prints, with its code', async () => {
    expect(jsonError(await cli(['pcap', capture, '--bogus', '--json']), 'UNKNOWN_OPTION').message).toMatch(/--bogus/);
    expect(jsonError(await cli(['pcap', '--json']), 'MISSING_ARGUMENT').message).toBe('give the capture file (pcap or pcapng)');
    expect(jsonError(await cli(['pcap', 'missing.pcap', '--json']), 'UNREADABLE_FILE').message).toBe('cannot read capture file "missing.pcap": no such file');
    expect(jsonError(await cli(['pcap', dir, '--json']), 'UNREADABLE_FILE').message).toMatch(/it is a directory$/);
    expect(jsonError(await cli(['pcap', capture, '--keylog', 'missing.log', '--json']), 'UNREADABLE_FILE').message).toBe('cannot read key log file "missing.log": no such file');
    expect(jsonError(await cli(['pcap', capture, '--stream', '7', '--json']), 'BAD_OPTION_VALUE').message).toBe('there is no stream 7 (the capture has only stream 0)');
  }, 60_000);

  it('a key log of another session is said to match none of the capture\'s streams', async () => {
    // The capture without the key log inside it (editcap), and the key log of a second session.
    execFileSync('editcap', ['--discard-all-secrets', capture, file('bare.pcapng')], { stdio: 'ignore' });
    const other = await cli(['connect', `localhost:${port}`, '--ca', 'root.pem', '--keylog', 'other.keys']);
    expect(other.code, other.stderr).toBe(0);
    const r = await cli(['pcap', 'bare.pcapng', '--keylog', 'other.keys']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("the key log's 1 session(s) match none of this capture's TLS streams: it may be the key log of another capture");
    // With the right key log, no such line.
    const own = await cli(['pcap', capture]);
    expect(own.stdout).not.toContain('match none');
  }, 40_000);

  it('a capture given as the key log is refused once, not listed line by binary line', async () => {
    const e = jsonError(await cli(['pcap', capture, '--keylog', capture, '--json']), 'BAD_INPUT');
    expect(e.message).toMatch(/is not an NSS key log .*: it is a capture file$/);
  }, 30_000);
});

describe('decode', () => {
  it('bad usage with --json is the error object (parse errors printed no JSON at all)', async () => {
    expect(jsonError(await cli(['decode', '-x', '--json']), 'UNKNOWN_OPTION').message).toMatch(/'-x'/);
    expect(jsonError(await cli(['decode', '--json']), 'MISSING_ARGUMENT').message).toBe('give the hex, or - to read it from stdin');
    expect(jsonError(await cli(['decode', '--from', 'both', '16', '--json']), 'BAD_OPTION_VALUE').message).toBe('--from takes client or server, not "both"');
  }, 30_000);

  it('a file name given instead of the hex is said to be a file', async () => {
    fs.writeFileSync(file('hello.hex'), '16 03 01 00 04 01 00 00 00\n');
    const r = await cli(['decode', 'hello.hex', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'NOT_HEX', message: expect.stringMatching(/^"hello\.hex" is a file: decode takes the hex itself, or - to read it from stdin \(tls-lens decode - < hello\.hex\)/) });
  }, 30_000);
});

describe('verify', () => {
  it('--option=value as the other commands take it, and a file without its option said as such', async () => {
    const joined = await cli(['verify', '--leaf=leaf.pem', '--roots=root.pem', '--name=localhost', '--json']);
    expect(joined.code, joined.stdout + joined.stderr).toBe(0);
    expect(JSON.parse(joined.stdout).ok).toBe(true);
    expect(jsonError(await cli(['verify', 'leaf.pem', '--json']), 'BAD_OPTION_VALUE').message).toBe("unexpected argument 'leaf.pem': verify takes its files as options (--leaf leaf.pem)");
  }, 30_000);
});

describe('serve', () => {
  it('a --pki-dir or --trace that cannot be a directory is bad input in words, not an internal error', async () => {
    const pki = jsonError(await cli(['serve', '--port', '0', '--pki-dir', 'notes.txt/pki', '--json']), 'UNWRITABLE_FILE');
    expect(pki.message).toBe('cannot keep the throwaway CA in --pki-dir "notes.txt/pki": a part of the path is a file, not a directory (give --pki-dir DIR, or --cert and --key)');
    const trace = jsonError(await cli(['serve', '--port', '0', '--trace', 'notes.txt', '--cert', 'leaf.pem', '--key', 'leaf.key', '--json']), 'UNWRITABLE_FILE');
    expect(trace.message).toBe('cannot write into --trace directory "notes.txt": a file of that name is in the way (not a directory)');
  }, 30_000);

  it('--json: an error before listening is one JSON line, as every other line serve --json prints', async () => {
    const r = await cli(['serve', '--port', '70000', '--json']);
    expect(r.code).toBe(2);
    expect(r.stdout.split('\n')).toEqual([expect.any(String), '']);
    expect(JSON.parse(r.stdout)).toEqual({ ok: false, error: { code: 'BAD_OPTION_VALUE', message: "--port takes a whole number from 0 to 65535, got '70000'" } });
  }, 30_000);

  it('without --cert, the curl line it prints works as printed (it lacked the address)', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--pki-dir', file('pki'), '--www', '--naccept', '1'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      const line = await new Promise<string>((resolve, reject) => {
        child.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /^tls-lens serve: made a throwaway CA: .*\(e\.g\. (curl .*)\)$/m.exec(out);
          if (m) resolve(m[1]);
        });
        child.once('exit', () => reject(new Error(`serve ended: ${out}`)));
      });
      expect(line).toMatch(/^curl --cacert \S+ca\.pem https:\/\/localhost:\d+\/$/);
      const page = execFileSync('bash', ['-c', `${line} --silent --show-error --max-time 10`], { encoding: 'utf8' });
      expect(page).toContain('<h1>Your TLS handshake with tls-lens serve</h1>');
    } finally {
      await stopChild(child);
    }
  }, 30_000);

  it('a --host that is not this machine\'s is said in words', async () => {
    // 192.0.2.1 (TEST-NET-1, RFC 5737) is no machine's own address.
    const e = jsonError(await cli(['serve', '--port', '0', '--host', '192.0.2.1', '--cert', 'leaf.pem', '--key', 'leaf.key', '--json']), 'INTERNAL_ERROR', 1);
    expect(e.message).toMatch(/^cannot listen on 192\.0\.2\.1:0: 192\.0\.2\.1 is not an address of this machine/);
    expect(e.message).not.toMatch(/EADDRNOTAVAIL/);
  }, 30_000);
});

describe('limbo --help', () => {
  it('describes every option its usage line names', async () => {
    const r = await cli(['limbo', '--help']);
    expect(r.code).toBe(0);
    for (const option of ['--input FILE', '--timeout MS', '--profile NAME', '--strict-cn', '--json']) expect(r.stdout).toMatch(new RegExp(`^  ${option}`, 'm'));
  }, 30_000);
});
