// Embedded SCTs checked against a log list the user supplies (RFC 6962 §3.2, §3.3): each SCT's signature over
// the precertificate entry (the issuer's key hash and the leaf's TBSCertificate without the SCT list). Without a
// log list nothing is verified; TLS Lens ships none, since a stale list would say "unknown log" wrongly.
import { sha256 } from '@noble/hashes/sha2.js';
import { concat as concatBytes, equalBytes } from '../util/bytes.ts';
import { verifySignature, type SignatureAlgorithm } from '../crypto/signature.ts';
import type { DecodedCertificate } from './certificate.ts';
import { children, decodeOid, derElement, readRoot, valueOf, wholeOf } from './der.ts';
import { EXT } from './extensions.ts';

export interface CtLog {
  description: string;
  /** SHA-256 of the log's key (RFC 6962 §3.2 LogID). */
  logId: Uint8Array;
  /** The log's SubjectPublicKeyInfo, DER. */
  key: Uint8Array;
}

export interface SctCheck {
  /** Base64 log id, as the certificate details show it. */
  logId: string;
  timestamp: string;
  /** The log's description when the list knows it. */
  log?: string;
  outcome: 'verified' | 'signature invalid' | 'unknown log' | 'cannot check';
  detail: string;
}

const b64 = (b: Uint8Array) => btoa(String.fromCharCode(...b));
const unb64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

/**
 * A log list in the shape of the Chrome / Apple CT log lists (v3: `operators[].logs[]` with `description`,
 * `log_id` and `key` in base64); anything else is refused with the reason.
 */
export function readLogList(text: string): CtLog[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    // Where, in the file's terms; the engine's own wording (and its excerpt of the text) differs between browsers.
    const at = /position (\d+)/.exec((e as Error).message);
    throw new Error(`the log list is not JSON: ${at ? `it stops being JSON at character ${Number(at[1]) + 1}` : 'it ends before its JSON does, or holds none'}`);
  }
  const operators = (json as { operators?: unknown })?.operators;
  if (!Array.isArray(operators)) throw new Error('the log list has no "operators" array (the v3 log list format is expected)');
  const logs: CtLog[] = [];
  for (const op of operators) {
    for (const l of Array.isArray(op?.logs) ? op.logs : []) {
      if (typeof l?.key !== 'string') continue;
      try {
        const key = unb64(l.key);
        logs.push({ description: typeof l.description === 'string' ? l.description : 'a log', logId: sha256(key), key });
      } catch {
        // A log whose key is not base64 cannot verify anything; the others still can.
      }
    }
  }
  if (logs.length === 0) throw new Error('the log list names no log with a key');
  return logs;
}

/** The TBSCertificate with the SCT list extension taken out, re-encoded (what the log signed, §3.2). */
export function precertificateTbs(tbs: Uint8Array): Uint8Array {
  const root = readRoot(tbs);
  const parts = children(tbs, root);
  const extWrapper = parts.find((p) => p.tag === 0xa3);
  if (!extWrapper) throw new Error('the certificate has no extensions');
  const list = children(tbs, extWrapper)[0];
  const kept = children(tbs, list).filter((ext) => decodeOid(valueOf(tbs, children(tbs, ext)[0])) !== EXT.sctList);
  const extensions = kept.length ? derElement(0xa3, derElement(0x30, concatBytes(...kept.map((e) => wholeOf(tbs, e))))) : new Uint8Array(0);
  return derElement(0x30, concatBytes(...parts.map((p) => (p === extWrapper ? extensions : wholeOf(tbs, p)))));
}

interface RawSct {
  version: number;
  logId: Uint8Array;
  timestamp: Uint8Array;
  extensions: Uint8Array;
  hash: number;
  signatureKind: number;
  signature: Uint8Array;
}

/** The SCTs of the extension's TLS-encoded list, with their raw fields (details.ts decodes the same list for display). */
function rawScts(extValue: Uint8Array): RawSct[] {
  const root = readRoot(extValue);
  const b = extValue.subarray(root.valueStart, root.end);
  const out: RawSct[] = [];
  let p = 2;
  while (p + 2 <= b.length) {
    const end = p + 2 + ((b[p] << 8) | b[p + 1]);
    const s = p + 2;
    const extLen = (b[s + 41] << 8) | b[s + 42];
    const q = s + 43 + extLen;
    const sigLen = (b[q + 2] << 8) | b[q + 3];
    if (q + 4 + sigLen !== end || end > b.length) throw new Error(`SCT #${out.length + 1} is malformed`);
    out.push({ version: b[s], logId: b.subarray(s + 1, s + 33), timestamp: b.subarray(s + 33, s + 41), extensions: b.subarray(s + 41, q), hash: b[q], signatureKind: b[q + 1], signature: b.subarray(q + 4, end) });
    p = end;
  }
  return out;
}

function algorithmOf(sct: RawSct): SignatureAlgorithm | undefined {
  if (sct.hash !== 4) return undefined; // SHA-256 is the one hash RFC 6962 logs use
  if (sct.signatureKind === 3) return { kind: 'ecdsa', hash: 'SHA-256', encoding: 'der' };
  if (sct.signatureKind === 1) return { kind: 'rsa-pkcs1', hash: 'SHA-256' };
  return undefined;
}

/** Check each embedded SCT of `leaf` (issued by `issuer`) against `logs`. */
export async function checkEmbeddedScts(leaf: DecodedCertificate, issuer: DecodedCertificate, logs: CtLog[]): Promise<SctCheck[]> {
  const ext = leaf.extensions.find((e) => e.oid === EXT.sctList);
  if (!ext) return [];
  const scts = rawScts(ext.value);
  const tbs = precertificateTbs(leaf.tbs);
  const issuerKeyHash = sha256(issuer.spki);
  return Promise.all(
    scts.map(async (sct): Promise<SctCheck> => {
      let ms = 0;
      for (const byte of sct.timestamp) ms = ms * 256 + byte;
      const base = { logId: b64(sct.logId), timestamp: new Date(ms).toISOString() };
      const log = logs.find((l) => equalBytes(l.logId, sct.logId));
      if (!log) return { ...base, outcome: 'unknown log', detail: 'no log in the list has this id' };
      const algorithm = algorithmOf(sct);
      if (sct.version !== 0 || !algorithm) return { ...base, log: log.description, outcome: 'cannot check', detail: `SCT version ${sct.version + 1}, hash ${sct.hash}, signature ${sct.signatureKind}: not an RFC 6962 v1 SHA-256 SCT` };
      // digitally-signed struct: version, signature_type certificate_timestamp, timestamp, precert_entry, PreCert, extensions.
      const signed = concatBytes(
        new Uint8Array([sct.version, 0]),
        sct.timestamp,
        new Uint8Array([0, 1]),
        issuerKeyHash,
        new Uint8Array([tbs.length >> 16, (tbs.length >> 8) & 0xff, tbs.length & 0xff]),
        tbs,
        sct.extensions,
      );
      try {
        const ok = await verifySignature(log.key, algorithm, signed, sct.signature);
        return ok
          ? { ...base, log: log.description, outcome: 'verified', detail: `signed by ${log.description} over this certificate` }
          : { ...base, log: log.description, outcome: 'signature invalid', detail: `the signature does not verify with the key of ${log.description}` };
      } catch (e) {
        return { ...base, log: log.description, outcome: 'cannot check', detail: (e as Error).message };
      }
    }),
  );
}
