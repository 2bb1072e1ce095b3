// TLS 1.0 and 1.1's signatures checked again from a capture: the ServerKeyExchange's (RFC 4346 §7.4.3; RFC 4492
// §5.4 for ECDSA) and the client's CertificateVerify (RFC 4346 §7.4.8; RFC 4492 §5.10). They carry no algorithm
// field: the certificate's key decides. An RSA key signs MD5(content) || SHA-1(content) in a PKCS#1 v1.5 block with
// no DigestInfo (src/crypto/rsa-md5-sha1.ts); an ECDSA key signs SHA-1(content). Each check is the 'signature'
// event TLS 1.2's are; one that fails is also an 'error', and decoding goes on (a capture is only read).
import type { Emit } from '../trace/recorder.ts';
import type { Side } from '../trace/types.ts';
import { toHex } from '../util/bytes.ts';
import { verifyRsaMd5Sha1 } from '../crypto/rsa-md5-sha1.ts';
import { verifySignature } from '../crypto/signature.ts';
import { leafKey } from './engine.ts';
import type { CapturedHandshake } from './captured-handshake.ts';
import { serverKeyExchangeContent } from './handshake-proofs.ts';

/** id-dsa (RFC 3279 §2.3.2): DHE_DSS suites and DSA client certificates sign with it. */
const DSA_OID = '1.2.840.10040.4.1';

interface LegacySigned {
  subject: 'ServerKeyExchange' | 'CertificateVerify';
  signer: Side;
  leaf: Uint8Array;
  content: Uint8Array;
  signature: Uint8Array;
  /** What the content is, for the trace: "client_random || server_random || params". */
  contentName: string;
}

/** ServerKeyExchange: signed over client_random || server_random || params with the server's key. */
export async function checkLegacyServerKeyExchange(hs: CapturedHandshake, emit: Emit, m: { params: Uint8Array; signature: Uint8Array }): Promise<void> {
  const leaf = hs.leaf.server;
  if (!leaf || !hs.clientRandom || !hs.serverRandom) return;
  const content = serverKeyExchangeContent(hs.clientRandom, hs.serverRandom, m.params);
  const why = await checkLegacySignature(emit, { subject: 'ServerKeyExchange', signer: 'server', leaf, content, signature: m.signature, contentName: 'client_random || server_random || params' });
  if (why) emit({ kind: 'error', code: 'SERVER_KEY_EXCHANGE_SIGNATURE_FAILED', message: `the server's ServerKeyExchange signature does not check out: ${why}` });
}

/** CertificateVerify (the client's: TLS 1.0 and 1.1 have no other): signed over the handshake messages before it. */
export async function checkLegacyCertificateVerify(hs: CapturedHandshake, emit: Emit, signer: Side, m: { signature: Uint8Array }): Promise<void> {
  const leaf = hs.leaf[signer];
  if (!leaf) return;
  const why = await checkLegacySignature(emit, { subject: 'CertificateVerify', signer, leaf, content: hs.transcriptBytes(), signature: m.signature, contentName: 'the handshake messages before it' });
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
  let form: string;
  let result: { ok: true } | { ok: false; reason: string };
  let how: string;
  if (key.info.type === 'rsa' && !key.info.pssOnly) {
    form = 'RSA PKCS#1 v1.5, MD5+SHA-1';
    how = `${whose} RSA key over MD5 || SHA-1 of ${s.contentName} (TLS 1.0/1.1: 36 bytes, no DigestInfo)`;
    result = verifyRsaMd5Sha1(key.spki, s.content, s.signature);
  } else if (key.info.type === 'ec') {
    form = 'ECDSA, SHA-1';
    how = `${whose} ECDSA key (${key.info.curve}) over SHA-1 of ${s.contentName} (TLS 1.0/1.1)`;
    result = await ecdsaSha1(key.spki, s.content, s.signature);
  } else if (key.info.type === 'unknown') {
    const kind = key.info.oid === DSA_OID ? 'a DSA key' : `a key of algorithm ${key.info.oid}`;
    emit({ kind: 'note', text: `the ${s.subject} signature is not checked: ${whose} key is ${kind}, and TLS Lens checks TLS 1.0/1.1 signatures by RSA and ECDSA keys only (WebCrypto has no DSA)` });
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

async function ecdsaSha1(spki: Uint8Array, content: Uint8Array, signature: Uint8Array): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    if (await verifySignature(spki, { kind: 'ecdsa', hash: 'SHA-1', encoding: 'der' }, content, signature)) return { ok: true };
    return { ok: false, reason: "the signature does not match the certificate's public key over SHA-1 of the signed bytes" };
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
}
