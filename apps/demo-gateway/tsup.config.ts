import { defineConfig } from 'tsup';

// An app, not a library: ESM entry points only. Dependencies stay external, so the
// telemetry providers are never bundled — core finds and loads them at run time.
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    cli: 'src/cli.ts',
    'upstream-server': 'src/upstream-server.ts',
  },
  format: ['esm'],
  dts: false,
  sourcemap: true,
  clean: true,
  target: 'node20',
  splitting: true,
});
