// What a lab TLS server does with application data: answer an HTTP request with a short
// plain-text report of the connection (so a person sees what the server saw), echo anything else.
import type { TLSSocket } from 'node:tls';

const HTTP_REQUEST = /^(GET|HEAD|POST|PUT|OPTIONS) \S+ HTTP\/1\.[01]\r?\n/;

export function describeConnection(socket: TLSSocket, scenarioId: string): string {
  const peer = socket.getPeerCertificate();
  const clientCert = peer && Object.keys(peer).length > 0 ? `${peer.subject?.CN ?? '(no CN)'} (${socket.authorized ? 'verified' : `not verified: ${socket.authorizationError}`})` : 'none';
  return [
    `TLS Lens lab scenario: ${scenarioId}`,
    `protocol: ${socket.getProtocol()}`,
    `cipher: ${socket.getCipher()?.standardName ?? 'unknown'}`,
    `session resumed: ${socket.isSessionReused() ? 'yes' : 'no'}`,
    `client certificate: ${clientCert}`,
    '',
  ].join('\n');
}

/** Reply to one request; `beforeReply` may delay the answer (renegotiation). */
export function attachResponder(socket: TLSSocket, scenarioId: string, beforeReply?: (done: () => void) => void): void {
  let pending = Buffer.alloc(0);
  let first = true;
  socket.on('data', (chunk: Buffer) => {
    const reply = () => {
      pending = Buffer.concat([pending, chunk]);
      const text = pending.toString('latin1');
      if (HTTP_REQUEST.test(text)) {
        if (!text.includes('\r\n\r\n') && !text.includes('\n\n')) return; // wait for the whole head
        const body = describeConnection(socket, scenarioId);
        const head = text.startsWith('HEAD ') ? '' : body;
        socket.end(`HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${head}`);
        pending = Buffer.alloc(0);
        return;
      }
      // Not (the start of) an HTTP request: echo whatever came.
      if (pending.length >= 16 || !/^[A-Z]*$/.test(text)) {
        socket.write(pending);
        pending = Buffer.alloc(0);
      }
    };
    if (first && beforeReply) {
      first = false;
      socket.pause();
      beforeReply(() => {
        socket.resume();
        reply();
      });
    } else {
      first = false;
      reply();
    }
  });
  socket.on('error', () => socket.destroy());
}
