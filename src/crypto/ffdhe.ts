// Finite-field Diffie-Hellman for TLS 1.2 DHE (RFC 5246 §8.1.2) with the named groups of RFC 7919: the primes by
// the RFC's one formula, key pairs, and the shared secret with the peer value checks RFC 7919 §5.1 asks for.
// WebCrypto has no DH, so the arithmetic is native BigInt. Shared by the client (a server's p and g) and the server (a named group).

/**
 * RFC 7919 Appendix A builds every group's prime from the binary digits of e: here the first 3,968 of them
 * (floor(2^3966 e)), big-endian hex. Each group takes as many as its size needs.
 */
const E_DIGITS = BigInt(
  '0x' +
    [
      'ADF85458A2BB4A9AAFDC5620273D3CF1D8B9C583CE2D3695A9E13641146433FB',
      'CC939DCE249B3EF97D2FE363630C75D8F681B202AEC4617AD3DF1ED5D5FD6561',
      '2433F51F5F066ED0856365553DED1AF3B557135E7F57C935984F0C70E0E68B77',
      'E2A689DAF3EFE8721DF158A136ADE73530ACCA4F483A797ABC0AB182B324FB61',
      'D108A94BB2C8E3FBB96ADAB760D7F4681D4F42A3DE394DF4AE56EDE76372BB19',
      '0B07A7C8EE0A6D709E02FCE1CDF7E2ECC03404CD28342F619172FE9CE98583FF',
      '8E4F1232EEF28183C3FE3B1B4C6FAD733BB5FCBC2EC22005C58EF1837D1683B2',
      'C6F34A26C1B2EFFA886B4238611FCFDCDE355B3B6519035BBC34F4DEF99C0238',
      '61B46FC9D6E6C9077AD91D2691F7F7EE598CB0FAC186D91CAEFE130985139270',
      'B4130C93BC437944F4FD4452E2D74DD364F2E21E71F54BFF5CAE82AB9C9DF69E',
      'E86D2BC522363A0DABC521979B0DEADA1DBF9A42D5C4484E0ABCD06BFA53DDEF',
      '3C1B20EE3FD59D7C25E41D2B669E1EF16E6F52C3164DF4FB7930E9E4E58857B6',
      'AC7D5F42D69F6D187763CF1D5503400487F55BA57E31CC7A7135C886EFB4318A',
      'ED6A1E012D9E6832A907600A918130C46DC778F971AD0038092999A333CB8B7A',
      '1A1DB93D7140003C2A4ECEA9F98D0ACC0A8291CDCEC97DCF8EC9B55A7F88A46B',
      '4DB5A851F44182E1C68A007E5E0DD902',
    ].join(''),
);
const E_BITS = 3968;

export type FfdheGroupName = 'ffdhe2048' | 'ffdhe3072' | 'ffdhe4096';

/**
 * RFC 7919 Appendix A: p = 2^b - 2^(b-64) + {[2^(b-130) e] + X} * 2^64 - 1 (its top and bottom 64 bits all ones),
 * where X is the smallest offset that makes p a safe prime.
 */
function rfc7919Prime(bits: number, offset: bigint): bigint {
  const b = BigInt(bits);
  const eDigits = E_DIGITS >> BigInt(E_BITS - (bits - 128));
  return (1n << b) - (1n << (b - 64n)) + (eDigits + offset) * (1n << 64n) - 1n;
}

export interface FfdheGroup {
  name: FfdheGroupName;
  /** The supported_groups code point (RFC 7919 §2). */
  code: number;
  p: bigint;
  g: bigint;
  /** Bytes of p (and of a public value padded to it). */
  byteLength: number;
  /** Private exponent size in bits: twice the group's estimated strength, as RFC 7919 Appendix A suggests. */
  exponentBits: number;
}

function group(name: FfdheGroupName, code: number, bits: number, offset: bigint, exponentBits: number): FfdheGroup {
  return { name, code, p: rfc7919Prime(bits, offset), g: 2n, byteLength: bits / 8, exponentBits };
}

/** Each group: its code point, size in bits, the RFC's offset X, and the private exponent size. */
export const FFDHE_GROUPS: Readonly<Record<FfdheGroupName, FfdheGroup>> = {
  ffdhe2048: group('ffdhe2048', 0x0100, 2048, 560316n, 225),
  ffdhe3072: group('ffdhe3072', 0x0101, 3072, 2625351n, 275),
  ffdhe4096: group('ffdhe4096', 0x0102, 4096, 5736041n, 325),
};

export function ffdheGroupByCode(code: number): FfdheGroup | undefined {
  return Object.values(FFDHE_GROUPS).find((g) => g.code === code);
}

export function ffdheGroupByName(name: string): FfdheGroup | undefined {
  return FFDHE_GROUPS[name.toLowerCase() as FfdheGroupName];
}

/** The named group whose prime and generator these are, if any (a client names what a server sent). */
export function ffdheGroupOf(p: bigint, g: bigint): FfdheGroup | undefined {
  return Object.values(FFDHE_GROUPS).find((x) => x.p === p && x.g === g);
}

export function bytesToBigInt(b: Uint8Array): bigint {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

/** Big-endian bytes; `length` pads with leading zeros, 0 gives the minimal encoding. */
export function bigIntToBytes(v: bigint, length = 0): Uint8Array {
  const hex = v.toString(16);
  const raw = hex.length % 2 ? '0' + hex : hex;
  const n = Math.max(length, raw.length / 2);
  const out = new Uint8Array(n);
  for (let i = 0; i < raw.length / 2; i++) out[n - raw.length / 2 + i] = parseInt(raw.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let result = 1n;
  let b = base % mod;
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % mod;
    b = (b * b) % mod;
    e >>= 1n;
  }
  return result;
}

/** Why a peer's public value is unusable (RFC 7919 §5.1: 1 < Y < p-1), or null when it is fine. */
export function badPublicValue(y: bigint, p: bigint): string | null {
  return y <= 1n || y >= p - 1n ? 'the DH public value is out of range (1 < Y < p-1)' : null;
}

export interface DhKeyPair {
  /** Our public value g^x mod p, padded to the length of p. */
  publicKey: Uint8Array;
  /**
   * Z = Y^x mod p with its leading zero bytes stripped (RFC 5246 §8.1.2); throws on a peer value out of range
   * or a degenerate result.
   */
  computeSharedSecret(peerPublic: Uint8Array): Uint8Array;
}

/** A fresh key pair: a random exponent of `exponentBits` bits (its top bit set), from `random`. */
export function dhKeyPair(p: bigint, g: bigint, exponentBits: number, random: (n: number) => Uint8Array): DhKeyPair {
  const bytes = Math.ceil(exponentBits / 8);
  const x = (bytesToBigInt(random(bytes)) & ((1n << BigInt(exponentBits)) - 1n)) | (1n << BigInt(exponentBits - 1));
  const pLength = bigIntToBytes(p).length;
  return {
    publicKey: bigIntToBytes(modPow(g, x, p), pLength),
    computeSharedSecret(peerPublic) {
      const y = bytesToBigInt(peerPublic);
      const bad = badPublicValue(y, p);
      if (bad) throw new Error(bad);
      const z = modPow(y, x, p);
      if (z <= 1n || z === p - 1n) throw new Error('the DH shared secret is degenerate');
      return bigIntToBytes(z);
    },
  };
}
