// TCP transport for Node (the CLI, tests, benchmarks). Never imported by the engine core.
import net from 'node:net';
import type { Transport } from './types.ts';

export class TransportError extends Error {
  constructor(
    readonly code: 'CONNECT_FAILED' | 'TIMEOUT',
    message: string,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

/** The usual reasons a connection is not made, in words, with the system's code after them for those who know it. */
const SOCKET_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'nothing accepts connections on that port (connection refused)',
  ENOTFOUND: 'no address is known for that name (the name does not resolve)',
  EAI_AGAIN: 'the name could not be looked up just now (DNS did not answer)',
  EHOSTUNREACH: 'there is no route to that host',
  ENETUNREACH: 'there is no route to that network',
  ECONNRESET: 'the other side reset the connection',
  ETIMEDOUT: 'the connection attempt timed out',
  EADDRNOTAVAIL: 'that address cannot be used from this machine',
};

/**
 * A socket error in words: "nothing accepts connections on that port (connection refused) [ECONNREFUSED]"; one
 * without words here is said by its message (or, lacking one, its code). Also for the `cause` of a failed fetch.
 */
export function socketErrorWords(e: { code?: string; message?: string }): string {
  const words = e.code ? SOCKET_ERRORS[e.code] : undefined;
  return words ? `${words} [${e.code}]` : e.message || e.code || 'the connection failed';
}

/** Open a TCP connection. Rejects with TransportError CONNECT_FAILED / TIMEOUT. */
export function connectTcp(host: string, port: number, opts: { timeoutMs?: number } = {}): Promise<Transport> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    socket.setNoDelay(true);
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          socket.destroy();
          reject(new TransportError('TIMEOUT', `no TCP connection to ${host}:${port} within ${opts.timeoutMs} ms`));
        }, opts.timeoutMs)
      : undefined;
    socket.once('error', (e) => {
      clearTimeout(timer);
      reject(new TransportError('CONNECT_FAILED', `cannot connect to ${host}:${port}: ${socketErrorWords(e)}`));
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socketTransport(socket));
    });
  });
}

/**
 * Bytes a transport lets wait in its socket's buffer before a write waits for it to drain: room for several
 * full records (16 KiB each) in one turn, gathered into one system call.
 */
const WRITE_BUFFER = 128 * 1024;

/** Wrap a connected socket as a Transport: a queue of received chunks, end as null, errors as rejections. */
export function socketTransport(socket: net.Socket): Transport {
  const chunks: Uint8Array[] = [];
  const waiting: { resolve: (c: Uint8Array | null) => void; reject: (e: Error) => void }[] = [];
  let ended = false;
  let failure: Error | null = null;
  /** Writes waiting for the socket's buffer to drain: one 'drain' listener for all of them, rather than a 'drain' and
   * a 'close' listener added and removed for each write of a long transfer. */
  let draining: { resolve: () => void; reject: (e: Error) => void }[] = [];
  const drained = (settle: (w: (typeof draining)[number]) => void) => {
    const waiters = draining;
    draining = [];
    for (const w of waiters) settle(w);
  };
  socket.on('drain', () => drained((w) => w.resolve()));
  socket.on('data', (data: Buffer) => {
    const chunk = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const w = waiting.shift();
    if (w) w.resolve(chunk);
    else chunks.push(chunk);
  });
  socket.on('end', () => {
    ended = true;
    for (const w of waiting.splice(0)) w.resolve(null);
  });
  socket.on('error', (e) => {
    failure = e;
    for (const w of waiting.splice(0)) w.reject(e);
  });
  socket.on('close', () => {
    ended = true;
    for (const w of waiting.splice(0)) w.resolve(null);
    drained((w) => w.reject(new Error('socket closed')));
  });
  let corked = false;
  const uncork = () => {
    corked = false;
    socket.uncork();
  };
  return {
    write(data) {
      return new Promise((resolve, reject) => {
        if (socket.destroyed || socket.writableEnded) return reject(new Error('socket closed'));
        // Writes made in one turn of the event loop (the records of several queued writes) leave together, in
        // one writev system call, instead of one call per record.
        if (!corked) {
          corked = true;
          socket.cork();
          process.nextTick(uncork);
        }
        // Handed to the stream: done, unless more than WRITE_BUFFER waits in it, then wait for it to drain
        // (backpressure). A failed write also destroys the socket, which the next read or write reports.
        socket.write(data);
        if (socket.writableLength <= WRITE_BUFFER) return resolve();
        draining.push({ resolve, reject });
      });
    },
    read() {
      const c = chunks.shift();
      if (c) return Promise.resolve(c);
      if (failure) return Promise.reject(failure);
      if (ended) return Promise.resolve(null);
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
    async close() {
      if (socket.destroyed) return;
      // Give the FIN a moment, then release the socket either way.
      setTimeout(() => socket.destroy(), 200).unref();
      if (socket.writableFinished) return;
      // Resolves once the FIN is out. Node sends it from its event loop, so without this wait it would leave only
      // when the caller next goes idle (for the CLI, after the result is printed) and the peer's own close would
      // start that much later, while the process waits for it to end.
      await new Promise<void>((resolve) => {
        socket.once('finish', resolve).once('close', resolve);
        socket.end();
      });
    },
  };
}
