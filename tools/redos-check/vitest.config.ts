import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'redos-check',
    include: ['test/**/*.test.ts'],
    // recheck's pure-JS checker takes up to a few seconds for a pattern it must fuzz.
    testTimeout: 300_000,
  },
});
