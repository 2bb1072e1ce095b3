// Bad input to every command, as a script meets it: the real CLI process, real files on disk. With --json the
// answer is one JSON error object on stdout (ok: false, error.code, error.message) and the command's stable exit
// status, with the same words as one line on stderr; without it, the line (and the usage where it helps) on stderr
// and nothing on stdout.
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/net.ts';

const BIN = path.resolve(__dirname, '../../bin/tls-lens.js');

interface Answer {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], nodeArgs: string[] = []): Promise<Answer> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...nodeArgs, BIN, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** The JSON error object a --json run must print, checked for shape, code and exit status. */
function expectJsonError(r: Answer, code: string, exitStatus: number, message?: RegExp): void {
  expect(r.code, r.stdout + r.stderr).toBe(exitStatus);
  const out = JSON.parse(r.stdout);
  expect(out).toEqual({ ok: false, error: { code, message: expect.any(String) } });
  if (message) expect(out.error.message).toMatch(message);
  // The person at the terminal gets the same words, once, on stderr (and no usage text in JSON mode).
  expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^tls-lens( \w+)?: /)]);
  expect(r.stderr).toContain(out.error.message);
}

let dir: string;
const file = (name: string) => path.join(dir, name);
let port: number;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-lens-cli-errors-'));
  // A real certificate and key from OpenSSL, then damaged copies of them.
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=localhost', '-days', '2', '-keyout', file('key.pem'), '-out', file('cert.pem')], { stdio: 'ignore' });
  const pem = fs.readFileSync(file('cert.pem'), 'utf8');
  fs.writeFileSync(file('truncated.pem'), pem.slice(0, Math.floor(pem.length / 2)));
  fs.writeFileSync(file('not-a-key.pem'), pem);
  fs.writeFileSync(file('notes.txt'), 'just some words, no certificate here\n');
  fs.writeFileSync(file('not-a-suite.json'), JSON.stringify({ hello: 'world' }));
  fs.writeFileSync(file('not-json.json'), '{ "version": 1, ');
  // Nothing listens here: any connection attempt would be CONNECT_FAILED (exit 4), so a usage answer proves none was made.
  port = await freePort();
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('verify --json: bad input is a JSON error object', () => {
  it('truncated PEM', async () => {
    expectJsonError(await cli(['verify', '--leaf', file('truncated.pem'), '--json']), 'BAD_CERTIFICATE_INPUT', 2, /truncated\.pem.*no "-----END CERTIFICATE-----" line/);
  });
  it('unreadable file', async () => {
    expectJsonError(await cli(['verify', '--leaf', file('missing.pem'), '--json']), 'UNREADABLE_FILE', 2, /cannot read leaf file .*missing\.pem.*no such file/);
    expectJsonError(await cli(['verify', '--leaf', dir, '--json']), 'UNREADABLE_FILE', 2);
  });
  it('not a certificate', async () => {
    expectJsonError(await cli(['verify', '--leaf', file('key.pem'), '--json']), 'BAD_CERTIFICATE_INPUT', 2, /is a private key, not a certificate/);
    expectJsonError(await cli(['verify', '--leaf', file('cert.pem'), '--roots', file('notes.txt'), '--json']), 'BAD_CERTIFICATE_INPUT', 2, /roots file/);
  });
  it('bad option value, unknown option, missing argument', async () => {
    expectJsonError(await cli(['verify', '--leaf', file('cert.pem'), '--time', 'yesterday', '--json']), 'BAD_OPTION_VALUE', 2, /not an ISO-8601 time/);
    expectJsonError(await cli(['verify', '--leaf', file('cert.pem'), '--purpose', 'both', '--json']), 'BAD_OPTION_VALUE', 2);
    expectJsonError(await cli(['verify', '--leaf', file('cert.pem'), '--bogus', '--json']), 'UNKNOWN_OPTION', 2, /--bogus/);
    expectJsonError(await cli(['verify', '--json', '--leaf']), 'MISSING_ARGUMENT', 2, /--leaf needs a value/);
    expectJsonError(await cli(['verify', '--json']), 'MISSING_ARGUMENT', 2, /--leaf FILE is required/);
  });
  it('without --json: a line (and the usage where it helps) on stderr, nothing on stdout', async () => {
    const r = await cli(['verify', '--leaf', file('truncated.pem')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^tls-lens verify: leaf file .*no "-----END CERTIFICATE-----" line/);
    const unknown = await cli(['verify', '--bogus']);
    expect(unknown.stderr).toMatch(/unknown option '--bogus'[\s\S]*usage: tls-lens verify/);
  });
});

describe('connect --json: bad input is a JSON error object, and no connection is tried', () => {
  const target = () => `127.0.0.1:${port}`;
  it('truncated PEM, unreadable file, not a certificate, not a key', async () => {
    expectJsonError(await cli(['connect', target(), '--ca', file('truncated.pem'), '--json']), 'BAD_CERTIFICATE_INPUT', 2, /--ca file .*truncated\.pem.*no "-----END CERTIFICATE-----" line/);
    expectJsonError(await cli(['connect', target(), '--ca', file('missing.pem'), '--json']), 'UNREADABLE_FILE', 2, /cannot read --ca file .*no such file/);
    expectJsonError(await cli(['connect', target(), '--ca', file('notes.txt'), '--json']), 'BAD_CERTIFICATE_INPUT', 2);
    expectJsonError(await cli(['connect', target(), '--cert', file('key.pem'), '--key', file('key.pem'), '--json']), 'BAD_CERTIFICATE_INPUT', 2, /--cert file/);
    expectJsonError(await cli(['connect', target(), '--cert', file('cert.pem'), '--key', file('not-a-key.pem'), '--json']), 'BAD_KEY_INPUT', 2, /--key file/);
  });
  it('bad option values', async () => {
    expectJsonError(await cli(['connect', target(), '--timeout', 'soon', '--json']), 'BAD_OPTION_VALUE', 2, /--timeout/);
    expectJsonError(await cli(['connect', target(), '--groups', 'x448', '--json']), 'BAD_OPTION_VALUE', 2, /unknown group 'x448'/);
    expectJsonError(await cli(['connect', target(), '--suites', 'RC4-MD5', '--json']), 'BAD_OPTION_VALUE', 2, /unknown cipher suite 'RC4-MD5'/);
    expectJsonError(await cli(['connect', target(), '--versions', '1.1', '--json']), 'BAD_OPTION_VALUE', 2);
    expectJsonError(await cli(['connect', target(), '--starttls', 'gopher', '--json']), 'BAD_OPTION_VALUE', 2, /gopher/);
    expectJsonError(await cli(['connect', 'no-port', '--json']), 'BAD_OPTION_VALUE', 2, /HOST:PORT/);
  });
  it('unknown option, missing argument', async () => {
    expectJsonError(await cli(['connect', target(), '--bogus', '--json']), 'UNKNOWN_OPTION', 2, /--bogus/);
    expectJsonError(await cli(['connect', target(), '--json', '--servername']), 'MISSING_ARGUMENT', 2, /--servername/);
    expectJsonError(await cli(['connect', '--json']), 'MISSING_ARGUMENT', 2, /HOST:PORT/);
    expectJsonError(await cli(['connect', target(), '--cert', file('cert.pem'), '--json']), 'MISSING_ARGUMENT', 2, /--cert and --key/);
  });
  it('output files that cannot be written, a replay file that cannot be read or is not a trace', async () => {
    expectJsonError(await cli(['connect', target(), '--trace', path.join(dir, 'no-such-dir', 't.json'), '--json']), 'UNWRITABLE_FILE', 2, /--trace/);
    expectJsonError(await cli(['connect', target(), '--keylog', dir, '--json']), 'UNWRITABLE_FILE', 2, /--keylog/);
    expectJsonError(await cli(['connect', '--replay', file('missing.json'), '--json']), 'UNREADABLE_FILE', 2);
    expectJsonError(await cli(['connect', '--replay', file('notes.txt'), '--json']), 'BAD_INPUT', 2, /cannot replay/);
  });
  it('a failed connection is still the result object (not an input error), exit 4', async () => {
    const r = await cli(['connect', target(), '--json']);
    expect(r.code).toBe(4);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { code: 'CONNECT_FAILED' } });
  });
});

describe('limbo and the dispatcher', () => {
  it('limbo --json: unknown option and missing argument exit 2; an unreadable or wrong suite exits 1', async () => {
    expectJsonError(await cli(['limbo', '--bogus', '--json']), 'UNKNOWN_OPTION', 2);
    expectJsonError(await cli(['limbo', '--json', '--input']), 'MISSING_ARGUMENT', 2);
    expectJsonError(await cli(['limbo', '--timeout', 'never', '--json']), 'BAD_OPTION_VALUE', 2);
    expectJsonError(await cli(['limbo', '--input', file('missing.json'), '--json']), 'UNREADABLE_FILE', 1, /no such file/);
    expectJsonError(await cli(['limbo', '--input', file('not-a-suite.json'), '--json']), 'BAD_INPUT', 1, /not an x509-limbo v1 suite/);
    expectJsonError(await cli(['limbo', '--input', file('not-json.json'), '--json']), 'BAD_INPUT', 1, /cannot read the suite/);
  });
  it('an unknown command with --json', async () => {
    expectJsonError(await cli(['frobnicate', '--json']), 'UNKNOWN_COMMAND', 2, /frobnicate/);
    const text = await cli(['frobnicate']);
    expect(text.code).toBe(2);
    expect(text.stderr).toMatch(/unknown command 'frobnicate'[\s\S]*usage: tls-lens/);
  });
  // The host runs a command straight from its bundle and loads the dispatcher only to report such a failure:
  // here loading the bundle throws (a preload breaks vm.Script), and the answer keeps the form asked for.
  it('a failure no command foresaw, with and without --json: INTERNAL_ERROR, exit 1', async () => {
    const breakLoading = file('break-loading.cjs');
    fs.writeFileSync(breakLoading, "require('node:vm').Script.prototype.runInThisContext = () => { throw new Error('broken on purpose'); };\n");
    expectJsonError(await cli(['decode', '15030300020228', '--json'], ['--require', breakLoading]), 'INTERNAL_ERROR', 1, /broken on purpose/);
    const text = await cli(['decode', '15030300020228'], ['--require', breakLoading]);
    expect(text.code).toBe(1);
    expect(text.stdout).toBe('');
    expect(text.stderr).toBe('tls-lens decode: unexpected failure: broken on purpose\n');
  });
});
