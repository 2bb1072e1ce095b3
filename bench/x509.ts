// npm run bench:x509 — time to validate the whole x509-limbo suite, and the median per chain.
// Usage: npm run bench:x509 [-- path/to/limbo.json]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LimboRunner, type LimboTestcase } from '../src/x509/limbo.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const suitePath = process.argv[2] ?? path.resolve(here, '../../shared/conformance/x509-limbo/limbo.json');

const loadStart = performance.now();
const suite = JSON.parse(readFileSync(suitePath, 'utf8')) as { testcases: LimboTestcase[] };
const loadMs = performance.now() - loadStart;

const runner = new LimboRunner(10_000);
const times: number[] = [];
let slowest = { id: '', ms: 0 };
const outcomes: Record<string, number> = {};
const started = performance.now();
for (const tc of suite.testcases) {
  const t0 = performance.now();
  const r = await runner.run(tc);
  const dt = performance.now() - t0;
  outcomes[r.actual_result] = (outcomes[r.actual_result] ?? 0) + 1;
  if (r.actual_result !== 'SKIPPED') times.push(dt);
  if (dt > slowest.ms) slowest = { id: tc.id, ms: dt };
}
const totalMs = performance.now() - started;
times.sort((a, b) => a - b);
const pct = (p: number) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))];

console.log(`x509-limbo: ${suite.testcases.length} testcases (${times.length} validated, ${outcomes.SKIPPED ?? 0} skipped)`);
console.log(`  parse suite JSON: ${loadMs.toFixed(0)} ms`);
console.log(`  validate all:     ${(totalMs / 1000).toFixed(2)} s`);
console.log(`  per chain:        median ${pct(50).toFixed(2)} ms, p90 ${pct(90).toFixed(2)} ms, p99 ${pct(99).toFixed(2)} ms, max ${times[times.length - 1].toFixed(1)} ms (${slowest.id})`);
console.log(`  outcomes:         ${JSON.stringify(outcomes)}`);
