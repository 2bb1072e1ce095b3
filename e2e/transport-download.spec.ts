// The bridge's HTTP download in Chromium (src/transport/websocket.ts, server/bridge/relay.ts): the transport runs
// in the app's page, talks to the lab's SMTP server through the bridge, and sends so many NOOPs that the replies
// pass the point where the download takes over. Every reply must arrive, whole and in order, and the last ones
// through the download; then QUIT ends the session cleanly.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { expect, test } from '@playwright/test';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const NOOPS = 20_000;

test('a long answer moves to the download in Chromium, every byte in order', async ({ page }) => {
  const built = await esbuild.build({
    stdin: {
      contents: `import { WebSocketTransport, DOWNLOAD_AFTER_BYTES } from './src/transport/websocket.ts';
        import { BRIDGE_SUBPROTOCOL } from './src/transport/bridge-protocol.ts';
        window.transportTest = { WebSocketTransport, DOWNLOAD_AFTER_BYTES, BRIDGE_SUBPROTOCOL };`,
      resolveDir: ROOT,
      loader: 'ts',
    },
    bundle: true,
    format: 'esm',
    write: false,
    absWorkingDir: path.resolve(ROOT),
  });
  await page.goto('/');
  await page.addScriptTag({ content: built.outputFiles[0].text, type: 'module' });
  await page.waitForFunction(() => 'transportTest' in window);
  const r = await page.evaluate(async (noops) => {
    const { WebSocketTransport, DOWNLOAD_AFTER_BYTES, BRIDGE_SUBPROTOCOL } = (window as unknown as { transportTest: typeof import('../src/transport/websocket.ts') & { BRIDGE_SUBPROTOCOL: string } }).transportTest;
    const t = await WebSocketTransport.open(`${location.origin.replace('http', 'ws')}/bridge?scenario=smtp-starttls`, { protocols: BRIDGE_SUBPROTOCOL });
    const decoder = new TextDecoder();
    let text = '';
    const readUntil = async (re: RegExp) => {
      while (!re.test(text)) {
        const chunk = await t.read();
        if (!chunk) break;
        text += decoder.decode(chunk, { stream: true });
      }
    };
    await readUntil(/^220 .*\r\n/m);
    await t.write(new TextEncoder().encode('NOOP\r\n'.repeat(noops) + 'QUIT\r\n'));
    await readUntil(/^221 .*\r\n/m);
    const end = await t.read();
    return { text, viaAtEnd: t.receivedVia, after: DOWNLOAD_AFTER_BYTES, endOfStream: end === null };
  }, NOOPS);
  const lines = r.text.split('\r\n').filter(Boolean);
  expect(lines[0]).toMatch(/^220 /);
  const oks = lines.filter((l) => /^250 /.test(l));
  expect(oks).toHaveLength(NOOPS);
  expect(lines[lines.length - 1]).toMatch(/^221 /);
  expect(lines).toHaveLength(NOOPS + 2);
  expect(r.text.length).toBeGreaterThan(2 * r.after);
  expect(r.viaAtEnd).toBe('download');
  expect(r.endOfStream).toBe(true);
});
