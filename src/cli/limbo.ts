// `tls-lens limbo < limbo.json > results.json`: run the x509-limbo suite, write its results format.
import { LimboRunner, type LimboResult, type LimboTestcase } from '../x509/limbo.ts';
import { profileFromOption, type ProfileName } from '../x509/profile.ts';
import { CliError, EXIT, readInputFile, reportCliError, wantsJson } from './errors.ts';
import { stdout } from './stdout.ts';

const USAGE = `usage: tls-lens limbo [--input FILE] [--timeout MS] [--strict-cn] [--profile NAME] [--json] < limbo.json > results.json

Runs every x509-limbo testcase through TLS Lens's verifier and prints the suite's results JSON.
Progress and a summary go to stderr. A case whose features ask for a profile runs under it
(pedantic-webpki-eku: strict CA/B; pedantic-rfc5280, rfc5280-incompatible-with-webpki: plain RFC 5280).
  --input FILE    read the suite from FILE instead of stdin
  --timeout MS    give up one testcase after MS milliseconds (default 10000)
  --profile NAME  run every case under one profile: browser, strict (also: cabf) or rfc5280
  --strict-cn     validate with the strict CA/B profile: a leaf's subject CN must be one of its
                  subjectAltName entries (BR 7.1.4.3). The suite's webpki cases ask for this while
                  384 bettertls cases expect such leaves to pass: no single setting meets both.
  --json          errors too as JSON on stdout ({"ok": false, "error": {...}}); results are always JSON
Exit status: 0 suite run, 1 unreadable suite, 2 bad usage.
`;

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (c: Buffer) => chunks.push(c));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

interface LimboArgs {
  input?: string;
  timeout: number;
  commonNameInSan: boolean;
  profile?: ProfileName;
}

function parseLimboArgs(args: string[]): LimboArgs | 'help' {
  const a: LimboArgs = { timeout: 10_000, commonNameInSan: false };
  const value = (i: number, flag: string): string => {
    const v = args[i];
    if (v === undefined || v.startsWith('--')) throw new CliError('MISSING_ARGUMENT', `${flag} needs a value`, EXIT.usage, true);
    return v;
  };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    if (flag === '--help' || flag === '-h') return 'help';
    else if (flag === '--input') a.input = value(++i, flag);
    else if (flag === '--timeout') {
      const v = value(++i, flag);
      a.timeout = Number(v);
      if (!/^\d+$/.test(v) || !(a.timeout > 0)) throw new CliError('BAD_OPTION_VALUE', `--timeout needs a positive number of milliseconds, not "${v}"`);
    } else if (flag === '--strict-cn') a.commonNameInSan = true;
    else if (flag === '--profile') {
      const v = value(++i, flag);
      a.profile = profileFromOption(v);
      if (!a.profile) throw new CliError('BAD_OPTION_VALUE', `--profile must be browser, strict or rfc5280, not "${v}"`);
    }
    else if (flag === '--json') continue;
    else throw new CliError('UNKNOWN_OPTION', `unknown option '${flag}'`, EXIT.usage, true);
  }
  return a;
}

/** The suite from --input or stdin; unreadable or not a v1 suite is a CliError (exit 1, as before). */
async function readSuite(input: string | undefined): Promise<{ version: number; testcases: LimboTestcase[] }> {
  let suite;
  try {
    const text = input ? readInputFile(input, 'suite').toString('utf8') : await readStdin();
    suite = JSON.parse(text);
  } catch (e) {
    const message = e instanceof CliError ? e.message : `cannot read the suite: ${(e as Error).message}`;
    throw new CliError(e instanceof CliError ? e.code : 'BAD_INPUT', message, EXIT.failed);
  }
  if (suite?.version !== 1 || !Array.isArray(suite.testcases)) throw new CliError('BAD_INPUT', 'the input is not an x509-limbo v1 suite', EXIT.failed);
  return suite;
}

export async function run(args: string[]): Promise<number> {
  let parsed: LimboArgs | 'help';
  let suite: { version: number; testcases: LimboTestcase[] };
  try {
    parsed = parseLimboArgs(args);
    if (parsed === 'help') {
      stdout().write(USAGE);
      return 0;
    }
    suite = await readSuite(parsed.input);
  } catch (e) {
    return reportCliError('tls-lens limbo', e, wantsJson(args), USAGE);
  }
  const { timeout, commonNameInSan, profile } = parsed;
  const runner = new LimboRunner(timeout, { commonNameInSan, profile });
  const results: LimboResult[] = [];
  const counts: Record<string, number> = {};
  const started = performance.now();
  for (const tc of suite.testcases) {
    const r = await runner.run(tc);
    results.push(r);
    counts[r.actual_result] = (counts[r.actual_result] ?? 0) + 1;
    if (results.length % 1000 === 0) process.stderr.write(`  ${results.length}/${suite.testcases.length}\n`);
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  process.stderr.write(`limbo: ${results.length} testcases in ${seconds} s: ${JSON.stringify(counts)}\n`);
  stdout().write(JSON.stringify({ version: 1, harness: 'tls-lens-0.1.0', results }, null, 1) + '\n');
  return 0;
}
