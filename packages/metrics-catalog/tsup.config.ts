import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  splitting: false,
  // The mcp.* rows come from instrumentation-mcp's semconv table: bundled in, so the published
  // catalog still depends on @opentelemetry/api alone.
  noExternal: ['@secure-mcp-gateway/instrumentation-mcp'],
});
