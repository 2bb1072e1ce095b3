// The three TLS 1.2 key exchanges, each producing the pre-master secret and what the ClientKeyExchange carries:
//  - ECDHE (RFC 8422): the server's ephemeral point from ServerKeyExchange, ours from the crypto provider;
//  - DHE (RFC 5246 §8.1.2): finite-field Diffie-Hellman (src/crypto/ffdhe.ts, shared with the server);
//  - static RSA (RFC 5246 §7.4.7.1): the client picks the secret and encrypts it to the server's certificate key
//    with RSAES-PKCS1-v1_5 (not in WebCrypto: padding by hand, then m^e mod n). No forward secrecy.
import { tlsFailure } from '../errors.ts';
import { concat } from '../../util/bytes.ts';
import { generateKeyShare, type KeyShare } from '../../crypto/key-exchange.ts';
import { rsaPublicNumbers } from '../../crypto/signature.ts';
import { badPublicValue, bigIntToBytes, bytesToBigInt, dhKeyPair, ffdheGroupOf, modPow } from '../../crypto/ffdhe.ts';

import { GROUP_NAMES } from '../suites.ts';

export interface ExchangeResult {
  preMaster: Uint8Array;
  /** What goes into the ClientKeyExchange. */
  clientPublic: Uint8Array;
  group: string;
}

export async function ecdheExchange(groupCode: number, serverPublic: Uint8Array, ours?: KeyShare): Promise<ExchangeResult> {
  const name = GROUP_NAMES[groupCode];
  const share = ours ?? (await generateKeyShare(name));
  const preMaster = await share.computeSharedSecret(serverPublic);
  return { preMaster, clientPublic: share.publicKey, group: name };
}

const illegal = (m: string) => tlsFailure('ILLEGAL_PARAMETER', m);

/** Smallest DH prime accepted: below 2048 bits (Logjam) the exchange is refused. */
const MIN_DH_BITS = 2048;

export function dheExchange(pBytes: Uint8Array, gBytes: Uint8Array, ysBytes: Uint8Array, random: (n: number) => Uint8Array): ExchangeResult {
  const p = bytesToBigInt(pBytes);
  const g = bytesToBigInt(gBytes);
  const ys = bytesToBigInt(ysBytes);
  const bits = p.toString(2).length;
  if (bits < MIN_DH_BITS) throw tlsFailure('WEAK_DH_GROUP', `the server's DH prime has ${bits} bits; at least ${MIN_DH_BITS} are required (Logjam)`);
  if ((p & 1n) === 0n) throw illegal('the DH modulus is even, so it is not a prime');
  if (g <= 1n || g >= p - 1n) throw illegal('the DH generator is out of range');
  if (badPublicValue(ys, p)) throw illegal('the server\'s DH public value is out of range (1 < Ys < p-1)');
  // A named group's own exponent size (RFC 7919 Appendix A); else 256 bits, ~128-bit strength for 2048-3072 bits.
  const named = ffdheGroupOf(p, g);
  const pair = dhKeyPair(p, g, named?.exponentBits ?? 256, random);
  let preMaster: Uint8Array;
  try {
    preMaster = pair.computeSharedSecret(ysBytes);
  } catch (e) {
    throw illegal((e as Error).message);
  }
  return { preMaster, clientPublic: pair.publicKey, group: named ? named.name : `ffdhe (${bits}-bit prime from the server)` };
}

/** RSA key transport: pre_master_secret = client_version (0x0303) || 46 random bytes, PKCS#1 v1.5-encrypted. */
export async function rsaExchange(spki: Uint8Array, random: (n: number) => Uint8Array): Promise<ExchangeResult> {
  const preMaster = concat(Uint8Array.of(3, 3), random(46));
  try {
    const { n, e } = rsaPublicNumbers(spki);
    return { preMaster, clientPublic: pkcs1v15Encrypt(n, e, preMaster, random), group: 'RSA key transport' };
  } catch (e) {
    // A malformed or tiny RSA key in the server's certificate: the server's fault, not ours.
    throw tlsFailure('BAD_CERTIFICATE', `the server's RSA key cannot encrypt the premaster secret: ${(e as Error)?.message ?? String(e)}`);
  }
}

/** RSAES-PKCS1-v1_5 (RFC 8017 §7.2.1): EM = 0x00 || 0x02 || PS (non-zero random) || 0x00 || M; C = EM^e mod n. */
function pkcs1v15Encrypt(nBytes: Uint8Array, eBytes: Uint8Array, message: Uint8Array, random: (n: number) => Uint8Array): Uint8Array {
  const k = nBytes[0] === 0 ? nBytes.length - 1 : nBytes.length;
  if (message.length > k - 11) throw new Error('message too long for this RSA key');
  const ps = new Uint8Array(k - 3 - message.length);
  for (let i = 0; i < ps.length; i++) {
    let b = 0;
    while (b === 0) b = random(1)[0];
    ps[i] = b;
  }
  const em = concat(Uint8Array.of(0, 2), ps, Uint8Array.of(0), message);
  const c = modPow(bytesToBigInt(em), bytesToBigInt(eBytes), bytesToBigInt(nBytes));
  return bigIntToBytes(c, k);
}

