// connect's bundle leaves the STARTTLS dialogues out (scripts/build-cli.mjs, SIDE_MODULES): a plain connect reads
// and deserialises less, and --starttls loads them from their side bundle when first used. The dialogues themselves
// run in test/cli/connect-starttls.test.ts; here, the bundles' contents and a usage answer that needs the side bundle.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin/tls-lens.js');
const CACHED = path.join(ROOT, 'dist-cli/cached');
// Text of the SMTP/LMTP dialogue (src/starttls/smtp.ts) that no other part of connect has.
const DIALOGUE_MARK = '"LHLO"';

describe('tls-lens side bundles', () => {
  it('keeps the STARTTLS dialogues out of connect and loads them for --starttls', () => {
    // Any run builds dist-cli/ first when it is stale.
    execFileSync('node', [BIN, '--help'], { encoding: 'utf8', timeout: 60_000 });
    const index = JSON.parse(fs.readFileSync(path.join(CACHED, 'index.json'), 'utf8')) as Record<string, string>;
    const connect = fs.readFileSync(path.join(CACHED, index.connect), 'latin1');
    const side = fs.readdirSync(path.join(CACHED, 'side')).filter((f) => /^starttls-[A-Z0-9]+\.cjs$/.test(f));
    expect(side).toHaveLength(1);
    expect(fs.readFileSync(path.join(CACHED, 'side', side[0]), 'latin1')).toContain(DIALOGUE_MARK);
    expect(connect).not.toContain(DIALOGUE_MARK);
    expect(connect).toContain(`./side/${side[0]}`);

    // The list of protocols in this answer comes from the side bundle; no connection is tried (port 9 on loopback).
    const r = spawnSync('node', [BIN, 'connect', '127.0.0.1:9', '--starttls', 'gopher', '--json'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(JSON.parse(r.stdout).error).toEqual({ code: 'BAD_OPTION_VALUE', message: expect.stringMatching(/unknown --starttls protocol 'gopher' \(smtp, lmtp, imap, .*mysql/) });
  });
});
