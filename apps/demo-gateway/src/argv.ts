/**
 * The CLI arguments without a leading `--`: `pnpm demo -- --otlp URL` (pnpm 10) passes the
 * separator through, and `node:util` parseArgs would reject it as an unexpected positional.
 */
export function cliArgs(argv: readonly string[] = process.argv.slice(2)): string[] {
  // Nested scripts (root `pnpm demo` → `pnpm --filter … demo`) can forward more than one.
  let start = 0;
  while (argv[start] === '--') start += 1;
  return argv.slice(start);
}
