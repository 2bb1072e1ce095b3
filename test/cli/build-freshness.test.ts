// bin/tls-lens.js never runs an old build: in a copy of the project with no dist-cli/, the first start builds; a
// changed source, a build file or a command's stamp file gone makes the next start build again (saying why on
// stderr); a start checks the dispatcher's sources and its own command's; a touched but unchanged source is hashed
// once; a source that does not compile is reported in plain words with exit 2. The copy keeps the other tests'
// dist-cli/ untouched.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
// A TLS 1.3 alert record (fatal handshake_failure): decode needs no server.
const RECORD = '15030300020228';

let copy: string;
const decode = () => spawnSync('node', [path.join(copy, 'bin/tls-lens.js'), 'decode', RECORD], { encoding: 'utf8', timeout: 120_000 });

beforeAll(() => {
  copy = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-lens-build-'));
  for (const entry of ['bin', 'scripts', 'src', 'server', 'package.json', 'package-lock.json', 'tsconfig.json']) fs.cpSync(path.join(ROOT, entry), path.join(copy, entry), { recursive: true });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'));
});
afterAll(() => fs.rmSync(copy, { recursive: true, force: true }));

describe('tls-lens build freshness', () => {
  it('builds when there is no build, when a source changed or a build file is gone, and reports a broken source', () => {
    const first = decode();
    expect(first.stderr).toContain('building the command-line client first (there is no build yet)');
    expect(first.status).toBe(0);
    expect(first.stdout).toContain('handshake_failure');

    const again = decode();
    expect(again.stderr).toBe('');
    expect(again.stdout).toBe(first.stdout);

    // A source the build used changes (a comment is enough: its hash differs): the next start builds again.
    const render = path.join(copy, 'src/cli/render.ts');
    const source = fs.readFileSync(render, 'utf8');
    fs.writeFileSync(render, `${source}\n// changed by build-freshness.test.ts\n`);
    const changed = decode();
    expect(changed.stderr).toContain('(src/cli/render.ts changed)');
    expect(changed.status).toBe(0);

    // A source whose mtime moved but whose bytes did not (a checkout, a touch) builds nothing: it is hashed once,
    // and the stamp takes its new mtime so later starts compare mtimes again.
    const touched = new Date(Date.now() + 5_000);
    fs.utimesSync(render, touched, touched);
    const same = decode();
    expect(same.stderr).toBe('');
    expect(same.stdout).toBe(first.stdout);
    // The stamp file the decode command's start reads (scripts/cli-stamp.cjs).
    const stamp = () => JSON.parse(fs.readFileSync(path.join(copy, 'dist-cli/stamp/command.decode.json'), 'utf8'));
    const { inputs } = stamp();
    expect(inputs.mtimes[inputs.files.indexOf('src/cli/render.ts')]).toBe(fs.statSync(render).mtimeMs);

    // A start checks its own command's sources: another command's change leaves it (and the usage) as built,
    // and that command's next start builds.
    const verifySource = path.join(copy, 'src/cli/verify.ts');
    fs.appendFileSync(verifySource, '\n// changed by build-freshness.test.ts\n');
    const builtAt = stamp().built;
    const other = decode();
    expect(other.stderr).toBe('');
    expect(other.stdout).toBe(first.stdout);
    expect(spawnSync('node', [path.join(copy, 'bin/tls-lens.js'), '--help'], { encoding: 'utf8' }).stderr).toBe('');
    expect(stamp().built).toBe(builtAt);
    const verify = spawnSync('node', [path.join(copy, 'bin/tls-lens.js'), 'verify', '--help'], { encoding: 'utf8', timeout: 120_000 });
    expect(verify.stderr).toContain('(src/cli/verify.ts changed)');
    expect(verify.status).toBe(0);
    expect(stamp().built).not.toBe(builtAt);

    // The dispatcher's own sources are checked on every start, whatever the command.
    const mainSource = path.join(copy, 'src/cli/main.ts');
    fs.appendFileSync(mainSource, '\n// changed by build-freshness.test.ts\n');
    expect(spawnSync('node', [path.join(copy, 'bin/tls-lens.js'), '--help'], { encoding: 'utf8', timeout: 120_000 }).stderr).toContain('(src/cli/main.ts changed)');

    const index = path.join(copy, 'dist-cli/cached/index.json');
    const bundle = path.join(copy, 'dist-cli/cached', JSON.parse(fs.readFileSync(index, 'utf8')).decode as string);
    fs.rmSync(bundle);
    const missing = decode();
    expect(missing.stderr).toContain(`dist-cli/cached/${path.basename(bundle)} is missing`);
    expect(missing.stdout).toBe(first.stdout);

    // A command's stamp file gone (or damaged): its start does not run the build unchecked, it builds again.
    fs.rmSync(path.join(copy, 'dist-cli/stamp/command.decode.json'));
    const unstamped = decode();
    expect(unstamped.stderr).toContain('(dist-cli/stamp/command.decode.json is missing or unreadable)');
    expect(unstamped.stdout).toBe(first.stdout);
    fs.writeFileSync(path.join(copy, 'dist-cli/stamp/command.decode.json'), '{"built":');
    expect(decode().stderr).toContain('(dist-cli/stamp/command.decode.json is missing or unreadable)');
    expect(decode().stderr).toBe('');

    fs.writeFileSync(render, `${source}\nexport const = ;\n`);
    const broken = decode();
    expect(broken.status).toBe(2);
    expect(broken.stderr).toMatch(/tls-lens: Build failed with 1 error:\nsrc\/cli\/render\.ts:\d+:\d+: ERROR: Expected identifier/);
    expect(broken.stdout).toBe('');
    // Six builds run one after the other, synchronously: a busy machine can take well past the default 30 s.
  }, 300_000);
});
