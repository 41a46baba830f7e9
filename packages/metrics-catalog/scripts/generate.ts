/**
 * Writes the files generated from the catalog (dashboards, alert rules and their promtool tests,
 * docs/metrics.md). `--check` writes nothing and exits 1 when a committed file is stale.
 * `MAX_SESSIONS=<n>` computes the session alert for a gateway whose `max_sessions` is not the
 * default (DEFAULT_MAX_SESSIONS); the committed files and the tests use the default.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DEFAULT_MAX_SESSIONS } from '../src/definitions.ts';
import { renderGeneratedFiles } from './generators/index.ts';
import { repoRoot } from './repo-root.ts';

const check = process.argv.includes('--check');
const root = repoRoot();

function maxSessionsFromEnv(): number | undefined {
  const raw = process.env.MAX_SESSIONS?.trim();
  if (!raw) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n)) {
    process.stderr.write(`MAX_SESSIONS must be a whole number of sessions (the gateway's max_sessions), got "${raw}"\n`);
    process.exit(2);
  }
  if (n !== DEFAULT_MAX_SESSIONS) process.stderr.write(`session alert computed for max_sessions = ${n} (default ${DEFAULT_MAX_SESSIONS})\n`);
  return n;
}

let files: Record<string, string>;
try {
  files = renderGeneratedFiles({ maxSessions: maxSessionsFromEnv() });
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(2);
}
let stale = 0;
for (const [rel, content] of Object.entries(files)) {
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
