// The TCP transport's close: it resolves once our FIN has left (Node sends it from its event loop), so work the
// caller does next (the CLI prints its result) overlaps with the peer's own close instead of delaying our FIN.
// It still resolves when the peer hung up first, when called twice, and on a socket already destroyed.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connectTcp, socketTransport } from '../../src/transport/tcp.ts';

const servers: net.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** A TCP server on 127.0.0.1 that records, per connection, the bytes and the FIN it received. */
async function listen(onConnection: (s: net.Socket) => void = () => undefined) {
  const seen: { data: string; ended: Promise<void> }[] = [];
  const server = net.createServer((s) => {
    const entry = { data: '', ended: new Promise<void>((r) => s.once('end', r)) };
    seen.push(entry);
    s.on('data', (d) => (entry.data += d.toString()));
    s.on('error', () => undefined);
    onConnection(s);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as net.AddressInfo).port, seen };
}

describe('tcp transport close', () => {
  it('resolves only once the FIN has been handed to the kernel, after the bytes written before it', async () => {
    const { port, seen } = await listen();
    const socket = net.connect({ host: '127.0.0.1', port });
    await new Promise((r) => socket.once('connect', r));
    const transport = socketTransport(socket);
    await transport.write(new TextEncoder().encode('last record'));
    await transport.close();
    // Before the caller goes idle: the stream has finished, i.e. Node's shutdown (the FIN) is done.
    expect(socket.writableFinished).toBe(true);
    await seen[0].ended;
    expect(seen[0].data).toBe('last record');
  });

  it('resolves when the peer has already closed, when called twice, and after the socket is gone', async () => {
    const { port } = await listen((s) => s.destroy());
    const transport = await connectTcp('127.0.0.1', port, { timeoutMs: 5000 });
    // The server hangs up at once: reads end, then closing still resolves (no FIN wait on a dead socket).
    expect(await transport.read()).toBeNull();
    await Promise.all([transport.close(), transport.close()]);
    await transport.close();
  });
});
