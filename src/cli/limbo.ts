// `tls-lens limbo < limbo.json > results.json`: run the x509-limbo suite, write its results format.
import { readFileSync } from 'node:fs';
import { LimboRunner, type LimboResult, type LimboTestcase } from '../x509/limbo.ts';
import type { ProfileName } from '../x509/profile.ts';

const USAGE = `usage: tls-lens limbo [--input FILE] [--timeout MS] [--strict-cn] [--profile NAME] < limbo.json > results.json

Runs every x509-limbo testcase through TLS Lens's verifier and prints the suite's results JSON.
Progress and a summary go to stderr. A case whose features ask for a profile runs under it
(pedantic-webpki-eku: strict CA/B; pedantic-rfc5280, rfc5280-incompatible-with-webpki: plain RFC 5280).
  --profile NAME  run every case under one profile: browser, cabf or rfc5280
  --strict-cn   validate with the strict CA/B profile: a leaf's subject CN must be one of its
                subjectAltName entries (BR 7.1.4.3). The suite's webpki cases ask for this while
                384 bettertls cases expect such leaves to pass: no single setting meets both.
`;

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (c: Buffer) => chunks.push(c));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

export async function run(args: string[]): Promise<number> {
  let input: string | undefined;
  let timeout = 10_000;
  let commonNameInSan = false;
  let profile: ProfileName | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--help' || a === '-h') {
      process.stdout.write(USAGE);
      return 0;
    } else if (a === '--input') input = args[++i];
    else if (a === '--timeout') timeout = Number(args[++i]);
    else if (a === '--strict-cn') commonNameInSan = true;
    else if (a === '--profile') {
      const v = args[++i];
      if (v !== 'browser' && v !== 'cabf' && v !== 'rfc5280') {
        process.stderr.write(`tls-lens limbo: --profile must be browser, cabf or rfc5280, not "${v}"\n`);
        return 2;
      }
      profile = v;
    }
    else {
      process.stderr.write(`tls-lens limbo: unknown option '${a}'\n${USAGE}`);
      return 2;
    }
  }
  let suite: { version: number; testcases: LimboTestcase[] };
  try {
    const text = input ? readFileSync(input, 'utf8') : await readStdin();
    suite = JSON.parse(text);
  } catch (e) {
    process.stderr.write(`tls-lens limbo: cannot read the suite: ${(e as Error).message}\n`);
    return 1;
  }
  if (suite?.version !== 1 || !Array.isArray(suite.testcases)) {
    process.stderr.write('tls-lens limbo: the input is not an x509-limbo v1 suite\n');
    return 1;
  }
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
  process.stdout.write(JSON.stringify({ version: 1, harness: 'tls-lens-0.1.0', results }, null, 1) + '\n');
  return 0;
}
