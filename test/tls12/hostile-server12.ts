// A TLS 1.2 server built by hand over the in-memory pair from the engine's own pieces (PRF, record protectors,
// codec), ECDHE-ECDSA-AES128-GCM-SHA256 with x25519, whose every step can be bent: bad Finished, bad
// ServerKeyExchange signature, missing renegotiation_info, unsolicited extensions, a downgrade sentinel.
import { concat } from '../../src/util/bytes.ts';
import { generateKeyShare } from '../../src/crypto/key-exchange.ts';
import { PreMasterStage12 } from '../../src/tls/key-schedule/key-schedule12.ts';
import { createSigner } from '../../src/tls/handshake/signatures.ts';
import { DOWNGRADE_TLS12, ExtensionType as X } from '../../src/tls/messages/constants.ts';
import { findExtension, type Extension } from '../../src/tls/messages/extensions.ts';
import type { ClientHello } from '../../src/tls/messages/handshake.ts';
import { decodeHandshake12, encodeHandshake12, type AnyMessage12 } from '../../src/tls/messages/tls12.ts';
import { RecordLayer } from '../../src/tls/record/record-layer.ts';
import { Tls12AeadProtector } from '../../src/tls/record/tls12-aead-protector.ts';
import { suite12ByCode } from '../../src/tls/suites12.ts';
import { Transcript } from '../../src/tls/transcript.ts';
import type { Transport } from '../../src/transport/types.ts';
import { runUntilDoneOrGone } from '../tls/hostile-server.ts';

export interface Script12 {
  certDer: Uint8Array;
  keyPkcs8: Uint8Array;
  tamperFinished?: boolean;
  tamperSignature?: boolean;
  /** Leave renegotiation_info out of the first / the renegotiation ServerHello. */
  omitRenegotiationInfo?: boolean;
  omitRenegotiationInfoOnRenegotiation?: boolean;
  /** Extra extensions in the ServerHello. */
  extraExtensions?: Extension[];
  /** End ServerHello.random with the TLS 1.3 server's downgrade sentinel. */
  downgradeSentinel?: boolean;
  /** Answer without extended_master_secret (the original RFC 5246 master secret). */
  noEms?: boolean;
  /** Leave the Certificate out of the first flight. */
  skipCertificate?: boolean;
  /** A ChangeCipherSpec right after the ServerHello (the CCS injection of CVE-2014-0224). */
  earlyChangeCipherSpec?: boolean;
  /** A ChangeCipherSpec record before the ServerHello (where only TLS 1.3's compatibility CCS may be dropped). */
  changeCipherSpecBeforeServerHello?: boolean;
  /** A warning alert (this description) before the ServerHello. */
  warningBeforeServerHello?: number;
  /** Application data sent between the client's renegotiation ClientHello and the ServerHello (RFC 5246 allows it). */
  appDataBeforeRenegotiationReply?: string;
  /** After the handshake. */
  after?: (s: Server12) => Promise<void>;
}

export interface Server12 {
  records: RecordLayer;
  transport: Transport;
  /** Send a HelloRequest and run a renegotiation handshake with the client. */
  renegotiate(): Promise<void>;
  /** Answer a renegotiation the client starts (its ClientHello is the next record). */
  answerRenegotiation(): Promise<void>;
  readRecord(): ReturnType<RecordLayer['readRecord']>;
}

const noEmit = () => -1;
const SUITE = suite12ByCode(0xc02b)!;

async function readMessage(records: RecordLayer, want: string): Promise<{ bytes: Uint8Array; message: AnyMessage12 }> {
  const r = await records.readRecord();
  if (!r) throw new Error(`hostile server: stream ended while waiting for ${want}`);
  if (r.contentType !== 22) throw new Error(`hostile server: content type ${r.contentType} while waiting for ${want}`);
  const d = decodeHandshake12(r.fragment, 'ECDHE');
  return { bytes: d.bytes, message: d.message };
}

export function runHostileServer12(transport: Transport, script: Script12): Promise<string | null> {
  return runUntilDoneOrGone(transport, () => serve(transport, script));
}

async function serve(transport: Transport, script: Script12): Promise<void> {
  const records = new RecordLayer(transport, noEmit, { side: 'server' });
  const verify: { client: Uint8Array; server: Uint8Array } = { client: new Uint8Array(0), server: new Uint8Array(0) };
  const handshake = async (renegotiation: boolean) => {
    const transcript = new Transcript('SHA-256', noEmit);
    const chMsg = await readMessage(records, 'ClientHello');
    const ch = chMsg.message as ClientHello;
    transcript.add(chMsg.bytes, 'ClientHello');
    if (renegotiation && script.appDataBeforeRenegotiationReply !== undefined) await records.writeRecord(23, new TextEncoder().encode(script.appDataBeforeRenegotiationReply));
    const random = crypto.getRandomValues(new Uint8Array(32));
    if (script.downgradeSentinel) random.set(DOWNGRADE_TLS12, 24);
    const ri = concat(verify.client, verify.server);
    const omit = renegotiation ? script.omitRenegotiationInfoOnRenegotiation : script.omitRenegotiationInfo;
    const ems = !script.noEms && !!findExtension(ch.extensions, X.extended_master_secret);
    const extensions: Extension[] = [
      ...(omit ? [] : [{ code: X.renegotiation_info, data: concat(Uint8Array.of(ri.length), ri) }]),
      ...(ems ? [{ code: X.extended_master_secret, data: new Uint8Array(0) }] : []),
      { code: X.ec_point_formats, data: Uint8Array.of(1, 0) },
      ...(script.extraExtensions ?? []),
    ];
    const flight: Uint8Array[] = [];
    const add = (m: AnyMessage12) => {
      const b = encodeHandshake12(m).bytes;
      transcript.add(b, m.type);
      flight.push(b);
    };
    add({ type: 'server_hello', isHelloRetryRequest: false, legacyVersion: 0x0303, random, sessionIdEcho: crypto.getRandomValues(new Uint8Array(32)), cipherSuite: SUITE.code, compressionMethod: 0, extensions });
    if (!script.skipCertificate) add({ type: 'certificate12', chain: [script.certDer] });
    const share = await generateKeyShare('x25519');
    const params = concat(Uint8Array.of(3, 0x00, 0x1d, share.publicKey.length), share.publicKey);
    const signer = await createSigner(script.certDer, script.keyPkcs8);
    const signature = await signer.sign(0x0403, concat(ch.random, random, params));
    if (script.tamperSignature) signature[signature.length - 3] ^= 0x01;
    add({ type: 'server_key_exchange', kx: 'ECDHE', params, scheme: 0x0403, signature });
    add({ type: 'server_hello_done' });
    if (script.warningBeforeServerHello !== undefined && !renegotiation) await records.writeRecord(21, Uint8Array.of(1, script.warningBeforeServerHello));
    if (script.changeCipherSpecBeforeServerHello && !renegotiation) await records.writeRecord(20, Uint8Array.of(1));
    if (script.earlyChangeCipherSpec) {
      await records.writeRecord(22, flight[0]);
      await records.writeRecord(20, Uint8Array.of(1));
      await records.writeRecord(22, concat(...flight.slice(1)));
    } else await records.writeRecord(22, concat(...flight));

    const cke = await readMessage(records, 'ClientKeyExchange');
    if (cke.message.type !== 'client_key_exchange') throw new Error(`expected ClientKeyExchange, got ${cke.message.type}`);
    transcript.add(cke.bytes, 'ClientKeyExchange');
    const pms = await share.computeSharedSecret(cke.message.exchange);
    const preMaster = new PreMasterStage12('SHA-256', pms, noEmit);
    const master = ems ? await preMaster.extendedMaster(await transcript.hash()) : await preMaster.master(ch.random, random);
    const keys = await master.keyBlock(SUITE, ch.random, random);
    const ccs = await records.readRecord();
    if (ccs?.contentType !== 20) throw new Error('expected the client ChangeCipherSpec');
    records.setReadProtector(await Tls12AeadProtector.create(SUITE, keys.clientKey, keys.clientIv));
    const fin = await readMessage(records, 'client Finished');
    if (fin.message.type !== 'finished12') throw new Error(`expected Finished, got ${fin.message.type}`);
    verify.client = fin.message.verifyData;
    transcript.add(fin.bytes, 'Finished');
    const verifyData = await master.verifyData('server', await transcript.hash());
    if (script.tamperFinished) verifyData[0] ^= 0xff;
    verify.server = verifyData;
    await records.writeRecord(20, Uint8Array.of(1));
    records.setWriteProtector(await Tls12AeadProtector.create(SUITE, keys.serverKey, keys.serverIv));
    await records.writeRecord(22, encodeHandshake12({ type: 'finished12', verifyData }).bytes);
  };
  await handshake(false);
  await script.after?.({
    records,
    transport,
    readRecord: () => records.readRecord(),
    renegotiate: async () => {
      await records.writeRecord(22, encodeHandshake12({ type: 'hello_request' }).bytes);
      await handshake(true);
    },
    answerRenegotiation: () => handshake(true),
  });
}
