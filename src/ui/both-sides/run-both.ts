// Runs our client against our server over an in-memory pair (src/transport/memory.ts), as a both-sides request
// asks: a throwaway PKI, the server's options, then what the server does once the handshake is done. Each side
// records into its own trace. Used by the both-sides worker; runs the same in Node (tests).
import { connectTls, type TlsConnection } from '../../tls/client.ts';
import { acceptTls, type ServerConnection, type ServerOptions } from '../../tls/server.ts';
import type { GroupName } from '../../tls/suites.ts';
import type { TraceRecorder } from '../../trace/recorder.ts';
import { memoryPair } from '../../transport/memory.ts';
import type { Transport } from '../../transport/types.ts';
import { createVerifier } from '../../x509/verifier.ts';
import { BOTH_SIDES_HOST, makeThrowawayPki } from './pki.ts';
import type { BothSidesRequest, Side, SideOutcome } from '../../worker/both-sides-messages.ts';

const TIMEOUT_MS = 15_000;

export interface BothSidesReport {
  handshakeDone(client: SideOutcome, server: SideOutcome): void;
  finished(detail: string): void;
}

/** The group the server insists on when a HelloRetryRequest is asked for: one our client sends no share for. */
const HRR_GROUP = 'secp384r1';

function outcome(r: PromiseSettledResult<TlsConnection | ServerConnection>): SideOutcome {
  if (r.status === 'fulfilled') return { ok: true, version: r.value.summary.version ?? 'unknown', cipherSuite: r.value.summary.cipherSuite, group: r.value.summary.group };
  const e = r.reason as Error & { code?: string };
  return { ok: false, code: e.code ?? 'ERROR', message: e.message || String(e) };
}

function describe(e: unknown): string {
  const err = e as Error & { code?: string };
  return err.code ? `${err.code}: ${err.message}` : String(err?.message ?? err);
}

export async function runBothSides(traces: Record<Side, TraceRecorder>, req: BothSidesRequest, report: BothSidesReport): Promise<void> {
  const pki = await makeThrowawayPki(req.certificate);
  const [clientWire, wireEnd] = memoryPair();
  const clientEnd = req.attack === 'downgrade' ? strippedVersions(clientWire, (text) => traces.client.emit({ kind: 'note', text })) : clientWire;
  const serverEnd = req.attack === 'tampered-record' ? tamperedWire(wireEnd, (text) => traces.server.emit({ kind: 'note', text })) : wireEnd;
  const helloRetry = req.helloRetry && req.versions.includes('TLS1.3');
  // A downgrade needs a server able to do TLS 1.3 and a client offering it.
  const versions: BothSidesRequest['versions'] = req.attack === 'downgrade' ? ['TLS1.3', 'TLS1.2'] : req.versions;
  const serverOptions: ServerOptions = {
    certificates: [{ chain: pki.server.chain, key: pki.server.key, keyAlgorithm: 'ECDSA P-256' }],
    versions,
    suites: req.suites.length ? req.suites : undefined,
    groups: (helloRetry ? [HRR_GROUP] : req.groups.length ? req.groups : undefined) as GroupName[] | undefined,
    clientAuth: req.clientAuth,
    clientTrustAnchors: [pki.rootDer],
    numTickets: req.tickets,
    hooks: req.refuseClientCertificate ? { onClientCertificate: () => 'refuse' } : undefined,
    recorder: traces.server.emit,
    timeoutMs: TIMEOUT_MS,
  };
  const accepting = acceptTls(serverEnd, serverOptions);
  const connecting = connectTls(
    clientEnd,
    {
      serverName: BOTH_SIDES_HOST,
      versions,
      // The client offers what the server might pick, and a key share for its first group only (x25519).
      groups: ['x25519', 'secp256r1', 'secp384r1'],
      keyShareGroups: ['x25519'],
      verifier: createVerifier({ anchors: [pki.rootDer] }),
      clientCertificate: req.clientHasCertificate ? { chain: pki.client.chain, privateKey: pki.client.key } : undefined,
      timeoutMs: TIMEOUT_MS,
    },
    traces.client.emit,
  );
  const [sr, cr] = await Promise.allSettled([accepting, connecting]);
  report.handshakeDone(outcome(cr), outcome(sr));
  // One side may think it is done while the other refused (TLS 1.3: the server checks the client's certificate
  // after the client sent its Finished): the client's first read then brings the alert.
  const client = cr.status === 'fulfilled' ? cr.value : null;
  const server = sr.status === 'fulfilled' ? sr.value : null;
  const clientReads = client ? readAll(client) : Promise.resolve('no connection');
  if (!server) {
    await clientWire.close();
    report.finished(`server: ${describe(sr.status === 'rejected' ? sr.reason : '')}; client: ${await clientReads}`);
    return;
  }
  if (!client) {
    report.finished(`client: ${describe(cr.status === 'rejected' ? cr.reason : '')}`);
    await serverEnd.close();
    return;
  }
  // What the server does after the handshake, as the teacher asked: KeyUpdate, renegotiation, a line, close.
  try {
    if (req.keyUpdate && 'keyUpdate' in server) await server.keyUpdate(true);
    if (req.renegotiate && 'renegotiate' in server) await server.renegotiate();
    await server.write(new TextEncoder().encode('hello from the server in this page\n'));
    await server.close();
  } catch (e) {
    report.finished(`server: ${describe(e)}; client: ${await clientReads}`);
    return;
  }
  report.finished(`closed by the server; client: ${await clientReads}`);
}

/** The client reads until the server closes; answers KeyUpdate and HelloRequest on the way. */
async function readAll(conn: TlsConnection): Promise<string> {
  let bytes = 0;
  try {
    for (;;) {
      const data = await conn.read();
      if (data === null) return `read ${bytes} bytes, then the server's close_notify`;
      bytes += data.length;
    }
  } catch (e) {
    return describe(e);
  }
}


/**
 * The wire as an attacker on it: the first application-data record the server writes reaches the client with the
 * last byte of its ciphertext (part of the AEAD tag) flipped. The server's trace notes it.
 */
function tamperedWire(t: Transport, note: (text: string) => void): Transport {
  let done = false;
  return {
    write: (data) => {
      if (!done) {
        for (let at = 0; at + 5 <= data.length; ) {
          const length = (data[at + 3] << 8) | data[at + 4];
          if (data[at] === 23 && at + 5 + length <= data.length) {
            const copy = Uint8Array.from(data);
            copy[at + 5 + length - 1] ^= 0x01;
            data = copy;
            done = true;
            note('staged attack: the wire flipped the last byte of this application_data record on its way to the client');
            break;
          }
          at += 5 + length;
        }
      }
      return t.write(data);
    },
    read: () => t.read(),
    close: () => t.close(),
  };
}

const SUPPORTED_VERSIONS = 0x002b;
/** An extension code point nobody assigned (a GREASE value, RFC 8701): servers ignore it. */
const IGNORED_EXTENSION = 0x0a0a;

/**
 * The wire as a downgrading attacker: in the client's first ClientHello, supported_versions gets an ignored code
 * point (same length, so nothing else moves). The client's trace notes it.
 */
function strippedVersions(t: Transport, note: (text: string) => void): Transport {
  let done = false;
  return {
    write: (data) => {
      if (!done && data[0] === 22 && data[5] === 1) {
        done = true;
        const copy = Uint8Array.from(data);
        const u16 = (at: number) => (copy[at] << 8) | copy[at + 1];
        let at = 5 + 4 + 2 + 32; // record header, handshake header, legacy_version, random
        at += 1 + copy[at]; // session id
        at += 2 + u16(at); // cipher suites
        at += 1 + copy[at]; // compression methods
        const end = at + 2 + u16(at);
        for (at += 2; at + 4 <= end; at += 4 + u16(at + 2)) {
          if (u16(at) !== SUPPORTED_VERSIONS) continue;
          copy[at] = IGNORED_EXTENSION >> 8;
          copy[at + 1] = IGNORED_EXTENSION & 0xff;
          note('staged attack: the wire renamed supported_versions in this ClientHello to an ignored extension (0x0a0a), hiding TLS 1.3 from the server');
          break;
        }
        data = copy;
      }
      return t.write(data);
    },
    read: () => t.read(),
    close: () => t.close(),
  };
}
