import { isAbsolute, resolve } from 'node:path';
import { writeStderr } from '../diagnostics';
import { parseLogLevel } from '../levels';
import type { TelemetrySettings } from '../settings';
import { EnvReader } from './env';
import type { ConfigIssue } from './errors';
import { ensureParsedConfig } from './load';
import { applyOtelEnvironment } from './otel-env';
import type { GatewayConfig } from './schema';

/** The defaults of DESIGN.md. */
export const DEFAULT_TELEMETRY_SETTINGS: TelemetrySettings = Object.freeze({
  enabled: true,
  provider: 'stdout',
  url: 'http://localhost:4317',
  protocol: undefined,
  insecure: true,
  serviceName: 'secure-mcp-gateway',
  jobName: 'enkryptai',
  logLevel: 'INFO',
  connectivityTimeoutMs: 2000,
  reconnectIntervalMs: 10_000,
  headers: Object.freeze({}),
  tls: Object.freeze({}),
  compression: 'none',
  exportTimeoutMs: undefined,
  otlpSignals: Object.freeze({ traces: Object.freeze({}), metrics: Object.freeze({}), logs: Object.freeze({}) }),
  exporters: Object.freeze({ traces: Object.freeze(['otlp'] as const), metrics: Object.freeze(['otlp'] as const), logs: Object.freeze(['otlp'] as const) }),
  batch: Object.freeze({ timeoutMs: 1000, maxBatchSize: 1024, maxQueueSize: 8192 }),
  logBatch: Object.freeze({ timeoutMs: 1000, maxBatchSize: 1024, maxQueueSize: 8192 }),
  metricExportIntervalMs: 5000,
  metricExportTimeoutMs: undefined,
  metricTemporality: 'cumulative',
  metricHistogramAggregation: 'explicit_bucket_histogram',
  sampler: 'parentbased_traceidratio',
  samplingRatio: 1,
  limits: Object.freeze({}),
  prometheusPort: undefined,
  prometheusHost: undefined,
  capturePayloads: false,
  resourceAttributes: Object.freeze({}),
  sources: Object.freeze({ url: 'plugins.telemetry.config.url', protocol: 'plugins.telemetry.config.protocol', insecure: 'plugins.telemetry.config.insecure' }),
});

export interface ResolveSettingsOptions {
  /** Environment to read `OTEL_*` / `ENKRYPT_TELEMETRY_PROVIDER` from (default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The config file's folder: TLS paths in the file are resolved against it (default cwd). */
  readonly configDir?: string;
  /** Base for relative TLS paths given in the environment (default process.cwd()). */
  readonly cwd?: string;
  /**
   * Called once per bad environment variable (which is then ignored; the rest applies). Default:
   * one warning line on stderr naming the variable.
   */
  readonly onWarning?: (issue: ConfigIssue) => void;
}

/** The default `onWarning`: one stderr line per bad variable. */
export function warnAboutVariable(issue: ConfigIssue): void {
  writeStderr(`secure-mcp-gateway telemetry WARNING: environment variable ${issue.path}: ${issue.message}; it is ignored, the other settings apply.`);
}

/**
 * Normalises the telemetry parts of a gateway config into `TelemetrySettings` (DESIGN.md
 * defaults), with the standard `OTEL_*` variables and `ENKRYPT_TELEMETRY_PROVIDER` overriding
 * the file (per-signal variable > general variable > file > default). A bad variable is reported
 * once through `onWarning` and ignored; the rest applies. Throws `ConfigError` only for a bad file.
 */
export function resolveTelemetrySettings(config: GatewayConfig | undefined = {}, options: ResolveSettingsOptions = {}): TelemetrySettings {
  const parsed: GatewayConfig = config === undefined ? {} : ensureParsedConfig(config);
  const env = options.env ?? process.env;
  const configDir = options.configDir ?? process.cwd();
  const d = DEFAULT_TELEMETRY_SETTINGS;
  const telemetry = parsed.plugins?.telemetry;
  const file = telemetry?.config ?? {};
  const common = parsed.common_mcp_gateway_config;
  const fromFile = (p: string | undefined): string | undefined => (p === undefined ? undefined : isAbsolute(p) ? p : resolve(configDir, p));
  const timeoutSeconds = common?.timeout_settings?.connectivity_timeout;
  const batch = {
    timeoutMs: file.timeout_ms ?? d.batch.timeoutMs,
    maxBatchSize: file.max_batch_size ?? d.batch.maxBatchSize,
    maxQueueSize: file.max_queue_size ?? d.batch.maxQueueSize,
  };

  const draft: { -readonly [K in keyof TelemetrySettings]: TelemetrySettings[K] } = {
    ...d,
    enabled: file.enabled ?? d.enabled,
    provider: telemetry?.provider ?? d.provider,
    url: file.url ?? d.url,
    protocol: file.protocol,
    insecure: file.insecure ?? d.insecure,
    serviceName: file.service_name ?? d.serviceName,
    jobName: file.job_name ?? d.jobName,
    logLevel: (common?.enkrypt_log_level !== undefined ? parseLogLevel(common.enkrypt_log_level) : undefined) ?? d.logLevel,
    connectivityTimeoutMs: timeoutSeconds !== undefined ? Math.round(timeoutSeconds * 1000) : d.connectivityTimeoutMs,
    reconnectIntervalMs: file.reconnect_interval_ms ?? d.reconnectIntervalMs,
    headers: { ...(file.headers ?? {}) },
    tls: { ca: fromFile(file.ca), cert: fromFile(file.cert), key: fromFile(file.key) },
    compression: file.compression ?? d.compression,
    exporters: { ...d.exporters, metrics: file.prometheus_port !== undefined ? ['otlp', 'prometheus'] : d.exporters.metrics },
    batch,
    logBatch: { ...batch },
    metricExportIntervalMs: file.metric_export_interval_ms ?? d.metricExportIntervalMs,
    samplingRatio: file.sampling_ratio ?? d.samplingRatio,
    prometheusPort: file.prometheus_port,
    capturePayloads: file.capture_payloads ?? d.capturePayloads,
    resourceAttributes: { ...(file.resource_attributes ?? {}) },
  };

  const reader = new EnvReader(env);
  applyOtelEnvironment(draft, reader, options.cwd ?? process.cwd());
  const warn = options.onWarning ?? warnAboutVariable;
  for (const issue of reader.issues) warn(issue);
  return draft;
}
