#!/usr/bin/env node
/**
 * secure-mcp-gateway [serve|doctor|demo|config init|config telemetry] [options]
 *
 * One entry point for every command; each command's code is imported only when it runs. Bad
 * input prints one line, then the usage, and exits 2; a command's own exit code otherwise.
 */
import { cliArgs, closest, formatHelp, formatUsage, parseCommandArgs, PROGRAM, UsageError, type CommandSpec } from './argv';
import { COMMANDS, CONFIG_INIT, CONFIG_TELEMETRY, DEMO, DOCTOR, formatProgramHelp, SERVE } from './commands';
import { PACKAGE_VERSION } from './version';

type Runner = (values: Record<string, string | boolean | undefined>) => Promise<number>;

const RUNNERS: ReadonlyMap<CommandSpec, () => Promise<Runner>> = new Map<CommandSpec, () => Promise<Runner>>([
  [SERVE, async () => (await import('./serve')).serve],
  [DOCTOR, async () => (await import('./doctor')).doctor],
  [DEMO, async () => (await import('./demo')).demo],
  [CONFIG_INIT, async () => (await import('./config-commands')).configInit],
  [CONFIG_TELEMETRY, async () => (await import('./config-commands')).configTelemetry],
]);

const CONFIG_USAGE = `usage: ${PROGRAM} config init|telemetry [options]\nRun "${PROGRAM} config init --help" or "${PROGRAM} config telemetry --help" for details.`;

/** Which command `args` name, and the arguments left for it. */
function pickCommand(args: readonly string[]): { command?: CommandSpec; rest: readonly string[]; output?: { text: string; code: number; stream: 'stdout' | 'stderr' } } {
  const [first, second] = args;
  if (first === undefined || (first.startsWith('-') && first !== '--help' && first !== '-h' && first !== '--version' && first !== '-V')) {
    return { command: SERVE, rest: args };
  }
  if (first === '--help' || first === '-h') return { rest: [], output: { text: formatProgramHelp(PACKAGE_VERSION), code: 0, stream: 'stdout' } };
  if (first === '--version' || first === '-V') return { rest: [], output: { text: `${PACKAGE_VERSION}\n`, code: 0, stream: 'stdout' } };
  if (first === 'help') {
    if (second === undefined) return { rest: [], output: { text: formatProgramHelp(PACKAGE_VERSION), code: 0, stream: 'stdout' } };
    const name = second === 'config' && args[2] ? `config ${args[2]}` : second;
    const command = COMMANDS.find((c) => c.name === name);
    if (!command) throw new UsageError(`no help for "${args.slice(1).join(' ')}": unknown command`);
    return { rest: [], output: { text: formatHelp(command), code: 0, stream: 'stdout' } };
  }
  if (first === 'config') {
    if (second === '--help' || second === '-h') return { rest: [], output: { text: `${CONFIG_USAGE}\n`, code: 0, stream: 'stdout' } };
    if (second === undefined) throw new ConfigUsageError('"config" needs a subcommand: init or telemetry');
    const command = COMMANDS.find((c) => c.name === `config ${second}`);
    if (!command) {
      const guess = closest(second, ['init', 'telemetry']);
      throw new ConfigUsageError(`unknown config subcommand "${second}"${guess ? ` (did you mean "config ${guess}"?)` : ''}; expected init or telemetry`);
    }
    return { command, rest: args.slice(2) };
  }
  const command = COMMANDS.find((c) => c.name === first);
  if (!command) {
    const guess = closest(first, [...COMMANDS.map((c) => c.name.split(' ')[0]!), 'help']);
    throw new UsageError(`unknown command "${first}"${guess ? ` (did you mean "${guess}"?)` : ''}`);
  }
  return { command, rest: args.slice(1) };
}

class ConfigUsageError extends UsageError {}

function usageFor(error: UsageError): string {
  if (error.command) return formatUsage(error.command);
  if (error instanceof ConfigUsageError) return CONFIG_USAGE;
  return `usage: ${PROGRAM} [serve|doctor|demo|config init|config telemetry] [options]\nRun "${PROGRAM} --help" for the commands.`;
}

async function main(): Promise<number> {
  try {
    const { command, rest, output } = pickCommand(cliArgs());
    if (output) {
      (output.stream === 'stdout' ? process.stdout : process.stderr).write(output.text);
      return output.code;
    }
    // `pnpm demo -- --otlp URL` runs `cli.js demo -- --otlp URL`: the separator pnpm passes on is not an argument.
    const values = parseCommandArgs(command!, cliArgs(rest));
    if (values.help) {
      process.stdout.write(formatHelp(command!));
      return 0;
    }
    const run = await RUNNERS.get(command!)!();
    return await run(values);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${PROGRAM}: ${error.message}\n${usageFor(error)}\n`);
      return 2;
    }
    throw error;
  }
}

/** Exits once stdout and stderr have flushed (a pipe may still hold a long report). */
function exit(code: number): void {
  process.exitCode = code;
  let pending = 2;
  const done = () => {
    pending -= 1;
    if (pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

main().then(
  // A command that keeps serving returns a promise that never settles; the others end here,
  // whatever handles (upstream processes, exporters) they left behind.
  exit,
  (error: unknown) => {
    // A bug, not bad input: say what broke in one line; the stack only when asked for.
    const detail = process.env.SECURE_MCP_GATEWAY_DEBUG ? ((error as Error).stack ?? String(error)) : ((error as Error).message ?? String(error));
    process.stderr.write(`${PROGRAM}: unexpected error: ${detail}\n`);
    exit(1);
  },
);
