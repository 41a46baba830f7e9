import type { StandardSchemaV1 } from '@secure-mcp-gateway/telemetry-core';

export type StdoutFormat = 'json' | 'pretty' | 'auto';

/** The provider's own keys of `plugins.telemetry.config`, validated and defaulted. */
export interface StdoutProviderConfig {
  /** `json` (one object per line), `pretty` (coloured one-liners) or `auto` (pretty on a TTY). Default `auto`. */
  readonly format: StdoutFormat;
  /** `stdout`, `stderr` or a file path (relative paths resolve against the config file's folder). Default `stdout`. */
  readonly destination: string;
  /** Strings longer than this are cut and marked. Default 8192. */
  readonly maxStringLength: number;
}

export const DEFAULT_MAX_STRING_LENGTH = 8192;
const FORMATS: readonly StdoutFormat[] = ['json', 'pretty', 'auto'];

type Issue = StandardSchemaV1.Issue;

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return `a ${typeof value}`;
}

/**
 * Validates the stdout provider's keys in `plugins.telemetry.config`. The object also holds
 * the common keys (url, service_name...) and other providers' keys, so unknown keys are ignored.
 */
export function parseStdoutConfig(input: unknown): StandardSchemaV1.Result<StdoutProviderConfig> {
  if (input === undefined || input === null) {
    return { value: { format: 'auto', destination: 'stdout', maxStringLength: DEFAULT_MAX_STRING_LENGTH } };
  }
  if (typeof input !== 'object' || Array.isArray(input)) {
    return { issues: [{ message: `plugins.telemetry.config must be an object, got ${describe(input)}`, path: [] }] };
  }
  const raw = input as Record<string, unknown>;
  const issues: Issue[] = [];

  let format: StdoutFormat = 'auto';
  if (raw.format !== undefined) {
    if (typeof raw.format === 'string' && (FORMATS as readonly string[]).includes(raw.format.toLowerCase())) {
      format = raw.format.toLowerCase() as StdoutFormat;
    } else {
      issues.push({ path: ['format'], message: `must be one of "json", "pretty", "auto"; got ${describe(raw.format)}` });
    }
  }

  let destination = 'stdout';
  if (raw.destination !== undefined) {
    if (typeof raw.destination === 'string' && raw.destination.trim().length > 0) {
      destination = raw.destination.trim();
    } else {
      issues.push({
        path: ['destination'],
        message: `must be "stdout", "stderr" or a file path; got ${describe(raw.destination)}`,
      });
    }
  }

  let maxStringLength = DEFAULT_MAX_STRING_LENGTH;
  if (raw.max_string_length !== undefined) {
    const n = raw.max_string_length;
    if (typeof n === 'number' && Number.isInteger(n) && n >= 16) {
      maxStringLength = n;
    } else {
      issues.push({ path: ['max_string_length'], message: `must be an integer >= 16; got ${describe(n)}` });
    }
  }

  if (issues.length > 0) return { issues };
  return { value: { format, destination, maxStringLength } };
}

/** Standard Schema (https://standardschema.dev) for the provider's config, hand-written to stay dependency-free. */
export const stdoutConfigSchema: StandardSchemaV1<unknown, StdoutProviderConfig> = {
  '~standard': {
    version: 1,
    vendor: 'secure-mcp-gateway',
    validate: parseStdoutConfig,
  },
};
