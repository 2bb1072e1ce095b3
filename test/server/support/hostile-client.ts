// Clients built by hand from the engine's crypto core, to play what a real client would not: a wrong Finished, or
// records slipped in where the script says (an alert before the Finished, after the handshake). TLS 1.3
// (TLS_AES_128_GCM_SHA256) and TLS 1.2 (ECDHE-ECDSA-AES128-GCM-SHA256 with the extended master secret), both over
// x25519. They speak to the server through a raw Transport and report what the server answered.
import { generateKeyShare } from '../../../src/crypto/key-exchange.ts';
import { EarlyStage13 } from '../../../src/tls/key-schedule/key-schedule13.ts';
import { PreMasterStage12 } from '../../../src/tls/key-schedule/key-schedule12.ts';
import { ExtensionType as X } from '../../../src/tls/messages/constants.ts';
import { findExtension } from '../../../src/tls/messages/extensions.ts';
import { decodeHandshake, encodeHandshake, type ClientHello, type ServerHello } from '../../../src/tls/messages/handshake.ts';
import { decodeHandshake12, encodeHandshake12 } from '../../../src/tls/messages/tls12.ts';
import { RecordLayer } from '../../../src/tls/record/record-layer.ts';
import { Tls12AeadProtector } from '../../../src/tls/record/tls12-aead-protector.ts';
import { Tls13RecordProtector } from '../../../src/tls/record/tls13-protector.ts';
import { suiteByCode } from '../../../src/tls/suites.ts';
import { suite12ByCode } from '../../../src/tls/suites12.ts';
import { Transcript } from '../../../src/tls/transcript.ts';
import type { Transport } from '../../../src/transport/types.ts';

export interface ClientScript {
  /** Flip the first byte of our Finished. */
  tamperFinished?: boolean;
  /** Just before our Finished (TLS 1.3: under the client handshake keys; TLS 1.2: before our ChangeCipherSpec). */
  beforeFinished?: (records: RecordLayer) => Promise<unknown>;
  /** After the handshake, under the application keys; its answer is the run's answer. */
  after?: (records: RecordLayer, next: () => Promise<string>) => Promise<string>;
}

/** Handshake up to our Finished, with its first byte flipped; returns the server's alert (name) or what happened. */
export function sendBadFinished(transport: Transport): Promise<string> {
  return scriptedClient13(transport, { tamperFinished: true });
}

/**
 * The next handshake message from the server (reassembled or split out of records), or, as text, what came
 * instead: "alert <description>", "data <text>", "end of stream", or the record layer's error.
 */
function messageSource(records: RecordLayer) {
  let buffer = new Uint8Array(0);
  return async (): Promise<{ bytes: Uint8Array } | string> => {
    for (;;) {
      if (buffer.length >= 4) {
        const len = (buffer[1] << 16) | (buffer[2] << 8) | buffer[3];
        if (buffer.length >= 4 + len) {
          const bytes = buffer.slice(0, 4 + len);
          buffer = buffer.slice(4 + len);
          return { bytes };
        }
      }
      const r = await records.readRecord().catch((e) => (e as Error).message);
      if (typeof r === 'string') return r;
      if (!r) return 'end of stream';
      if (r.contentType === 21) return `alert ${r.fragment[1]}`;
      if (r.contentType === 23) return `data ${new TextDecoder().decode(r.fragment)}`;
      if (r.contentType !== 22) continue;
      const joined = new Uint8Array(buffer.length + r.fragment.length);
      joined.set(buffer);
      joined.set(r.fragment, buffer.length);
      buffer = joined;
    }
  };
}

/** What follows the handshake: the script's answer, or what the server sent next. */
async function afterHandshake(records: RecordLayer, next: () => Promise<{ bytes: Uint8Array } | string>, script: ClientScript, name: (b: Uint8Array) => string): Promise<string> {
  const text = async (): Promise<string> => {
    const m = await next();
    if (typeof m !== 'string' && name(m.bytes) === 'new_session_ticket') return text();
    return typeof m === 'string' ? m : `message ${name(m.bytes)}`;
  };
  return script.after ? script.after(records, text) : text();
}

export async function scriptedClient13(transport: Transport, script: ClientScript): Promise<string> {
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
  const next = messageSource(records);
  const type = (bytes: Uint8Array) => decodeHandshake(bytes).message.type;
  const sh = await next();
  if (typeof sh === 'string') return sh;
  transcript.add(sh.bytes, 'ServerHello');
  const serverShare = findExtension((decodeHandshake(sh.bytes).message as ServerHello).extensions, X.key_share)!.share!;
  const hs = await (await EarlyStage13.withoutPsk(suite.hash)).handshake(await share.computeSharedSecret(serverShare.keyExchange));
  const secrets = await hs.trafficSecrets(await transcript.hash());
  const keys = async (secret: Uint8Array, epoch: 'handshake' | 'application') => {
    const k = await hs.trafficKeys(secret, suite.keyLength);
    return Tls13RecordProtector.create(suite, k.key, k.iv, epoch);
  };
  records.setReadProtector(await keys(secrets.server, 'handshake'));
  for (;;) {
    const m = await next();
    if (typeof m === 'string') return m;
    transcript.add(m.bytes, type(m.bytes));
    if (type(m.bytes) === 'finished') break;
  }
  const master = await hs.master();
  const app = await master.applicationTrafficSecrets(await transcript.hash());
  const verifyData = await hs.finishedVerifyData(secrets.client, await transcript.hash());
  if (script.tamperFinished) verifyData[0] ^= 0xff;
  records.setWriteProtector(await keys(secrets.client, 'handshake'));
  await script.beforeFinished?.(records);
  await records.writeRecord(22, encodeHandshake({ type: 'finished', verifyData }).bytes);
  const appKeys = async (secret: Uint8Array) => {
    const k = await master.trafficKeys(secret, suite.keyLength);
    return Tls13RecordProtector.create(suite, k.key, k.iv, 'application');
  };
  records.setReadProtector(await appKeys(app.server));
  records.setWriteProtector(await appKeys(app.client));
  return afterHandshake(records, next, script, type);
}

export async function scriptedClient12(transport: Transport, script: ClientScript): Promise<string> {
  const records = new RecordLayer(transport, () => -1, { side: 'client' });
  const suite = suite12ByCode(0xc02b)!;
  const share = await generateKeyShare('x25519');
  const ch: ClientHello = {
    type: 'client_hello',
    legacyVersion: 0x0303,
    random: crypto.getRandomValues(new Uint8Array(32)),
    sessionId: new Uint8Array(0),
    cipherSuites: [suite.code],
    compressionMethods: [0],
    extensions: [
      // P-256 too: the ECDSA certificate's curve must be a group the client takes (RFC 8422 §5.1); the key
      // exchange stays x25519, the first.
      { code: X.supported_groups, groups: [0x001d, 0x0017] },
      { code: X.signature_algorithms, schemes: [0x0403] },
      { code: X.extended_master_secret, data: new Uint8Array(0) },
      { code: X.renegotiation_info, data: Uint8Array.of(0) },
      { code: X.ec_point_formats, data: Uint8Array.of(1, 0) },
    ],
  };
  const transcript = new Transcript(suite.prfHash);
  const add = (bytes: Uint8Array, name: string) => transcript.add(bytes, name);
  const chBytes = encodeHandshake12(ch).bytes;
  add(chBytes, 'ClientHello');
  await records.writeRecord(22, chBytes);
  const next = messageSource(records);
  const decode = (bytes: Uint8Array) => decodeHandshake12(bytes, 'ECDHE').message;
  let serverRandom: Uint8Array | undefined;
  let serverPublic: Uint8Array | undefined;
  for (;;) {
    const m = await next();
    if (typeof m === 'string') return m;
    add(m.bytes, 'server flight');
    const msg = decode(m.bytes);
    if (msg.type === 'server_hello') serverRandom = msg.random;
    if (msg.type === 'server_key_exchange') serverPublic = msg.publicKey;
    if (msg.type === 'server_hello_done') break;
  }
  if (!serverRandom || !serverPublic) return 'no ServerHello or ServerKeyExchange';
  const cke = encodeHandshake12({ type: 'client_key_exchange', kx: 'ECDHE', exchange: share.publicKey }).bytes;
  add(cke, 'ClientKeyExchange');
  await records.writeRecord(22, cke);
  const preMaster = new PreMasterStage12(suite.prfHash, await share.computeSharedSecret(serverPublic));
  const master = await preMaster.extendedMaster(await transcript.hash());
  const keys = await master.keyBlock(suite, ch.random, serverRandom);
  const verifyData = await master.verifyData('client', await transcript.hash());
  if (script.tamperFinished) verifyData[0] ^= 0xff;
  await script.beforeFinished?.(records);
  await records.writeRecord(20, Uint8Array.of(1));
  records.setWriteProtector(await Tls12AeadProtector.create(suite, keys.clientKey, keys.clientIv));
  await records.writeRecord(22, encodeHandshake12({ type: 'finished12', verifyData }).bytes);
  const ccs = await records.readRecord().catch((e) => (e as Error).message);
  if (ccs === null || typeof ccs === 'string') return ccs ?? 'end of stream';
  if (ccs.contentType === 21) return `alert ${ccs.fragment[1]}`;
  if (ccs.contentType !== 20) return `content type ${ccs.contentType} instead of ChangeCipherSpec`;
  records.setReadProtector(await Tls12AeadProtector.create(suite, keys.serverKey, keys.serverIv));
  const fin = await next();
  if (typeof fin === 'string') return fin;
  if (decode(fin.bytes).type !== 'finished12') return `message ${decode(fin.bytes).type} instead of Finished`;
  return afterHandshake(records, next, script, (b) => decode(b).type);
}
