// The finite-field groups in TLS 1.3 as a person uses them: `tls-lens serve --tls1.3 --groups ffdhe2048` (refused as
// usage until now: they served TLS 1.2 DHE only), reached by `tls-lens connect --groups ffdhe2048`, whose walk names
// the exchange DHE, not ECDHE; and `openssl s_client -groups ffdhe3072` against the default serve.
import { describe, expect, it, vi } from 'vitest';
import { serveForThisFile } from './serve-per-file.ts';
import { runConnect } from './connect-cli.ts';
import { sClient } from '../server/support/s-client.ts';

vi.setConfig({ testTimeout: 120_000 });

const serve = serveForThisFile();

const connect = runConnect;

describe('finite-field groups in TLS 1.3 through the CLI', () => {
  it('serve --tls1.3 --groups ffdhe2048, reached by connect --groups ffdhe2048: JSON and the walk', async () => {
    const s = await serve(['--tls1.3', '--groups', 'ffdhe2048']);
    const target = [`127.0.0.1:${s.port}`, '--servername', 'localhost', '--ca', s.caFile, '--groups', 'ffdhe2048'];
    const json = await connect([...target, '--json']);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, version: 'TLSv1.3', group: 'ffdhe2048', helloRetryRequest: false });
    const walk = await connect(target);
    expect(walk.code, walk.stderr).toBe(0);
    expect(walk.stdout).toMatch(/DHE\S* ffdhe2048: shared secret = /);
    expect(walk.stdout).not.toMatch(/ECDHE\S* ffdhe2048/);
    const reports = await s.waitForReports(2);
    expect(reports.map((r) => r.ok)).toEqual([true, true]);
  });

  it('the default serve answers s_client -groups ffdhe3072 in TLS 1.3', async () => {
    const s = await serve(['--echo']);
    // Upper case: the helper waits for the line upper-cased, as its own listener echoes; serve --echo sends it as is.
    const run = await sClient(s.port, ['-tls1_3', '-groups', 'ffdhe3072', '-CAfile', s.caFile, '-verify_return_error'], ['THREE']);
    expect(run.output).toMatch(/Server Temp Key: DH, 3072 bits/);
    expect(run.output).toContain('Verify return code: 0 (ok)');
    expect(run.output).toMatch(/(^|\n)THREE\n/); // s_client does not print what it sends: this is the echo
  });
});
