// One check's outcome, and the small helpers every check module uses to make one.
import type { DecodedCertificate, Span } from './certificate.ts';
import type { ErrorCode } from './errors.ts';
import { EXT } from './extensions.ts';

export type Role = 'leaf' | 'intermediate' | 'anchor';

export interface Step {
  check: string;
  /** Position in the path (0 = leaf), or -1 for the path as a whole. */
  certificate: number;
  ok: boolean | null;
  detail: string;
  code?: ErrorCode;
  /** A closer OpenSSL name for this particular failure. */
  openssl?: string;
  /** The bytes of that certificate the check looked at: [start, end) in its DER. */
  span?: Span;
}

export function pass(check: string, certificate: number, detail: string): Step {
  return { check, certificate, ok: true, detail };
}
export function fail(check: string, certificate: number, code: ErrorCode, detail: string, openssl?: string): Step {
  return { check, certificate, ok: false, detail, code, ...(openssl ? { openssl } : {}) };
}
export function na(check: string, certificate: number, detail: string): Step {
  return { check, certificate, ok: null, detail };
}

const EXTENSION_OF_CHECK: Record<string, string> = {
  basicConstraints: EXT.basicConstraints,
  pathLength: EXT.basicConstraints,
  keyUsage: EXT.keyUsage,
  extendedKeyUsage: EXT.extKeyUsage,
  nameConstraints: EXT.nameConstraints,
  hostname: EXT.subjectAltName,
};

/** Which part of the certificate a check reads. */
export function spanFor(check: string, c: DecodedCertificate): Span | undefined {
  const oid = EXTENSION_OF_CHECK[check];
  if (oid) {
    const e = c.extensions.find((x) => x.oid === oid);
    return e ? { start: e.offset, end: e.end } : undefined;
  }
  switch (check) {
    case 'structure':
      return c.spans.tbs;
    case 'publicKey':
      return c.spans.spki;
    case 'signature':
      return c.spans.signatureValue;
    case 'validity':
      return c.spans.validity;
    case 'criticalExtensions':
      return c.spans.extensions;
    case 'commonName':
      return c.spans.subject;
  }
  return undefined;
}
