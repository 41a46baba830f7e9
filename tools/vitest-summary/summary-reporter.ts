import type { Reporter, TestModule } from 'vitest/node';

type RunEndErrors = ReadonlyArray<unknown>;

/**
 * Prints the closing line `N passed, N failed, N skipped` that CI reads.
 * A test file that fails to load (syntax error, missing import, a throw at
 * collection time) has no tests to count, so it counts as one failure: a
 * broken file must never read as a green run. Unhandled errors count too.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: RunEndErrors): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const testModule of testModules) {
      let testsInModule = 0;
      for (const test of testModule.children.allTests()) {
        testsInModule += 1;
        const state = test.result().state;
        if (state === 'passed') passed += 1;
        else if (state === 'failed') failed += 1;
        else skipped += 1;
      }
      const loadFailed = testModule.state() === 'failed' && testModule.errors().length > 0;
      if (loadFailed && testsInModule === 0) failed += 1;
    }
    failed += unhandledErrors.length;
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
