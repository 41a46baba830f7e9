/**
 * Writes the files generated from the catalog (dashboards, alert rules and their promtool tests,
 * docs/metrics.md). `--check` writes nothing and exits 1 when a committed file is stale.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { renderGeneratedFiles } from './generators/index.ts';
import { repoRoot } from './repo-root.ts';

const check = process.argv.includes('--check');
const root = repoRoot();
let stale = 0;
for (const [rel, content] of Object.entries(renderGeneratedFiles())) {
  const file = join(root, rel);
  const current = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  if (current === content) continue;
  if (check) {
    stale++;
    process.stderr.write(`stale: ${rel}\n`);
    continue;
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
  process.stderr.write(`wrote ${rel}\n`);
}
if (stale > 0) {
  process.stderr.write(`${stale} generated file(s) out of date: run pnpm --filter @secure-mcp-gateway/metrics-catalog generate\n`);
  process.exit(1);
}
