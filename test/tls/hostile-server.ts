// A TLS 1.3 server built by hand over the in-memory pair, from the engine's own crypto core, whose every step
// can be bent: wrong suite or group, bad signatures, bad Finished, messages out of order, odd record framing.
import { concat } from '../../src/util/bytes.ts';
import { generateKeyShare } from '../../src/crypto/key-exchange.ts';
import { EarlyStage13, type TrafficSecretUse13 } from '../../src/tls/key-schedule/key-schedule13.ts';
import { HRR_RANDOM, ExtensionType as X } from '../../src/tls/messages/constants.ts';
import { findExtension, type Extension } from '../../src/tls/messages/extensions.ts';
import { decodeHandshake, encodeHandshake, type ClientHello, type HandshakeMessage, type ServerHello } from '../../src/tls/messages/handshake.ts';
import { RecordLayer } from '../../src/tls/record/record-layer.ts';
import { Tls13RecordProtector } from '../../src/tls/record/tls13-protector.ts';
import { GROUP_NAMES, suiteByCode, type Tls13Suite } from '../../src/tls/suites.ts';
import { Transcript } from '../../src/tls/transcript.ts';
import { certificateVerifyContent, createSigner } from '../../src/tls/handshake/signatures.ts';
import type { Transport } from '../../src/transport/types.ts';

export interface Script {
  certDer: Uint8Array;
  keyPkcs8: Uint8Array;
  /** Send a HelloRetryRequest first (asking for this group, with this cookie); twice: send a second one. */
  hrr?: { group?: number; cookie?: Uint8Array; twice?: boolean };
  /** Change the ServerHello before it is sent. */
  serverHello?: (sh: ServerHello, ch: ClientHello) => void;
  /** Force the suite the server picks. */
  suite?: number;
  /** Force the group of the server's key share (its key is generated for the client's group). */
  shareGroup?: number;
  ccsAfterServerHello?: boolean;
  /** Send the ServerHello in two records with a ChangeCipherSpec between them (inside the message). */
  ccsInsideServerHello?: boolean;
  /** How many ChangeCipherSpec records follow the ServerHello (default: 1 if ccsAfterServerHello). */
  ccsCount?: number;
  eeExtensions?: Extension[];
  /** Extensions of the certificate's entry in the Certificate message. */
  certificateEntryExtensions?: Extension[];
  tamperSignature?: boolean;
  tamperFinished?: boolean;
  /** Reorder or drop the encrypted flight: indices into [EE, Certificate, CertificateVerify, Finished]. */
  order?: number[];
  /** Records sent (under the handshake keys) before message `before` of the encrypted flight, e.g. an alert. */
  inFlight?: { before: number; contentType: number; fragment: Uint8Array }[];
  /** How the encrypted flight goes out: one record per message (default), all in one, or chunks of N bytes. */
  framing?: 'per-message' | 'coalesced' | number;
  /** Change bytes of the messages as sent (after the transcript saw the originals); the server then hangs up. */
  mutate?: (index: number, bytes: Uint8Array) => Uint8Array;
  /** Raw bytes written instead of the ServerHello (then the server ends the stream). */
  rawInsteadOfServerHello?: Uint8Array;
  /** After the handshake: the server side to play with. */
  after?: (s: ServerSide) => Promise<void>;
}

export interface ServerSide {
  records: RecordLayer;
  transport: Transport;
  schedule: TrafficSecretUse13;
  suite: Tls13Suite;
  clientHello: ClientHello;
  /** Traffic secrets of the application epoch (generation 0). */
  secrets: { clientApp: Uint8Array; serverApp: Uint8Array };
}

const noEmit = () => -1;

async function readHandshake(records: RecordLayer, want: string): Promise<{ bytes: Uint8Array; message: HandshakeMessage }> {
  for (;;) {
    const r = await records.readRecord();
    if (!r) throw new Error(`hostile server: stream ended while waiting for ${want}`);
    if (r.contentType === 20) continue;
    if (r.contentType !== 22) throw new Error(`hostile server: got content type ${r.contentType} while waiting for ${want}`);
    const d = decodeHandshake(r.fragment);
    return { bytes: d.bytes, message: d.message };
  }
}

/** Run the server until it is done or the client goes away. Never throws (the client is under test). */
export function runHostileServer(transport: Transport, script: Script): Promise<string | null> {
  return runUntilDoneOrGone(transport, () => serve(transport, script));
}

/** Run a hand-built server; null when it finished, else why it stopped (its transport is then closed). */
export async function runUntilDoneOrGone(transport: Transport, serve: () => Promise<void>): Promise<string | null> {
  try {
    await serve();
    return null;
  } catch (e) {
    await transport.close().catch(() => undefined);
    return (e as Error).message;
  }
}

async function serve(transport: Transport, script: Script): Promise<void> {
  const records = new RecordLayer(transport, noEmit, { side: 'server' });
  let ch1 = await readHandshake(records, 'ClientHello');
  let ch = ch1.message as ClientHello;
  const suiteCode = script.suite ?? ch.cipherSuites[0];
  const suite = suiteByCode(suiteCode) ?? suiteByCode(0x1301)!;
  const transcript = new Transcript(suite.hash, noEmit);
  transcript.add(ch1.bytes, 'ClientHello');
  const sh = (extensions: Extension[], random: Uint8Array): ServerHello => ({
    type: 'server_hello',
    isHelloRetryRequest: random === HRR_RANDOM,
    legacyVersion: 0x0303,
    random,
    sessionIdEcho: ch.sessionId,
    cipherSuite: suiteCode,
    compressionMethod: 0,
    extensions,
  });

  if (script.rawInsteadOfServerHello) {
    await transport.write(script.rawInsteadOfServerHello);
    await transport.close();
    return;
  }

  if (script.hrr) {
    const ext: Extension[] = [{ code: X.supported_versions, selectedVersion: 0x0304 }];
    if (script.hrr.group !== undefined) ext.push({ code: X.key_share, selectedGroup: script.hrr.group });
    if (script.hrr.cookie) ext.push({ code: X.cookie, cookie: script.hrr.cookie });
    const hrr = encodeHandshake(sh(ext, HRR_RANDOM));
    await transcript.replaceWithMessageHash();
    transcript.add(hrr.bytes, 'HelloRetryRequest');
    await records.writeRecord(22, hrr.bytes);
    const ch2 = await readHandshake(records, 'ClientHello2');
    ch = ch2.message as ClientHello;
    transcript.add(ch2.bytes, 'ClientHello');
    if (script.hrr.twice) {
      await records.writeRecord(22, hrr.bytes);
      await readHandshake(records, 'nothing').catch(() => undefined);
      return;
    }
  }

  const clientShare = findExtension(ch.extensions, X.key_share)!.shares![0];
  const ours = await generateKeyShare(GROUP_NAMES[clientShare.group]);
  const serverHello = sh(
    [
      { code: X.supported_versions, selectedVersion: 0x0304 },
      { code: X.key_share, share: { group: script.shareGroup ?? clientShare.group, keyExchange: ours.publicKey } },
    ],
    crypto.getRandomValues(new Uint8Array(32)),
  );
  script.serverHello?.(serverHello, ch);
  const shBytes = encodeHandshake(serverHello).bytes;
  transcript.add(shBytes, 'ServerHello');
  const shSent = script.mutate ? script.mutate(0, Uint8Array.from(shBytes)) : shBytes;
  if (script.ccsInsideServerHello) {
    await records.writeRecord(22, shSent.subarray(0, 10));
    await records.writeChangeCipherSpec();
    await records.writeRecord(22, shSent.subarray(10));
  } else await records.writeRecord(22, shSent);
  for (let i = 0; i < (script.ccsCount ?? (script.ccsAfterServerHello ? 1 : 0)); i++) await records.writeChangeCipherSpec();

  const early = await EarlyStage13.withoutPsk(suite.hash, noEmit);
  const handshakeStage = await early.handshake(await ours.computeSharedSecret(clientShare.keyExchange));
  const hs = await handshakeStage.trafficSecrets(await transcript.hash());
  const schedule: TrafficSecretUse13 = handshakeStage;
  const keys = async (secret: Uint8Array, epoch: 'handshake' | 'application') => {
    const k = await schedule.trafficKeys(secret, suite.keyLength);
    return Tls13RecordProtector.create(suite, k.key, k.iv, epoch);
  };
  records.setWriteProtector(await keys(hs.server, 'handshake'));
  records.setReadProtector(await keys(hs.client, 'handshake'));

  const flight: Uint8Array[] = [];
  const add = (m: HandshakeMessage) => {
    const b = encodeHandshake(m).bytes;
    transcript.add(b, m.type);
    flight.push(b);
    return b;
  };
  add({ type: 'encrypted_extensions', extensions: script.eeExtensions ?? [] });
  add({ type: 'certificate', context: new Uint8Array(0), entries: [{ certData: script.certDer, extensions: script.certificateEntryExtensions ?? [] }] });
  const signer = await createSigner(script.certDer, script.keyPkcs8);
  const signature = await signer.sign(signer.schemes[0], certificateVerifyContent('server', await transcript.hash()));
  if (script.tamperSignature) signature[signature.length - 5] ^= 0x01;
  add({ type: 'certificate_verify', scheme: signer.schemes[0], signature });
  const verifyData = await schedule.finishedVerifyData(hs.server, await transcript.hash());
  if (script.tamperFinished) verifyData[0] ^= 0xff;
  add({ type: 'finished', verifyData });

  const toSend = (script.order ?? [0, 1, 2, 3]).map((i) => (script.mutate ? script.mutate(i + 1, Uint8Array.from(flight[i])) : flight[i]));
  const framing = script.framing ?? 'per-message';
  if (framing === 'per-message') {
    for (const [i, m] of toSend.entries()) {
      for (const r of script.inFlight ?? []) if (r.before === i) await records.writeRecord(r.contentType, r.fragment);
      await records.writeRecord(22, m);
    }
  }else {
    const all = concat(...toSend);
    const size = framing === 'coalesced' ? all.length : framing;
    for (let i = 0; i < all.length; i += size) await records.writeRecord(22, all.subarray(i, i + size));
  }

  if (script.mutate) {
    await transport.close();
    return;
  }
  const app = await (await handshakeStage.master()).applicationTrafficSecrets(await transcript.hash());
  const fin = await readHandshake(records, 'client Finished');
  if (fin.message.type !== 'finished') throw new Error(`expected the client Finished, got ${fin.message.type}`);
  records.setWriteProtector(await keys(app.server, 'application'));
  records.setReadProtector(await keys(app.client, 'application'));
  await script.after?.({ records, transport, schedule, suite, clientHello: ch, secrets: { clientApp: app.client, serverApp: app.server } });
}
