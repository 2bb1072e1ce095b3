// Test plumbing between Node sockets and the project's Transport interface.
import net from 'node:net';
import tls from 'node:tls';
import { Duplex } from 'node:stream';
import type { Transport } from '../../src/transport/types.ts';
import { connectTcp, socketTransport } from '../../src/transport/tcp.ts';

/** A free TCP port on 127.0.0.1 (asked from the OS, then released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Wait until something accepts TCP connections on the port. */
export async function waitForPort(port: number, timeoutMs = 15_000, host = '127.0.0.1'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ port, host });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The project's own TCP transport to a local port. */
export function connectTransport(port: number, host = '127.0.0.1'): Promise<Transport> {
  return connectTcp(host, port, { timeoutMs: 5000 });
}

/** A Node Duplex over a Transport, so that Node's own TLS can run over what the STARTTLS layer hands back. */
export function transportDuplex(t: Transport): Duplex {
  let reading = false;
  return new Duplex({
    read() {
      if (reading) return;
      reading = true;
      t.read().then(
        (chunk) => {
          reading = false;
          this.push(chunk ? Buffer.from(chunk) : null);
        },
        (e) => this.destroy(e),
      );
    },
    write(chunk: Buffer, _enc, cb) {
      t.write(new Uint8Array(chunk)).then(() => cb(), cb);
    },
    final(cb) {
      t.close().then(() => cb(), cb);
    },
  });
}

/** Complete a TLS handshake with Node's tls over the transport. Accepts self-signed certificates (test only). */
export async function nodeTls(t: Transport, options: tls.ConnectionOptions = {}): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ socket: transportDuplex(t) as unknown as net.Socket, rejectUnauthorized: false, servername: 'localhost', ...options }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** The read/write pair afterTls wants, over a TLS socket. */
export function tlsByteStream(socket: tls.TLSSocket): Transport {
  return socketTransport(socket);
}
