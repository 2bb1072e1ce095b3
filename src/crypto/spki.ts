// The parts of a SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) and of an RSAPublicKey (RFC 8017 §A.1.1), read with the
// project's DER walker. The engine needs only these few fields, so it does not load the ASN.1 schema libraries
// (about 100 KB of the worker's first chunk before); the verifier and the views still use them for full decodes.
import { concat } from '../util/bytes.ts';
import { children, decodeOid, derElement, readRoot, valueOf, wholeOf, type DerNode } from '../x509/der.ts';

export interface SpkiParts {
  /** The key's algorithm OID, dotted. */
  algorithm: string;
  /** The algorithm's parameters, whole (tag, length, value), when present. */
  parameters?: Uint8Array;
  /** The subjectPublicKey BIT STRING's bits (after the unused-bits byte). */
  publicKey: Uint8Array;
  /** The subjectPublicKey BIT STRING, whole. */
  publicKeyElement: Uint8Array;
}

const SEQUENCE = 0x30;
const INTEGER = 0x02;
const BIT_STRING = 0x03;
const OCTET_STRING = 0x04;
const OID = 0x06;

/** SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }. Throws on malformed DER. */
export function readSpki(spkiDer: Uint8Array): SpkiParts {
  const root = readRoot(spkiDer);
  const fields = expectSequence(spkiDer, root, 'SubjectPublicKeyInfo');
  if (fields.length !== 2 || fields[1].tag !== BIT_STRING) throw new Error('malformed SubjectPublicKeyInfo: expected an AlgorithmIdentifier and a BIT STRING');
  const algorithm = expectSequence(spkiDer, fields[0], 'AlgorithmIdentifier');
  if (algorithm.length < 1 || algorithm.length > 2 || algorithm[0].tag !== OID) throw new Error('malformed AlgorithmIdentifier: expected an OID and optional parameters');
  const bits = valueOf(spkiDer, fields[1]);
  if (bits.length < 1 || bits[0] !== 0) throw new Error('malformed subjectPublicKey: a key is a whole number of bytes');
  return {
    algorithm: decodeOid(valueOf(spkiDer, algorithm[0])),
    parameters: algorithm[1] ? wholeOf(spkiDer, algorithm[1]) : undefined,
    publicKey: bits.subarray(1),
    publicKeyElement: wholeOf(spkiDer, fields[1]),
  };
}

/** The OID inside a parameters element that is an OID (an EC key's namedCurve); undefined for any other form. */
export function parameterOid(parameters: Uint8Array | undefined): string | undefined {
  if (!parameters) return undefined;
  const node = readRoot(parameters);
  return node.tag === OID ? decodeOid(valueOf(parameters, node)) : undefined;
}

/** RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }: the two integers' content bytes. */
export function readRsaPublicKey(rsaPublicKey: Uint8Array): { n: Uint8Array; e: Uint8Array } {
  const fields = expectSequence(rsaPublicKey, readRoot(rsaPublicKey), 'RSAPublicKey');
  if (fields.length !== 2 || fields.some((f) => f.tag !== INTEGER)) throw new Error('malformed RSAPublicKey: expected two INTEGERs');
  return { n: valueOf(rsaPublicKey, fields[0]), e: valueOf(rsaPublicKey, fields[1]) };
}

/** rsaEncryption's AlgorithmIdentifier (RFC 8017 §A.1: parameters NULL). */
const RSA_ENCRYPTION_ALGORITHM = Uint8Array.of(0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00);

/** The same key bits under rsaEncryption's AlgorithmIdentifier (for an id-RSASSA-PSS key WebCrypto will not import). */
export function withRsaEncryptionAlgorithm(spki: SpkiParts): Uint8Array {
  return derElement(SEQUENCE, concat(RSA_ENCRYPTION_ALGORITHM, spki.publicKeyElement));
}

/**
 * A PKCS#8 PrivateKeyInfo (RFC 5208 §5) whose algorithm is id-RSASSA-PSS, under rsaEncryption's AlgorithmIdentifier
 * instead: WebCrypto will not import an id-RSASSA-PSS key, and the RSAPrivateKey inside is the same. Any other key
 * comes back unchanged.
 */
export function pkcs8WithRsaEncryptionAlgorithm(pkcs8: Uint8Array): Uint8Array {
  const fields = expectSequence(pkcs8, readRoot(pkcs8), 'PrivateKeyInfo');
  const algorithm = fields[1] && fields[1].tag === SEQUENCE ? children(pkcs8, fields[1])[0] : undefined;
  if (!algorithm || algorithm.tag !== OID || decodeOid(valueOf(pkcs8, algorithm)) !== RSASSA_PSS) return pkcs8;
  return derElement(SEQUENCE, concat(wholeOf(pkcs8, fields[0]), RSA_ENCRYPTION_ALGORITHM, ...fields.slice(2).map((f) => wholeOf(pkcs8, f))));
}
const RSASSA_PSS = '1.2.840.113549.1.1.10';

/**
 * The algorithm OID and the bare private key of an RFC 8410 PKCS#8 key (Ed25519, Ed448, X25519, X448):
 * PrivateKeyInfo { version, AlgorithmIdentifier, privateKey OCTET STRING { CurvePrivateKey OCTET STRING }, ... }.
 * Throws on anything else.
 */
export function readCurvePrivateKey(pkcs8: Uint8Array): { algorithm: string; privateKey: Uint8Array } {
  const fields = expectSequence(pkcs8, readRoot(pkcs8), 'PrivateKeyInfo');
  if (fields.length < 3 || fields[0].tag !== INTEGER || fields[2].tag !== OCTET_STRING) throw new Error('malformed PrivateKeyInfo: expected a version, an algorithm and an OCTET STRING');
  const algorithm = expectSequence(pkcs8, fields[1], 'AlgorithmIdentifier');
  if (algorithm.length !== 1 || algorithm[0].tag !== OID) throw new Error('malformed AlgorithmIdentifier: an RFC 8410 key has an OID and no parameters');
  const outer = valueOf(pkcs8, fields[2]);
  const inner = readRoot(outer);
  if (inner.tag !== OCTET_STRING) throw new Error('malformed CurvePrivateKey: expected an OCTET STRING');
  return { algorithm: decodeOid(valueOf(pkcs8, algorithm[0])), privateKey: valueOf(outer, inner) };
}

function expectSequence(bytes: Uint8Array, node: DerNode, what: string): DerNode[] {
  if (node.tag !== SEQUENCE) throw new Error(`malformed ${what}: expected a SEQUENCE`);
  return children(bytes, node);
}
