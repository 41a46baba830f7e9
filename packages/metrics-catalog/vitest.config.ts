import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'metrics-catalog',
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    // The allow-list type test (test/types.test-d.ts) runs under `tsc` via vitest's typecheck mode.
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
  },
});
