// Scripted servers for hostile and edge cases that real servers do not produce: each gets the socket and
// the lines it receives, and records everything the client sent (to check that nothing was pipelined).
import net from 'node:net';
import tls from 'node:tls';

export interface ScriptedConnection {
  socket: net.Socket;
  /** Every chunk the client sent, in order, as received. */
  received: Buffer[];
  write(text: string | Uint8Array): void;
  /** Upgrade this connection to TLS as the server (after a go-ahead), resolving to the TLS socket. */
  startTls(cert: { certPem: string; keyPem: string; alpn?: string[] }): Promise<tls.TLSSocket>;
}

export interface ScriptedServer {
  port: number;
  connections: ScriptedConnection[];
  stop(): Promise<void>;
}

/**
 * A TCP server on 127.0.0.1. `onConnect` runs first; `onLine` for each CRLF/LF line (raw mode: `onData`
 * with each chunk instead). Lines stop being split once startTls was called.
 */
export async function startScriptedServer(script: {
  onConnect?: (c: ScriptedConnection) => void;
  onLine?: (line: string, c: ScriptedConnection) => void;
  onData?: (data: Buffer, c: ScriptedConnection) => void;
}): Promise<ScriptedServer> {
  const connections: ScriptedConnection[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let upgraded = false;
    let pending = '';
    const c: ScriptedConnection = {
      socket,
      received: [],
      write: (data) => {
        if (!socket.destroyed) socket.write(data);
      },
      startTls: ({ certPem, keyPem, alpn }) => {
        upgraded = true;
        socket.removeAllListeners('data');
        return new Promise((resolve, reject) => {
          const secure = new tls.TLSSocket(socket, { isServer: true, cert: certPem, key: keyPem, ALPNProtocols: alpn });
          secure.once('secure', () => resolve(secure));
          secure.once('error', reject);
        });
      },
    };
    connections.push(c);
    socket.on('data', (data: Buffer) => {
      if (upgraded) return;
      c.received.push(data);
      if (script.onData) return script.onData(data, c);
      pending += data.toString('latin1');
      for (let i = pending.indexOf('\n'); i >= 0 && !upgraded; i = pending.indexOf('\n')) {
        const line = pending.slice(0, i).replace(/\r$/, '');
        pending = pending.slice(i + 1);
        script.onLine?.(line, c);
      }
    });
    script.onConnect?.(c);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    connections,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Lines that read over a TLS socket, for scripted servers after the upgrade. */
export function onTlsLines(secure: tls.TLSSocket, onLine: (line: string) => void): void {
  let pending = '';
  secure.on('data', (d: Buffer) => {
    pending += d.toString('latin1');
    for (let i = pending.indexOf('\n'); i >= 0; i = pending.indexOf('\n')) {
      const line = pending.slice(0, i).replace(/\r$/, '');
      pending = pending.slice(i + 1);
      onLine(line);
    }
  });
  secure.on('error', () => undefined);
}
