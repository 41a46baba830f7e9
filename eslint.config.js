// Lint for the whole workspace; `pnpm test` runs it before the tests. Type-aware rules catch
// what tsc does not (floating promises); the restricted-syntax rules keep the public surfaces small.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const sourceRules = {
  // `let x = default; try { x = ... } catch { ... }` is clearer than the alternatives.
  'no-useless-assignment': 'off',
  // A closure may read a variable before its one assignment (callbacks wired up first).
  'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
  // A promise nobody awaits loses its errors: await it, return it, or mark it `void` on purpose.
  '@typescript-eslint/no-floating-promises': 'error',
  '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
  '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
  '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
  'no-restricted-syntax': [
    'error',
    { selector: 'ExportAllDeclaration', message: 'Named exports only: no `export *` (CONTRIBUTING.md).' },
  ],
  'no-restricted-imports': [
    'error',
    {
      patterns: [
        {
          group: ['@secure-mcp-gateway/*/src', '@secure-mcp-gateway/*/src/*', '@secure-mcp-gateway/*/dist', '@secure-mcp-gateway/*/dist/*'],
          message: 'No deep imports across packages: import what the package `exports` offers.',
        },
      ],
    },
  ],
};

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/.turbo/**',
      '**/coverage/**',
      // Scaffolder templates are not valid TypeScript until they are filled in.
      'packages/create-telemetry-provider/templates/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.ts', 'tools/vitest-summary/*.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: sourceRules,
  },
  {
    // Plain JavaScript (bench, scripts): Node globals, no type information.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: {
      globals: {
        process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly',
        setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', performance: 'readonly', URL: 'readonly',
        fetch: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', queueMicrotask: 'readonly', globalThis: 'readonly',
        TextEncoder: 'readonly', Headers: 'readonly', Request: 'readonly', Response: 'readonly', TextDecoder: 'readonly', structuredClone: 'readonly', require: 'readonly', module: 'writable', __dirname: 'readonly',
      },
    },
    rules: {
      'no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-useless-assignment': 'off',
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    files: ['**/test/**', '**/*.test.ts', '**/*.test-d.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      // Tests strip ANSI colour codes.
      'no-control-regex': 'off',
    },
  },
  {
    // Build and test tooling reads arbitrary package.json files.
    files: ['tools/publish-check/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
