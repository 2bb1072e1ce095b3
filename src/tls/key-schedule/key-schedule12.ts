// The TLS 1.2 key derivations, each reported to the trace as a `kind: 'key'` event (op 'PRF', its label, inputs
// and output) like the TLS 1.3 schedule, as two stages of their own types:
//   PreMasterStage12 --master() / extendedMaster()--> MasterStage12 (key block, Finished, exporter)
// so the key block and Finished can only come from a master secret (RFC 5246 §8.1, RFC 7627 §4, §6.3, §7.4.9).
// A resumed session starts at MasterStage12.resumed(). Nothing here is side-bound: both sides derive the same values.
import type { Emit } from '../../trace/recorder.ts';
import { concat, toHex } from '../../util/bytes.ts';
import { TlsError } from '../errors.ts';
import type { HashName } from '../../crypto/hash.ts';
import { prf } from '../../crypto/prf.ts';
import type { Tls12Suite } from '../suites12.ts';

type Input = { name: string; value: Uint8Array };

/** Said in the trace when keys are exported from a TLS 1.2 session without the extended master secret. */
const noEmsExporterNote =
  'keying material exported without the extended master secret: the master secret is not bound to this handshake, so a man in the middle can make two connections export the same keys (RFC 7627; RFC 9266 defines the tls-exporter channel binding over TLS 1.2 only with it)';

/** PRF labels of TLS itself: an exporter label starting with one could yield its secrets (RFC 5705 §4; OpenSSL refuses them too). */
const RESERVED_LABELS = ['client finished', 'server finished', 'master secret', 'extended master secret', 'key expansion'];

/** The write keys of both sides, cut from the key block. Empty MAC keys for AEAD suites. */
export interface KeyBlock12 {
  clientMacKey: Uint8Array;
  serverMacKey: Uint8Array;
  clientKey: Uint8Array;
  serverKey: Uint8Array;
  clientIv: Uint8Array;
  serverIv: Uint8Array;
}

/** The pre-master secret from the key exchange: its only use is making the master secret. */
export class PreMasterStage12 {
  constructor(
    readonly hash: HashName,
    private readonly preMaster: Uint8Array,
    private readonly emit: Emit = () => -1,
  ) {}

  /** master_secret = PRF(pre_master_secret, "master secret", client_random || server_random)[0..47]. */
  async master(clientRandom: Uint8Array, serverRandom: Uint8Array): Promise<MasterStage12> {
    const out = await prf(this.hash, this.preMaster, 'master secret', concat(clientRandom, serverRandom), 48);
    reportPrf(this.emit, this.hash, 'master_secret', 'master secret', [
      { name: 'pre_master_secret', value: this.preMaster },
      { name: 'client_random', value: clientRandom },
      { name: 'server_random', value: serverRandom },
    ], out);
    return MasterStage12.fromPreMaster(this.hash, out, this.emit);
  }

  /** RFC 7627: master_secret = PRF(pre_master_secret, "extended master secret", session_hash)[0..47]. */
  async extendedMaster(sessionHash: Uint8Array): Promise<MasterStage12> {
    const out = await prf(this.hash, this.preMaster, 'extended master secret', sessionHash, 48);
    reportPrf(this.emit, this.hash, 'master_secret', 'extended master secret', [
      { name: 'pre_master_secret', value: this.preMaster },
      { name: 'session_hash (ClientHello .. ClientKeyExchange)', value: sessionHash },
    ], out);
    return MasterStage12.fromPreMaster(this.hash, out, this.emit);
  }
}

/** The master secret: the key block and both Finished values. */
export class MasterStage12 {
  private constructor(
    readonly hash: HashName,
    readonly secret: Uint8Array,
    private readonly emit: Emit,
  ) {}

  /** Made only by PreMasterStage12 (through this door) or a resumed session's saved master secret. */
  static fromPreMaster(hash: HashName, secret: Uint8Array, emit: Emit): MasterStage12 {
    return new MasterStage12(hash, secret, emit);
  }

  /** An abbreviated handshake: the session's master secret, kept from the handshake that made it. */
  static resumed(hash: HashName, secret: Uint8Array, emit: Emit = () => -1): MasterStage12 {
    return new MasterStage12(hash, secret, emit);
  }

  /** A master secret read from an NSS key log (a CLIENT_RANDOM line): how the capture decoder opens a session. */
  static fromKeyLog(hash: HashName, secret: Uint8Array, emit: Emit = () => -1): MasterStage12 {
    return new MasterStage12(hash, secret, emit);
  }

  /** key_block = PRF(master_secret, "key expansion", server_random || client_random), split in the order of §6.3. */
  async keyBlock(suite: Pick<Tls12Suite, 'macLength' | 'keyLength' | 'fixedIvLength'>, clientRandom: Uint8Array, serverRandom: Uint8Array): Promise<KeyBlock12> {
    const sizes = [suite.macLength, suite.macLength, suite.keyLength, suite.keyLength, suite.fixedIvLength, suite.fixedIvLength];
    const total = sizes.reduce((a, b) => a + b, 0);
    const block = await prf(this.hash, this.secret, 'key expansion', concat(serverRandom, clientRandom), total);
    reportPrf(this.emit, this.hash, 'key_block', 'key expansion', [
      { name: 'master_secret', value: this.secret },
      { name: 'server_random', value: serverRandom },
      { name: 'client_random', value: clientRandom },
    ], block);
    const names = ['client_write_MAC_key', 'server_write_MAC_key', 'client_write_key', 'server_write_key', 'client_write_IV', 'server_write_IV'];
    const parts: Uint8Array[] = [];
    let offset = 0;
    sizes.forEach((n, i) => {
      const part = block.slice(offset, offset + n);
      if (n > 0) {
        this.emit({ kind: 'key', op: 'key_block slice', name: names[i], label: `bytes ${offset}..${offset + n}`, inputs: [{ name: 'key_block', value: toHex(block) }], output: toHex(part), hash: this.hash });
      }
      parts.push(part);
      offset += n;
    });
    return { clientMacKey: parts[0], serverMacKey: parts[1], clientKey: parts[2], serverKey: parts[3], clientIv: parts[4], serverIv: parts[5] };
  }

  /**
   * RFC 5705 §4 keying material exporter: PRF(master_secret, label, client_random + server_random
   * [+ uint16 context length + context])[0..length-1], with the suite's PRF hash. No context (null) and an empty
   * one differ: the empty one still adds its two length bytes (in TLS 1.3 both are the same). `ems`: whether this
   * session has the extended master secret; without it the trace says what that costs.
   */
  async exportKeyingMaterial(label: string, clientRandom: Uint8Array, serverRandom: Uint8Array, context: Uint8Array | null, length: number, ems: boolean): Promise<Uint8Array> {
    if (!Number.isInteger(length) || length < 1) throw new TlsError('BAD_OPTION', `keying material length must be a positive whole number, got ${length}`);
    const reserved = RESERVED_LABELS.find((r) => label.startsWith(r));
    if (reserved) throw new TlsError('BAD_OPTION', `exporter label "${label}" starts with "${reserved}", a label TLS 1.2 uses itself (RFC 5705 §4)`);
    if (context && context.length > 0xffff) throw new TlsError('BAD_OPTION', `exporter context of ${context.length} bytes: at most 65535 (its length is a uint16, RFC 5705 §4)`);
    if (!ems) this.emit({ kind: 'note', text: noEmsExporterNote });
    const seed = context ? concat(clientRandom, serverRandom, Uint8Array.of(context.length >> 8, context.length & 0xff), context) : concat(clientRandom, serverRandom);
    const out = await prf(this.hash, this.secret, label, seed, length);
    const inputs: Input[] = [
      { name: 'master_secret', value: this.secret },
      { name: 'client_random', value: clientRandom },
      { name: 'server_random', value: serverRandom },
    ];
    if (context) inputs.push({ name: `context (${context.length} bytes, after its uint16 length)`, value: context });
    // The caller gets `out`: the event keeps a copy of its own.
    reportPrf(this.emit, this.hash, 'exported_keying_material', label, inputs, Uint8Array.from(out));
    return out;
  }

  /** verify_data = PRF(master_secret, "client finished" | "server finished", Hash(handshake_messages))[0..11]. */
  async verifyData(side: 'client' | 'server', handshakeHash: Uint8Array): Promise<Uint8Array> {
    const label = `${side} finished`;
    const out = await prf(this.hash, this.secret, label, handshakeHash, 12);
    return reportPrf(this.emit, this.hash, `${side}_verify_data`, label, [{ name: 'master_secret', value: this.secret }], out, handshakeHash);
  }
}

function reportPrf(emit: Emit, hash: HashName, name: string, label: string, inputs: Input[], output: Uint8Array, context?: Uint8Array): Uint8Array {
  emit({
    kind: 'key',
    op: 'PRF',
    name,
    label,
    ...(context ? { context: toHex(context) } : {}),
    inputs: inputs.map((i) => ({ name: i.name, value: toHex(i.value) })),
    output: toHex(output),
    hash,
  });
  return output;
}
