import { defineConfig } from 'vitest/config';
import SummaryReporter from './tools/vitest-summary/summary-reporter.ts';

// The root run executes every workspace project (each package keeps its own small
// vitest.config.ts) and closes with the plain `N passed, N failed` line CI reads.
export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts', 'apps/*/vitest.config.ts', 'examples/*/vitest.config.ts', 'tools/*/vitest.config.ts', 'deploy/*/vitest.config.ts'],
    reporters: ['default', new SummaryReporter()],
  },
});
