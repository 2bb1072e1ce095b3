// The TLS 1.2 key derivations, each reported to the trace as a `kind: 'key'` event (op 'PRF', its label, inputs
// and output) like the TLS 1.3 schedule: master secret (RFC 5246 §8.1) or extended master secret (RFC 7627 §4),
// the key block and its split (§6.3), and Finished verify_data (§7.4.9).
import type { Emit } from '../../trace/recorder.ts';
import { concat, toHex } from '../../util/bytes.ts';
import type { HashName } from '../crypto/hash.ts';
import { prf } from '../crypto/prf.ts';
import type { Tls12Suite } from '../suites12.ts';

type Input = { name: string; value: Uint8Array };

/** The write keys of both sides, cut from the key block. Empty MAC keys for AEAD suites. */
export interface KeyBlock12 {
  clientMacKey: Uint8Array;
  serverMacKey: Uint8Array;
  clientKey: Uint8Array;
  serverKey: Uint8Array;
  clientIv: Uint8Array;
  serverIv: Uint8Array;
}

export class KeySchedule12 {
  constructor(
    readonly hash: HashName,
    private readonly emit: Emit = () => -1,
  ) {}

  /** master_secret = PRF(pre_master_secret, "master secret", client_random || server_random)[0..47]. */
  async masterSecret(preMaster: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array): Promise<Uint8Array> {
    const out = await prf(this.hash, preMaster, 'master secret', concat(clientRandom, serverRandom), 48);
    return this.report('master_secret', 'master secret', [
      { name: 'pre_master_secret', value: preMaster },
      { name: 'client_random', value: clientRandom },
      { name: 'server_random', value: serverRandom },
    ], out);
  }

  /** RFC 7627: master_secret = PRF(pre_master_secret, "extended master secret", session_hash)[0..47]. */
  async extendedMasterSecret(preMaster: Uint8Array, sessionHash: Uint8Array): Promise<Uint8Array> {
    const out = await prf(this.hash, preMaster, 'extended master secret', sessionHash, 48);
    return this.report('master_secret', 'extended master secret', [
      { name: 'pre_master_secret', value: preMaster },
      { name: 'session_hash (ClientHello .. ClientKeyExchange)', value: sessionHash },
    ], out);
  }

  /** key_block = PRF(master_secret, "key expansion", server_random || client_random), split in the order of §6.3. */
  async keyBlock(master: Uint8Array, suite: Tls12Suite, clientRandom: Uint8Array, serverRandom: Uint8Array): Promise<KeyBlock12> {
    const sizes = [suite.macLength, suite.macLength, suite.keyLength, suite.keyLength, suite.fixedIvLength, suite.fixedIvLength];
    const total = sizes.reduce((a, b) => a + b, 0);
    const block = await prf(this.hash, master, 'key expansion', concat(serverRandom, clientRandom), total);
    this.report('key_block', 'key expansion', [
      { name: 'master_secret', value: master },
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

  /** verify_data = PRF(master_secret, "client finished" | "server finished", Hash(handshake_messages))[0..11]. */
  async verifyData(master: Uint8Array, side: 'client' | 'server', handshakeHash: Uint8Array): Promise<Uint8Array> {
    const label = `${side} finished`;
    const out = await prf(this.hash, master, label, handshakeHash, 12);
    return this.report(`${side}_verify_data`, label, [{ name: 'master_secret', value: master }], out, handshakeHash);
  }

  private report(name: string, label: string, inputs: Input[], output: Uint8Array, context?: Uint8Array): Uint8Array {
    this.emit({
      kind: 'key',
      op: 'PRF',
      name,
      label,
      ...(context ? { context: toHex(context) } : {}),
      inputs: inputs.map((i) => ({ name: i.name, value: toHex(i.value) })),
      output: toHex(output),
      hash: this.hash,
    });
    return output;
  }
}
