import type { StandardSchemaV1 } from '@secure-mcp-gateway/telemetry-core';

/**
 * Keys of `plugins.telemetry.config` that only this provider reads. The common keys (url,
 * protocol, headers, TLS, batch sizes...) reach the provider already normalised as
 * `ctx.settings`; unknown keys are ignored.
 */
export interface OpenTelemetryProviderConfig {
  /**
   * Where log records are mirrored as JSON lines, besides OTLP: `stderr` (default), `none`,
   * or a file path (appended to; relative paths resolve against the config file's folder).
   */
  logMirror: string;
  /**
   * Export over OTLP (default true). False: no collector at all — logs go to the mirror only,
   * metrics to the Prometheus endpoint only, spans only give logs their trace ids.
   */
  otlpExport: boolean;
  /** Interface of the Prometheus scrape endpoint (default `127.0.0.1`; `0.0.0.0` in a container). */
  prometheusHost: string;
  /** Max distinct attribute sets per metric instrument; more are folded into an overflow series (default 2000). */
  metricCardinalityLimit: number;
  /**
   * Deadline of one OTLP export, retries included (default 10000 ms: room for the backoff retries of a
   * 429/503, whose first comes after about 1 s; `timeout_ms` is the batch interval).
   * `OTEL_EXPORTER_OTLP_(<SIGNAL>_)TIMEOUT` overrides it for the exporter, `OTEL_BSP_EXPORT_TIMEOUT` /
   * `OTEL_BLRP_EXPORT_TIMEOUT` for the span / log batch (core resolves them into the settings).
   */
  exportTimeoutMs: number;
  /** Deadline of `shutdown()` and `forceFlush()` (default 5000 ms). */
  shutdownTimeoutMs: number;
}

export const CONFIG_DEFAULTS: OpenTelemetryProviderConfig = {
  logMirror: 'stderr',
  otlpExport: true,
  prometheusHost: '127.0.0.1',
  metricCardinalityLimit: 2000,
  exportTimeoutMs: 10_000,
  shutdownTimeoutMs: 5_000,
};

type Issue = StandardSchemaV1.Issue;

function positiveInt(raw: Record<string, unknown>, key: string, issues: Issue[]): number | undefined {
  const value = raw[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    issues.push({ message: `must be a positive integer, got ${JSON.stringify(value)}`, path: [key] });
    return undefined;
  }
  return value;
}

function bool(raw: Record<string, unknown>, key: string, issues: Issue[]): boolean | undefined {
  const value = raw[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') {
    issues.push({ message: `must be true or false, got ${JSON.stringify(value)}`, path: [key] });
    return undefined;
  }
  return value;
}

function nonEmptyString(raw: Record<string, unknown>, key: string, issues: Issue[]): string | undefined {
  const value = raw[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.trim() === '') {
    issues.push({ message: `must be a non-empty string, got ${JSON.stringify(value)}`, path: [key] });
    return undefined;
  }
  return value.trim();
}

/** Validates the provider's own keys (snake_case, as in `enkrypt_mcp_config.json`). */
export function parseProviderConfig(value: unknown): StandardSchemaV1.Result<OpenTelemetryProviderConfig> {
  if (value === undefined || value === null) return { value: { ...CONFIG_DEFAULTS } };
  if (typeof value !== 'object' || Array.isArray(value)) {
    return { issues: [{ message: 'plugins.telemetry.config must be an object' }] };
  }
  const raw = value as Record<string, unknown>;
  const issues: Issue[] = [];
  const config: OpenTelemetryProviderConfig = {
    logMirror: nonEmptyString(raw, 'log_mirror', issues) ?? CONFIG_DEFAULTS.logMirror,
    otlpExport: bool(raw, 'otlp_export', issues) ?? CONFIG_DEFAULTS.otlpExport,
    prometheusHost: nonEmptyString(raw, 'prometheus_host', issues) ?? CONFIG_DEFAULTS.prometheusHost,
    metricCardinalityLimit: positiveInt(raw, 'metric_cardinality_limit', issues) ?? CONFIG_DEFAULTS.metricCardinalityLimit,
    exportTimeoutMs: positiveInt(raw, 'export_timeout_ms', issues) ?? CONFIG_DEFAULTS.exportTimeoutMs,
    shutdownTimeoutMs: positiveInt(raw, 'shutdown_timeout_ms', issues) ?? CONFIG_DEFAULTS.shutdownTimeoutMs,
  };
  return issues.length > 0 ? { issues } : { value: config };
}

/** A Standard Schema (no schema library needed) for the provider's keys; lenient with unknown keys. */
export const configSchema: StandardSchemaV1<unknown, OpenTelemetryProviderConfig> = {
  '~standard': {
    version: 1,
    vendor: 'secure-mcp-gateway-opentelemetry',
    validate: parseProviderConfig,
  },
};

/** The provider's config from core (the configSchema's output) or a raw object (direct callers, tests). */
export function normaliseConfig(raw: unknown): OpenTelemetryProviderConfig {
  if (raw && typeof raw === 'object' && 'logMirror' in raw && 'exportTimeoutMs' in raw) return raw as OpenTelemetryProviderConfig;
  const result = parseProviderConfig(raw);
  if (result.issues) {
    const detail = result.issues.map((issue) => `${issue.path?.join('.') ?? 'config'}: ${issue.message}`).join('; ');
    throw new Error(`opentelemetry telemetry: invalid plugins.telemetry.config: ${detail}`);
  }
  return result.value;
}
