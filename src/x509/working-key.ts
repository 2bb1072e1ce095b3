// The working public key of RFC 5280 §6.1 along a path, for the one key type whose parameters can come from above:
// a DSA key may leave out its Dss-Parms (p, q, g), and then they are its issuer's (RFC 3279 §2.3.2). §6.1.4 (d)-(f)
// (and §6.1.5 (c)-(e) for the leaf) carry working_public_key_parameters down the path from the trust anchor: a key
// with parameters of its own sets them, one without keeps those above when its algorithm is the same, and one of
// another algorithm clears them. Each certificate's signature is checked with its issuer's working key (§6.1.3 (a)(1));
// the leaf's working key is the one its TLS signatures are made with (§6.1.6). Other key types are left as they are.
import { ID_DSA, dsaOwnParameters, withDsaParameters } from '../crypto/dsa.ts';
import { describePublicKey } from '../crypto/signature.ts';
import { readSpki } from '../crypto/spki.ts';
import { decodeCertificate, type DecodedCertificate } from './certificate.ts';

/** A certificate's key as the path gives it. */
export interface WorkingKey {
  /** The SubjectPublicKeyInfo to use: the certificate's own, or with its issuers' DSA parameters written in. */
  spki: Uint8Array;
  /** Set when the DSA parameters are inherited and were found: the certificate whose key carries them. */
  parametersFrom?: DecodedCertificate;
  /** Set when the key's DSA parameters are inherited and none were found up the path: why, in words. */
  problem?: string;
}

/** The certificates of a path, leaf first and its trust anchor last, as the path builder gives them. */
export interface PathCertificate {
  cert: DecodedCertificate;
}

/** A key's algorithm as a person names it, for "the issuer's key is ... not DSA". */
function algorithmName(spki: Uint8Array): string {
  try {
    const info = describePublicKey(spki);
    if (info.type === 'rsa') return info.pssOnly ? 'an RSA-PSS key' : 'an RSA key';
    if (info.type === 'ec') return 'an EC key';
    if (info.type === 'ed25519') return 'an Ed25519 key';
    if (info.type === 'ed448') return 'an Ed448 key';
    return `a key of algorithm ${info.oid}`;
  } catch {
    return 'a key that cannot be read';
  }
}

function algorithmOf(spki: Uint8Array): string | undefined {
  try {
    return readSpki(spki).algorithm;
  } catch {
    return undefined;
  }
}

/**
 * Each certificate's working key, in the path's order (leaf first). The top of the path is the trust anchor: its key
 * starts the walk (RFC 5280 §6.1.1 (d): the trust anchor's key and parameters), so a DSA anchor without parameters
 * leaves those below it without any.
 */
export function workingKeys(path: readonly PathCertificate[], top: TopOfPath = ANCHOR): WorkingKey[] {
  const n = path.length - 1;
  const keys: WorkingKey[] = new Array(path.length);
  /** The working DSA parameters and whose key they are; undefined when there are none (RFC 5280 §6.1.4 (e)). */
  let parameters: { bytes: Uint8Array; from: DecodedCertificate } | undefined;
  for (let i = n; i >= 0; i--) {
    const cert = path[i].cert;
    if (algorithmOf(cert.spki) !== ID_DSA) {
      // Not DSA: its key is used as it is, and there are no DSA parameters below it until a key brings its own.
      keys[i] = { spki: cert.spki };
      parameters = undefined;
      continue;
    }
    let own: Uint8Array | undefined;
    try {
      own = dsaOwnParameters(cert.spki);
    } catch {
      own = undefined;
    }
    if (own) {
      keys[i] = { spki: cert.spki };
      parameters = { bytes: own, from: cert };
    } else if (parameters) {
      // Omitted, and the issuer's algorithm is DSA too: the parameters above are kept (RFC 5280 §6.1.4 (e)).
      try {
        keys[i] = { spki: withDsaParameters(cert.spki, parameters.bytes), parametersFrom: parameters.from };
      } catch (e) {
        keys[i] = { spki: cert.spki, problem: `the DSA key with the parameters inherited from "${parameters.from.subject.text}" cannot be used: ${(e as Error).message}` };
      }
    } else keys[i] = { spki: cert.spki, problem: `${DSA_NOT_CHECKABLE}, ${noneAbove(path, i, top)}` };
  }
  return keys;
}

/** Why no DSA parameters reach path[i] from above (none did). */
function noneAbove(path: readonly PathCertificate[], i: number, top: TopOfPath): string {
  const n = path.length - 1;
  if (i === n && i === 0 && top !== ANCHOR) return 'and no certificate sent with it is its issuer: nothing gives p, q, g';
  if (i === n) return `and "${path[i].cert.subject.text}" is ${top.what}: there is no issuer above it to take p, q, g from`;
  const issuer = path[i + 1].cert;
  if (algorithmOf(issuer.spki) !== ID_DSA) {
    return `but the key of its issuer "${issuer.subject.text}" is ${algorithmName(issuer.spki)}, not DSA, so there are none to inherit (RFC 5280 §6.1.4 (e))`;
  }
  // The DSA keys above it, up to the first that is not DSA or the trust anchor, all leave them out too.
  let last = i + 1;
  while (last < n && algorithmOf(path[last + 1].cert.spki) === ID_DSA) last++;
  const upTo = last === i + 1 ? `its issuer "${issuer.subject.text}" has none of its own either` : `none of the DSA keys above it, from its issuer "${issuer.subject.text}" up to "${path[last].cert.subject.text}", has any of its own`;
  if (last === n) return `but ${upTo}, and ${last === i + 1 ? 'it' : `"${path[last].cert.subject.text}"`} is ${top.short}`;
  return `but ${upTo}, and the key above that, of "${path[last + 1].cert.subject.text}", is ${algorithmName(path[last + 1].cert.spki)}, not DSA (RFC 5280 §6.1.4 (e))`;
}

/** What the top of the path is, in words: a trust anchor (validation), or the last certificate a peer sent. */
export interface TopOfPath {
  /** "the trust anchor, where the path starts" */
  what: string;
  /** "the trust anchor" */
  short: string;
}
const ANCHOR: TopOfPath = { what: 'the trust anchor, where the path starts', short: 'the trust anchor' };
const SENT: TopOfPath = { what: 'the last certificate of the chain as sent that issues the one below it', short: 'the last certificate of the chain as sent that issues the one below it' };

/**
 * The working key of a chain's first certificate (a TLS peer's leaf), for its TLS signatures (RFC 5280 §6.1.6: the
 * working key is what the path validation gives). `anchored`: the chain is a path built to a trust anchor (its last
 * certificate is that anchor); else it is the chain as the peer sent it, followed from the leaf for as long as each
 * certificate is named the issuer of the one before it. Undefined when a certificate cannot be decoded.
 */
export function leafWorkingKey(chain: readonly Uint8Array[], anchored: boolean): WorkingKey | undefined {
  let certs: DecodedCertificate[];
  try {
    certs = chain.map((der) => decodeCertificate(der));
  } catch {
    return undefined;
  }
  if (certs.length === 0) return undefined;
  const path: DecodedCertificate[] = [certs[0]];
  if (anchored) path.push(...certs.slice(1));
  else {
    // In the order sent, each the issuer of the one before (RFC 8446 §4.4.2 and RFC 5246 §7.4.2 ask for that order).
    for (let k = 1; k < certs.length && !path[path.length - 1].selfIssued && certs[k].subject.key === path[path.length - 1].issuer.key; k++) path.push(certs[k]);
  }
  return workingKeys(
    path.map((cert) => ({ cert })),
    anchored ? ANCHOR : SENT,
  )[0];
}

/** The start of every "not checkable" sentence about inherited DSA parameters. */
const DSA_NOT_CHECKABLE = 'not checkable: the DSA parameters are inherited from the issuer (RFC 3279 §2.3.2)';
