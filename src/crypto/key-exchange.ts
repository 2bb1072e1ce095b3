// Ephemeral key shares for TLS 1.3: X25519, P-256, P-384 and P-521 from the active crypto provider, the hybrid
// X25519MLKEM768 (hybrid-kem.ts), and the RFC 7919 finite-field groups (ffdhe.ts, shared with TLS 1.2 DHE). Peer
// shares are validated before use; a bad one is an illegal_parameter alert (RFC 8446 §4.2.8).
import { tlsFailure } from '../tls/errors.ts';
import { clientHybridShare, MLKEM768_SEED, serverHybridResponse } from './hybrid-kem.ts';
import { GROUPS, type GroupName } from '../tls/suites.ts';
import { cryptoProvider, randomBytes, type EcdhGroup, type EcdhKeyPair } from './provider.ts';
import { dhKeyPair, FFDHE_GROUPS, type FfdheGroupName } from './ffdhe.ts';

export type { GroupName };

export interface KeyShare {
  group: GroupName;
  /** X25519: the raw 32 bytes; P-curves: the uncompressed point 0x04 || X || Y. */
  publicKey: Uint8Array;
  /** The (EC)DHE shared secret with the peer's share (the x-coordinate for P-curves). */
  computeSharedSecret(peerPublic: Uint8Array): Promise<Uint8Array>;
}

/** Private scalar length in bytes. */
const SCALAR_LENGTH: Record<EcdhGroup, number> = { x25519: 32, secp256r1: 32, secp384r1: 48, secp521r1: 66 };

function scalarLength(group: EcdhGroup): number {
  const n = SCALAR_LENGTH[group];
  if (!n) throw new Error(`unsupported key-exchange group ${String(group)}`);
  return n;
}

function isFiniteField(group: GroupName): group is FfdheGroupName {
  return group in FFDHE_GROUPS;
}

/** Bytes of a finite-field group's private exponent: the size RFC 7919 Appendix A suggests for its strength. */
function exponentLength(group: FfdheGroupName): number {
  return Math.ceil(FFDHE_GROUPS[group].exponentBits / 8);
}

/**
 * Bytes of private randomness a share needs: the scalar, the exponent of a finite-field group, or for the hybrid the
 * ML-KEM seed then the X25519 scalar.
 */
export function privateKeyLength(group: GroupName): number {
  if (isFiniteField(group)) return exponentLength(group);
  return group === 'X25519MLKEM768' ? MLKEM768_SEED + 32 : scalarLength(group);
}

/** A fresh ephemeral key share. */
export async function generateKeyShare(group: GroupName): Promise<KeyShare> {
  if (group === 'X25519MLKEM768') return { group, ...(await clientHybridShare(await generateKeyShare('x25519'))) };
  if (isFiniteField(group)) return finiteFieldShare(group, randomBytes(exponentLength(group)));
  scalarLength(group);
  return makeShare(group, await cryptoProvider().keyExchange.generate(group));
}

/**
 * A key share from a known private key, for reproducible handshakes (RFC 8448 traces, classroom
 * replays). X25519: the raw 32-byte scalar; P-curves: the big-endian scalar of the curve's size.
 */
export async function importKeyShare(group: GroupName, privateKey: Uint8Array): Promise<KeyShare> {
  if (group === 'X25519MLKEM768') {
    if (privateKey.length !== MLKEM768_SEED + 32) throw new Error(`${group} private randomness must be ${MLKEM768_SEED + 32} bytes (ML-KEM seed + X25519 scalar), got ${privateKey.length}`);
    const x25519 = await importKeyShare('x25519', privateKey.subarray(MLKEM768_SEED));
    return { group, ...(await clientHybridShare(x25519, privateKey.subarray(0, MLKEM768_SEED))) };
  }
  if (isFiniteField(group)) {
    if (privateKey.length !== exponentLength(group)) throw new Error(`${group} private randomness must be ${exponentLength(group)} bytes, got ${privateKey.length}`);
    return finiteFieldShare(group, privateKey);
  }
  const length = scalarLength(group);
  if (privateKey.length !== length) throw new Error(`${group} private key must be ${length} bytes, got ${privateKey.length}`);
  return makeShare(group, await cryptoProvider().keyExchange.import(group, privateKey));
}

/**
 * The server's side of a TLS 1.3 key exchange: given the client's share for a group, our share for the
 * ServerHello and the shared secret. For (EC)DHE a fresh key pair; for X25519MLKEM768 an ML-KEM encapsulation to
 * the client's key plus a fresh X25519 half. `ours` injects a prepared X25519/EC share (replayable runs).
 */
export async function respondToKeyShare(group: GroupName, clientShare: Uint8Array, ours?: KeyShare): Promise<{ serverShare: Uint8Array; sharedSecret: Uint8Array }> {
  if (group === 'X25519MLKEM768') return serverHybridResponse(clientShare, ours ?? (await generateKeyShare('x25519')));
  const share = ours ?? (await generateKeyShare(group));
  return { serverShare: share.publicKey, sharedSecret: await share.computeSharedSecret(clientShare) };
}

function makeShare(group: EcdhGroup, pair: EcdhKeyPair): KeyShare {
  return {
    group,
    publicKey: pair.publicKey,
    async computeSharedSecret(peerPublic: Uint8Array): Promise<Uint8Array> {
      checkPeerShare(group, peerPublic);
      let secret: Uint8Array;
      try {
        secret = await pair.agree(peerPublic);
      } catch (cause) {
        // Providers refuse a P-curve point off the curve, and X25519 small-order points (all-zero result).
        throw group === 'x25519'
          ? illegal(`the peer's ${group} key share gives no usable shared secret (small-order point)`, cause)
          : illegal(`the ${group} key share is not a point on the curve`, cause);
      }
      if (secret.every((b) => b === 0)) throw illegal(`the ${group} shared secret is all zeros (the peer sent a small-order point)`);
      return secret;
    },
  };
}

/**
 * A finite-field share (RFC 8446 §4.2.8.1): Y = g^x mod p padded to the prime's size; the shared secret Z likewise
 * padded (§7.4.1), where TLS 1.2 DHE strips its leading zeros.
 */
function finiteFieldShare(group: FfdheGroupName, exponent: Uint8Array): KeyShare {
  const { p, g, exponentBits, byteLength } = FFDHE_GROUPS[group];
  const pair = dhKeyPair(p, g, exponentBits, () => exponent);
  return {
    group,
    publicKey: pair.publicKey,
    async computeSharedSecret(peerPublic: Uint8Array): Promise<Uint8Array> {
      if (peerPublic.length !== byteLength) throw illegal(`a key share for ${group} must be ${byteLength} bytes (the prime's size, RFC 8446 §4.2.8.1), got ${peerPublic.length}`);
      let z: Uint8Array;
      try {
        z = pair.computeSharedSecret(peerPublic);
      } catch (cause) {
        throw illegal(`the peer's ${group} key share is unusable: ${(cause as Error).message}`, cause);
      }
      const padded = new Uint8Array(byteLength);
      padded.set(z, byteLength - z.length);
      return padded;
    },
  };
}

function checkPeerShare(group: EcdhGroup, share: Uint8Array): void {
  const expected = GROUPS[group].shareLength;
  if (share.length !== expected) throw illegal(`a key share for ${group} must be ${expected} bytes, got ${share.length}`);
  if (group !== 'x25519' && share[0] !== 0x04) {
    throw illegal(`a key share for ${group} must be an uncompressed point (first byte 0x04), got 0x${share[0].toString(16).padStart(2, '0')}`);
  }
}

function illegal(message: string, cause?: unknown) {
  return tlsFailure('ILLEGAL_PARAMETER', message, { cause });
}
