// What `openssl ocsp` needs to answer as a CA's OCSP responder would: the CA's database (index.txt, as `openssl ca`
// keeps it: one line per certificate it issued, "V" valid or "R" revoked) and the command line that reads it and
// writes one signed response (-respout, DER). Shared by the lab, which makes fresh staples at each start, and the
// tests' OCSP PKI (test/support/ocsp-pki.ts). Only data here: each caller runs openssl its own way.

/** One certificate in the CA's database. */
export interface IndexEntry {
  /** Hex, as `openssl x509 -serial` or Node's X509Certificate.serialNumber print it. */
  serial: string;
  notAfter: Date;
  /** Informational: openssl ocsp looks certificates up by serial. */
  subject: string;
  revoked?: { at: Date; reason?: 'unspecified' | 'keyCompromise' | 'CACompromise' | 'affiliationChanged' | 'superseded' | 'cessationOfOperation' | 'certificateHold' };
}

/** UTCTime as index.txt writes it: YYMMDDHHMMSSZ. */
export function indexTime(d: Date): string {
  return d.toISOString().replace(/^\d\d(\d\d)-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d).*$/, '$1$2$3$4$5$6Z');
}

/** index.txt: status, expiry, revocation time[,reason], serial, file name ("unknown"), subject; tab-separated. */
export function indexFile(entries: IndexEntry[]): string {
  return entries
    .map((e) => {
      const revocation = e.revoked ? `${indexTime(e.revoked.at)}${e.revoked.reason ? `,${e.revoked.reason}` : ''}` : '';
      return [e.revoked ? 'R' : 'V', indexTime(e.notAfter), revocation, e.serial.toUpperCase(), 'unknown', e.subject].join('\t');
    })
    .map((line) => `${line}\n`)
    .join('');
}

/** index.txt.attr: several valid certificates may share a subject (the lab's leaves all name its host). */
export const INDEX_ATTRIBUTES = 'unique_subject = no\n';

export interface RespondOptions {
  index: string;
  /** The issuer of `cert` (its CertID's issuer hashes). */
  issuer: string;
  /** Who signs: the issuer itself, or a responder it delegated to. */
  signerCert: string;
  signerKey: string;
  /** The certificate the response is about. */
  cert: string;
  out: string;
  /** From thisUpdate (now) to nextUpdate. */
  validity: { days: number } | { minutes: number };
  /** Leave out the nonce: a stapled response is made ahead of time for every client, so it answers no nonce. */
  noNonce?: boolean;
  /** Leave out the signer's certificate (the issuer signs: the client has it already). */
  noCerts?: boolean;
  /** Name the responder by its key hash instead of its name. */
  byKeyId?: boolean;
}

/** The arguments to `openssl` that write the response `openssl ocsp -index` gives about `cert`. */
export function ocspRespondArgs(o: RespondOptions): string[] {
  return [
    'ocsp', '-index', o.index, '-rsigner', o.signerCert, '-rkey', o.signerKey, '-CA', o.issuer, '-issuer', o.issuer, '-cert', o.cert, '-respout', o.out,
    ...('days' in o.validity ? ['-ndays', String(o.validity.days)] : ['-nmin', String(o.validity.minutes)]),
    ...(o.noNonce ? ['-no_nonce'] : []),
    ...(o.noCerts ? ['-resp_no_certs'] : []),
    ...(o.byKeyId ? ['-resp_key_id'] : []),
  ];
}
