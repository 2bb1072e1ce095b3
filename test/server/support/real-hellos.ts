// Real ClientHellos, recorded from the real clients installed here (OpenSSL's s_client, GnuTLS's gnutls-cli):
// a raw listener on 127.0.0.1 keeps the first TLS record each client sends, then hangs up.
import { spawn } from 'node:child_process';
import net from 'node:net';

export async function recordClientHello(command: string, args: (port: number) => string[]): Promise<Uint8Array> {
  let got: (b: Uint8Array) => void = () => undefined;
  const hello = new Promise<Uint8Array>((resolve) => (got = resolve));
  const server = net.createServer((socket) => {
    let buf = Buffer.alloc(0);
    socket.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 5 && buf.length >= 5 + buf.readUInt16BE(3)) {
        got(new Uint8Array(buf.subarray(0, 5 + buf.readUInt16BE(3))));
        socket.destroy();
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const child = spawn(command, args(port), { stdio: ['pipe', 'ignore', 'ignore'] });
  const timer = setTimeout(() => got(new Uint8Array(0)), 10_000);
  try {
    const record = await hello;
    if (record.length === 0) throw new Error(`${command} sent no ClientHello`);
    return record;
  } finally {
    clearTimeout(timer);
    child.kill('SIGKILL');
    await new Promise<void>((r) => server.close(() => r()));
  }
}

export const openSslHello = () => recordClientHello('openssl', (port) => ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost']);
export const gnutlsHello = () => recordClientHello('gnutls-cli', (port) => ['--insecure', '-p', String(port), '127.0.0.1']);
