// The OpenTelemetry SDK environment variables (specification: "Environment Variable
// Specification" and the OTLP exporter's), applied over the settings from the file. Per-signal
// variables are kept apart (`otlpSignals`) so a provider applies them over the general ones:
// per-signal variable > general variable > config file > default.
import { isAbsolute, resolve } from 'node:path';
import type {
  AttributeLimits,
  BatchSettings,
  LogExporterName,
  MetricExporterName,
  OtlpProtocol,
  OtlpSignalOverrides,
  TelemetrySettings,
  TelemetrySignal,
  TraceExporterName,
  TracesSamplerName,
} from '../settings';
import type { EnvReader } from './env';
import { describeUrlProblem } from './schema';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export const OTLP_PROTOCOLS: readonly OtlpProtocol[] = ['grpc', 'http/protobuf', 'http/json'];
const SIGNALS: readonly TelemetrySignal[] = ['traces', 'metrics', 'logs'];
const SAMPLERS: readonly TracesSamplerName[] = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
];
const UNSUPPORTED_SAMPLERS = ['jaeger_remote', 'parentbased_jaeger_remote', 'xray'];
/** The Prometheus exporter's default port (OTEL_EXPORTER_PROMETHEUS_PORT). */
export const DEFAULT_PROMETHEUS_PORT = 9464;

function url(reader: EnvReader, name: string): string | undefined {
  const value = reader.string(name);
  if (value === undefined) return undefined;
  const problem = describeUrlProblem(value);
  return problem ? reader.report(name, problem) : value;
}

function path(reader: EnvReader, name: string, cwd: string): string | undefined {
  const value = reader.string(name);
  return value === undefined ? undefined : isAbsolute(value) ? value : resolve(cwd, value);
}

/** The OTLP variables of one prefix: `OTEL_EXPORTER_OTLP` or `OTEL_EXPORTER_OTLP_TRACES`... */
function otlpVariables(reader: EnvReader, prefix: string, cwd: string): Mutable<OtlpSignalOverrides> {
  const tls = {
    ca: path(reader, `${prefix}_CERTIFICATE`, cwd),
    cert: path(reader, `${prefix}_CLIENT_CERTIFICATE`, cwd),
    key: path(reader, `${prefix}_CLIENT_KEY`, cwd),
  };
  return {
    url: url(reader, `${prefix}_ENDPOINT`),
    protocol: reader.oneOf(`${prefix}_PROTOCOL`, OTLP_PROTOCOLS),
    headers: reader.keyValues(`${prefix}_HEADERS`, true),
    insecure: reader.bool(`${prefix}_INSECURE`),
    tls: tls.ca || tls.cert || tls.key ? tls : undefined,
    compression: reader.oneOf(`${prefix}_COMPRESSION`, ['gzip', 'none'] as const),
    timeoutMs: reader.int(`${prefix}_TIMEOUT`, 1),
  };
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** OTEL_BSP_* / OTEL_BLRP_* over `base`; a batch larger than the queue is cut to it. */
function batchVariables(reader: EnvReader, prefix: 'OTEL_BSP' | 'OTEL_BLRP', base: BatchSettings): BatchSettings {
  const maxQueueSize = reader.int(`${prefix}_MAX_QUEUE_SIZE`, 1) ?? base.maxQueueSize;
  let maxBatchSize = reader.int(`${prefix}_MAX_EXPORT_BATCH_SIZE`, 1) ?? base.maxBatchSize;
  if (maxBatchSize > maxQueueSize) {
    reader.report(`${prefix}_MAX_EXPORT_BATCH_SIZE`, `${maxBatchSize} is larger than the queue (${maxQueueSize}); using ${maxQueueSize}`);
    maxBatchSize = maxQueueSize;
  }
  return {
    timeoutMs: reader.int(`${prefix}_SCHEDULE_DELAY`, 0) ?? base.timeoutMs,
    maxBatchSize,
    maxQueueSize,
    exportTimeoutMs: reader.int(`${prefix}_EXPORT_TIMEOUT`, 1) ?? base.exportTimeoutMs,
  };
}

function limitVariables(reader: EnvReader): AttributeLimits {
  const limit = (name: string): number | undefined => reader.int(name, 0);
  return withoutUndefined<AttributeLimits>({
    attributeCountLimit: limit('OTEL_ATTRIBUTE_COUNT_LIMIT'),
    attributeValueLengthLimit: limit('OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT'),
    spanAttributeCountLimit: limit('OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT'),
    spanAttributeValueLengthLimit: limit('OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT'),
    spanEventCountLimit: limit('OTEL_SPAN_EVENT_COUNT_LIMIT'),
    spanLinkCountLimit: limit('OTEL_SPAN_LINK_COUNT_LIMIT'),
    eventAttributeCountLimit: limit('OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT'),
    linkAttributeCountLimit: limit('OTEL_LINK_ATTRIBUTE_COUNT_LIMIT'),
    logRecordAttributeCountLimit: limit('OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT'),
    logRecordAttributeValueLengthLimit: limit('OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT'),
  });
}

function samplerVariable(reader: EnvReader): TracesSamplerName | undefined {
  const raw = reader.string('OTEL_TRACES_SAMPLER')?.toLowerCase();
  if (raw !== undefined && UNSUPPORTED_SAMPLERS.includes(raw)) {
    return reader.report('OTEL_TRACES_SAMPLER', `"${raw}" is not supported here (it needs a remote sampling service); use one of ${SAMPLERS.join(', ')}`);
  }
  return reader.oneOf('OTEL_TRACES_SAMPLER', SAMPLERS);
}

/**
 * Applies every supported `OTEL_*` variable (and `ENKRYPT_TELEMETRY_PROVIDER`) to `draft`, which
 * holds the file's settings. Bad values are reported on `reader` and leave the setting as it was.
 */
export function applyOtelEnvironment(draft: Mutable<TelemetrySettings>, reader: EnvReader, cwd: string): void {
  if (reader.bool('OTEL_SDK_DISABLED') === true) draft.enabled = false;
  draft.provider = reader.string('ENKRYPT_TELEMETRY_PROVIDER') ?? draft.provider;

  // Resource: OTEL_SERVICE_NAME wins over a service.name in OTEL_RESOURCE_ATTRIBUTES.
  const resource = reader.keyValues('OTEL_RESOURCE_ATTRIBUTES', false);
  if (resource) {
    const { ['service.name']: serviceName, ...rest } = resource;
    draft.resourceAttributes = { ...draft.resourceAttributes, ...rest };
    if (serviceName) draft.serviceName = serviceName;
  }
  draft.serviceName = reader.string('OTEL_SERVICE_NAME') ?? draft.serviceName;

  // OTLP, general.
  const general = otlpVariables(reader, 'OTEL_EXPORTER_OTLP', cwd);
  const sources = { ...draft.sources };
  if (general.url !== undefined) {
    draft.url = general.url;
    sources.url = 'OTEL_EXPORTER_OTLP_ENDPOINT';
  }
  if (general.protocol !== undefined) {
    draft.protocol = general.protocol;
    sources.protocol = 'OTEL_EXPORTER_OTLP_PROTOCOL';
  }
  if (general.insecure !== undefined) {
    draft.insecure = general.insecure;
    sources.insecure = 'OTEL_EXPORTER_OTLP_INSECURE';
  }
  draft.sources = sources;
  if (general.headers) draft.headers = { ...draft.headers, ...general.headers };
  if (general.tls) draft.tls = { ...draft.tls, ...withoutUndefined(general.tls) };
  draft.compression = general.compression ?? draft.compression;
  draft.exportTimeoutMs = general.timeoutMs ?? draft.exportTimeoutMs;

  // OTLP, per signal.
  const signals = {} as Record<TelemetrySignal, OtlpSignalOverrides>;
  for (const signal of SIGNALS) {
    signals[signal] = withoutUndefined(otlpVariables(reader, `OTEL_EXPORTER_OTLP_${signal.toUpperCase()}`, cwd));
  }
  draft.otlpSignals = signals;
  draft.metricTemporality = reader.oneOf('OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE', ['cumulative', 'delta', 'lowmemory'] as const) ?? draft.metricTemporality;
  draft.metricHistogramAggregation =
    reader.oneOf('OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION', ['explicit_bucket_histogram', 'base2_exponential_bucket_histogram'] as const) ??
    draft.metricHistogramAggregation;

  // Exporters. OTEL_METRICS_EXPORTER is the whole list: prometheus is served only when it names it.
  const traces = reader.list<TraceExporterName>('OTEL_TRACES_EXPORTER', ['otlp', 'console']);
  const metrics = reader.list<MetricExporterName>('OTEL_METRICS_EXPORTER', ['otlp', 'console', 'prometheus']);
  const logs = reader.list<LogExporterName>('OTEL_LOGS_EXPORTER', ['otlp', 'console']);
  draft.exporters = { traces: traces ?? draft.exporters.traces, metrics: metrics ?? draft.exporters.metrics, logs: logs ?? draft.exporters.logs };
  const prometheusPort = reader.int('OTEL_EXPORTER_PROMETHEUS_PORT', 0, 65535);
  draft.prometheusHost = reader.string('OTEL_EXPORTER_PROMETHEUS_HOST') ?? draft.prometheusHost;
  if (metrics !== undefined) {
    draft.prometheusPort = metrics.includes('prometheus') ? (prometheusPort ?? draft.prometheusPort ?? DEFAULT_PROMETHEUS_PORT) : undefined;
  } else if (prometheusPort !== undefined && draft.prometheusPort !== undefined) {
    draft.prometheusPort = prometheusPort;
  }

  // Sampling, batching, metric export, limits.
  draft.sampler = samplerVariable(reader) ?? draft.sampler;
  draft.samplingRatio = reader.number('OTEL_TRACES_SAMPLER_ARG', 0, 1) ?? draft.samplingRatio;
  draft.batch = batchVariables(reader, 'OTEL_BSP', draft.batch);
  draft.logBatch = batchVariables(reader, 'OTEL_BLRP', draft.logBatch);
  draft.metricExportIntervalMs = reader.int('OTEL_METRIC_EXPORT_INTERVAL', 1) ?? draft.metricExportIntervalMs;
  draft.metricExportTimeoutMs = reader.int('OTEL_METRIC_EXPORT_TIMEOUT', 1) ?? draft.metricExportTimeoutMs;
  draft.limits = { ...draft.limits, ...limitVariables(reader) };
}
