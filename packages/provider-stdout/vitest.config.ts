import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'provider-stdout',
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
  },
});
