// `tls-lens verify --leaf FILE ...`: validate a certificate chain on disk and show every check.
import { readFileSync } from 'node:fs';
import { domainToASCII } from 'node:url';
import { parseReferenceIdentity } from '../x509/hostname.ts';
import { pickLeaf } from '../x509/input.ts';
import { CRL_LABELS, pemToDer } from '../x509/pem.ts';
import { TrustStore } from '../x509/trustStore.ts';
import { validateChain, type ValidationResult } from '../x509/validate.ts';
import { mozillaTrustStore } from '../x509/mozillaStore.ts';
import { DEFAULT_MAX_DEPTH } from '../x509/validate.ts';
import { CliError, EXIT, fileReason, reportCliError, wantsJson, type CliErrorCode } from './errors.ts';
import { decodeCertificate, isCertificate, isRealDateTime } from '../x509/certificate.ts';
import { decodeCrl } from '../x509/crl.ts';
import { PROFILE_OPTION_NAMES, PROFILES, profileFromOption, type ProfileName } from '../x509/profile.ts';
import { verdictJson } from '../x509/verdict.ts';
import { anchorsIn, sourcedCertificatesIn } from './files.ts';
import { stdout } from './stdout.ts';
import { terminalSafe } from '../util/terminal-safe.ts';
import { pathMembers, pathRole } from '../x509/path-words.ts';

const USAGE = `usage: tls-lens verify --leaf FILE [--intermediates FILE] [--roots FILE] [--time ISO-8601]
                        [--name HOST-OR-IP] [--purpose server|client] [--max-depth N] [--crls FILE]
                        [--profile browser|strict|rfc5280] [--strict-cn] [--json]

Validates a certificate chain and prints each check in order.
  --leaf FILE           the end-entity certificate (PEM, DER or a PKCS#7 .p7b/.p7c bundle); further
                        certificates in the same file, in any order, are offered as intermediates
  --intermediates FILE  more certificates offered for path building (any order)
  --roots FILE          trust anchors (PEM or DER); default: the Mozilla store bundled with Node
  --time ISO-8601       validate at this time (default: now)
  --name HOST-OR-IP     the server name to match against subjectAltName (an internationalised name is
                        compared in its A-label form, e.g. bücher.example as xn--bcher-kva.example)
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

/**
 * The --name as validation compares it: U-labels become A-labels (IDNA, as a browser's address bar does), and a
 * name that is neither a host name nor an IP address is bad usage, not a verdict on a chain that was never checked.
 */
function serverName(v: string): string {
  const ascii = /[^\x00-\x7f]/.test(v) ? domainToASCII(v) : v;
  if (!ascii || !parseReferenceIdentity(ascii)) throw new UsageError(`--name: "${v}" is neither a host name nor an IP address`);
  return ascii;
}

/**
 * An ISO-8601 time for --time. JavaScript's Date rolls an impossible date over (2027-02-30 becomes March 2): that is
 * refused, so a typo never validates the chain at another moment than the one asked for.
 */
function isoTime(v: string): Date {
  const t = new Date(v);
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(v);
  if (!m || Number.isNaN(t.getTime())) throw new UsageError(`--time: "${v}" is not an ISO-8601 time`);
  const [year, month, day, hour, minute, second] = m.slice(1).map((x) => Number(x ?? 0));
  if (!isRealDateTime(year, month, day, hour, minute, second)) {
    throw new UsageError(`--time: "${v}" is not a real date and time`);
  }
  return t;
}

/** Options that take a value, which may also come joined to the option's name (`--leaf=leaf.pem`, as parseArgs reads it). */
const VALUE_OPTIONS = new Set(['--leaf', '--intermediates', '--roots', '--time', '--name', '--purpose', '--max-depth', '--crls', '--profile']);

function parseArgs(input: string[]): Args | 'help' {
  const a: Args = { intermediates: [], purpose: 'server', crls: [], strictCn: false, profile: 'browser', json: false };
  const argv = input.flatMap((arg) => {
    const eq = arg.indexOf('=');
    return eq > 0 && VALUE_OPTIONS.has(arg.slice(0, eq)) ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg];
  });
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
      case '--time':
        a.time = isoTime(value(++i, flag));
        break;
      case '--name':
        a.name = serverName(value(++i, flag));
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
        // A file given without its option (`verify leaf.pem`): said as such, not as an unknown option.
        if (!flag.startsWith('-')) throw new UsageError(`unexpected argument '${flag}': verify takes its files as options (--leaf ${flag})`, 'BAD_OPTION_VALUE');
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
    throw new UsageError(`cannot read ${what} file "${file}": ${fileReason(e)}`, 'UNREADABLE_FILE');
  }
}

/**
 * CRLs: PEM "X509 CRL" blocks, or one DER CRL (whitespace after it ignored). Each is decoded here: a file the user
 * named that holds no readable CRL is bad input, not a chain that "verifies" with its revocation silently unchecked.
 */
function loadCrls(file: string): Uint8Array[] {
  const bytes = readFile(file, 'CRL');
  let crls: Uint8Array[];
  try {
    crls = bytes[0] === 0x30 ? [withoutTrailingWhitespace(bytes)] : pemToDer(new TextDecoder().decode(bytes), CRL_LABELS);
  } catch (e) {
    throw new UsageError(`CRL file "${file}": ${(e as Error).message}`, 'BAD_INPUT');
  }
  if (crls.length === 0) throw new UsageError(`CRL file "${file}": no "-----BEGIN X509 CRL-----" block and not DER either`, 'BAD_INPUT');
  crls.forEach((der, k) => {
    try {
      decodeCrl(der);
    } catch (e) {
      const which = crls.length > 1 ? `CRL ${k + 1} of ` : '';
      throw new UsageError(`${which}CRL file "${file}" cannot be read: ${isCertificate(der) ? 'it holds a certificate, not a CRL' : (e as Error).message}`, 'BAD_INPUT');
    }
  });
  return crls;
}

function withoutTrailingWhitespace(bytes: Uint8Array): Uint8Array {
  let end = bytes.length;
  while (end > 0 && [0x0a, 0x0d, 0x20, 0x09].includes(bytes[end - 1])) end--;
  return bytes.subarray(0, end);
}

const COMMAND = 'tls-lens verify';

/** Certificates of a file in any format `readCertificateInput` reads (PEM, DER, PKCS#7); a key pasted by mistake is named on stderr. */
function load(file: string, what: string): Uint8Array[] {
  return sourcedCertificatesIn({ file, what, command: COMMAND }).map((c) => c.der);
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
  // Each certificate is named by its role on the path ("the leaf", "intermediate 1", "the trust anchor"), as the rest
  // of the product names it; the JSON keeps the 0-based index.
  const members = pathMembers(r.path);
  const role = (i: number) => `[${pathRole(i, members)}]`;
  lines.push('', 'Path (leaf first):');
  r.path.forEach((p, i) => {
    // A leaf that is itself the trust anchor is still named "the leaf": that it is the anchor is said after it.
    const anchorNote = p.source === 'anchor' && pathRole(i, members) !== 'the trust anchor' ? '  (trust anchor)' : '';
    lines.push(`  ${role(i)} ${p.subject}${anchorNote}`);
    lines.push(`      issuer: ${p.issuer}`);
    lines.push(`      sha256: ${p.sha256}`);
  });
  lines.push('', 'Checks:');
  for (const s of r.steps) {
    lines.push(`  ${mark(s.ok)} ${role(s.certificate)} ${s.check}: ${s.detail}${s.code && s.ok === false ? ` (${s.code})` : ''}`);
  }
  // Every line holds text from the certificates (names, SANs): shown with its control characters escaped.
  return lines.map((line) => terminalSafe(line)).join('\n') + '\n';
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
    anchors = args.roots ? new TrustStore(anchorsIn({ file: args.roots, what: 'roots', command: COMMAND }, args.purpose)) : mozillaTrustStore();
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
