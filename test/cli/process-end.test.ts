// bin/tls-lens.js ends the process as soon as the event loop has nothing left ('beforeExit'), skipping Node's
// teardown: the process must still end with the command's exit status and only after its whole output is written,
// here 66 KB of JSON (more than a pipe holds) to a reader that waits before reading.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = path.resolve(__dirname, '../../bin/tls-lens.js');
// A TLS 1.2 application-data record of 16 KiB (decode explains it without a key): its JSON is ~66 KB.
const RECORD = `170303${(16384).toString(16).padStart(4, '0')}${'00'.repeat(16384)}`;

/**
 * The command's stdout through a real pipe (a shell's, 64 KiB) whose reader starts only after `waitMs`, and the
 * command's own exit status. (A child_process pipe will not do: it is a socket pair that may take the whole output at
 * once, and Node discards what a paused stream holds when the child exits.)
 */
function runSlowReader(args: string[], waitMs: number): Promise<{ status: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const script = `"$0" "$1" "\${@:2}" | (sleep ${waitMs / 1000}; cat); exit \${PIPESTATUS[0]}`;
    const child = spawn('bash', ['-c', script, process.execPath, BIN, ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout: Buffer.concat(chunks).toString('utf8') }));
  });
}

describe('tls-lens process end', () => {
  it('writes all of a large output to a slow pipe, then exits with the command status', async () => {
    const slow = await runSlowReader(['decode', RECORD, '--json'], 300);
    expect(slow.status).toBe(0);
    expect(slow.stdout.length).toBeGreaterThan(65_536);
    const parsed = JSON.parse(slow.stdout);
    expect(parsed.events.length).toBeGreaterThan(0);
    const quick = await runSlowReader(['decode', RECORD, '--json'], 0);
    expect(quick.stdout).toBe(slow.stdout);

    const bad = await runSlowReader(['decode', 'zz', '--json'], 100);
    expect(bad.status).toBe(2);
    expect(JSON.parse(bad.stdout).error.code).toBe('NOT_HEX');
  }, 60_000);
});
