// Adds up the Vitest and Playwright JSON reports into one plain closing line: "Total: N passed, N failed, N skipped".
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
console.log(`unit: ${unit ? `${unit.numPassedTests} passed, ${unit.numFailedTests} failed` : 'no report'}; browser: ${browser ? `${browser.stats.expected} passed, ${browser.stats.unexpected} failed` : 'no report'}`);
console.log(`Total: ${passed} passed, ${failed} failed, ${skipped} skipped`);
