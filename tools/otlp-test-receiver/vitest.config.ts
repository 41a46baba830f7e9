import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'otlp-test-receiver',
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
  },
});
