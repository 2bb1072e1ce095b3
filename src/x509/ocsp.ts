// A stapled OCSP response (RFC 6960) checked against the certificate it is about and that certificate's issuer, one
// step per question, as the chain's checks are: can it be read and did the responder answer (§4.2.1), who signed it
// and may they (§4.2.2.2: the issuer, or a certificate the issuer gave id-kp-OCSPSigning, whose own revocation is
// said to be exempt or not checked: §4.2.2.2.1), does the signature verify,
// is it about this certificate (CertID, §4.1.1, in whichever hash the response uses), is it current (thisUpdate <=
// now < nextUpdate, §4.2.2.1), and what status it gives. Everything but the status is soft: a response that cannot
// be verified is reported and left out of the verdict, as browsers do; only a verified "revoked" fails.
// The schema classes (@peculiar/asn1-ocsp) read the fields; the signed bytes, the responder's name and the
// certificates it carries are read by the project's DER walker, so signatures are checked over the bytes received.
import { AsnParser } from '@peculiar/asn1-schema';
import { OCSPResponse, ResponseData } from '@peculiar/asn1-ocsp';
import { equalBytes, toHex } from '../util/bytes.ts';
import { sha1 } from '@noble/hashes/legacy.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { verifySignature } from '../crypto/signature.ts';
import type { OcspEvent } from '../trace/types.ts';
import { classifySignatureAlgorithm, signatureEncodingProblem } from './algorithms.ts';
import { decodeCertificate, type DecodedCertificate } from './certificate.ts';
import { fmt } from './checks.ts';
import { children, decodeOid, readRoot, valueOf, wholeOf, type DerNode } from './der.ts';
import { EKU, EXT } from './extensions.ts';
import { decodeName } from './names.ts';
import { fail, na, pass, type Step } from './step.ts';

/** What the engine records: the 'ocsp' event's fields. */
export type OcspVerdict = Omit<OcspEvent, 'index' | 't' | 'conn' | 'kind'>;

export interface OcspCheckResult {
  steps: Step[];
  verdict: OcspVerdict;
}

const ID_PKIX_OCSP_BASIC = '1.3.6.1.5.5.7.48.1.1';
const RESPONSE_STATUS: Record<number, string> = { 0: 'successful', 1: 'malformedRequest', 2: 'internalError', 3: 'tryLater', 5: 'sigRequired', 6: 'unauthorized' };
const CRL_REASONS: Record<number, string> = {
  0: 'unspecified', 1: 'keyCompromise', 2: 'cACompromise', 3: 'affiliationChanged', 4: 'superseded', 5: 'cessationOfOperation',
  6: 'certificateHold', 8: 'removeFromCRL', 9: 'privilegeWithdrawn', 10: 'aACompromise',
};
/** The hashes a CertID may use (RFC 6960 §4.1.1 names SHA-1; responders also answer SHA-256 and longer). Small
 * inputs (a name, a key): hashed here, synchronously. */
type Hasher = { name: string; hash: (b: Uint8Array) => Uint8Array };
const CERT_ID_HASHES: Record<string, Hasher> = {
  '1.3.14.3.2.26': { name: 'SHA-1', hash: sha1 },
  '2.16.840.1.101.3.4.2.1': { name: 'SHA-256', hash: sha256 },
  '2.16.840.1.101.3.4.2.2': { name: 'SHA-384', hash: sha384 },
  '2.16.840.1.101.3.4.2.3': { name: 'SHA-512', hash: sha512 },
};

/** The parts of a BasicOCSPResponse (§4.2.1) as received: the signed ResponseData, the signature, the certificates. */
interface RawBasicResponse {
  tbs: Uint8Array;
  signatureAlgorithm: Uint8Array;
  signature: Uint8Array;
  certs: Uint8Array[];
  /** ResponderID: byName [1] (its Name) or byKey [2] (SHA-1 of the responder's key). */
  responder: { byName: ReturnType<typeof decodeName> } | { byKey: Uint8Array };
}

function readBasic(der: Uint8Array): RawBasicResponse {
  const root = readRoot(der);
  const parts = children(der, root);
  if (root.tag !== 0x30 || parts.length < 3 || parts.length > 4) throw new Error('a BasicOCSPResponse is a SEQUENCE of 3 or 4 parts');
  const [tbsNode, algNode, sigNode, certsNode] = parts;
  const sig = valueOf(der, sigNode);
  if (sigNode.tag !== 0x03 || sig[0] !== 0) throw new Error('the signature is not a BIT STRING of whole bytes');
  const certs = certsNode ? children(der, children(der, certsNode)[0]).map((c) => wholeOf(der, c)) : [];
  const tbsParts = children(der, tbsNode);
  let i = 0;
  if (tbsParts[i]?.tag === 0xa0) i++; // version, DEFAULT v1
  const rid: DerNode | undefined = tbsParts[i];
  if (!rid || (rid.tag !== 0xa1 && rid.tag !== 0xa2)) throw new Error('ResponseData has no ResponderID');
  const inner = children(der, rid)[0];
  const responder = rid.tag === 0xa1 ? { byName: decodeName(der, inner) } : { byKey: valueOf(der, inner) };
  return { tbs: wholeOf(der, tbsNode), signatureAlgorithm: wholeOf(der, algNode), signature: sig.subarray(1), certs, responder };
}

/** The subjectPublicKey's bits (without tag, length and the unused-bits octet): what KeyHash and issuerKeyHash hash. */
function publicKeyBits(spki: Uint8Array): Uint8Array {
  const parts = children(spki, readRoot(spki));
  return valueOf(spki, parts[1]).subarray(1);
}

/** An INTEGER's content bytes without leading zero octets, for comparing serials written either way. */
function serialKey(b: Uint8Array): string {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return toHex(b.subarray(i));
}

const colonHex = (b: Uint8Array) => toHex(b).replace(/(..)(?=.)/g, '$1:');

/**
 * Check a DER OCSPResponse stapled for `cert`, issued by `issuer` (undefined: the chain check found no issuer, so
 * nothing can be verified). `certificate` is the position the steps name (0: the leaf).
 */
export async function checkOcspResponse(response: Uint8Array, cert: DecodedCertificate, issuer: DecodedCertificate | undefined, now: Date, certificate = 0): Promise<OcspCheckResult> {
  const steps: Step[] = [];
  const verdict: OcspVerdict = { certificate, verdict: 'unverified', detail: '' };
  const unverified = (check: string, why: string): OcspCheckResult => {
    // Failed, but with no error code: a warning, not a failure of the chain; the handshake goes on.
    steps.push({ check, certificate, ok: false, detail: why });
    verdict.verdict = 'unverified';
    verdict.detail = `${why}; the response is set aside (soft-fail, as browsers do) and the handshake goes on`;
    return { steps, verdict };
  };

  // §4.2.1: the envelope, the responder's status, and a basic response inside.
  let basicDer: Uint8Array;
  let data: ResponseData;
  let raw: RawBasicResponse;
  try {
    const envelope = AsnParser.parse(response, OCSPResponse);
    verdict.responseStatus = RESPONSE_STATUS[envelope.responseStatus] ?? `unknown (${envelope.responseStatus})`;
    if (envelope.responseStatus !== 0) return unverified('ocspResponse', `the responder answered ${verdict.responseStatus}, not successful: the response says nothing about the certificate`);
    if (!envelope.responseBytes) return unverified('ocspResponse', 'a successful response without responseBytes');
    if (envelope.responseBytes.responseType !== ID_PKIX_OCSP_BASIC) return unverified('ocspResponse', `the response is of type ${envelope.responseBytes.responseType}, not id-pkix-ocsp-basic`);
    basicDer = new Uint8Array(envelope.responseBytes.response.buffer);
    raw = readBasic(basicDer);
    data = AsnParser.parse(raw.tbs, ResponseData);
  } catch (e) {
    return unverified('ocspResponse', `the OCSP response cannot be read: ${(e as Error).message}`);
  }
  verdict.producedAt = fmt(data.producedAt);
  verdict.responder = 'byName' in raw.responder ? raw.responder.byName.text : `key SHA-1 ${colonHex(raw.responder.byKey)}`;
  steps.push(pass('ocspResponse', certificate, `a successful basic OCSP response (${response.length} bytes) from ${verdict.responder}, produced at ${verdict.producedAt}, with ${data.responses.length} single response(s)`));

  // The single response about this certificate: its CertID hashed the way the response hashed it (§4.1.1).
  const issuerKeyBits = issuer ? publicKeyBits(issuer.spki) : undefined;
  const issuerNameDer = cert.der.subarray(cert.spans.issuer.start, cert.spans.issuer.end);
  let mine: (typeof data.responses)[number] | undefined;
  let firstId: OcspVerdict['certId'];
  for (const single of data.responses) {
    const id = single.certID;
    const hashOid = id.hashAlgorithm.algorithm;
    const hash = CERT_ID_HASHES[hashOid];
    const shown = { hashAlgorithm: hash?.name ?? hashOid, issuerNameHash: toHex(new Uint8Array(id.issuerNameHash.buffer)), issuerKeyHash: toHex(new Uint8Array(id.issuerKeyHash.buffer)), serialNumber: serialKey(new Uint8Array(id.serialNumber)) };
    firstId ??= shown;
    if (!hash || !issuerKeyBits || shown.serialNumber !== serialKey(cert.serial)) continue;
    if (toHex(hash.hash(issuerNameDer)) === shown.issuerNameHash && toHex(hash.hash(issuerKeyBits)) === shown.issuerKeyHash) {
      mine = single;
      verdict.certId = shown;
      break;
    }
  }
  verdict.certId ??= firstId;
  verdict.certIdMatches = !!mine;
  const current = mine ?? data.responses[0];
  if (current) {
    verdict.thisUpdate = fmt(current.thisUpdate);
    if (current.nextUpdate) verdict.nextUpdate = fmt(current.nextUpdate);
    const s = current.certStatus;
    verdict.certStatus = s.revoked ? 'revoked' : s.unknown !== undefined ? 'unknown' : 'good';
    if (s.revoked) {
      verdict.revocationTime = fmt(s.revoked.revocationTime);
      if (s.revoked.revocationReason) verdict.revocationReason = CRL_REASONS[s.revoked.revocationReason.reason] ?? String(s.revoked.revocationReason.reason);
    }
  }

  // §4.2.2.2: the issuer signs its own responses, or hands id-kp-OCSPSigning to a responder certificate it issued.
  if (!issuer) return unverified('ocspResponder', 'the certificate\'s issuer is not known (the chain check built no path to it), so the response\'s signer cannot be judged');
  const responder = raw.responder;
  const names = (c: DecodedCertificate) => ('byName' in responder ? responder.byName.key === c.subject.key : equalBytes(sha1(publicKeyBits(c.spki)), responder.byKey));
  let signer: DecodedCertificate | undefined;
  if (names(issuer)) {
    signer = issuer;
    verdict.signedBy = 'issuer';
    steps.push(pass('ocspResponder', certificate, `the responder is the issuer itself, "${issuer.subject.text}"`));
  } else {
    const problems: string[] = [];
    for (const der of raw.certs) {
      let c: DecodedCertificate;
      try {
        c = decodeCertificate(der);
      } catch (e) {
        problems.push(`a certificate in the response cannot be read: ${(e as Error).message}`);
        continue;
      }
      if (!names(c)) continue;
      const why = await delegationProblem(c, issuer, now);
      if (why) {
        problems.push(`"${c.subject.text}": ${why}`);
        continue;
      }
      signer = c;
      break;
    }
    if (!signer) {
      return unverified('ocspResponder', problems.length ? `the responder is not authorised: ${problems.join('; ')}` : `the responder (${verdict.responder}) is neither the issuer "${issuer.subject.text}" nor a certificate the response carries`);
    }
    verdict.signedBy = 'delegated responder';
    steps.push(pass('ocspResponder', certificate, `a delegated responder, "${signer.subject.text}": issued by "${issuer.subject.text}", with id-kp-OCSPSigning, valid now (RFC 6960 §4.2.2.2)`));
    steps.push(responderRevocation(signer, certificate));
  }

  const alg = classifySignatureAlgorithm(raw.signatureAlgorithm);
  if (!alg.ok) return unverified('ocspSignature', `the response is signed with ${alg.name}: ${alg.reason}`);
  const encoding = signatureEncodingProblem(alg.algorithm, raw.signature);
  let valid = false;
  try {
    valid = !encoding && (await verifySignature(signer.spki, alg.algorithm, raw.tbs, raw.signature));
  } catch (e) {
    return unverified('ocspSignature', `the signature (${alg.name}) cannot be checked: ${(e as Error).message}`);
  }
  if (!valid) return unverified('ocspSignature', `the signature (${alg.name}) does not verify with the key of "${signer.subject.text}"${encoding ? `: ${encoding}` : ''}`);
  steps.push(pass('ocspSignature', certificate, `${alg.name} over the ResponseData, verified with the key of "${signer.subject.text}"`));

  if (!mine) {
    const id = verdict.certId;
    return unverified('ocspCertId', `the response is about another certificate${id ? ` (serial ${id.serialNumber}, ${id.hashAlgorithm} issuer hashes ${id.issuerNameHash.slice(0, 16)}…)` : ''}, not serial ${serialKey(cert.serial)} of "${cert.issuer.text}"`);
  }
  steps.push(pass('ocspCertId', certificate, `CertID (${verdict.certId!.hashAlgorithm}) names this certificate: issuer name hash, issuer key hash and serial ${verdict.certId!.serialNumber} match`));

  // §4.2.2.1: thisUpdate must have come, and nextUpdate (when given) must not have passed, by the verifier's clock.
  const t = now.getTime();
  if (mine.thisUpdate.getTime() > t) return unverified('ocspValidity', `the response is not valid yet: thisUpdate ${verdict.thisUpdate} is after ${fmt(now)}`);
  if (mine.nextUpdate && mine.nextUpdate.getTime() <= t) return unverified('ocspValidity', `the response has expired: nextUpdate ${verdict.nextUpdate} is not after ${fmt(now)}`);
  steps.push(pass('ocspValidity', certificate, `current: thisUpdate ${verdict.thisUpdate}${verdict.nextUpdate ? `, nextUpdate ${verdict.nextUpdate}` : ', no nextUpdate'} (now ${fmt(now)})`));

  if (verdict.certStatus === 'revoked') {
    const when = `${verdict.revocationTime}${verdict.revocationReason ? `, reason ${verdict.revocationReason}` : ''}`;
    steps.push(fail('ocspStatus', certificate, 'REVOKED', `revoked at ${when}, says the responder`, 'X509_V_ERR_CERT_REVOKED'));
    verdict.verdict = 'revoked';
    verdict.detail = `the issuer's responder says the certificate was revoked at ${when}`;
  } else if (verdict.certStatus === 'unknown') {
    steps.push(na('ocspStatus', certificate, 'the responder does not know this certificate (status unknown)'));
    verdict.verdict = 'unknown';
    verdict.detail = 'the responder answered "unknown" for this certificate: no revocation status; the handshake goes on';
  } else {
    steps.push(pass('ocspStatus', certificate, 'good: not revoked, says the responder'));
    verdict.verdict = 'good';
    verdict.detail = `a verified response from ${verdict.signedBy === 'issuer' ? 'the issuer' : 'a responder the issuer delegated to'} says the certificate is not revoked`;
  }
  return { steps, verdict };
}

/**
 * Whether anyone need ask about the delegated responder's own revocation (RFC 6960 §4.2.2.2.1): with
 * id-pkix-ocsp-nocheck its issuer says no, for the certificate's lifetime; without it the RFC leaves it to the
 * client's policy, and this check, like OpenSSL's OCSP_basic_verify, asks no responder or CRL about it. Either way it
 * is informative only: it never changes the verdict.
 */
function responderRevocation(signer: DecodedCertificate, certificate: number): Step {
  if (signer.extensions.some((e) => e.oid === EXT.ocspNoCheck)) {
    return pass('ocspResponderRevocation', certificate, `"${signer.subject.text}" carries id-pkix-ocsp-nocheck: its issuer vouches for it until it expires (${fmt(signer.notAfter)}), so its own revocation is not asked about (RFC 6960 §4.2.2.2.1)`);
  }
  return na('ocspResponderRevocation', certificate, `"${signer.subject.text}" carries no id-pkix-ocsp-nocheck, so RFC 6960 §4.2.2.2.1 leaves checking its own revocation to the client's policy; it is not checked here (no CRL or OCSP query is made for it, as OpenSSL makes none)`);
}

/** Why `c` may not sign OCSP responses for `issuer`'s certificates (RFC 6960 §4.2.2.2), or undefined when it may. */
async function delegationProblem(c: DecodedCertificate, issuer: DecodedCertificate, now: Date): Promise<string | undefined> {
  if (c.issuer.key !== issuer.subject.key) return `issued by "${c.issuer.text}", not by the certificate's issuer`;
  if (!c.extKeyUsage?.includes(EKU.ocspSigning)) return 'its extendedKeyUsage lacks id-kp-OCSPSigning';
  if (c.notBefore.getTime() > now.getTime() || c.notAfter.getTime() < now.getTime()) return `not valid now (${fmt(c.notBefore)} to ${fmt(c.notAfter)})`;
  const alg = classifySignatureAlgorithm(c.signatureAlgorithm);
  if (!alg.ok) return `its signature algorithm is refused: ${alg.reason}`;
  try {
    if (!(await verifySignature(issuer.spki, alg.algorithm, c.tbs, c.signature))) return 'its signature does not verify with the issuer\'s key';
  } catch (e) {
    return `its signature cannot be checked: ${(e as Error).message}`;
  }
  return undefined;
}
