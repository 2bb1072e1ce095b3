// Files named on the command line, shared by the commands: certificates read from one, and an output file checked
// writable before any connection (so a bad path is a usage error first, never a crash after the handshake).
import { closeSync, openSync } from 'node:fs';
import { CertificateInputError, readCertificates } from '../x509/pem.ts';
import { CliError, fileReason, readInputFile } from './errors.ts';

/** Certificates (PEM or DER) from a file named by an option; unreadable or not certificates is a CliError. */
export function certificatesIn(file: string, option: string): Uint8Array[] {
  const bytes = readInputFile(file, option);
  try {
    return readCertificates(new Uint8Array(bytes));
  } catch (e) {
    if (e instanceof CertificateInputError) throw new CliError('BAD_CERTIFICATE_INPUT', `${option} file "${file}": ${e.message} (at byte ${e.offset})`);
    throw e;
  }
}

/** Open (creating) an output file now; one that cannot be written is a CliError naming the option. */
export function ensureWritable(file: string, option: string): void {
  try {
    closeSync(openSync(file, 'a'));
  } catch (e) {
    throw new CliError('UNWRITABLE_FILE', `cannot write ${option} file "${file}": ${fileReason(e)}`);
  }
}
