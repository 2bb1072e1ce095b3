// The WebSocket transport (src/transport/websocket.ts) in Node against the real bridge: plaintext
// in both directions, a clean end of stream, refusals turned into plain words, and writes larger
// than the bridge's message cap split into frames it accepts.
import { expect, test } from '@playwright/test';
import WebSocket from 'ws';
import { BridgeClosedError, MAX_FRAME_BYTES, WebSocketTransport, type WebSocketFactory, type WebSocketLike } from '../src/transport/websocket.ts';
import { BRIDGE_SUBPROTOCOL } from '../src/transport/bridge-protocol.ts';

function bridge(baseURL: string, query: string): { url: string; factory: WebSocketFactory } {
  const origin = new URL(baseURL).origin;
  const url = `${origin.replace(/^http/, 'ws')}/bridge?${query}`;
  // The bridge only serves pages of its own origin; a Node client says which page it stands for.
  const factory: WebSocketFactory = (u, p) => new WebSocket(u, p, { origin }) as unknown as WebSocketLike;
  return { url, factory };
}

async function readText(t: WebSocketTransport, until: RegExp): Promise<string> {
  let text = '';
  while (!until.test(text)) {
    const chunk = await t.read();
    if (chunk === null) break;
    text += new TextDecoder().decode(chunk);
  }
  return text;
}

test('plaintext both ways through the bridge, then a clean end of stream', async ({ baseURL }) => {
  const { url, factory } = bridge(baseURL!, 'scenario=smtp-starttls');
  const t = await WebSocketTransport.open(url, { protocols: BRIDGE_SUBPROTOCOL, factory });
  expect(t.protocol).toBe(BRIDGE_SUBPROTOCOL);
  expect(await readText(t, /^220 .*\r\n/m)).toMatch(/^220 /);
  await t.write(new TextEncoder().encode('QUIT\r\n'));
  expect(await readText(t, /^221 .*\r\n/m)).toMatch(/^221 /);
  // The server hangs up after QUIT: the bridge closes normally and read() says "end of stream".
  await expect.poll(async () => t.read(), { timeout: 10_000 }).toBeNull();
});

for (const [query, words, code] of [
  ['target=10.1.2.3%3A443', /refused this target: 10\.1\.2\.3 is a private network address/, 4403],
  ['scenario=no-such-scenario', /no lab scenario with that id/, 4404],
  ['target=not%20a%20target', /did not understand the target/, 4400],
] as const) {
  test(`a refusal becomes a plain-words error: ${query}`, async ({ baseURL }) => {
    const { url, factory } = bridge(baseURL!, query);
    let error: unknown;
    try {
      const t = await WebSocketTransport.open(url, { protocols: BRIDGE_SUBPROTOCOL, factory });
      await t.read();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BridgeClosedError);
    expect((error as BridgeClosedError).code).toBe(code);
    expect((error as Error).message).toMatch(words);
  });
}

test('a write larger than the bridge message cap goes out in frames it accepts', async ({ baseURL }) => {
  const { url, factory } = bridge(baseURL!, 'scenario=smtp-starttls');
  const t = await WebSocketTransport.open(url, { protocols: BRIDGE_SUBPROTOCOL, factory });
  await readText(t, /^220 .*\r\n/m);
  // 3.5 frames of NOOP commands: a single frame this size would make the bridge close with 1009.
  const line = 'NOOP\r\n';
  const big = new TextEncoder().encode(line.repeat(Math.ceil((MAX_FRAME_BYTES * 3.5) / line.length)));
  expect(big.length).toBeGreaterThan(3 * MAX_FRAME_BYTES);
  await t.write(big);
  await t.write(new TextEncoder().encode('QUIT\r\n'));
  const replies = await readText(t, /^221 /m);
  expect(replies).toMatch(/^250 /m);
  expect(replies).toMatch(/^221 /m);
  await t.close();
});
