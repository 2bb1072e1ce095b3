// TLS 1.0 and 1.1's signatures checked again from a capture: the ServerKeyExchange's (RFC 4346 §7.4.3; RFC 4492
// §5.4 for ECDSA) and the client's CertificateVerify (RFC 4346 §7.4.8; RFC 4492 §5.10). They carry no algorithm
// field: the certificate's key decides. An RSA key signs MD5(content) || SHA-1(content) in a PKCS#1 v1.5 block with
// no DigestInfo (src/crypto/rsa-md5-sha1.ts); an ECDSA key signs SHA-1(content); a DSA key (DHE_DSS suites, DSA client
// certificates) SHA-1(content) too (RFC 2246 §7.4.3: no MD5 with DSA). Also TLS 1.2's DSA pairs (RFC 5246 §7.4.1.4.1:
// dsa(2) with the hash named), which the engine does not check: TLS Lens never signs or accepts DSA when it connects.
// DSA comes from src/crypto/dsa.ts (node:crypto, else micro-rsa-dsa-dh loaded at the first DSA signature). Each check
// is the 'signature' event TLS 1.2's are; one that fails is also an 'error', and decoding goes on (a capture is only read).
import type { Emit } from '../trace/recorder.ts';
import type { Side } from '../trace/types.ts';
import { equalBytes, fromHex, toHex } from '../util/bytes.ts';
import { verifyRsaMd5Sha1 } from '../crypto/rsa-md5-sha1.ts';
import { verifySignature } from '../crypto/signature.ts';
import { DsaParametersInherited, ID_DSA, dsaKeyName, dsaSignatureProblem, readDsaPublicKey, type DsaHash } from '../crypto/dsa.ts';
import { leafKey, schemeName } from './engine.ts';
import type { CapturedHandshake } from './captured-handshake.ts';
import { serverKeyExchangeContent } from './signed-content.ts';
import type { WorkingKey } from '../x509/working-key.ts';

/** TLS 1.2's HashAlgorithm codes (RFC 5246 §7.4.1.4.1) DSA signs with; md5(1) is no DSA hash (FIPS 186). */
const DSA_HASHES: Record<number, DsaHash> = { 2: 'SHA-1', 3: 'SHA-224', 4: 'SHA-256', 5: 'SHA-384', 6: 'SHA-512' };

/** A TLS 1.2 SignatureAndHashAlgorithm whose signature is dsa(2): checked here, not by the engine. */
export function isDsaScheme(scheme: number): boolean {
  return (scheme & 0xff) === 2;
}

interface LegacySigned {
  subject: 'ServerKeyExchange' | 'CertificateVerify';
  signer: Side;
  leaf: Uint8Array;
  content: Uint8Array;
  signature: Uint8Array;
  /** What the content is, for the trace: "client_random || server_random || params". */
  contentName: string;
  /** TLS 1.2's SignatureAndHashAlgorithm (a DSA pair); absent in TLS 1.0/1.1, where the key decides. */
  scheme?: number;
  /** The signer's chain (CapturedHandshake.chain), for a DSA key whose parameters are its issuers'. */
  chain?: CapturedHandshake['chain'][Side];
}

/**
 * ServerKeyExchange: signed over client_random || server_random || params with the server's key. `scheme`: TLS 1.2's
 * DSA pair (DHE_DSS); absent in TLS 1.0/1.1.
 */
export async function checkLegacyServerKeyExchange(hs: CapturedHandshake, emit: Emit, m: { params: Uint8Array; signature: Uint8Array; scheme?: number }): Promise<void> {
  const leaf = hs.leaf.server;
  if (!leaf || !hs.clientRandom || !hs.serverRandom) return;
  const content = serverKeyExchangeContent(hs.clientRandom, hs.serverRandom, m.params);
  const why = await checkLegacySignature(emit, { subject: 'ServerKeyExchange', signer: 'server', leaf, content, signature: m.signature, contentName: 'client_random || server_random || params', scheme: m.scheme, chain: hs.chain.server });
  if (why) emit({ kind: 'error', code: 'SERVER_KEY_EXCHANGE_SIGNATURE_FAILED', message: `the server's ServerKeyExchange signature does not check out: ${why}` });
}

/**
 * CertificateVerify (the client's: TLS 1.0 and 1.1 have no other): signed over the handshake messages before it.
 * `scheme`: TLS 1.2's DSA pair (a DSA client certificate); absent in TLS 1.0/1.1.
 */
export async function checkLegacyCertificateVerify(hs: CapturedHandshake, emit: Emit, signer: Side, m: { signature: Uint8Array; scheme?: number }): Promise<void> {
  const leaf = hs.leaf[signer];
  if (!leaf) return;
  const why = await checkLegacySignature(emit, { subject: 'CertificateVerify', signer, leaf, content: hs.transcriptBytes(), signature: m.signature, contentName: 'the handshake messages before it', scheme: m.scheme, chain: hs.chain[signer] });
  if (why) emit({ kind: 'error', code: 'CERTIFICATE_VERIFY_FAILED', message: `the ${signer}'s CertificateVerify does not check out: ${why}` });
}

/**
 * The signature checked with the signer's certificate key, its 'signature' event emitted. Null when it verifies
 * (or when the key is one TLS Lens cannot check with: a note says so); else why not.
 */
async function checkLegacySignature(emit: Emit, s: LegacySigned): Promise<string | null> {
  let key;
  try {
    key = leafKey(s.leaf, s.signer);
  } catch (e) {
    return (e as Error).message;
  }
  const whose = `the ${s.signer} certificate's`;
  const isDsa = key.info.type === 'unknown' && key.info.oid === ID_DSA;
  let form: string;
  let result: { ok: true } | { ok: false; reason: string };
  let how: string;
  if (s.scheme !== undefined) {
    // TLS 1.2, a DSA pair: the hash is the one named.
    form = schemeName(s.scheme);
    const hash = DSA_HASHES[s.scheme >> 8];
    if (!isDsa) return failed(emit, s, form, `${form} needs a DSA key; ${whose} key is ${keyKind(key.info)}`);
    if (!hash) return failed(emit, s, form, `${form} names a hash DSA does not sign with (FIPS 186: SHA-1 or SHA-2)`);
    const dsa = await dsaCheck(emit, s, key.spki, hash, whose);
    if (!dsa) return null;
    how = `${whose} ${dsa.name} over ${hash} of ${s.contentName}`;
    result = dsa.result;
  } else if (key.info.type === 'rsa' && !key.info.pssOnly) {
    form = 'RSA PKCS#1 v1.5, MD5+SHA-1';
    how = `${whose} RSA key over MD5 || SHA-1 of ${s.contentName} (TLS 1.0/1.1: 36 bytes, no DigestInfo)`;
    result = verifyRsaMd5Sha1(key.spki, s.content, s.signature);
  } else if (key.info.type === 'ec') {
    form = 'ECDSA, SHA-1';
    how = `${whose} ECDSA key (${key.info.curve}) over SHA-1 of ${s.contentName} (TLS 1.0/1.1)`;
    result = await ecdsaSha1(key.spki, s.content, s.signature);
  } else if (isDsa) {
    // RFC 2246 §7.4.3 (and RFC 4346's): a DSA key signs SHA-1 alone.
    form = 'DSA, SHA-1';
    const dsa = await dsaCheck(emit, s, key.spki, 'SHA-1', whose);
    if (!dsa) return null;
    how = `${whose} ${dsa.name} over SHA-1 of ${s.contentName} (TLS 1.0/1.1)`;
    result = dsa.result;
  } else if (key.info.type === 'unknown') {
    emit({ kind: 'note', text: `the ${s.subject} signature is not checked: ${whose} key is a key of algorithm ${key.info.oid}, and TLS 1.0/1.1 signatures are made by RSA, DSA and ECDSA keys only` });
    return null;
  } else {
    // RSA-PSS-only, Ed25519 and Ed448 keys have no TLS 1.0/1.1 signature (RFC 8422 §5.1.1: EdDSA in TLS 1.2 and later).
    form = 'none in TLS 1.0/1.1';
    how = '';
    result = { ok: false, reason: `${whose} ${key.info.type === 'rsa' ? 'RSA-PSS-only' : key.info.type} key cannot sign in TLS 1.0 or 1.1, which know only RSA PKCS#1 v1.5, DSA and ECDSA signatures` };
  }
  const detail = result.ok ? `signed with ${how}` : result.reason;
  emit({ kind: 'signature', subject: s.subject, scheme: form, signedContent: toHex(s.content), signature: toHex(s.signature), ok: result.ok, detail });
  return result.ok ? null : `the signature (${form}) does not verify: ${result.reason}`;
}

/** A check that cannot start (the scheme does not fit the key): its failed 'signature' event, and why. */
function failed(emit: Emit, s: LegacySigned, form: string, reason: string): string {
  emit({ kind: 'signature', subject: s.subject, scheme: form, signedContent: toHex(s.content), signature: toHex(s.signature), ok: false, detail: reason });
  return `the signature (${form}) cannot be checked: ${reason}`;
}

function keyKind(info: ReturnType<typeof leafKey>['info']): string {
  if (info.type === 'rsa') return `an RSA key${info.pssOnly ? ' (PSS only)' : ''}`;
  if (info.type === 'ec') return `an EC key (${info.curve})`;
  if (info.type === 'unknown') return info.oid === ID_DSA ? 'a DSA key' : `a key of algorithm ${info.oid}`;
  return `an ${info.type === 'ed25519' ? 'Ed25519' : 'Ed448'} key`;
}

/**
 * A DSA signature over `hash` of the content: the key read (RFC 3279 §2.3.2), the Dss-Sig-Value's form and range
 * (RFC 3279 §2.2.2, 0 < r, s < q), then the check. A key without parameters of its own takes its issuers' from the
 * signer's chain (working-key.ts). Undefined when it cannot be checked (none found: a note says why, no guess).
 */
async function dsaCheck(emit: Emit, s: LegacySigned, spki: Uint8Array, hash: DsaHash, whose: string): Promise<{ name: string; result: { ok: true } | { ok: false; reason: string } } | undefined> {
  let key;
  let inherited = '';
  try {
    try {
      key = readDsaPublicKey(spki);
    } catch (e) {
      if (!(e instanceof DsaParametersInherited)) throw e;
      const working = await chainKey(s);
      if (!working?.parametersFrom) {
        emit({ kind: 'note', text: `the ${s.subject} signature is ${working?.problem ?? e.message}` });
        return undefined;
      }
      spki = working.spki;
      key = readDsaPublicKey(spki);
      inherited = ` (its p, q and g inherited from "${working.parametersFrom.subject.text}", ${working.on})`;
    }
  } catch (e) {
    return { name: 'DSA key', result: { ok: false, reason: `${whose} DSA key cannot be used: ${(e as Error).message}` } };
  }
  const name = `${dsaKeyName(key)} key${inherited}`;
  const problem = dsaSignatureProblem(s.signature, key.q);
  if (problem) return { name, result: { ok: false, reason: problem } };
  try {
    if (await verifySignature(spki, { kind: 'dsa', hash }, s.content, s.signature)) return { name, result: { ok: true } };
    return { name, result: { ok: false, reason: `the signature does not match the certificate's public key${inherited} over ${hash} of the signed bytes` } };
  } catch (e) {
    return { name, result: { ok: false, reason: (e as Error).message } };
  }
}

/**
 * The signer's leaf key as its chain gives it (RFC 5280 §6.1.4 (d)-(f)): the path the certificate check built when
 * it starts at this leaf and reaches a trust anchor, else the chain as the peer sent it. `on`: which, in words.
 */
async function chainKey(s: LegacySigned): Promise<(WorkingKey & { on: string }) | undefined> {
  const chain = s.chain;
  if (!chain) return undefined;
  // The certificate decoder, only for such a key (rare): not in every capture's code.
  const { leafWorkingKey } = await import('../x509/working-key.ts');
  const built = chain.built;
  if (built && built.length > 1 && built[built.length - 1].source === 'anchor') {
    const certs = built.map((e) => fromHex(e.der));
    if (equalBytes(certs[0], s.leaf)) {
      const key = leafWorkingKey(certs, true);
      return key && { ...key, on: 'on the path the certificate check built' };
    }
  }
  if (!chain.sent[0] || !equalBytes(chain.sent[0], s.leaf)) return undefined;
  const key = leafWorkingKey(chain.sent, false);
  return key && { ...key, on: `on the chain the ${s.signer} sent` };
}

async function ecdsaSha1(spki: Uint8Array, content: Uint8Array, signature: Uint8Array): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    if (await verifySignature(spki, { kind: 'ecdsa', hash: 'SHA-1', encoding: 'der' }, content, signature)) return { ok: true };
    return { ok: false, reason: "the signature does not match the certificate's public key over SHA-1 of the signed bytes" };
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
}
