// Real 0-RTT traces for the API views' tests: our client and our server in memory (real crypto, nothing mocked), a
// first connection for a ticket that allows early data, then a resumption carrying early data that the server
// accepts, or refuses because it is not set up for it, or because the ticket was already used (a replay).
import { connectTls, type TlsClientOptions } from '../../src/tls/client.ts';
import type { Tls13Session } from '../../src/tls/handshake/options.ts';
import { acceptTls, TicketKeys, type ServerOptions } from '../../src/tls/server.ts';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import type { TraceEvent } from '../../src/trace/types.ts';
import { memoryPair } from '../../src/transport/memory.ts';
import { utf8 } from '../../src/util/bytes.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import { BOTH_SIDES_HOST, makeThrowawayPki, type ThrowawayPki } from '../../src/ui/both-sides/pki.ts';

/** max_early_data_size the server's tickets announce in these runs: not OpenSSL's 16384, so a test sees it is read. */
export const TICKET_EARLY_DATA = 4096;
export const EARLY_TEXT = 'GET / early';

export interface EarlyDataRun {
  client: TraceEvent[];
  server: TraceEvent[];
}

async function connectPair(pki: ThrowawayPki, server: Partial<ServerOptions>, client: Partial<TlsClientOptions>) {
  const [c, s] = memoryPair();
  const traces = { client: new TraceRecorder(() => 0), server: new TraceRecorder(() => 0) };
  const certificate = { chain: pki.server.chain, key: pki.server.key, keyAlgorithm: 'ECDSA P-256' };
  const [sc, cc] = await Promise.all([
    acceptTls(s, { certificates: [certificate], recorder: traces.server.emit, timeoutMs: 10_000, ...server }),
    connectTls(c, { serverName: BOTH_SIDES_HOST, verifier: createVerifier({ anchors: [pki.rootDer] }), timeoutMs: 10_000, ...client }, traces.client.emit),
  ]);
  return { sc, cc, traces };
}

/** One resumption with early data: the server reads what it is sent, writes a line and closes; the client reads to the end. */
async function resumeWithEarlyData(pki: ThrowawayPki, server: Partial<ServerOptions>, session: Tls13Session): Promise<EarlyDataRun> {
  const { sc, cc, traces } = await connectPair(pki, server, { session, earlyData: utf8.encode(EARLY_TEXT) });
  await sc.read();
  await sc.write(utf8.encode('hello\n'));
  await sc.close();
  while ((await cc.read()) !== null);
  return { client: traces.client.events, server: traces.server.events };
}

export interface EarlyDataRuns {
  accepted: EarlyDataRun;
  /** The server takes no early data (acceptEarlyData off): no early_data in EncryptedExtensions, the record skipped. */
  notSetUp: EarlyDataRun;
  /** The accepted run's ticket offered again: the server refuses its early data (RFC 8446 §8.1). */
  replayed: EarlyDataRun;
}

export async function recordEarlyDataRuns(): Promise<EarlyDataRuns> {
  const pki = await makeThrowawayPki('good');
  const ticketKeys = new TicketKeys();
  const first = await connectPair(pki, { ticketKeys, maxEarlyData: TICKET_EARLY_DATA, numTickets: 1 }, {});
  const session = (first.cc.session ?? (await first.cc.waitForSession(5000))) as Tls13Session;
  await first.cc.close();
  const accepting = { ticketKeys, maxEarlyData: TICKET_EARLY_DATA, acceptEarlyData: true, numTickets: 1 };
  const accepted = await resumeWithEarlyData(pki, accepting, session);
  const replayed = await resumeWithEarlyData(pki, accepting, session);
  const notSetUp = await resumeWithEarlyData(pki, { ticketKeys, numTickets: 1 }, session);
  return { accepted, notSetUp, replayed };
}
