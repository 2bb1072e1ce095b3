// `tls-lens serve` refuses bad usage before it listens: each bad option with its plain-words reason (in-process,
// through the option parser), and through the real CLI process the JSON error object, exit status 2, and a key
// that does not belong to its certificate (BAD_KEY_INPUT).
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CliError } from '../../src/cli/errors.ts';
import { parseServeArgs } from '../../src/cli/serve-options.ts';

const BIN = path.resolve(__dirname, '../../bin/tls-lens.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-lens-serve-usage-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 60_000 }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

function refusal(args: string[]): CliError {
  try {
    parseServeArgs(args);
  } catch (e) {
    expect(e).toBeInstanceOf(CliError);
    expect((e as CliError).exitStatus).toBe(2);
    return e as CliError;
  }
  throw new Error(`accepted ${args.join(' ')}`);
}

describe('serve options', () => {
  it.each([
    [['--www', '--echo'], 'BAD_OPTION_VALUE', /--www and --echo exclude each other/],
    [['--tls1.2', '--tls1.3'], 'BAD_OPTION_VALUE', /exclude each other/],
    [['--versions', '1.1'], 'BAD_OPTION_VALUE', /--versions takes 1.3 and\/or 1.2/],
    [['--groups', 'x448'], 'BAD_OPTION_VALUE', /unknown group 'x448'/],
    [['--suites', 'TLS_NULL_WITH_NULL_NULL'], 'BAD_OPTION_VALUE', /unknown cipher suite/],
    [['--port', '70000'], 'BAD_OPTION_VALUE', /--port takes a whole number from 0 to 65535/],
    [['--port', 'http'], 'BAD_OPTION_VALUE', /--port/],
    [['--naccept', '0'], 'BAD_OPTION_VALUE', /--naccept takes a whole number from 1/],
    [['--num-tickets', '-1'], 'MISSING_ARGUMENT', /num-tickets/],
    [['--verify'], 'MISSING_ARGUMENT', /need --ca FILE/],
    [['--verify', '--Verify', '--ca', 'x'], 'BAD_OPTION_VALUE', /give one of them/],
    [['--key', 'k.pem'], 'MISSING_ARGUMENT', /--key without a --cert/],
    [['--cert', 'a.pem', '--cert', 'b.pem', '--key', 'a.key'], 'MISSING_ARGUMENT', /2 --cert but 1 --key/],
    [['--bogus'], 'UNKNOWN_OPTION', /bogus/],
    [['extra'], 'BAD_OPTION_VALUE', /unexpected argument 'extra'/],
    // Configurations that could complete no handshake: refused before listening, not answered with protocol_version.
    [['--tls1.3', '--suites', 'ECDHE-ECDSA-AES128-GCM-SHA256'], 'BAD_OPTION_VALUE', /--suites names no TLS 1\.3 suite/],
    [['--tls1.2', '--suites', 'TLS_AES_128_GCM_SHA256'], 'BAD_OPTION_VALUE', /--suites names no TLS 1\.2 suite/],
    [['--tls1.2', '--groups', 'X25519MLKEM768'], 'BAD_OPTION_VALUE', /leaves TLS 1\.2 without a group/],
  ])('%j is refused', (args, code, message) => {
    const e = refusal(args as string[]);
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
  });

  it('defaults: 127.0.0.1:4433, both versions, the hybrid X25519MLKEM768 first (then x25519), two tickets; s_server-like names map through', () => {
    const c = parseServeArgs([]);
    expect([c.host, c.port, c.versions, c.groups[0], c.numTickets, c.mode, c.clientAuth]).toEqual(['127.0.0.1', 4433, ['TLS1.3', 'TLS1.2'], 'X25519MLKEM768', 2, 'walk', 'none']);
    expect(c.groups[1]).toBe('x25519');
    const d = parseServeArgs(['--port', '0', '--tls1.2', '--Verify', '--ca', 'ca.pem', '--groups', 'x25519mlkem768,X25519', '--naccept', '3', '--www', '--cert', 'a.pem']);
    expect([d.port, d.versions, d.clientAuth, d.groups, d.naccept, d.mode, d.certificates]).toEqual([0, ['TLS1.2'], 'require', ['X25519MLKEM768', 'x25519'], 3, 'www', [{ cert: 'a.pem', key: undefined }]]);
  });

  it('--suites of one version only: the versions served (and announced) are that one', () => {
    expect(parseServeArgs(['--suites', 'TLS_AES_128_GCM_SHA256']).versions).toEqual(['TLS1.3']);
    expect(parseServeArgs(['--suites', 'ECDHE-RSA-AES128-GCM-SHA256,DHE-RSA-AES128-GCM-SHA256']).versions).toEqual(['TLS1.2']);
    expect(parseServeArgs(['--suites', 'TLS_AES_128_GCM_SHA256,ECDHE-RSA-AES128-GCM-SHA256']).versions).toEqual(['TLS1.3', 'TLS1.2']);
  });
});

describe('serve through the CLI process', () => {
  it('answers bad usage with the JSON error object and exit status 2', async () => {
    const r = await cli(['serve', '--www', '--echo', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({ ok: false, error: { code: 'BAD_OPTION_VALUE', message: '--www and --echo exclude each other' } });
    expect(r.stderr.trim()).toBe('tls-lens serve: --www and --echo exclude each other');
  });

  it('refuses a key that is not the certificate\'s, before listening (SSL_CTX_check_private_key)', async () => {
    const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    run('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'a.key');
    run('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'b.key');
    run('req', '-new', '-x509', '-key', 'a.key', '-subj', '/CN=localhost', '-days', '2', '-out', 'a.pem');
    const r = await cli(['serve', '--port', '0', '--cert', path.join(dir, 'a.pem'), '--key', path.join(dir, 'b.key'), '--json']);
    expect(r.code).toBe(2);
    const out = JSON.parse(r.stdout);
    expect(out.error.code).toBe('BAD_KEY_INPUT');
    expect(out.error.message).toMatch(/b\.key.*not the key of this certificate/);
  });

  it('says plainly when a --cert file holds no key and no --key is given', async () => {
    const r = await cli(['serve', '--port', '0', '--cert', path.join(dir, 'a.pem'), '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error).toEqual({ code: 'BAD_KEY_INPUT', message: expect.stringMatching(/no --key given.*no private key found/) });
  });
});
