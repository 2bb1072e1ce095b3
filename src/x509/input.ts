// Chains people bring: one reader for every way a certificate arrives — PEM (many blocks, any order,
// text around them), DER (one or concatenated), PKCS#7 bundles (.p7b/.p7c, PEM or DER/BER), or base64
// without PEM lines. Bad input is answered in plain words with where (file, block, byte offset); a
// private key pasted by mistake is named as such and its bytes are dropped at once.
import { AsnConvert } from '@peculiar/asn1-schema';
import { ContentInfo, SignedData, id_signedData } from '@peculiar/asn1-cms';
import { decodeCertificate, MalformedCertificateError, type DecodedCertificate } from './certificate.ts';
import { decodeOid, DerError, readHeader } from './der.ts';
import { derKind, isPlainText, isWhitespaceTail, notACertificate, utf16Encoding } from './input-shapes.ts';
import { base64Decode, CertificateInputError } from './pem.ts';
import { BundleLayoutError, bundleCertificates, type BundleWalk } from './pkcs7.ts';
import { anchorUse, readTrustedCertificate, type TrustedCertificate, type TrustSettings } from './trusted-pem.ts';

/** Larger inputs are refused before any parsing: a whole CA bundle is well under 1 MiB. */
export const MAX_INPUT_BYTES = 2 * 1024 * 1024;
/** Deeper BER/DER nesting is refused before a PKCS#7 bundle is handed to the ASN.1 library. */
export const MAX_NESTING = 64;

export type InputFormat = 'PEM' | 'DER' | 'PKCS#7' | 'base64';

/** Where a certificate came from. `block` counts PEM blocks (or DER elements, or bundle entries) from 1. */
export interface CertificateOrigin {
  file: string;
  format: InputFormat;
  block: number;
  /** Byte (or, for pasted text, character) offset of the block in the input. */
  offset: number;
}

export interface SourcedCertificate {
  der: Uint8Array;
  cert: DecodedCertificate;
  origin: CertificateOrigin;
  /** OpenSSL trust settings that came with it (a TRUSTED CERTIFICATE block), for its use as a trust anchor. */
  trustSettings?: TrustSettings;
}

/** Something in the input that was set aside, with where; the certificates around it are kept. */
export interface InputNotice {
  kind: 'private-key' | 'ignored-block' | 'undecodable';
  file: string;
  block: number;
  offset: number;
  message: string;
}

export interface CertificateInput {
  certificates: SourcedCertificate[];
  notices: InputNotice[];
}

/** Input that yields no usable chain, with where; `certificates` holds what was read before the problem. */
export class ChainInputError extends CertificateInputError {
  constructor(
    readonly file: string,
    readonly block: number | undefined,
    offset: number,
    readonly problem: string,
    readonly certificates: SourcedCertificate[] = [],
    readonly notices: InputNotice[] = [],
  ) {
    super(`${file}${block !== undefined ? `, block ${block}` : ''}, byte ${offset}: ${problem}`, offset);
    this.name = 'ChainInputError';
  }
}

const CERTIFICATE_LABELS = new Set(['CERTIFICATE', 'TRUSTED CERTIFICATE', 'X509 CERTIFICATE']);
const PKCS7_LABELS = new Set(['PKCS7', 'PKCS #7 SIGNED DATA', 'CMS']);
const PEM_BEGIN = /-----BEGIN ([A-Z0-9 #]+)-----/g;

const PRIVATE_KEY_WORDS =
  'is a private key, not a certificate. It was not kept and is never sent anywhere; keep it out of what you share (if it was pasted somewhere public, treat it as exposed)';

function isPrivateKeyLabel(label: string): boolean {
  return label.includes('PRIVATE KEY');
}

function megabytes(n: number): string {
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

/**
 * Deepest nesting of constructed elements in BER/DER `bytes`, walked without recursion and stopped
 * past `limit`. Indefinite lengths are followed (BER bundles use them); anything unreadable stops the walk
 * (the real parser then reports it).
 */
export function nestingDepth(bytes: Uint8Array, limit = MAX_NESTING): number {
  const ends: number[] = []; // end offset of each open element, -1 for indefinite length
  let deepest = 0;
  let p = 0;
  while (p < bytes.length) {
    while (ends.length && ends[ends.length - 1] !== -1 && p >= ends[ends.length - 1]) ends.pop();
    if (bytes[p] === 0 && bytes[p + 1] === 0 && ends.length && ends[ends.length - 1] === -1) {
      ends.pop(); // end-of-contents of an indefinite-length element
      p += 2;
      continue;
    }
    const tag = bytes[p++];
    if ((tag & 0x1f) === 0x1f) while (p < bytes.length && bytes[p++] & 0x80);
    if (p >= bytes.length) break;
    let len = bytes[p++];
    let indefinite = false;
    if (len === 0x80) indefinite = true;
    else if (len & 0x80) {
      const n = len & 0x7f;
      if (n > 4) break;
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + (bytes[p++] ?? 0);
    }
    if (tag & 0x20) {
      ends.push(indefinite ? -1 : p + len);
      deepest = Math.max(deepest, ends.length);
      if (deepest > limit) return deepest;
    } else if (!indefinite) p += len;
    else break;
  }
  return deepest;
}

/** What a reading has gathered so far, and how strict it is. */
interface Reader extends CertificateInput {
  /** Set aside a certificate that cannot be decoded (with a notice) instead of stopping: for trust-anchor bundles. */
  lenient: boolean;
}

/** Decode one certificate and add it, or stop with where (lenient: set it aside with a notice). */
function decodeAt(der: Uint8Array, file: string, format: InputFormat, block: number, offset: number, out: Reader): void {
  try {
    out.certificates.push({ der, cert: decodeCertificate(der), origin: { file, format, block, offset } });
  } catch (e) {
    const at = e instanceof MalformedCertificateError ? e.offset : 0;
    const problem = `the certificate cannot be read (byte ${at} of its DER): ${withoutOffset(e as Error)}`;
    if (!out.lenient) throw new ChainInputError(file, block, offset, problem, out.certificates, out.notices);
    out.notices.push({ kind: 'undecodable', file, block, offset, message: `block ${block}: ${problem}; it is ignored` });
  }
}

const SIGNED_DATA_OID = '1.2.840.113549.1.7.2';

/**
 * The certificates of a PKCS#7 SignedData bundle (degenerate "certs-only" or signed). The certificates are taken from
 * the bundle's own bytes (never the library's re-encoding, which would change what the signatures are checked over),
 * each decoded in turn, so a damaged one is named with the ones before it kept; the ASN.1 library then checks the
 * rest of the structure.
 */
function readPkcs7(bytes: Uint8Array, file: string, offset: number, format: InputFormat, out: Reader): void {
  const sofar = out.certificates;
  const notices = out.notices;
  const fail = (at: number, problem: string) => new ChainInputError(file, undefined, offset + at, problem, out.certificates, notices);
  // Deep nesting is refused (the ASN.1 library recurses), after the certificates before it are read.
  const tooDeep = () => fail(0, `the data is nested more than ${MAX_NESTING} levels deep; no certificate bundle is`);
  const deep = nestingDepth(bytes) > MAX_NESTING;
  let walk: BundleWalk;
  try {
    walk = bundleCertificates(bytes);
  } catch (e) {
    if (deep) throw tooDeep();
    throw fail(e instanceof BundleLayoutError ? e.offset : 0, `not a readable PKCS#7 bundle: ${e instanceof BundleLayoutError ? e.message : 'its envelope is damaged'}`);
  }
  let type: string;
  try {
    type = decodeOid(walk.contentType);
  } catch {
    type = 'an unreadable type';
  }
  if (type !== SIGNED_DATA_OID && deep) throw tooDeep();
  if (type !== SIGNED_DATA_OID) throw fail(0, `not a readable PKCS#7 bundle: it holds content of type ${type}, not SignedData (${SIGNED_DATA_OID})`);
  const before = sofar.length;
  walk.certificates.forEach((c, k) => decodeAt(c.der, file, format, k + 1, offset + c.offset, out));
  if (deep) throw tooDeep();
  if (walk.problem) {
    const read = walk.certificates.length;
    throw fail(walk.problem.offset, `the PKCS#7 bundle is damaged ${read ? `after its certificate ${read}` : 'where its certificates start'}: ${walk.problem.message}`);
  }
  try {
    const info = AsnConvert.parse(bytes, ContentInfo);
    if (info.contentType !== id_signedData) throw new Error('content type');
    AsnConvert.parse(info.content, SignedData);
  } catch {
    // The library's own words name its internals ("schema", class names): said in terms of the format instead.
    throw fail(0, `not a readable PKCS#7 bundle: its SignedData structure is damaged (it does not follow RFC 5652)${out.certificates.length > before ? ', though the certificates in it could be read' : ''}`);
  }
  if (walk.certificates.length === 0) throw fail(0, 'the PKCS#7 bundle holds no certificate');
}

/**
 * An OpenSSL TRUSTED CERTIFICATE block: the certificate, then its trust settings, kept on the certificate
 * (`trustSettings`) for whoever uses it as a trust anchor to apply for its purpose (`trustAllows`).
 */
function readTrusted(der: Uint8Array, file: string, block: number, offset: number, out: Reader): void {
  let t: TrustedCertificate;
  try {
    t = readTrustedCertificate(der);
  } catch (e) {
    throw new ChainInputError(file, block, offset, `the "TRUSTED CERTIFICATE" block cannot be read: ${withoutOffset(e as Error)}`, out.certificates, out.notices);
  }
  const settings = t.trust.length || t.reject.length ? { trust: t.trust, reject: t.reject } : undefined;
  if (settings && out.lenient) {
    // Read as trust anchors: one its settings allow for no TLS use is set aside (OpenSSL: "certificate rejected").
    const use = anchorUse(settings, block);
    if (use.message) out.notices.push({ kind: 'ignored-block', file, block, offset, message: use.message });
    if (!use.usable) return;
  }
  const before = out.certificates.length;
  decodeAt(t.certificate, file, 'PEM', block, offset, out);
  if (out.certificates.length > before && settings) out.certificates[before].trustSettings = settings;
}

/** Binary input: one or more concatenated DER certificates, a PKCS#7 bundle, or a key pasted by mistake. */
function readBinary(bytes: Uint8Array, file: string, format: InputFormat, baseOffset: number, out: Reader): void {
  const kind = derKind(bytes);
  if (kind === 'pkcs7') {
    readPkcs7(bytes, file, baseOffset, format === 'base64' ? 'base64' : 'PKCS#7', out);
    return;
  }
  if (kind === 'private-key') throw new ChainInputError(file, undefined, baseOffset, `the data ${PRIVATE_KEY_WORDS}`, out.certificates, out.notices);
  if (kind !== 'certificate') throw new ChainInputError(file, undefined, baseOffset, 'this is neither a certificate (PEM, DER) nor a PKCS#7 bundle', out.certificates, out.notices);
  let p = 0;
  let block = 0;
  while (p < bytes.length) {
    if (isWhitespaceTail(bytes, p)) {
      // A line end or spaces after the last certificate (an editor or `echo >>` added them): OpenSSL reads past it too.
      out.notices.push({ kind: 'ignored-block', file, block: block + 1, offset: baseOffset + p, message: `${bytes.length - p} byte(s) of whitespace after the last certificate are ignored` });
      return;
    }
    block++;
    let end: number;
    try {
      end = readHeader(bytes, p, bytes.length).end;
    } catch (e) {
      const at = e instanceof DerError ? e.offset : p;
      throw new ChainInputError(file, block, baseOffset + at, `the DER data is cut short or damaged: ${withoutOffset(e as Error)}`, out.certificates, out.notices);
    }
    const other = notACertificate(bytes.subarray(p, end));
    if (other) {
      // As a PEM block with another label is: named, set aside, and the certificates around it kept.
      out.notices.push({ kind: 'ignored-block', file, block, offset: baseOffset + p, message: `block ${block} is ${other}, not a certificate; it is ignored` });
    } else decodeAt(bytes.subarray(p, end), file, format, block, baseOffset + p, out);
    p = end;
  }
}

/** A DerError's message without its "(at byte N)": the caller says where, in the file's terms. */
function withoutOffset(e: Error): string {
  return e.message.replace(/ \(at byte \d+\)$/, '');
}

/** Text input: every PEM block in order, or base64 of DER without PEM lines. */
function readText(text: string, file: string, out: Reader): void {
  PEM_BEGIN.lastIndex = 0;
  let block = 0;
  let m: RegExpExecArray | null;
  while ((m = PEM_BEGIN.exec(text))) {
    block++;
    const label = m[1];
    const endMarker = `-----END ${label}-----`;
    const bodyStart = m.index + m[0].length;
    // The END line is looked for up to the next BEGIN line only: one further on belongs to a later block, and this
    // one was cut short (or two blocks ran together). Each part of the text is searched once, however many blocks.
    const nextBegin = text.indexOf('-----BEGIN ', bodyStart);
    const endIn = text.slice(bodyStart, nextBegin < 0 ? text.length : nextBegin).indexOf(endMarker);
    const endAt = endIn < 0 ? -1 : bodyStart + endIn;
    const cutShort = endAt < 0;
    if (isPrivateKeyLabel(label)) {
      // Named and dropped; nothing of it is decoded or kept. A key cut short ends at the next block, which is read.
      out.notices.push({ kind: 'private-key', file, block, offset: m.index, message: `block ${block} ("${label}") ${PRIVATE_KEY_WORDS}` });
      if (cutShort && nextBegin < 0) break;
      PEM_BEGIN.lastIndex = cutShort ? nextBegin : endAt + endMarker.length;
      continue;
    }
    if (cutShort) {
      throw new ChainInputError(file, block, m.index, `the "${label}" block has no "${endMarker}" line${nextBegin >= 0 ? ' before the next "-----BEGIN" line' : ''}: the text is cut short`, out.certificates, out.notices);
    }
    PEM_BEGIN.lastIndex = endAt + endMarker.length;
    const known = CERTIFICATE_LABELS.has(label) || PKCS7_LABELS.has(label);
    if (!known) {
      out.notices.push({ kind: 'ignored-block', file, block, offset: m.index, message: `block ${block} is a "${label}", not a certificate; it is ignored` });
      continue;
    }
    let der: Uint8Array;
    try {
      // A PEM copied out of JSON, YAML or a shell string carries its line ends as the two characters "\n".
      der = base64Decode(text.slice(bodyStart, endAt).replace(/\\[rn]/g, '\n'), bodyStart);
    } catch {
      throw new ChainInputError(file, block, bodyStart, `the "${label}" block does not hold valid base64 (a line is damaged or missing)`, out.certificates, out.notices);
    }
    if (der.length === 0) throw new ChainInputError(file, block, bodyStart, `the "${label}" block is empty`, out.certificates, out.notices);
    if (PKCS7_LABELS.has(label)) readPkcs7(der, file, m.index, 'PKCS#7', out);
    else {
      if (derKind(der) === 'private-key') {
        out.notices.push({ kind: 'private-key', file, block, offset: m.index, message: `block ${block} (labelled "${label}") ${PRIVATE_KEY_WORDS}` });
        continue;
      }
      if (derKind(der) === 'pkcs7') throw new ChainInputError(file, block, m.index, 'the block is labelled CERTIFICATE but holds a PKCS#7 bundle', out.certificates, out.notices);
      if (label === 'TRUSTED CERTIFICATE') readTrusted(der, file, block, m.index, out);
      else decodeAt(der, file, 'PEM', block, m.index, out);
    }
  }
  if (block > 0) return;
  const compact = text.replace(/\s+/g, '');
  if (compact.length >= 16 && /^[A-Za-z0-9+/]+={0,2}$/.test(compact) && compact.length % 4 === 0) {
    readBinary(base64Decode(compact, 0), file, 'base64', 0, out);
    return;
  }
  const start = text.search(/\S/);
  throw new ChainInputError(file, undefined, Math.max(start, 0), text.trim() ? 'no "-----BEGIN CERTIFICATE-----" block, and not DER, PKCS#7 or base64 either' : 'the input is empty', out.certificates, out.notices);
}

/**
 * Read every certificate from one file's bytes or pasted text. Throws ChainInputError (with file,
 * block and offset) when something that should be a certificate cannot be read, or nothing is there.
 * `lenient` (trust-anchor bundles): a certificate that cannot be decoded is set aside with a notice.
 */
export function readCertificateInput(input: Uint8Array | string, file = 'input', options: { lenient?: boolean } = {}): CertificateInput {
  const size = typeof input === 'string' ? input.length : input.length;
  if (size > MAX_INPUT_BYTES) {
    throw new ChainInputError(file, undefined, 0, `the input is ${megabytes(size)}; at most ${megabytes(MAX_INPUT_BYTES)} is read (a whole CA bundle is far smaller)`);
  }
  const out: Reader = { certificates: [], notices: [], lenient: options.lenient ?? false };
  if (size === 0) throw new ChainInputError(file, undefined, 0, 'the input is empty');
  if (typeof input !== 'string') {
    // DER starts with a SEQUENCE (0x30), but so does text whose first character is "0"; a certificate's DER always
    // holds bytes no text has (its length octets), so text is told apart by holding none.
    if (input[0] === 0x30 && !isPlainText(input)) {
      readBinary(input, file, 'DER', 0, out);
      return finish(out, file);
    }
    const utf16 = utf16Encoding(input);
    // PEM is ASCII; latin1 keeps one character per byte, so offsets stay byte offsets. Text saved as UTF-16 (Windows
    // "Unicode", PowerShell 5's `>`) is read as such: its offsets are then characters.
    input = new TextDecoder(utf16 ?? 'latin1').decode(input);
  }
  readText(input, file, out);
  return finish(out, file);
}

function finish(out: Reader, file: string): CertificateInput {
  if (out.certificates.length === 0) {
    const key = out.notices.find((n) => n.kind === 'private-key');
    // The first few things set aside say what the file is; thousands of them would bury that (all stay in `notices`).
    const seen = out.notices.slice(0, 3).map((n) => n.message).join('; ') + (out.notices.length > 3 ? `; and ${out.notices.length - 3} more` : '');
    throw new ChainInputError(file, undefined, 0, key ? `no certificate here: ${key.message}` : `no certificate here (${seen})`, [], out.notices);
  }
  return { certificates: out.certificates, notices: out.notices };
}

/** Certificates in a set that issue none of the others: the ends of chains, i.e. leaf candidates. */
export function pickLeaf(certs: DecodedCertificate[]): number {
  if (certs.length <= 1) return 0;
  const issuesOther = (c: DecodedCertificate) => certs.some((o) => o !== c && !o.selfIssued && o.issuer.key === c.subject.key);
  const ends = certs.map((c, i) => ({ c, i })).filter(({ c }) => !issuesOther(c));
  const nonCa = ends.find(({ c }) => !c.basicConstraints?.ca);
  return (nonCa ?? ends[0])?.i ?? 0;
}

/** A chain brought as three inputs: the leaf (and maybe more), a pool of intermediates, anchors. */
export interface ChainInputs {
  leaf: SourcedCertificate;
  intermediates: SourcedCertificate[];
  anchors: SourcedCertificate[];
  notices: InputNotice[];
}

/**
 * Put inputs together: the leaf is picked from the "leaf" files (the certificate that issues no other
 * one, whatever the order), every other certificate offered joins the pool.
 */
export function assembleChain(leafInputs: CertificateInput[], poolInputs: CertificateInput[] = [], anchorInputs: CertificateInput[] = []): ChainInputs {
  const first = leafInputs.flatMap((i) => i.certificates);
  if (first.length === 0) throw new ChainInputError('input', undefined, 0, 'no certificate to validate');
  const k = pickLeaf(first.map((s) => s.cert));
  return {
    leaf: first[k],
    intermediates: [...first.filter((_, i) => i !== k), ...poolInputs.flatMap((i) => i.certificates)],
    anchors: anchorInputs.flatMap((i) => i.certificates),
    notices: [...leafInputs, ...poolInputs, ...anchorInputs].flatMap((i) => i.notices),
  };
}
