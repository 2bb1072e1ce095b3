// `tls-lens verify --leaf FILE ...`: validate a certificate chain on disk and show every check.
import { readFileSync } from 'node:fs';
import { ChainInputError, pickLeaf, readCertificateInput } from '../x509/input.ts';
import { CRL_LABELS, pemToDer } from '../x509/pem.ts';
import { TrustStore } from '../x509/trustStore.ts';
import { validateChain, type ValidationResult } from '../x509/validate.ts';
import { mozillaTrustStore } from '../x509/mozillaStore.ts';
import { DEFAULT_MAX_DEPTH } from '../x509/validate.ts';
import { CliError, EXIT, reportCliError, wantsJson, type CliErrorCode } from './errors.ts';
import { decodeCertificate } from '../x509/certificate.ts';
import { PROFILE_OPTION_NAMES, PROFILES, profileFromOption, type ProfileName } from '../x509/profile.ts';
import { verdictJson } from '../x509/verdict.ts';
import { stdout } from './stdout.ts';

const USAGE = `usage: tls-lens verify --leaf FILE [--intermediates FILE] [--roots FILE] [--time ISO-8601]
                        [--name HOST-OR-IP] [--purpose server|client] [--max-depth N] [--crls FILE]
                        [--profile browser|strict|rfc5280] [--strict-cn] [--json]

Validates a certificate chain and prints each check in order.
  --leaf FILE           the end-entity certificate (PEM, DER or a PKCS#7 .p7b/.p7c bundle); further
                        certificates in the same file, in any order, are offered as intermediates
  --intermediates FILE  more certificates offered for path building (any order)
  --roots FILE          trust anchors (PEM or DER); default: the Mozilla store bundled with Node
  --time ISO-8601       validate at this time (default: now)
  --name HOST-OR-IP     the server name to match against subjectAltName
  --purpose P           server (default) or client
  --max-depth N         intermediates allowed between leaf and anchor (OpenSSL verify_depth;
                        self-issued intermediates are not counted), default ${DEFAULT_MAX_DEPTH}
  --crls FILE           certificate revocation lists (PEM "X509 CRL" or "CRL" blocks, or DER) to check against
  --profile P           which rules decide (default browser):
                          browser  RFC 5280 with the web-PKI rules browsers apply
                          strict   the CA/Browser Forum Baseline Requirements on top: CN among the
                                   SANs, EKU required in the leaf, no anyExtendedKeyUsage, serial
                                   numbers of at least 64 bits
                          rfc5280  plain RFC 5280: a CA certificate may be the leaf (its own
                                   pathLenConstraint ignored), nameConstraints must be critical
  --strict-cn           only the strict profile's CN rule, on top of --profile: reject a leaf whose
                        subject CN is not one of its subjectAltName entries (BR 7.1.4.3; by default
                        reported and tolerated)
  --json                machine-readable output
Exit status: 0 valid, 1 invalid, 2 bad usage or unreadable input.
`;

/** Bad usage or unreadable input: exit 2, with a stable code for --json. */
class UsageError extends CliError {
  constructor(message: string, code: CliErrorCode = 'BAD_OPTION_VALUE') {
    super(code, message, EXIT.usage, code === 'UNKNOWN_OPTION' || code === 'MISSING_ARGUMENT');
  }
}

interface Args {
  leaf?: string;
  intermediates: string[];
  roots?: string;
  time?: Date;
  name?: string;
  purpose: 'server' | 'client';
  maxDepth?: number;
  crls: string[];
  strictCn: boolean;
  profile: ProfileName;
  json: boolean;
}

function parseArgs(argv: string[]): Args | 'help' {
  const a: Args = { intermediates: [], purpose: 'server', crls: [], strictCn: false, profile: 'browser', json: false };
  const value = (i: number, flag: string): string => {
    const v = argv[i];
    if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value`, 'MISSING_ARGUMENT');
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    switch (flag) {
      case '--help':
      case '-h':
        return 'help';
      case '--leaf':
        a.leaf = value(++i, flag);
        break;
      case '--intermediates':
        a.intermediates.push(value(++i, flag));
        break;
      case '--roots':
        a.roots = value(++i, flag);
        break;
      case '--time': {
        const v = value(++i, flag);
        const t = new Date(v);
        if (!/^\d{4}-\d{2}-\d{2}/.test(v) || Number.isNaN(t.getTime())) throw new UsageError(`--time: "${v}" is not an ISO-8601 time`);
        a.time = t;
        break;
      }
      case '--name':
        a.name = value(++i, flag);
        break;
      case '--purpose': {
        const v = value(++i, flag);
        if (v !== 'server' && v !== 'client') throw new UsageError(`--purpose must be server or client, not "${v}"`);
        a.purpose = v;
        break;
      }
      case '--max-depth': {
        const v = value(++i, flag);
        if (!/^\d+$/.test(v)) throw new UsageError(`--max-depth needs a non-negative integer, not "${v}"`);
        a.maxDepth = Number(v);
        break;
      }
      case '--crls':
        a.crls.push(value(++i, flag));
        break;
      case '--json':
        a.json = true;
        break;
      case '--strict-cn':
        a.strictCn = true;
        break;
      case '--profile': {
        const v = value(++i, flag);
        const profile = profileFromOption(v);
        if (!profile) throw new UsageError(`--profile must be browser, strict or rfc5280, not "${v}"`);
        a.profile = profile;
        break;
      }
      default:
        throw new UsageError(`unknown option '${flag}'`, 'UNKNOWN_OPTION');
    }
  }
  if (!a.leaf) throw new UsageError('--leaf FILE is required', 'MISSING_ARGUMENT');
  return a;
}

function readFile(file: string, what: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${what} file "${file}": ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`, 'UNREADABLE_FILE');
  }
}

/** CRLs: PEM "X509 CRL" blocks, or one DER CRL. */
function loadCrls(file: string): Uint8Array[] {
  const bytes = readFile(file, 'CRL');
  if (bytes[0] === 0x30) return [bytes];
  const crls = pemToDer(new TextDecoder().decode(bytes), CRL_LABELS);
  if (crls.length === 0) throw new UsageError(`CRL file "${file}": no "-----BEGIN X509 CRL-----" block and not DER either`, 'BAD_INPUT');
  return crls;
}

/** Certificates of a file in any format `readCertificateInput` reads (PEM, DER, PKCS#7); a key pasted by mistake is named on stderr. */
function load(file: string, what: string): Uint8Array[] {
  const bytes = readFile(file, what);
  try {
    // A roots bundle keeps working when one of its certificates cannot be decoded (it is named and ignored).
    const input = readCertificateInput(bytes, file, { lenient: what === 'roots' });
    for (const n of input.notices) process.stderr.write(`tls-lens verify: warning: ${what} file "${file}": ${n.message}\n`);
    return input.certificates.map((c) => c.der);
  } catch (e) {
    if (e instanceof ChainInputError) throw new UsageError(`${what} file "${file}"${e.block !== undefined ? `, block ${e.block}` : ''}: ${e.problem} (at byte ${e.offset})`, 'BAD_CERTIFICATE_INPUT');
    throw e;
  }
}

/** The leaf file's certificates with the leaf first, whatever their order in the file. */
function leafFirst(certs: Uint8Array[]): Uint8Array[] {
  const k = pickLeaf(certs.map((der) => decodeCertificate(der)));
  return [certs[k], ...certs.filter((_, i) => i !== k)];
}

function mark(ok: boolean | null): string {
  return ok === true ? 'ok  ' : ok === false ? 'FAIL' : '  - ';
}

function human(r: ValidationResult, args: Args): string {
  const lines: string[] = [];
  lines.push(r.ok ? 'VALID' : `INVALID: ${r.error?.code} — ${r.error?.message}`);
  if (r.error) {
    lines.push(`  OpenSSL: ${r.error.openssl}   Secure Transport: ${r.error.secureTransport}${r.error.windowsCE ? `   Windows CE: ${r.error.windowsCE}` : ''}`);
  }
  lines.push(`  Profile: ${PROFILE_OPTION_NAMES[args.profile]} (${PROFILES[args.profile].label})${args.strictCn ? ', with the strict CN rule' : ''}`);
  lines.push('', 'Path (leaf first):');
  r.path.forEach((p, i) => {
    lines.push(`  [${i}] ${p.subject}${p.source === 'anchor' ? '  (trust anchor)' : ''}`);
    lines.push(`      issuer: ${p.issuer}`);
    lines.push(`      sha256: ${p.sha256}`);
  });
  lines.push('', 'Checks:');
  for (const s of r.steps) {
    const where = s.certificate >= 0 ? `[${s.certificate}]` : '[*]';
    lines.push(`  ${mark(s.ok)} ${where} ${s.check}: ${s.detail}${s.code && s.ok === false ? ` (${s.code})` : ''}`);
  }
  return lines.join('\n') + '\n';
}

export async function run(argv: string[]): Promise<number> {
  let args: Args | 'help';
  let leaf: Uint8Array[];
  let intermediates: Uint8Array[];
  let anchors: TrustStore;
  let crls: Uint8Array[];
  try {
    args = parseArgs(argv);
    if (args === 'help') {
      stdout().write(USAGE);
      return 0;
    }
    leaf = leafFirst(load(args.leaf!, 'leaf'));
    intermediates = [...leaf.slice(1), ...args.intermediates.flatMap((f) => load(f, 'intermediates'))];
    crls = args.crls.flatMap(loadCrls);
    anchors = args.roots ? new TrustStore(load(args.roots, 'roots')) : mozillaTrustStore();
    if (args.roots && anchors.size === 0) throw new UsageError(`roots file "${args.roots}": no usable certificate (${anchors.rejected.map((r) => r.message).join('; ')})`, 'BAD_CERTIFICATE_INPUT');
    for (const r of anchors.rejected) process.stderr.write(`tls-lens verify: warning: root #${r.index + 1} in "${args.roots}" is ignored: ${r.message}\n`);
  } catch (e) {
    return reportCliError('tls-lens verify', e, wantsJson(argv), USAGE);
  }
  const result = await validateChain({
    leaf: leaf[0],
    intermediates,
    anchors,
    time: args.time ?? new Date(),
    name: args.name,
    purpose: args.purpose,
    maxDepth: args.maxDepth,
    strictAnchors: args.roots !== undefined,
    commonNameInSan: args.strictCn || args.profile === 'cabf',
    profile: args.profile,
    crls,
  });
  if (args.json) {
    stdout().write(JSON.stringify(verdictJson(result, args.profile), null, 2) + '\n');
  } else {
    stdout().write(human(result, args));
  }
  return result.ok ? 0 : 1;
}
