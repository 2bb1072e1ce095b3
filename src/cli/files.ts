// Files named on the command line, shared by the commands: certificates read from one (every format x509/input.ts
// reads: PEM, DER, PKCS#7, base64, TRUSTED CERTIFICATE), trust anchors for a purpose, and an output file checked
// writable before any connection (so a bad path is a usage error first, never a crash after the handshake).
import { closeSync, openSync } from 'node:fs';
import type { DecodedCertificate } from '../x509/certificate.ts';
import { EKU } from '../x509/extensions.ts';
import { ChainInputError, readCertificateInput, type SourcedCertificate } from '../x509/input.ts';
import { describeTrust, trustAllows } from '../x509/trusted-pem.ts';
import { CliError, fileReason, readInputFile } from './errors.ts';
import { terminalSafe } from '../util/terminal-safe.ts';

export interface CertificateFile {
  file: string;
  /** How messages name the file: `--ca` gives `--ca file "x"`, `roots` gives `roots file "x"`. */
  what: string;
  /** The command, for warnings on stderr: "tls-lens connect". */
  command: string;
}

/**
 * Every certificate of a file, in file order, with where each came from. Things set aside (a key, another block)
 * are warnings on stderr, except a private key in a file that may hold one (`keyMayBeHere`: --cert, which may be
 * the key file too). Unreadable or holding no certificate is a CliError saying where, and what was read before.
 */
export function sourcedCertificatesIn(f: CertificateFile, options: { lenient?: boolean; keyMayBeHere?: boolean } = {}): SourcedCertificate[] {
  const bytes = readInputFile(f.file, f.what);
  try {
    // A roots bundle keeps working when one of its certificates cannot be decoded (it is named and ignored).
    const input = readCertificateInput(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), f.file, { lenient: options.lenient });
    for (const n of input.notices) {
      if (n.kind === 'private-key' && options.keyMayBeHere) continue;
      process.stderr.write(`${f.command}: warning: ${f.what} file "${terminalSafe(f.file)}": ${n.message}\n`);
    }
    return input.certificates;
  } catch (e) {
    if (e instanceof ChainInputError) {
      throw new CliError('BAD_CERTIFICATE_INPUT', `${f.what} file "${f.file}"${e.block !== undefined ? `, block ${e.block}` : ''}: ${e.problem} (at byte ${e.offset} of the file)${readBefore(e)}`);
    }
    throw e;
  }
}

/** The DER of every certificate of a file (a chain to send: connect's and serve's --cert). */
export function certificatesIn(f: CertificateFile): Uint8Array[] {
  return sourcedCertificatesIn(f, { keyMayBeHere: true }).map((c) => c.der);
}

/**
 * Trust anchors for `purpose` (server: the peer is a TLS server; client: a TLS client). A root that came with OpenSSL
 * trust settings (a TRUSTED CERTIFICATE block) is used only if they allow the purpose, as OpenSSL decides ("certificate
 * rejected" otherwise); a file left with none is bad input.
 */
export function anchorsIn(f: CertificateFile, purpose: 'server' | 'client'): DecodedCertificate[] {
  const oid = purpose === 'server' ? EKU.serverAuth : EKU.clientAuth;
  const usable = sourcedCertificatesIn(f, { lenient: true }).filter((c) => {
    if (trustAllows(c.trustSettings, oid)) return true;
    process.stderr.write(`${f.command}: warning: ${f.what} file "${terminalSafe(f.file)}": block ${c.origin.block} is not used: its OpenSSL trust settings (${describeTrust(c.trustSettings!)}) do not allow ${purpose}Auth\n`);
    return false;
  });
  if (usable.length === 0) throw new CliError('BAD_CERTIFICATE_INPUT', `${f.what} file "${f.file}": no certificate in it may anchor a chain for ${purpose}Auth (see the warnings)`);
  // Decoded already: the trust store takes them as they are, not decoding every root again.
  return usable.map((c) => c.cert);
}

/** What was read before the problem, so the user sees how far the file is fine (it is not validated). */
function readBefore(e: ChainInputError): string {
  if (e.certificates.length === 0) return '';
  const shown = e.certificates.slice(0, 10).map((c) => `block ${c.origin.block} "${terminalSafe(c.cert.subject.text)}"`).join(', ');
  const more = e.certificates.length > 10 ? ` and ${e.certificates.length - 10} more` : '';
  return `; read before it: ${shown}${more}`;
}

/** Open (creating) an output file now; one that cannot be written is a CliError naming the option. */
export function ensureWritable(file: string, option: string): void {
  try {
    closeSync(openSync(file, 'a'));
  } catch (e) {
    throw new CliError('UNWRITABLE_FILE', `cannot write ${option} file "${file}": ${fileReason(e)}`);
  }
}
