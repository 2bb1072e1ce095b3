// Adds up the Vitest and Playwright JSON reports into one plain closing line: "Total: N passed, N failed, N skipped",
// after naming each failed test with the start of its message: CI may keep only the tail of the output.
import fs from 'node:fs';

const read = (file) => {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
};
const unit = read(process.argv[2]);
const browser = read(process.argv[3]);
let passed = 0;
let failed = 0;
let skipped = 0;
if (unit) {
  passed += unit.numPassedTests;
  failed += unit.numFailedTests + (unit.numRuntimeErrorTestSuites ?? 0);
  skipped += unit.numPendingTests + (unit.numTodoTests ?? 0);
} else failed += 1; // no report: the unit run itself broke
if (browser) {
  passed += browser.stats.expected + browser.stats.flaky;
  failed += browser.stats.unexpected;
  skipped += browser.stats.skipped;
} else failed += 1;
for (const line of failures()) console.log(line);
console.log(`unit: ${unit ? `${unit.numPassedTests} passed, ${unit.numFailedTests} failed` : 'no report'}; browser: ${browser ? `${browser.stats.expected} passed, ${browser.stats.unexpected} failed` : 'no report'}`);
console.log(`Total: ${passed} passed, ${failed} failed, ${skipped} skipped`);

/** One line per failed test, unit then browser, with the first line of its error. */
function failures() {
  const lines = [];
  const first = (text) => String(text ?? '').replace(/\u001b\[[0-9;]*m/g, '').split('\n').find((l) => l.trim()) ?? '';
  for (const file of unit?.testResults ?? []) {
    const failedTests = file.assertionResults.filter((t) => t.status === 'failed');
    for (const t of failedTests) lines.push(`FAILED (unit) ${file.name}: ${t.fullName}: ${first(t.failureMessages?.[0]).slice(0, 300)}`);
    if (file.status === 'failed' && failedTests.length === 0) lines.push(`FAILED (unit) ${file.name}: ${first(file.message).slice(0, 300)}`);
  }
  const walk = (suite, titles) => {
    for (const spec of suite.specs ?? []) {
      for (const test of spec.tests ?? []) {
        if (test.status !== 'unexpected') continue;
        const error = test.results?.at(-1)?.error?.message;
        lines.push(`FAILED (browser) ${spec.file}:${spec.line}: ${[...titles, spec.title].join(' > ')}: ${first(error).slice(0, 300)}`);
      }
    }
    for (const child of suite.suites ?? []) walk(child, [...titles, child.title]);
  };
  for (const suite of browser?.suites ?? []) walk(suite, []);
  return lines;
}
