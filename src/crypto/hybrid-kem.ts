// X25519MLKEM768 (0x11EC, draft-ietf-tls-ecdhe-mlkem): ML-KEM-768 (FIPS 203, @noble/post-quantum) beside X25519
// (WebCrypto). The ML-KEM part comes first in every field of this group (unlike the P-curve hybrids):
//   client share  = ML-KEM-768 encapsulation key (1184) || X25519 public key (32)  = 1216 bytes
//   server share  = ML-KEM-768 ciphertext (1088)         || X25519 public key (32)  = 1120 bytes
//   shared secret = ML-KEM-768 shared secret (32)        || X25519 shared secret (32) = 64 bytes
// The client generates and later decapsulates; the server encapsulates to the client's key.
import { tlsFailure } from '../tls/errors.ts';
import { concat } from '../util/bytes.ts';

// ML-KEM loads when a hybrid share is first made or answered: the browser worker compiles it only for an offer that
// has the group.
let mlKem: Promise<typeof import('@noble/post-quantum/ml-kem.js')> | undefined;
const loadMlKem = () =>
  (mlKem ??= import('@noble/post-quantum/ml-kem.js').catch((e: unknown) => {
    mlKem = undefined; // the next handshake tries again
    throw new Error(`ML-KEM-768 (for the X25519MLKEM768 group) could not be loaded (${(e as Error).message || String(e)})`);
  }));

export const MLKEM768_ENCAPSULATION_KEY = 1184;
export const MLKEM768_CIPHERTEXT = 1088;
export const MLKEM768_SEED = 64;
const X25519_LENGTH = 32;
export const X25519MLKEM768_CLIENT_SHARE = MLKEM768_ENCAPSULATION_KEY + X25519_LENGTH;
export const X25519MLKEM768_SERVER_SHARE = MLKEM768_CIPHERTEXT + X25519_LENGTH;

/** One half of the X25519 exchange, as key-exchange.ts provides it (kept abstract so the two modules do not loop). */
export interface X25519Half {
  publicKey: Uint8Array;
  computeSharedSecret(peerPublic: Uint8Array): Promise<Uint8Array>;
}

/** How the hybrid's fields split, for the trace and the key-schedule view. */
export interface HybridLayout {
  part: 'ML-KEM-768' | 'X25519';
  clientShareBytes: number;
  serverShareBytes: number;
  secretBytes: number;
}

export const X25519MLKEM768_LAYOUT: readonly HybridLayout[] = [
  { part: 'ML-KEM-768', clientShareBytes: MLKEM768_ENCAPSULATION_KEY, serverShareBytes: MLKEM768_CIPHERTEXT, secretBytes: 32 },
  { part: 'X25519', clientShareBytes: X25519_LENGTH, serverShareBytes: X25519_LENGTH, secretBytes: 32 },
];

/** The parts of a hybrid group for the trace's key-exchange event; undefined for a plain (EC)DHE group. */
export function hybridLayout(group: string): HybridLayout[] | undefined {
  return group === 'X25519MLKEM768' ? X25519MLKEM768_LAYOUT.map((p) => ({ ...p })) : undefined;
}

/** `{ parts }` for a hybrid group, nothing for another: a trace event has no key without a value. */
export function hybridParts(group: string): { parts?: HybridLayout[] } {
  const parts = hybridLayout(group);
  return parts ? { parts } : {};
}

/** The client's hybrid share: ML-KEM key pair (from a 64-byte seed, fresh unless given) and an X25519 half. */
export async function clientHybridShare(x25519: X25519Half, seed?: Uint8Array) {
  if (seed && seed.length !== MLKEM768_SEED) throw new Error(`an ML-KEM-768 seed must be ${MLKEM768_SEED} bytes, got ${seed.length}`);
  const { ml_kem768 } = await loadMlKem();
  const { publicKey: encapsulationKey, secretKey } = ml_kem768.keygen(seed);
  return {
    publicKey: concat(encapsulationKey, x25519.publicKey),
    /** The server's share is ciphertext || X25519 key; the secret is ML-KEM secret || X25519 secret. */
    async computeSharedSecret(serverShare: Uint8Array): Promise<Uint8Array> {
      if (serverShare.length !== X25519MLKEM768_SERVER_SHARE) {
        throw illegal(`an X25519MLKEM768 server share must be ${X25519MLKEM768_SERVER_SHARE} bytes (ML-KEM-768 ciphertext ${MLKEM768_CIPHERTEXT} + X25519 ${X25519_LENGTH}), got ${serverShare.length}`);
      }
      const kemSecret = ml_kem768.decapsulate(serverShare.subarray(0, MLKEM768_CIPHERTEXT), secretKey);
      const ecdhSecret = await x25519.computeSharedSecret(serverShare.subarray(MLKEM768_CIPHERTEXT));
      return concat(kemSecret, ecdhSecret);
    },
  };
}

/**
 * The server's answer to a client's hybrid share: encapsulate to its ML-KEM key, and run X25519 with our fresh
 * half. A malformed share (wrong length, encapsulation key failing FIPS 203's modulus check, small-order X25519
 * point) is an illegal_parameter alert.
 */
export async function serverHybridResponse(clientShare: Uint8Array, x25519: X25519Half): Promise<{ serverShare: Uint8Array; sharedSecret: Uint8Array }> {
  if (clientShare.length !== X25519MLKEM768_CLIENT_SHARE) {
    throw illegal(`an X25519MLKEM768 client share must be ${X25519MLKEM768_CLIENT_SHARE} bytes (ML-KEM-768 encapsulation key ${MLKEM768_ENCAPSULATION_KEY} + X25519 ${X25519_LENGTH}), got ${clientShare.length}`);
  }
  const { ml_kem768 } = await loadMlKem();
  let encapsulated: { cipherText: Uint8Array; sharedSecret: Uint8Array };
  try {
    encapsulated = ml_kem768.encapsulate(clientShare.subarray(0, MLKEM768_ENCAPSULATION_KEY));
  } catch (cause) {
    throw illegal('the ML-KEM-768 encapsulation key in the X25519MLKEM768 share is not valid (FIPS 203 §7.2 input check)', cause);
  }
  const ecdhSecret = await x25519.computeSharedSecret(clientShare.subarray(MLKEM768_ENCAPSULATION_KEY));
  return { serverShare: concat(encapsulated.cipherText, x25519.publicKey), sharedSecret: concat(encapsulated.sharedSecret, ecdhSecret) };
}

function illegal(message: string, cause?: unknown) {
  return tlsFailure('ILLEGAL_PARAMETER', message, { cause });
}
