// The browser build carries exactly one crypto provider, WebCrypto's: node:crypto (src/crypto/node-provider.ts, for
// Node hosts) must never reach the page or its Worker. Checked on the `vite build` output Playwright serves.
import { expect, test } from '@playwright/test';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

const DIST = path.resolve('dist');

async function scripts(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && /\.(m?js)$/.test(e.name)).map((e) => path.join(e.parentPath, e.name));
}

test('no chunk of the page or the Worker imports node:crypto; the WebCrypto provider is there', async () => {
  const files = await scripts(DIST);
  expect(files.length).toBeGreaterThan(1);
  let webCrypto = 0;
  for (const file of files) {
    const text = await readFile(file, 'utf8');
    expect(text, path.relative(DIST, file)).not.toMatch(/node:crypto|createCipheriv|randomFillSync/);
    // The WebCrypto provider's ChaCha20-Poly1305 key import is a string no bundler can rename.
    if (text.includes('raw-secret')) webCrypto++;
  }
  expect(webCrypto).toBeGreaterThan(0);
});
