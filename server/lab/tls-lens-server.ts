// A lab scenario served by our own TLS server engine (acceptTls, src/tls/server.ts) under the node:crypto provider,
// as `tls-lens serve` runs it: for what Node's tls cannot do, TLS 1.3 0-RTT early data. One ticket key set for the
// scenario's life, so a ticket from one Connect opens on the next (and its early data is taken once, RFC 8446 §8.1).
import net from 'node:net';
import { useNodeHost } from '../../src/cli/node-host.ts';
import { DEFAULT_MAX_EARLY_DATA } from '../../src/tls/server/options.ts';
import { acceptTls, TicketKeys, type ServerConnection, type ServerOptions } from '../../src/tls/server.ts';
import { socketTransport } from '../../src/transport/tcp.ts';
import { pemToDer } from '../../src/x509/pem.ts';
import { readPrivateKeyPem } from '../../src/x509/private-key.ts';
import { answerFor, earlyDataLine, isHttpRequestStart, mayBecomeHttpRequest, requestHeadComplete } from './early-data-answer.ts';
import type { LabPki } from './pki.ts';
import type { RunningServer } from './running-server.ts';
import { listenTcp } from './running-server.ts';
import type { TlsLensSpec } from './scenarios.ts';

/** A client that stays silent this long, or a handshake that takes longer, is let go. */
const IDLE_MS = 30_000;
/** What the server keeps of a request before it answers anyway. */
const MAX_REQUEST_BYTES = 16 * 1024;

export async function startTlsLensScenario(spec: TlsLensSpec, pki: LabPki, address: string): Promise<RunningServer> {
  // The same host set-up as `serve` (node:crypto); the lab's process runs no other engine.
  useNodeHost();
  const leaf = pki.leaves.good;
  const options: ServerOptions = {
    certificates: [{ chain: pemToDer(leaf.cert + pki.intermediate.cert), key: readPrivateKeyPem(leaf.key).pkcs8 }],
    versions: ['TLS1.3'],
    ticketKeys: new TicketKeys(),
    acceptEarlyData: true,
    maxEarlyData: DEFAULT_MAX_EARLY_DATA,
    timeoutMs: IDLE_MS,
    writeTimeoutMs: IDLE_MS,
  };
  const server = net.createServer({ noDelay: true }, (socket) => {
    socket.setTimeout(IDLE_MS, () => socket.destroy());
    socket.on('error', () => socket.destroy());
    // A client that fails the handshake or hangs up is the scenario working, not a lab error.
    void serveOne(socket, options, spec.id).catch(() => undefined).finally(() => socket.destroy());
  });
  return listenTcp(server, address);
}

/** One client: the handshake, then an answer to what it sends (its early data comes first from read()). */
async function serveOne(socket: net.Socket, options: ServerOptions, scenarioId: string): Promise<void> {
  const connection = await acceptTls(socketTransport(socket), options);
  const facts = { scenarioId, summary: connection.summary, earlyData: 'earlyData' in connection ? connection.earlyData : null };
  // One decoder for the connection: a character split across two records is read whole.
  const decoder = new TextDecoder();
  let pending = '';
  let answered = false;
  for (;;) {
    const data = await connection.read();
    if (data === null) break;
    pending += decoder.decode(data, { stream: true });
    if (!answered && isHttpRequestStart(pending)) {
      if (!requestHeadComplete(pending) && pending.length < MAX_REQUEST_BYTES) continue;
      await write(connection, answerFor(pending, facts));
      break;
    }
    if (!answered && mayBecomeHttpRequest(pending)) continue;
    // Anything else is echoed, after a first line saying what came as early data.
    if (!answered) await write(connection, `${earlyDataLine(facts)}\n`);
    answered = true;
    await write(connection, pending);
    pending = '';
  }
  await connection.close();
}

function write(connection: ServerConnection, text: string): Promise<void> {
  return connection.write(new TextEncoder().encode(text));
}
