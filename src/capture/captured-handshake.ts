// What the capture has shown of the current handshake, kept for the checks and keys that come later in it: the
// ClientHello and both randoms, the suite, the messages so far, each side's certificate, the secrets from the key
// log. Filled in as the decoder reads the handshake (handshake-reader.ts); read by handshake-proofs.ts and key-log-keys.ts.
import type { Side } from '../trace/types.ts';
import { concatAll } from '../util/bytes.ts';
import { digest, type ClientHello, type KeyExchange12, type MasterStage12, type Tls13Suite } from './engine.ts';
import type { LegacyMasterSecret } from './legacy-schedule.ts';
import type { LegacyCipherSuite } from './legacy-cipher-suites.ts';

export class CapturedHandshake {
  clientHello: ClientHello | null = null;
  clientRandom: Uint8Array | null = null;
  serverRandom: Uint8Array | null = null;
  /** TLS 1.3's suite, once the ServerHello named one the engine has. */
  suite13: Tls13Suite | null = null;
  /** The cipher suite code the ServerHello chose (TLS 1.2 and older). */
  suiteCode: number | null = null;
  /** An RC4 or 3DES suite the ServerHello chose (TLS 1.0 to 1.2; not in the engine's table). */
  legacyCipher: LegacyCipherSuite | null = null;
  /** TLS 1.2's key exchange (the ServerKeyExchange's form depends on it). */
  kx: KeyExchange12 | undefined;
  /** TLS 1.2 with a CBC suite: both hellos agreed on encrypt_then_mac. */
  etm = false;
  /** The current handshake's messages in order (TLS 1.3: from the ClientHello, or the HelloRetryRequest's stand-in). */
  transcript: Uint8Array[] = [];
  /** Each side's leaf certificate, for its CertificateVerify. */
  leaf: Partial<Record<Side, Uint8Array>> = {};
  /**
   * Each side's chain, for a DSA leaf key whose parameters are its issuers' (RFC 3279 §2.3.2): as the peer sent it,
   * and the path the certificate check built from it (leaf first, DER as hex), when there was a check.
   */
  chain: Partial<Record<Side, { sent: Uint8Array[]; built?: readonly { der: string; source: 'peer' | 'anchor' }[] }>> = {};
  /** The schemes the server's CertificateRequest of this handshake asked the client to sign with (null: none seen). */
  requestedSchemes: number[] | null = null;
  /** TLS 1.3 handshake traffic secrets, for the Finished checks. */
  handshakeSecrets: Partial<Record<Side, Uint8Array>> = {};
  /** TLS 1.2: the master secret of the current handshake, for the Finished checks. */
  master12: MasterStage12 | null = null;
  /** TLS 1.0 and 1.1: the same, with their own PRF and Finished hash. */
  master10: LegacyMasterSecret | null = null;

  /** The current handshake's messages joined: what a TLS 1.2 CertificateVerify signs. */
  transcriptBytes(): Uint8Array {
    return concatAll(this.transcript);
  }

  transcriptHash(hash: Parameters<typeof digest>[0]): Promise<Uint8Array> {
    return digest(hash, this.transcriptBytes());
  }
}
