// Ephemeral key shares for TLS 1.3: X25519, P-256 and P-384 over WebCrypto, and the hybrid X25519MLKEM768
// (hybrid-kem.ts). Peer shares are validated before use; a bad one is an illegal_parameter alert (RFC 8446 §4.2.8).
import { tlsFailure } from '../tls/errors.ts';
import { concat } from '../util/bytes.ts';
import { clientHybridShare, MLKEM768_SEED, serverHybridResponse } from './hybrid-kem.ts';

import { GROUPS, type GroupName } from '../tls/suites.ts';
import { bufferSource, subtle } from './webcrypto.ts';

export type { GroupName };

export interface KeyShare {
  group: GroupName;
  /** X25519: the raw 32 bytes; P-curves: the uncompressed point 0x04 || X || Y. */
  publicKey: Uint8Array;
  /** The (EC)DHE shared secret with the peer's share (the x-coordinate for P-curves). */
  computeSharedSecret(peerPublic: Uint8Array): Promise<Uint8Array>;
}

interface GroupParams {
  algorithm: { name: 'X25519' } | { name: 'ECDH'; namedCurve: 'P-256' | 'P-384' };
  bits: number;
  /** Private scalar length in bytes. */
  scalarLength: number;
  curveOid?: Uint8Array;
}

type EcdhGroup = Exclude<GroupName, 'X25519MLKEM768'>;

const PARAMS: Record<EcdhGroup, GroupParams> = {
  x25519: { algorithm: { name: 'X25519' }, bits: 256, scalarLength: 32 },
  // OIDs 1.2.840.10045.3.1.7 and 1.3.132.0.34, DER-encoded with tag and length.
  secp256r1: { algorithm: { name: 'ECDH', namedCurve: 'P-256' }, bits: 256, scalarLength: 32, curveOid: Uint8Array.of(0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07) },
  secp384r1: { algorithm: { name: 'ECDH', namedCurve: 'P-384' }, bits: 384, scalarLength: 48, curveOid: Uint8Array.of(0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22) },
};

function params(group: EcdhGroup): GroupParams {
  const p = PARAMS[group];
  if (!p) throw new Error(`unsupported key-exchange group ${String(group)}`);
  return p;
}

/** Bytes of private randomness a share needs: the scalar, or for the hybrid the ML-KEM seed then the X25519 scalar. */
export function privateKeyLength(group: GroupName): number {
  return group === 'X25519MLKEM768' ? MLKEM768_SEED + 32 : params(group).scalarLength;
}

/** A fresh ephemeral key share. */
export async function generateKeyShare(group: GroupName): Promise<KeyShare> {
  if (group === 'X25519MLKEM768') return { group, ...clientHybridShare(await generateKeyShare('x25519')) };
  const p = params(group);
  const pair = (await subtle().generateKey(p.algorithm, false, ['deriveBits'])) as CryptoKeyPair;
  const publicKey = new Uint8Array(await subtle().exportKey('raw', pair.publicKey));
  return makeShare(group, pair.privateKey, publicKey);
}

/**
 * A key share from a known private key, for reproducible handshakes (RFC 8448 traces, classroom
 * replays). X25519: the raw 32-byte scalar; P-curves: the big-endian scalar of the curve's size.
 */
export async function importKeyShare(group: GroupName, privateKey: Uint8Array): Promise<KeyShare> {
  if (group === 'X25519MLKEM768') {
    if (privateKey.length !== MLKEM768_SEED + 32) throw new Error(`${group} private randomness must be ${MLKEM768_SEED + 32} bytes (ML-KEM seed + X25519 scalar), got ${privateKey.length}`);
    const x25519 = await importKeyShare('x25519', privateKey.subarray(MLKEM768_SEED));
    return { group, ...clientHybridShare(x25519, privateKey.subarray(0, MLKEM768_SEED)) };
  }
  const p = params(group);
  if (privateKey.length !== p.scalarLength) throw new Error(`${group} private key must be ${p.scalarLength} bytes, got ${privateKey.length}`);
  const pkcs8 = group === 'x25519' ? x25519Pkcs8(privateKey) : ecPkcs8(p.curveOid!, privateKey);
  // Extractable only long enough to read the public half from the JWK export; the share keeps
  // a non-extractable copy.
  const extractable = await subtle().importKey('pkcs8', bufferSource(pkcs8), p.algorithm, true, ['deriveBits']);
  const jwk = await subtle().exportKey('jwk', extractable);
  const publicKey = group === 'x25519' ? base64UrlDecode(jwk.x!) : concat(Uint8Array.of(4), base64UrlDecode(jwk.x!), base64UrlDecode(jwk.y!));
  const key = await subtle().importKey('pkcs8', bufferSource(pkcs8), p.algorithm, false, ['deriveBits']);
  return makeShare(group, key, publicKey);
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

function makeShare(group: EcdhGroup, privateKey: CryptoKey, publicKey: Uint8Array): KeyShare {
  const p = params(group);
  return {
    group,
    publicKey,
    async computeSharedSecret(peerPublic: Uint8Array): Promise<Uint8Array> {
      const peer = await importPeerShare(group, peerPublic);
      let secret: Uint8Array;
      try {
        secret = new Uint8Array(await subtle().deriveBits({ name: p.algorithm.name, public: peer } as EcdhKeyDeriveParams, privateKey, p.bits));
      } catch (cause) {
        // X25519 implementations refuse small-order points here (all-zero result).
        throw illegal(`the peer's ${group} key share gives no usable shared secret (small-order point)`, cause);
      }
      if (secret.every((b) => b === 0)) throw illegal(`the ${group} shared secret is all zeros (the peer sent a small-order point)`);
      return secret;
    },
  };
}

async function importPeerShare(group: EcdhGroup, share: Uint8Array): Promise<CryptoKey> {
  const p = params(group);
  const expected = GROUPS[group].shareLength;
  if (share.length !== expected) throw illegal(`a ${group} key share must be ${expected} bytes, got ${share.length}`);
  if (group !== 'x25519' && share[0] !== 0x04) {
    throw illegal(`a ${group} key share must be an uncompressed point (first byte 0x04), got 0x${share[0].toString(16).padStart(2, '0')}`);
  }
  try {
    return await subtle().importKey('raw', bufferSource(share), p.algorithm, true, []);
  } catch (cause) {
    throw illegal(`the ${group} key share is not a point on the curve`, cause);
  }
}

function illegal(message: string, cause?: unknown) {
  return tlsFailure('ILLEGAL_PARAMETER', message, { cause });
}

// PKCS#8 PrivateKeyInfo for X25519 (RFC 8410): the fixed prefix is
// SEQUENCE { INTEGER 0, SEQUENCE { OID 1.3.101.110 }, OCTET STRING { OCTET STRING (32) } }.
function x25519Pkcs8(scalar: Uint8Array): Uint8Array {
  return concat(Uint8Array.of(0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20), scalar);
}

// PKCS#8 PrivateKeyInfo holding an RFC 5915 ECPrivateKey without the optional public key;
// WebCrypto implementations recompute the public point from the scalar.
function ecPkcs8(curveOid: Uint8Array, scalar: Uint8Array): Uint8Array {
  const ecPublicKeyOid = Uint8Array.of(0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01);
  const ecPrivateKey = der(0x30, concat(Uint8Array.of(0x02, 0x01, 0x01), der(0x04, scalar)));
  return der(0x30, concat(Uint8Array.of(0x02, 0x01, 0x00), der(0x30, concat(ecPublicKeyOid, curveOid)), der(0x04, ecPrivateKey)));
}

function der(tag: number, body: Uint8Array): Uint8Array {
  const n = body.length;
  const len = n < 0x80 ? Uint8Array.of(n) : n < 0x100 ? Uint8Array.of(0x81, n) : Uint8Array.of(0x82, n >> 8, n & 0xff);
  return concat(Uint8Array.of(tag), len, body);
}

function base64UrlDecode(s: string): Uint8Array {
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
