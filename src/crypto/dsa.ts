// DSA (FIPS 186-4) as old peers and certificates use it: DHE_DSS suites and DSA client certificates in captures,
// DSA certificates under the plain RFC 5280 profile. The key is an id-dsa SubjectPublicKeyInfo (RFC 3279 §2.3.2):
// Dss-Parms { p, q, g } in the algorithm's parameters, y an INTEGER in the bit string; a signature is the DER
// Dss-Sig-Value SEQUENCE { r, s } (RFC 3279 §2.2.2). What both providers must agree on is decided here first (the key's
// form and sizes), so node:crypto (OpenSSL) and the WebCrypto provider's micro-rsa-dsa-dh give the same verdicts.
// (@peculiar/asn1-x509 has no Dss-Parms or Dss-Sig-Value types: read with the project's DER walker, as spki.ts.)
import { concat } from '../util/bytes.ts';
import { children, derElement, readRoot, valueOf, type DerNode } from '../x509/der.ts';
import { ecdsaDerProblem } from './ecdsa-encoding.ts';
import { readSpki } from './spki.ts';

/** id-dsa (RFC 3279 §2.3.2). */
export const ID_DSA = '1.2.840.10040.4.1';

/** The hashes a DSA signature is made over: SHA-1 (TLS 1.0/1.1, dsa-with-sha1), SHA-2 (TLS 1.2, RFC 5758). */
export type DsaHash = 'SHA-1' | 'SHA-224' | 'SHA-256' | 'SHA-384' | 'SHA-512';

export interface DsaPublicKey {
  p: bigint;
  q: bigint;
  g: bigint;
  y: bigint;
  /** Bit lengths of p (the key's size, as people name it) and q. */
  bits: number;
  qBits: number;
}

/** What is said of an id-dsa key without Dss-Parms when nothing says whose parameters apply. */
export const DSA_PARAMETERS_INHERITED = 'not checkable: the DSA parameters are inherited from the issuer (RFC 3279 §2.3.2: the key carries no p, q, g of its own)';

/**
 * An id-dsa key without Dss-Parms: RFC 3279 §2.3.2 says its issuer's parameters apply. The message is
 * DSA_PARAMETERS_INHERITED, or (where the path was looked up) why no issuer's parameters were found.
 */
export class DsaParametersInherited extends Error {
  constructor(message: string = DSA_PARAMETERS_INHERITED) {
    super(message);
    this.name = 'DsaParametersInherited';
  }
}

/** FIPS 186-4 §4.2's sizes of q; OpenSSL refuses any other, and so does TLS Lens, for one verdict in both providers. */
const Q_BITS = new Set([160, 224, 256]);
/** OpenSSL's largest DSA modulus (OPENSSL_DSA_MAX_MODULUS_BITS); 512 bits is the smallest FIPS 186 ever allowed. */
const P_BITS = { min: 512, max: 10_000 };

/** A non-negative INTEGER's value; throws for another tag, a negative one, or one not in its shortest form. */
function integer(bytes: Uint8Array, node: DerNode, name: string): bigint {
  const v = valueOf(bytes, node);
  if (node.tag !== 0x02 || v.length === 0) throw new Error(`malformed DSA key: ${name} is not an INTEGER`);
  if (v[0] & 0x80) throw new Error(`malformed DSA key: ${name} is negative`);
  if (v.length > 1 && v[0] === 0 && !(v[1] & 0x80)) throw new Error(`malformed DSA key: ${name} is not in its shortest form`);
  let n = 0n;
  for (const b of v) n = (n << 8n) | BigInt(b);
  return n;
}

const bitLength = (n: bigint): number => (n === 0n ? 0 : n.toString(2).length);

/**
 * p, q, g and y of an id-dsa SubjectPublicKeyInfo, checked to make a usable key. Throws DsaParametersInherited when
 * the parameters are absent, a plain-words Error for anything else wrong.
 */
export function readDsaPublicKey(spkiDer: Uint8Array): DsaPublicKey {
  const spki = readSpki(spkiDer);
  if (spki.algorithm !== ID_DSA) throw new Error(`not a DSA public key (${spki.algorithm})`);
  // Absent parameters (or NULL, which some encoders wrote for the same thing) mean the issuer's.
  if (!spki.parameters || (spki.parameters[0] === 0x05 && spki.parameters.length === 2)) throw new DsaParametersInherited();
  const params = spki.parameters;
  const root = readRoot(params);
  const pqg = root.tag === 0x30 ? children(params, root) : [];
  if (pqg.length !== 3) throw new Error('malformed DSA key: the parameters are not a Dss-Parms SEQUENCE { p, q, g }');
  const [p, q, g] = [integer(params, pqg[0], 'p'), integer(params, pqg[1], 'q'), integer(params, pqg[2], 'g')];
  const y = integer(spki.publicKey, readRoot(spki.publicKey), 'y');
  const bits = bitLength(p);
  const qBits = bitLength(q);
  if (!Q_BITS.has(qBits)) throw new Error(`the DSA key's q has ${qBits} bits; DSA's q has 160, 224 or 256 (FIPS 186-4 §4.2)`);
  if (bits < P_BITS.min || bits > P_BITS.max) throw new Error(`the DSA key's p has ${bits} bits (from ${P_BITS.min} to ${P_BITS.max} can be checked)`);
  if ((p - 1n) % q !== 0n) throw new Error("the DSA key's q does not divide p - 1: the parameters are not DSA's");
  if (g <= 1n || g >= p) throw new Error("the DSA key's g is not between 1 and p");
  if (y <= 1n || y >= p) throw new Error("the DSA key's y is not between 1 and p");
  return { p, q, g, y, bits, qBits };
}

/**
 * The key's own Dss-Parms (the whole element), or undefined when it has none: absent, or NULL, which some encoders
 * wrote for the same thing (RFC 5280 §6.1.4 (e) reads both alike). Throws for a key that is not id-dsa.
 */
export function dsaOwnParameters(spkiDer: Uint8Array): Uint8Array | undefined {
  const spki = readSpki(spkiDer);
  if (spki.algorithm !== ID_DSA) throw new Error(`not a DSA public key (${spki.algorithm})`);
  const params = spki.parameters;
  return !params || (params[0] === 0x05 && params.length === 2) ? undefined : params;
}

/** id-dsa's OBJECT IDENTIFIER, whole (1.2.840.10040.4.1). */
const ID_DSA_ELEMENT = Uint8Array.of(0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01);

/**
 * The same DSA key (its y as it is) with `parameters` (a Dss-Parms element, an issuer's) written into its
 * AlgorithmIdentifier: the key RFC 3279 §2.3.2 means when the certificate leaves them to its issuer, in the form
 * both providers take. The result is checked as any DSA key is (readDsaPublicKey), so parameters that do not fit
 * y are refused in words.
 */
export function withDsaParameters(spkiDer: Uint8Array, parameters: Uint8Array): Uint8Array {
  const spki = readSpki(spkiDer);
  if (spki.algorithm !== ID_DSA) throw new Error(`not a DSA public key (${spki.algorithm})`);
  const full = derElement(0x30, concat(derElement(0x30, concat(ID_DSA_ELEMENT, parameters)), spki.publicKeyElement));
  readDsaPublicKey(full);
  return full;
}

/** "DSA 2048 bits (q 256 bits)": the key as a person names it. */
export function dsaKeyName(key: Pick<DsaPublicKey, 'bits' | 'qBits'>): string {
  return `DSA ${key.bits} bits (q ${key.qBits} bits)`;
}

/**
 * Why `der` is not a signature this key could have made, or undefined: a DER Dss-Sig-Value (strict, as OpenSSL reads
 * it: a second encoding of the same r and s would be a second valid signature) with 0 < r < q and 0 < s < q (FIPS
 * 186-4 §4.7 rejects anything else before any arithmetic).
 */
export function dsaSignatureProblem(der: Uint8Array, q: bigint): string | undefined {
  const form = ecdsaDerProblem(der);
  if (form) return `the signature is not a DER Dss-Sig-Value SEQUENCE { r, s }: ${form}`;
  const root = readRoot(der);
  const [r, s] = children(der, root).map((n) => {
    let v = 0n;
    for (const b of valueOf(der, n)) v = (v << 8n) | BigInt(b);
    return v;
  });
  for (const [name, v] of [['r', r], ['s', s]] as const) {
    if (v === 0n) return `the signature's ${name} is zero (it must be between 0 and q)`;
    if (v >= q) return `the signature's ${name} is not below q (it must be between 0 and q)`;
  }
  return undefined;
}

let lib: Promise<typeof import('./dsa-lib.ts')> | undefined;
/** micro-rsa-dsa-dh with the hashes, at the first DSA signature checked without node:crypto. */
const loadDsa = () => (lib ??= import('./dsa-lib.ts'));

/**
 * The WebCrypto provider's DSA check (WebCrypto has none): micro-rsa-dsa-dh over `hash` of `data`. False for a
 * signature that is malformed, out of range or does not verify; throws for a key that cannot be used.
 */
export async function dsaVerify(spkiDer: Uint8Array, hash: DsaHash, data: Uint8Array, signature: Uint8Array): Promise<boolean> {
  const key = readDsaPublicKey(spkiDer);
  // Checked here, not left to the library: it reads a signature that is not DER as a bare r || s.
  if (dsaSignatureProblem(signature, key.q)) return false;
  const m = await loadDsa();
  const hashes = { 'SHA-1': m.sha1, 'SHA-224': m.sha224, 'SHA-256': m.sha256, 'SHA-384': m.sha384, 'SHA-512': m.sha512 };
  return m.DSA({ p: key.p, q: key.q, g: key.g, hash: hashes[hash] }).verify(key.y, data, signature);
}
