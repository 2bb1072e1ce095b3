// Ed448 (RFC 8032 §5.2) for the WebCrypto provider and the key checks: Chromium's WebCrypto has no Ed448, so the
// arithmetic is @noble/curves'. Loaded at the first Ed448 key met, not with the engine: almost no certificate uses
// Ed448, and the module (with its SHAKE256) would otherwise sit in every bundle's first chunk. The Node provider
// never comes here: OpenSSL does Ed448 itself.
import { readCurvePrivateKey, readSpki } from './spki.ts';

const ID_ED448 = '1.3.101.113'; // RFC 8410 §3

let noble: Promise<typeof import('@noble/curves/ed448.js')> | undefined;
const loadEd448 = async () => (await (noble ??= import('@noble/curves/ed448.js'))).ed448;

/** An Ed448 key's 57 bytes from its SubjectPublicKeyInfo; throws for another key or length. */
function publicKeyOf(spki: Uint8Array): Uint8Array {
  const parts = readSpki(spki);
  if (parts.algorithm !== ID_ED448) throw new Error(`not an Ed448 public key (${parts.algorithm})`);
  if (parts.publicKey.length !== 57) throw new Error(`an Ed448 public key is 57 bytes, this one ${parts.publicKey.length}`);
  return parts.publicKey;
}

/** An Ed448 private key's 57 bytes from its PKCS#8 (RFC 8410 §7); throws for another key or length. */
export function ed448PrivateKey(pkcs8: Uint8Array): Uint8Array {
  const { algorithm, privateKey } = readCurvePrivateKey(pkcs8);
  if (algorithm !== ID_ED448) throw new Error(`not an Ed448 private key (${algorithm})`);
  if (privateKey.length !== 57) throw new Error(`an Ed448 private key is 57 bytes, this one ${privateKey.length}`);
  return privateKey;
}

/**
 * Whether `signature` is a valid Ed448 signature (empty context) over `data` by the key in `spki`. Strict RFC 8032
 * decoding, as OpenSSL: a non-canonical point or S, or a small-order key, fails. An unusable key throws.
 */
export async function ed448Verify(spki: Uint8Array, data: Uint8Array, signature: Uint8Array): Promise<boolean> {
  const publicKey = publicKeyOf(spki);
  if (signature.length !== 114) return false;
  const ed448 = await loadEd448();
  try {
    return ed448.verify(signature, data, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

/** A signing function for an Ed448 PKCS#8 private key. */
export async function ed448Signer(pkcs8: Uint8Array): Promise<(data: Uint8Array) => Promise<Uint8Array>> {
  const secret = Uint8Array.from(ed448PrivateKey(pkcs8));
  const ed448 = await loadEd448();
  return async (data) => ed448.sign(data, secret);
}

/** The public key (57 bytes) of an Ed448 PKCS#8 private key. */
export async function ed448PublicKeyOf(pkcs8: Uint8Array): Promise<Uint8Array> {
  return (await loadEd448()).getPublicKey(ed448PrivateKey(pkcs8));
}

/** The 57 bytes of an Ed448 SubjectPublicKeyInfo (for comparing a private key with its certificate). */
export const ed448PublicKeyFromSpki = publicKeyOf;
