import { isAbsolute, resolve } from 'node:path';
import { parseLogLevel } from '../levels';
import type { OtlpProtocol, TelemetrySettings } from '../settings';
import { ConfigError, type ConfigIssue } from './errors';
import { ensureParsedConfig } from './load';
import { describeUrlProblem, type GatewayConfig } from './schema';

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
  batch: Object.freeze({ timeoutMs: 1000, maxBatchSize: 1024, maxQueueSize: 8192 }),
  metricExportIntervalMs: 5000,
  samplingRatio: 1,
  prometheusPort: undefined,
  capturePayloads: false,
  resourceAttributes: Object.freeze({}),
});

export interface ResolveSettingsOptions {
  /** Environment to read `OTEL_*` / `ENKRYPT_TELEMETRY_PROVIDER` from (default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The config file's folder: TLS paths in the file are resolved against it (default cwd). */
  readonly configDir?: string;
  /** Base for relative TLS paths given in the environment (default process.cwd()). */
  readonly cwd?: string;
}

/** `k=v,k2=v2` (W3C baggage-like, percent-decoded), as OTEL_RESOURCE_ATTRIBUTES and OTEL_EXPORTER_OTLP_HEADERS use. */
function parseKeyValueList(name: string, raw: string, issues: ConfigIssue[], secret: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of raw.split(',')) {
    if (!part.trim()) continue;
    const eq = part.indexOf('=');
    const key = eq > 0 ? part.slice(0, eq).trim() : '';
    if (!key) {
      issues.push({ path: name, message: `expected comma-separated key=value pairs, got ${secret ? 'an entry without "="' : JSON.stringify(part)}` });
      continue;
    }
    try {
      out[key] = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      out[key] = part.slice(eq + 1).trim();
    }
  }
  return out;
}

/**
 * Normalises the telemetry parts of a gateway config into `TelemetrySettings` (DESIGN.md
 * defaults), with the standard `OTEL_*` variables and `ENKRYPT_TELEMETRY_PROVIDER` overriding
 * the file. Throws `ConfigError` (source `environment`) naming each bad variable.
 */
export function resolveTelemetrySettings(config: GatewayConfig | undefined = {}, options: ResolveSettingsOptions = {}): TelemetrySettings {
  const parsed: GatewayConfig = config === undefined ? {} : ensureParsedConfig(config);
  const env = options.env ?? process.env;
  const configDir = options.configDir ?? process.cwd();
  const cwd = options.cwd ?? process.cwd();
  const d = DEFAULT_TELEMETRY_SETTINGS;
  const telemetry = parsed.plugins?.telemetry;
  const file = telemetry?.config ?? {};
  const common = parsed.common_mcp_gateway_config;

  const fromFile = (p: string | undefined): string | undefined => (p === undefined ? undefined : isAbsolute(p) ? p : resolve(configDir, p));
  const fromEnv = (p: string): string => (isAbsolute(p) ? p : resolve(cwd, p));

  let enabled = file.enabled ?? d.enabled;
  let provider = telemetry?.provider ?? d.provider;
  let url = file.url ?? d.url;
  let protocol: OtlpProtocol | undefined = file.protocol;
  let insecure = file.insecure ?? d.insecure;
  let serviceName = file.service_name ?? d.serviceName;
  const headers: Record<string, string> = { ...(file.headers ?? {}) };
  const tls = { ca: fromFile(file.ca), cert: fromFile(file.cert), key: fromFile(file.key) };
  let compression = file.compression ?? d.compression;
  const batch = {
    timeoutMs: file.timeout_ms ?? d.batch.timeoutMs,
    maxBatchSize: file.max_batch_size ?? d.batch.maxBatchSize,
    maxQueueSize: file.max_queue_size ?? d.batch.maxQueueSize,
  };
  let metricExportIntervalMs = file.metric_export_interval_ms ?? d.metricExportIntervalMs;
  let samplingRatio = file.sampling_ratio ?? d.samplingRatio;
  const resourceAttributes: Record<string, string> = { ...(file.resource_attributes ?? {}) };

  // Environment overrides. Empty values count as unset (OpenTelemetry spec).
  const issues: ConfigIssue[] = [];
  const get = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  const bool = (name: string): boolean | undefined => {
    const value = get(name);
    if (value === undefined) return undefined;
    if (/^true$/i.test(value)) return true;
    if (/^false$/i.test(value)) return false;
    issues.push({ path: name, message: `expected true or false, got ${JSON.stringify(value)}` });
    return undefined;
  };
  const int = (name: string, min: number): number | undefined => {
    const value = get(name);
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min) {
      issues.push({ path: name, message: `expected an integer >= ${min}, got ${JSON.stringify(value)}` });
      return undefined;
    }
    return n;
  };

  const disabled = bool('OTEL_SDK_DISABLED');
  if (disabled === true) enabled = false;
  provider = get('ENKRYPT_TELEMETRY_PROVIDER') ?? provider;

  const envUrl = get('OTEL_EXPORTER_OTLP_ENDPOINT');
  if (envUrl !== undefined) {
    const problem = describeUrlProblem(envUrl);
    if (problem) issues.push({ path: 'OTEL_EXPORTER_OTLP_ENDPOINT', message: problem });
    else url = envUrl;
  }
  const envProtocol = get('OTEL_EXPORTER_OTLP_PROTOCOL');
  if (envProtocol !== undefined) {
    if (envProtocol === 'grpc' || envProtocol === 'http/protobuf') protocol = envProtocol;
    else issues.push({ path: 'OTEL_EXPORTER_OTLP_PROTOCOL', message: `expected "grpc" or "http/protobuf", got ${JSON.stringify(envProtocol)}` });
  }
  const envHeaders = get('OTEL_EXPORTER_OTLP_HEADERS');
  if (envHeaders !== undefined) Object.assign(headers, parseKeyValueList('OTEL_EXPORTER_OTLP_HEADERS', envHeaders, issues, true));
  insecure = bool('OTEL_EXPORTER_OTLP_INSECURE') ?? insecure;
  const ca = get('OTEL_EXPORTER_OTLP_CERTIFICATE');
  if (ca !== undefined) tls.ca = fromEnv(ca);
  const cert = get('OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE');
  if (cert !== undefined) tls.cert = fromEnv(cert);
  const key = get('OTEL_EXPORTER_OTLP_CLIENT_KEY');
  if (key !== undefined) tls.key = fromEnv(key);
  const envCompression = get('OTEL_EXPORTER_OTLP_COMPRESSION');
  if (envCompression !== undefined) {
    if (envCompression === 'gzip' || envCompression === 'none') compression = envCompression;
    else issues.push({ path: 'OTEL_EXPORTER_OTLP_COMPRESSION', message: `expected "gzip" or "none", got ${JSON.stringify(envCompression)}` });
  }
  batch.timeoutMs = int('OTEL_BSP_SCHEDULE_DELAY', 1) ?? batch.timeoutMs;
  batch.maxBatchSize = int('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 1) ?? batch.maxBatchSize;
  batch.maxQueueSize = int('OTEL_BSP_MAX_QUEUE_SIZE', 1) ?? batch.maxQueueSize;
  int('OTEL_BSP_EXPORT_TIMEOUT', 1); // validated here; providers read it from ctx.env
  metricExportIntervalMs = int('OTEL_METRIC_EXPORT_INTERVAL', 1) ?? metricExportIntervalMs;
  const ratio = get('OTEL_TRACES_SAMPLER_ARG');
  if (ratio !== undefined) {
    const n = Number(ratio);
    if (!Number.isFinite(n) || n < 0 || n > 1) issues.push({ path: 'OTEL_TRACES_SAMPLER_ARG', message: `expected a number between 0 and 1, got ${JSON.stringify(ratio)}` });
    else samplingRatio = n;
  }
  const envResource = get('OTEL_RESOURCE_ATTRIBUTES');
  if (envResource !== undefined) {
    const attrs = parseKeyValueList('OTEL_RESOURCE_ATTRIBUTES', envResource, issues, false);
    const { ['service.name']: resourceServiceName, ...rest } = attrs;
    Object.assign(resourceAttributes, rest);
    if (resourceServiceName) serviceName = resourceServiceName;
  }
  serviceName = get('OTEL_SERVICE_NAME') ?? serviceName;

  if (issues.length > 0) throw new ConfigError('environment', issues, 'Invalid telemetry environment variable');

  const timeoutSeconds = common?.timeout_settings?.connectivity_timeout;
  return {
    enabled,
    provider,
    url,
    protocol,
    insecure,
    serviceName,
    jobName: file.job_name ?? d.jobName,
    logLevel: (common?.enkrypt_log_level !== undefined ? parseLogLevel(common.enkrypt_log_level) : undefined) ?? d.logLevel,
    connectivityTimeoutMs: timeoutSeconds !== undefined ? Math.round(timeoutSeconds * 1000) : d.connectivityTimeoutMs,
    reconnectIntervalMs: file.reconnect_interval_ms ?? d.reconnectIntervalMs,
    headers,
    tls,
    compression,
    batch,
    metricExportIntervalMs,
    samplingRatio,
    prometheusPort: file.prometheus_port,
    capturePayloads: file.capture_payloads ?? d.capturePayloads,
    resourceAttributes,
  };
}

