// bin/tls-lens.js never runs an old build: in a copy of the project with no dist-cli/, the first start builds; a
// changed source or a build file gone makes the next start build again (saying why on stderr); a source that
// does not compile is reported in plain words with exit 2. The copy keeps the other tests' dist-cli/ untouched.
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

    const index = path.join(copy, 'dist-cli/cached/index.json');
    const bundle = path.join(copy, 'dist-cli/cached', JSON.parse(fs.readFileSync(index, 'utf8')).decode as string);
    fs.rmSync(bundle);
    const missing = decode();
    expect(missing.stderr).toContain(`dist-cli/cached/${path.basename(bundle)} is missing`);
    expect(missing.stdout).toBe(first.stdout);

    fs.writeFileSync(render, `${source}\nexport const = ;\n`);
    const broken = decode();
    expect(broken.status).toBe(2);
    expect(broken.stderr).toMatch(/tls-lens: Build failed with 1 error:\nsrc\/cli\/render\.ts:\d+:\d+: ERROR: Expected identifier/);
    expect(broken.stdout).toBe('');
  });
});
