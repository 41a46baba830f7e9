import { parseArgs } from 'node:util';

/**
 * Command-line parsing for `secure-mcp-gateway`: node:util's parseArgs (no dependency) in its
 * lenient mode, whose tokens we check ourselves so every mistake gets one plain sentence
 * (never Node's ERR_PARSE_ARGS_* text or a stack trace), and help rendered from the same table.
 */

export const PROGRAM = 'secure-mcp-gateway';

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** Placeholder for the value in help and errors, e.g. FILE. */
  readonly value?: string;
  readonly description: string;
  /** The accepted values (checked here). */
  readonly choices?: readonly string[];
}

export interface CommandSpec {
  /** As typed: `serve`, `config init`. */
  readonly name: string;
  readonly summary: string;
  /** The synopsis after the program name, e.g. `serve [--config FILE] [--transport stdio|http]`. */
  readonly synopsis: string;
  /** A paragraph under the synopsis in --help. */
  readonly description: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** [name, what it does], shown under "Environment". */
  readonly env: readonly (readonly [string, string])[];
  readonly examples: readonly string[];
}

/** Bad command-line input: printed as one line, then the command's usage; exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(message: string, readonly command?: CommandSpec) {
    super(message);
  }
}

export type ParsedValues = Record<string, string | boolean | undefined>;

const HELP: OptionSpec = { type: 'boolean', short: 'h', description: 'Show this help and exit.' };

/**
 * The CLI arguments without a leading `--`: `pnpm demo -- --otlp URL` (pnpm 10) passes the
 * separator through; nested scripts (root `pnpm demo` → `pnpm --filter … demo`) can forward more than one.
 */
export function cliArgs(argv: readonly string[] = process.argv.slice(2)): string[] {
  let start = 0;
  while (argv[start] === '--') start += 1;
  return argv.slice(start);
}

/** The closest of `candidates` to `input` within a small edit distance (for "did you mean"). */
export function closest(input: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(input.length / 3)) + 1;
  for (const candidate of candidates) {
    const d = editDistance(input, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  // Inputs are command-line words: cap their length so the cost stays tiny whatever is typed.
  const s = a.slice(0, 64);
  const t = b.slice(0, 64);
  let previous = Array.from({ length: t.length + 1 }, (_, i) => i);
  for (let i = 1; i <= s.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= t.length; j += 1) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (s[i - 1] === t[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[t.length]!;
}

function flag(name: string, spec: OptionSpec): string {
  return `--${name}${spec.type === 'string' ? ` ${spec.value ?? 'VALUE'}` : ''}`;
}

/**
 * Parses `args` for `command`. Returns the option values (`help: true` when asked for help);
 * throws UsageError naming the first problem.
 */
export function parseCommandArgs(command: CommandSpec, args: readonly string[]): ParsedValues {
  const options: Record<string, OptionSpec> = { ...command.options, help: HELP };
  const config: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const [name, spec] of Object.entries(options)) config[name] = spec.short ? { type: spec.type, short: spec.short } : { type: spec.type };
  const { tokens } = parseArgs({ args: [...args], options: config, strict: false, allowPositionals: true, tokens: true });
  // --help wins over any mistake beside it.
  if (tokens.some((token) => token.kind === 'option' && token.name === 'help')) return { help: true };
  const values: ParsedValues = {};
  const fail = (message: string): never => {
    throw new UsageError(message, command);
  };
  const known = Object.keys(options);
  for (const token of tokens) {
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional') {
      fail(`unexpected argument "${token.value}"`);
    }
    if (token.kind !== 'option') continue;
    const spec = Object.hasOwn(options, token.name) ? options[token.name] : undefined;
    if (!spec) {
      const guess = closest(token.name, known);
      fail(`unknown option "${token.rawName}"${guess ? ` (did you mean --${guess}?)` : ''}`);
    }
    if (spec!.type === 'boolean') {
      if (token.inlineValue) fail(`option --${token.name} takes no value (got "${token.rawName}=${token.value}")`);
      values[token.name] = true;
      continue;
    }
    const value = token.value;
    if (value === undefined) fail(`option ${flag(token.name, spec!)} needs a value`);
    // parseArgs' lenient mode takes the next word even when it is another option: `--config --json`.
    if (!token.inlineValue && value!.startsWith('-') && value !== '-') {
      fail(`option ${flag(token.name, spec!)} needs a value, got the option "${value}" (write --${token.name}=${value} if that is the value)`);
    }
    if (value === '') fail(`option ${flag(token.name, spec!)} needs a value, got an empty string`);
    if (spec!.choices && !spec!.choices.includes(value!)) {
      fail(`option --${token.name} must be ${spec!.choices.map((c) => `"${c}"`).join(' or ')}, got "${value}"`);
    }
    values[token.name] = value;
  }
  return values;
}

/** `true`/`false` (any case), or a UsageError naming the option. */
export function parseBooleanValue(command: CommandSpec, name: string, value: string): boolean {
  if (/^true$/i.test(value)) return true;
  if (/^false$/i.test(value)) return false;
  throw new UsageError(`option --${name} must be true or false, got "${value}"`, command);
}

/** The usage lines printed after a mistake. */
export function formatUsage(command: CommandSpec): string {
  return `usage: ${PROGRAM} ${command.synopsis}\nRun "${PROGRAM} ${command.name} --help" for its options, environment variables and examples.`;
}

/** The full --help text of a command. */
export function formatHelp(command: CommandSpec): string {
  const rows = Object.entries({ ...command.options, help: HELP }).map(([name, spec]) => {
    const left = `${spec.short ? `-${spec.short}, ` : '    '}${flag(name, spec)}`;
    return [left, spec.description] as const;
  });
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  const envWidth = Math.max(...command.env.map(([name]) => name.length)) + 2;
  const lines = [`usage: ${PROGRAM} ${command.synopsis}`, '', command.description, '', 'Options:'];
  for (const [left, text] of rows) lines.push(`  ${left.padEnd(width)}${text}`);
  lines.push('', 'Environment:');
  for (const [name, text] of command.env) lines.push(`  ${name.padEnd(envWidth)}${text}`);
  lines.push('', 'Examples:');
  for (const example of command.examples) lines.push(`  ${example}`);
  return `${lines.join('\n')}\n`;
}
