#!/usr/bin/env node
// Sums the JSON reports vitest wrote (`<package>/.vitest/report.json`) into the one line CI reads:
// `N passed, N failed`. A report that is missing where a package has tests counts as a failure,
// and so does a failed `pnpm test` with no failed test (pass its status with --exit-status).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const folders = ['packages', 'apps', 'tools'].flatMap((group) => {
  const dir = join(root, group);
  return existsSync(dir) ? readdirSync(dir).map((name) => join(dir, name)) : [];
});
folders.push(join(root, 'bench'));

let passed = 0;
let failed = 0;
let skipped = 0;
const problems = [];
for (const folder of folders) {
  const hasTests =
    existsSync(join(folder, 'test')) &&
    readdirSync(join(folder, 'test')).some((name) => name.endsWith('.test.ts'));
  const report = join(folder, '.vitest', 'report.json');
  if (!existsSync(report)) {
    if (hasTests) {
      failed += 1;
      problems.push(`${folder}: tests exist but no vitest report was written`);
    }
    continue;
  }
  const data = JSON.parse(readFileSync(report, 'utf8'));
  passed += data.numPassedTests;
  failed += data.numFailedTests;
  skipped += data.numPendingTests + data.numTodoTests;
  // A suite that failed to load counts no test as failed; count it so it cannot pass silently.
  const brokenSuites = data.testResults.filter(
    (suite) => suite.status === 'failed' && suite.assertionResults.length === 0,
  );
  failed += brokenSuites.length;
  for (const suite of brokenSuites) problems.push(`${suite.name}: ${String(suite.message).split('\n')[0]}`);
}
// `pnpm test` also type-checks; a failure there (or any non-test step) must not read as a pass.
const statusFlag = process.argv.indexOf('--exit-status');
const testStatus = statusFlag === -1 ? 0 : Number(process.argv[statusFlag + 1]);
if (testStatus !== 0 && failed === 0) {
  failed += 1;
  problems.push(`pnpm test exited ${testStatus} outside the tests (a type check or a build step failed)`);
}
for (const problem of problems) console.error(problem);
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
