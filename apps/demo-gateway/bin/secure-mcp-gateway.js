#!/usr/bin/env node
// The package's bin: a committed launcher, so `pnpm install` can link it before anything is built.
// It starts the built CLI (dist/cli.js), or says how to build it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  const repository = fileURLToPath(new URL('../../..', import.meta.url));
  process.stderr.write(
    `secure-mcp-gateway: not built yet (${fileURLToPath(entry)} is missing). Build it: cd ${repository} && pnpm build\n`,
  );
  process.exit(1);
}
await import(entry.href);
