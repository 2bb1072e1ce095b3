// The node:crypto provider's X25519 key shares must not hang the process. Node 20 can deadlock when a generated
// key's public half is exported afterwards (the export holds the key's lock while it allocates; a collection then
// destroys the finished generation job, whose destructor waits on that lock): one run in three of 100,000
// generations hung here. The provider takes the public key encoded by the generation itself. The hang being a race,
// this test fails only sometimes when it comes back; every run of it checks that the shares agree.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const CHILD = fileURLToPath(new URL('./fixtures/x25519-generations.ts', import.meta.url));
const GENERATIONS = 150_000;

it(`makes ${GENERATIONS} X25519 key shares in one process without hanging, each pair agreeing`, async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, String(GENERATIONS)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  child.stderr.on('data', (d: Buffer) => (err += d));
  // A hang never ends; a busy machine only takes longer (about 15 s here with the CPU shared): a generous limit.
  const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  expect(err).toBe('');
  expect({ code, out: out.trim() }).toEqual({ code: 0, out: String(GENERATIONS) });
}, 160_000);
