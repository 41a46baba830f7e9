/**
 * The CLI arguments without a leading `--`: `pnpm demo -- --otlp URL` (pnpm 10) passes the
 * separator through, and `node:util` parseArgs would reject it as an unexpected positional.
 */
export function cliArgs(argv: readonly string[] = process.argv.slice(2)): string[] {
  return argv[0] === '--' ? argv.slice(1) : [...argv];
}
