// One test PKI per test file: made before its tests run, its temp dir removed after them.
import fs from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import { makePki, type TestPki } from '../tls/helpers.ts';

/** Call at the top of a test file; the returned object is filled in once the file's tests start. */
export function usePki(): TestPki {
  const pki = {} as TestPki;
  beforeAll(() => {
    Object.assign(pki, makePki());
  });
  // Registered first, so with vitest's stacked hooks it runs after the file's other afterAll hooks.
  afterAll(() => fs.rmSync(pki.dir, { recursive: true, force: true }));
  return pki;
}
