// A TLS 1.3 client built by hand from the engine's crypto core, whose last step can be bent: a wrong Finished.
// It speaks to the server through a raw Transport and reports what the server answered.
import { generateKeyShare } from '../../../src/tls/crypto/key-exchange.ts';
import { EarlyStage13 } from '../../../src/tls/key-schedule/key-schedule13.ts';
import { ExtensionType as X } from '../../../src/tls/messages/constants.ts';
import { findExtension } from '../../../src/tls/messages/extensions.ts';
import { decodeHandshake, encodeHandshake, type ClientHello, type ServerHello } from '../../../src/tls/messages/handshake.ts';
import { RecordLayer } from '../../../src/tls/record/record-layer.ts';
import { Tls13RecordProtector } from '../../../src/tls/record/tls13-protector.ts';
import { suiteByCode } from '../../../src/tls/suites.ts';
import { Transcript } from '../../../src/tls/transcript.ts';
import type { Transport } from '../../../src/transport/types.ts';

/** Handshake up to our Finished, with its first byte flipped; returns the server's alert (name) or what happened. */
export async function sendBadFinished(transport: Transport): Promise<string> {
  const records = new RecordLayer(transport, () => -1, { side: 'client' });
  const share = await generateKeyShare('x25519');
  const ch: ClientHello = {
    type: 'client_hello',
    legacyVersion: 0x0303,
    random: crypto.getRandomValues(new Uint8Array(32)),
    sessionId: new Uint8Array(0),
    cipherSuites: [0x1301],
    compressionMethods: [0],
    extensions: [
      { code: X.supported_versions, versions: [0x0304] },
      { code: X.supported_groups, groups: [0x001d] },
      { code: X.key_share, shares: [{ group: 0x001d, keyExchange: share.publicKey }] },
      { code: X.signature_algorithms, schemes: [0x0403, 0x0804] },
    ],
  };
  const suite = suiteByCode(0x1301)!;
  const transcript = new Transcript(suite.hash);
  const chBytes = encodeHandshake(ch).bytes;
  transcript.add(chBytes, 'ClientHello');
  await records.writeRecord(22, chBytes);
  let buffer = new Uint8Array(0);
  const next = async (): Promise<{ bytes: Uint8Array; type: string } | string> => {
    for (;;) {
      if (buffer.length >= 4) {
        const len = (buffer[1] << 16) | (buffer[2] << 8) | buffer[3];
        if (buffer.length >= 4 + len) {
          const bytes = buffer.slice(0, 4 + len);
          buffer = buffer.slice(4 + len);
          return { bytes, type: decodeHandshake(bytes).message.type };
        }
      }
      const r = await records.readRecord().catch((e) => (e as Error).message);
      if (typeof r === 'string') return r;
      if (!r) return 'end of stream';
      if (r.contentType === 21) return `alert ${r.fragment[1]}`;
      if (r.contentType !== 22) continue;
      const joined = new Uint8Array(buffer.length + r.fragment.length);
      joined.set(buffer);
      joined.set(r.fragment, buffer.length);
      buffer = joined;
    }
  };
  const sh = await next();
  if (typeof sh === 'string') return sh;
  transcript.add(sh.bytes, 'ServerHello');
  const serverShare = findExtension((decodeHandshake(sh.bytes).message as ServerHello).extensions, X.key_share)!.share!;
  const hs = await (await EarlyStage13.withoutPsk(suite.hash)).handshake(await share.computeSharedSecret(serverShare.keyExchange));
  const secrets = await hs.trafficSecrets(await transcript.hash());
  const keys = async (secret: Uint8Array) => {
    const k = await hs.trafficKeys(secret, suite.keyLength);
    return Tls13RecordProtector.create(suite, k.key, k.iv, 'handshake');
  };
  records.setReadProtector(await keys(secrets.server));
  for (;;) {
    const m = await next();
    if (typeof m === 'string') return m;
    transcript.add(m.bytes, m.type);
    if (m.type === 'finished') break;
  }
  const master = await hs.master();
  const app = await master.applicationTrafficSecrets(await transcript.hash());
  const verifyData = await hs.finishedVerifyData(secrets.client, await transcript.hash());
  verifyData[0] ^= 0xff;
  records.setWriteProtector(await keys(secrets.client));
  await records.writeRecord(22, encodeHandshake({ type: 'finished', verifyData }).bytes);
  const k = await master.trafficKeys(app.server, suite.keyLength);
  records.setReadProtector(await Tls13RecordProtector.create(suite, k.key, k.iv, 'application'));
  const answer = await next();
  return typeof answer === 'string' ? answer : `message ${answer.type}`;
}
