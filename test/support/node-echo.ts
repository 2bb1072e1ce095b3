// Node's own TLS server (OpenSSL inside Node) as an echo peer for interop tests, and the echo check itself.
import fs from 'node:fs';
import type net from 'node:net';
import tls from 'node:tls';
import { expect } from 'vitest';
import { utf8 } from '../../src/util/bytes.ts';
import type { TestPki } from '../tls/helpers.ts';

/** Echo servers started by one test file; closeAll() ends their connections too, so close() does not wait on them. */
export function nodeEchoServers() {
  const servers: tls.Server[] = [];
  const sockets = new Set<net.Socket>();
  return {
    /** A server with the PKI's P-256 leaf echoing every byte; `onSecure` sees each connection once its handshake is done. */
    async start(pki: TestPki, opts: tls.TlsOptions, onSecure: (s: tls.TLSSocket) => void = () => undefined): Promise<number> {
      const server = tls.createServer({ key: fs.readFileSync(pki.leafKey), cert: fs.readFileSync(pki.leafCert), ...opts }, (s) => {
        onSecure(s);
        s.on('error', () => undefined);
        s.pipe(s);
      });
      server.on('tlsClientError', () => undefined);
      server.on('connection', (socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      servers.push(server);
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      return (server.address() as net.AddressInfo).port;
    },
    async closeAll(): Promise<void> {
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    },
  };
}

/** Write `text` and expect the same text back. */
export async function expectEcho(conn: { write(data: Uint8Array): Promise<void>; read(): Promise<Uint8Array | null> }, text: string): Promise<void> {
  await conn.write(utf8.encode(text));
  let got = '';
  while (got.length < text.length) got += utf8.decode((await conn.read())!);
  expect(got).toBe(text);
}
