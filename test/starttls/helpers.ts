// Shared steps of the STARTTLS tests: run the preamble, finish TLS with Node's own tls, re-read capabilities.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import type { PreambleEvent, TraceEvent } from '../../src/trace/types.ts';
import { runStartTls, StartTlsError, type StartTlsOptions, type StartTlsProtocol } from '../../src/starttls/index.ts';
import { connectTransport, nodeTls, tlsByteStream } from '../support/net.ts';
import { makeCert } from '../support/certs.ts';

export function testCert() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-lens-starttls-cert-'));
  const c = makeCert(dir);
  return { tlsCert: c.cert, tlsKey: c.key, certPem: c.certPem, keyPem: c.keyPem, dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export function preambles(events: TraceEvent[]): PreambleEvent[] {
  return events.filter((e): e is PreambleEvent => e.kind === 'preamble');
}

/** The whole path: preamble, Node TLS over the handed-back transport, capabilities after TLS. */
/** `trust`: the PEM certificate the server must present (checked by Node, host name localhost). */
export async function startTlsEndToEnd(protocol: StartTlsProtocol, port: number, options: StartTlsOptions = {}, trust?: string) {
  const recorder = new TraceRecorder();
  const transport = await connectTransport(port);
  const result = await runStartTls(protocol, transport, recorder.emit, { timeoutMs: 5000, ...options });
  const tls = await nodeTls(result.transport, {
    ...(result.alpn && { ALPNProtocols: result.alpn }),
    ...(trust && { ca: trust, rejectUnauthorized: true, servername: 'localhost' }),
  });
  try {
    const { capabilitiesAfter } = await result.afterTls(tlsByteStream(tls));
    return { recorder, result, capabilitiesAfter, tlsProtocol: tls.getProtocol(), cipher: tls.getCipher().name };
  } finally {
    tls.destroy();
    await result.transport.close();
  }
}

/** Run the preamble and return the StartTlsError it fails with (the test fails if it does not fail). */
export async function expectStartTlsError(protocol: StartTlsProtocol, port: number, options: StartTlsOptions = {}) {
  const recorder = new TraceRecorder();
  const transport = await connectTransport(port);
  try {
    await runStartTls(protocol, transport, recorder.emit, { timeoutMs: 5000, ...options });
  } catch (e) {
    if (!(e instanceof StartTlsError)) throw e;
    return { error: e, recorder };
  }
  throw new Error('expected runStartTls to fail');
}

/**
 * The product path: the preamble, then the project's own TLS engine (src/tls/client.ts) over the handed-back
 * transport, then the capabilities over the engine's connection; one trace holds all three.
 */
export async function startTlsWithEngine(protocol: StartTlsProtocol, port: number, options: StartTlsOptions = {}) {
  const { connectTls } = await import('../../src/tls/client.ts');
  const recorder = new TraceRecorder();
  const transport = await connectTransport(port);
  const result = await runStartTls(protocol, transport, recorder.emit, { timeoutMs: 5000, ...options });
  // Certificate checks are the x509 module's business: here the trace only has to show the handshake.
  const conn = await connectTls(result.transport, { serverName: 'localhost', insecure: true, alpn: result.alpn, timeoutMs: 10_000 }, recorder.emit);
  try {
    const { capabilitiesAfter } = await result.afterTls(conn);
    return { recorder, result, capabilitiesAfter };
  } finally {
    await conn.close().catch(() => undefined);
  }
}
