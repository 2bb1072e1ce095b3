// TLS 1.0 and 1.1's key derivations from a master secret in the key log (a CLIENT_RANDOM line), each reported as a
// 'key' event like the TLS 1.2 schedule's: the key block (RFC 2246 §6.3; RFC 4346 §6.3 drops its two IVs, as each
// TLS 1.1 record carries its own) and both Finished values (RFC 2246 §7.4.9), with the TLS 1.0 PRF
// (crypto/prf10.ts) in place of TLS 1.2's.
import type { Emit } from '../trace/recorder.ts';
import { concat, toHex } from '../util/bytes.ts';
import { md5Sha1, prf10 } from '../crypto/prf10.ts';

/** What the trace names the PRF's hash (two hashes, XORed; and the Finished hash, joined). */
export const LEGACY_PRF_HASH = 'MD5+SHA-1';
/** What the key block is cut into: the MAC key and cipher key lengths, and TLS 1.0's IV (the cipher's block; 0 for RC4). */
export interface LegacyKeySizes {
  macLength: number;
  keyLength: number;
  ivLength: number;
}

export interface LegacyKeyBlock {
  clientMacKey: Uint8Array;
  serverMacKey: Uint8Array;
  clientKey: Uint8Array;
  serverKey: Uint8Array;
  /** TLS 1.0 CBC only: the first record's IV of each side (later ones are the last ciphertext block before them). */
  clientIv: Uint8Array | null;
  serverIv: Uint8Array | null;
}

export class LegacyMasterSecret {
  constructor(
    readonly secret: Uint8Array,
    private readonly emit: Emit,
  ) {}

  /** key_block = PRF(master_secret, "key expansion", server_random || client_random), cut in the RFC's order. */
  keyBlock(key: LegacyKeySizes, version: 0x0301 | 0x0302, clientRandom: Uint8Array, serverRandom: Uint8Array): LegacyKeyBlock {
    const ivLength = version === 0x0301 ? key.ivLength : 0;
    const sizes = [key.macLength, key.macLength, key.keyLength, key.keyLength, ivLength, ivLength];
    const total = sizes.reduce((a, b) => a + b, 0);
    const block = prf10(this.secret, 'key expansion', concat(serverRandom, clientRandom), total);
    this.report('key_block', 'key expansion', [
      ['master_secret', this.secret],
      ['server_random', serverRandom],
      ['client_random', clientRandom],
    ], block);
    const names = ['client_write_MAC_secret', 'server_write_MAC_secret', 'client_write_key', 'server_write_key', 'client_write_IV', 'server_write_IV'];
    const parts: Uint8Array[] = [];
    let offset = 0;
    sizes.forEach((n, i) => {
      const part = block.slice(offset, offset + n);
      if (n > 0) this.emit({ kind: 'key', op: 'key_block slice', name: names[i], label: `bytes ${offset}..${offset + n}`, inputs: [{ name: 'key_block', value: toHex(block) }], output: toHex(part), hash: LEGACY_PRF_HASH });
      parts.push(part);
      offset += n;
    });
    return { clientMacKey: parts[0], serverMacKey: parts[1], clientKey: parts[2], serverKey: parts[3], clientIv: ivLength ? parts[4] : null, serverIv: ivLength ? parts[5] : null };
  }

  /** verify_data = PRF(master_secret, "<side> finished", MD5(handshake_messages) || SHA-1(handshake_messages))[0..11]. */
  verifyData(side: 'client' | 'server', handshakeMessages: Uint8Array): Uint8Array {
    const label = `${side} finished`;
    const hash = md5Sha1(handshakeMessages);
    const out = prf10(this.secret, label, hash, 12);
    this.report(`${side}_verify_data`, label, [['master_secret', this.secret]], out, hash);
    return out;
  }

  private report(name: string, label: string, inputs: [string, Uint8Array][], output: Uint8Array, context?: Uint8Array): void {
    this.emit({
      kind: 'key',
      op: 'PRF',
      name,
      label,
      ...(context ? { context: toHex(context) } : {}),
      inputs: inputs.map(([n, v]) => ({ name: n, value: toHex(v) })),
      output: toHex(output),
      hash: LEGACY_PRF_HASH,
    });
  }
}
