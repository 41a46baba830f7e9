import type { StandardSchemaV1 } from '@secure-mcp-gateway/telemetry-core';

/** The provider's own keys in `plugins.telemetry.config`, after validation. */
export interface JsonlConfig {
  /** Folder the files are written to; relative paths are resolved against the config file's folder. */
  readonly directory: string;
  readonly logsFile: string;
  readonly spansFile: string;
  readonly metricsFile: string;
}

const DEFAULTS: JsonlConfig = {
  directory: 'telemetry',
  logsFile: 'logs.jsonl',
  spansFile: 'spans.jsonl',
  metricsFile: 'metrics.jsonl',
};

type Issue = StandardSchemaV1.Issue;

function fileName(raw: Record<string, unknown>, key: string, fallback: string, issues: Issue[]): string {
  const value = raw[key];
  if (value === undefined) return fallback;
  // A bare file name: a path here would let one key escape `directory`.
  if (typeof value !== 'string' || value.length === 0 || /[\\/]/.test(value) || value === '.' || value === '..') {
    issues.push({ message: 'must be a file name (no path separators), e.g. "logs.jsonl"', path: [key] });
    return fallback;
  }
  return value;
}

function validate(input: unknown): StandardSchemaV1.Result<JsonlConfig> {
  if (input === undefined || input === null) return { value: DEFAULTS };
  if (typeof input !== 'object' || Array.isArray(input)) {
    return { issues: [{ message: 'plugins.telemetry.config must be an object' }] };
  }
  // The same object carries core's common keys (url, service_name...): unknown keys are ignored.
  const raw = input as Record<string, unknown>;
  const issues: Issue[] = [];
  let directory = DEFAULTS.directory;
  if (raw.directory !== undefined) {
    if (typeof raw.directory !== 'string' || raw.directory.trim().length === 0) {
      issues.push({ message: 'must be a non-empty path to a folder', path: ['directory'] });
    } else {
      directory = raw.directory;
    }
  }
  const value: JsonlConfig = {
    directory,
    logsFile: fileName(raw, 'logs_file', DEFAULTS.logsFile, issues),
    spansFile: fileName(raw, 'spans_file', DEFAULTS.spansFile, issues),
    metricsFile: fileName(raw, 'metrics_file', DEFAULTS.metricsFile, issues),
  };
  return issues.length > 0 ? { issues } : { value };
}

/**
 * A hand-written Standard Schema, so the provider needs no validation library.
 * zod, valibot or arktype schemas work the same way.
 */
export const jsonlConfigSchema: StandardSchemaV1<unknown, JsonlConfig> = {
  '~standard': { version: 1, vendor: 'telemetry-provider-jsonl', validate },
};
