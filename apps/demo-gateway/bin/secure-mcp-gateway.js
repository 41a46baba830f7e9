#!/usr/bin/env node
// The package's bin: a committed launcher, so `pnpm install` can link it before anything is built.
// It starts the built CLI (dist/cli.js), or says how to build it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  process.stderr.write(
    `secure-mcp-gateway: not built yet (${fileURLToPath(entry)} is missing). ` +
      `Build it from the repository root: pnpm turbo run build --filter=@secure-mcp-gateway/demo-gateway... (package folder: ${root})\n`,
  );
  process.exit(1);
}
await import(entry.href);
