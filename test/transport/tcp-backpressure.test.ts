// The TCP transport's backpressure (src/transport/tcp.ts): a write that leaves more than the transport lets wait in
// its socket waits for the peer to read; it goes on once the peer reads, and fails once the socket closes. Against a
// real TCP server on loopback that stops reading.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connectTcp } from '../../src/transport/tcp.ts';
import type { Transport } from '../../src/transport/types.ts';

const servers: net.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** A server whose one connection does not read until told to. */
async function stalledServer(): Promise<{ port: number; peer: Promise<net.Socket> }> {
  let accepted!: (s: net.Socket) => void;
  const peer = new Promise<net.Socket>((r) => (accepted = r));
  const server = net.createServer((s) => {
    s.pause();
    s.on('error', () => {});
    accepted(s);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as net.AddressInfo).port, peer };
}

const outcome = (p: Promise<unknown>, ms: number) =>
  Promise.race([p.then(() => 'written', (e: Error) => `failed: ${e.message}`), new Promise((r) => setTimeout(() => r('waiting'), ms))]);

// More than the socket and the kernel's loopback buffers take before the peer reads.
const BIG = new Uint8Array(32 << 20);

describe('the TCP transport under backpressure', () => {
  it('waits while the peer does not read, and goes on once it does', async () => {
    const { port, peer } = await stalledServer();
    const t: Transport = await connectTcp('127.0.0.1', port);
    const writes = [t.write(BIG), t.write(BIG.subarray(0, 1000))];
    expect(await outcome(writes[0], 300)).toBe('waiting');
    expect(await outcome(writes[1], 50)).toBe('waiting');
    const s = await peer;
    let got = 0;
    s.on('data', (d: Buffer) => void (got += d.length));
    s.resume();
    expect(await outcome(Promise.all(writes), 10_000)).toBe('written');
    await t.close();
    expect(got).toBeGreaterThan(0);
  });

  it('fails the waiting writes when the socket closes', async () => {
    const { port, peer } = await stalledServer();
    const t = await connectTcp('127.0.0.1', port);
    const waiting = t.write(BIG);
    expect(await outcome(waiting, 300)).toBe('waiting');
    (await peer).destroy();
    expect(await outcome(waiting, 5000)).toBe('failed: socket closed');
    await expect(t.write(Uint8Array.of(1))).rejects.toThrow('socket closed');
  });
});
