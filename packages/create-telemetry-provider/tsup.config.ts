import { defineConfig } from 'tsup';

// No `clean`: the two builds run side by side and would delete each other's output; `build` empties dist first.
export default defineConfig([
  {
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    target: 'node20',
    splitting: false,
    // import.meta.url locates templates/ from the CJS build too.
    shims: true,
  },
  {
    // The bin: ESM only (the package is "type": "module"), shebang kept from the source.
    entry: { cli: 'src/cli.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
    splitting: false,
  },
]);
