import { defineConfig } from 'tsup';

export default defineConfig({
  // `semconv` is its own entry so the metrics catalog can bundle the instrument table alone.
  entry: { index: 'src/index.ts', semconv: 'src/semconv.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  splitting: false,
});
