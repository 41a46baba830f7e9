import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'publish-check',
    include: ['test/**/*.test.ts'],
    testTimeout: 90_000,
    hookTimeout: 120_000,
  },
});
