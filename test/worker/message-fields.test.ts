// The handshake messages' field trees the page makes from their bytes (src/worker/message-fields.ts): real
// handshakes of the app's engine adapter against openssl s_server (TLS 1.3, with a HelloRetryRequest and with a
// certificate request; TLS 1.2) reach the page, through the worker's post and the page's reading, as the very
// trace an eager JSON.stringify of the engine's events gives: every event, field and tree, in the same order.
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { connectTcp } from '../../src/transport/tcp.ts';
import { runEngine } from '../../src/worker/engine-adapter.ts';
import { eventsForPage, eventsFromWorker, type ConnectRequest } from '../../src/worker/messages.ts';
import { FIELDS_ON_PAGE } from '../../src/worker/message-fields.ts';
import type { HandshakeMessageEvent, TraceEvent } from '../../src/trace/types.ts';
import { recorder, spawnSServer, type SServer } from '../tls/helpers.ts';
import { usePki } from '../support/pki.ts';

const pki = usePki();
let server: SServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function handshake(serverArgs: string[], over: Partial<ConnectRequest> = {}): Promise<TraceEvent[]> {
  server = await spawnSServer(['-cert', pki.leafCert, '-key', pki.leafKey, ...serverArgs]);
  const rec = recorder();
  const req: ConnectRequest = { target: `127.0.0.1:${server.port}`, serverName: 'localhost', clientCert: 'none', breakpoints: { afterEachMessage: false, serverAuth: false, clientCertRequest: false }, anchorsPem: [fs.readFileSync(pki.rootPem, 'utf8')], bridgeUrl: 'ws://unused', ...over };
  const session = await runEngine(req, await connectTcp('127.0.0.1', server.port), rec, async () => 'continue');
  await session.close();
  return rec.events;
}

/** The handshake events whose tree the worker left to the page, by name. */
function leftToPage(posted: TraceEvent[]): string[] {
  return posted.filter((e): e is HandshakeMessageEvent => e.kind === 'handshake' && (e.fields as unknown) === FIELDS_ON_PAGE).map((e) => `${e.direction} ${e.name}`);
}

const cases: [string, string[], Partial<ConnectRequest>, string[]][] = [
  ['TLS 1.3', ['-tls1_3'], {}, ['client ClientHello', 'server ServerHello', 'server EncryptedExtensions', 'server Certificate', 'server CertificateVerify', 'server Finished', 'client Finished']],
  // The client's key share is x25519's: the server asks again for P-256's.
  ['TLS 1.3 after a HelloRetryRequest', ['-tls1_3', '-groups', 'P-256'], { groups: ['x25519', 'secp256r1'], keyShareGroups: ['x25519'] }, ['client ClientHello', 'server HelloRetryRequest', 'client ClientHello', 'server ServerHello', 'server EncryptedExtensions', 'server Certificate', 'server CertificateVerify', 'server Finished', 'client Finished']],
  // The server asks for a certificate; ours is empty (none sent), in the encrypted handshake.
  ['TLS 1.3 with a certificate request', ['-tls1_3', '-verify', '1'], {}, ['client ClientHello', 'server ServerHello', 'server EncryptedExtensions', 'server CertificateRequest', 'server Certificate', 'server CertificateVerify', 'server Finished', 'client Certificate', 'client Finished']],
  // Both offered, TLS 1.2 chosen: the hellos alone (TLS 1.2's other messages' layouts follow the key exchange).
  ['TLS 1.2 from a client offering both', ['-tls1_2'], {}, ['client ClientHello', 'server ServerHello']],
  // TLS 1.2 alone: TLS 1.2's code writes our ClientHello (its tree names each extension): the server's hello alone.
  ['TLS 1.2 only', ['-tls1_2'], { versions: ['TLS1.2'] }, ['server ServerHello']],
];

describe("the page's field trees", () => {
  for (const [name, serverArgs, over, expected] of cases) {
    it(`${name}: the page gets the trace an eager encoding gives, the hellos' and TLS 1.3's encrypted messages' trees made on the page`, async () => {
      const events = await handshake(serverArgs, over);
      const context = { offersTls13: !over.versions };
      // As the worker posts them (the post's structured clone) and the page reads them.
      const posted = structuredClone(eventsForPage(events, context));
      expect(leftToPage(posted)).toEqual(expected);
      const decoded = eventsFromWorker(posted);
      // Not made until read.
      for (const e of decoded) if (e.kind === 'handshake' && expected.includes(`${e.direction} ${e.name}`)) expect(typeof Object.getOwnPropertyDescriptor(e, 'fields')?.get).toBe('function');
      // Every event, field and tree, in the same order, as the engine's own events give them.
      expect(JSON.stringify(decoded)).toBe(JSON.stringify(events));
    });
  }
});
