import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { z } from 'zod';
import { ConfigError, describeValue, formatPath, valueAt, type ConfigIssue } from './errors';
import { gatewayConfigSchema, type GatewayConfig } from './schema';

type ZodIssue = z.core.$ZodIssue;

function issueMessage(issue: ZodIssue, input: unknown): string {
  const path = issue.path as PropertyKey[];
  const got = describeValue(valueAt(input, path), path);
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected}, got ${got}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${got}`;
    case 'too_small':
      if (issue.origin === 'string') return `must not be empty`;
      return `expected a number ${issue.inclusive === false ? '>' : '>='} ${String(issue.minimum)}, got ${got}`;
    case 'too_big':
      return `expected a number ${issue.inclusive === false ? '<' : '<='} ${String(issue.maximum)}, got ${got}`;
    case 'custom':
      return issue.message;
    default:
      return `${issue.message.replace(/^Invalid input: /, '')}, got ${got}`;
  }
}

function toIssues(issues: readonly ZodIssue[], input: unknown): ConfigIssue[] {
  return issues.map((issue) => {
    const path = issue.path as PropertyKey[];
    let message = issueMessage(issue, input);
    if (issue.code === 'invalid_type' && issue.expected === 'int') message = `expected an integer, got ${describeValue(valueAt(input, path), path)}`;
    return { path: formatPath(path) || '(root)', message };
  });
}

/** Line and column (1-based) of a character offset. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split('\n');
  return { line: lines.length, column: (lines[lines.length - 1]?.length ?? 0) + 1 };
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = (error as Error).message;
    let where: { line: number; column: number };
    const lc = /line (\d+) column (\d+)/.exec(reason);
    const pos = /position (\d+)/.exec(reason);
    if (lc) where = { line: Number(lc[1]), column: Number(lc[2]) };
    else if (pos) where = lineColumn(text, Number(pos[1]));
    else where = lineColumn(text, text.length);
    const short = reason.replace(/\s*\(line \d+ column \d+\)/, '').replace(/ in JSON at position \d+/, '');
    throw new ConfigError(
      source,
      [{ path: `line ${where.line}, column ${where.column}`, message: `malformed JSON (${short})` }],
      `Cannot read ${source}`,
    );
  }
}

/**
 * Validates an `enkrypt_mcp_config.json` (its text, or the parsed value). Throws `ConfigError`
 * naming `source` and every bad JSON path.
 */
export function parseGatewayConfig(json: unknown, options: { source?: string } = {}): GatewayConfig {
  const source = options.source ?? 'the gateway configuration';
  const input = typeof json === 'string' ? parseJson(json.replace(/^\uFEFF/, ''), source) : json;
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ConfigError(source, [{ path: '(root)', message: `expected a JSON object, got ${describeValue(input)}` }]);
  }
  const result = gatewayConfigSchema.safeParse(input);
  if (!result.success) throw new ConfigError(source, toIssues(result.error.issues, input));
  validated.add(result.data);
  return result.data;
}

const validated = new WeakSet<object>();

/** The config as is when `parseGatewayConfig` made it, else validated now (callers may pass raw JSON). */
export function ensureParsedConfig(config: unknown, source = 'the gateway configuration'): GatewayConfig {
  if (typeof config === 'object' && config !== null && validated.has(config)) return config as GatewayConfig;
  return parseGatewayConfig(config, { source });
}

/** Reads and validates `enkrypt_mcp_config.json`. Synchronous; throws `ConfigError`. */
export function loadGatewayConfig(path: string): GatewayConfig {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    throw new ConfigError(file, [{ path: '(file)', message: why }], `Cannot read ${file}`);
  }
  return parseGatewayConfig(text, { source: file });
}
