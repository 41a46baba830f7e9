import type { LogLevel } from './levels';

/** OTLP wire protocols (OTEL_EXPORTER_OTLP_PROTOCOL). */
export type OtlpProtocol = 'grpc' | 'http/protobuf' | 'http/json';

export type TelemetrySignal = 'traces' | 'metrics' | 'logs';

/** Exporter names of OTEL_{TRACES,METRICS,LOGS}_EXPORTER this toolkit supports (`none` = an empty list). */
export type TraceExporterName = 'otlp' | 'console';
export type MetricExporterName = 'otlp' | 'console' | 'prometheus';
export type LogExporterName = 'otlp' | 'console';

/** The standard samplers of OTEL_TRACES_SAMPLER; the ratio ones take `samplingRatio`. */
export type TracesSamplerName =
  | 'always_on'
  | 'always_off'
  | 'traceidratio'
  | 'parentbased_always_on'
  | 'parentbased_always_off'
  | 'parentbased_traceidratio';

export interface BatchSettings {
  /** Delay between scheduled exports in ms (file `timeout_ms`, OTEL_BSP/BLRP_SCHEDULE_DELAY). */
  readonly timeoutMs: number;
  /** Max records per export batch. */
  readonly maxBatchSize: number;
  /** Max records queued before new ones are dropped and counted. */
  readonly maxQueueSize: number;
  /** Deadline of one export in ms (OTEL_BSP/BLRP_EXPORT_TIMEOUT); undefined: the provider's own. */
  readonly exportTimeoutMs?: number | undefined;
}

export interface TlsFiles {
  readonly ca?: string | undefined;
  readonly cert?: string | undefined;
  readonly key?: string | undefined;
}

/**
 * What the per-signal `OTEL_EXPORTER_OTLP_<SIGNAL>_*` variables set; each undefined field falls
 * back to the general setting. A per-signal endpoint is used as it is (no `/v1/<signal>` added).
 */
export interface OtlpSignalOverrides {
  readonly url?: string | undefined;
  readonly protocol?: OtlpProtocol | undefined;
  /** Merged over the general headers (the signal's value wins per key). Secret. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  readonly insecure?: boolean | undefined;
  readonly tls?: TlsFiles | undefined;
  readonly compression?: 'gzip' | 'none' | undefined;
  readonly timeoutMs?: number | undefined;
}

/** Attribute and span limits (OTEL_*_LIMIT); undefined: the SDK's default. */
export interface AttributeLimits {
  readonly attributeCountLimit?: number | undefined;
  readonly attributeValueLengthLimit?: number | undefined;
  readonly spanAttributeCountLimit?: number | undefined;
  readonly spanAttributeValueLengthLimit?: number | undefined;
  readonly spanEventCountLimit?: number | undefined;
  readonly spanLinkCountLimit?: number | undefined;
  readonly eventAttributeCountLimit?: number | undefined;
  readonly linkAttributeCountLimit?: number | undefined;
  readonly logRecordAttributeCountLimit?: number | undefined;
  readonly logRecordAttributeValueLengthLimit?: number | undefined;
}

/**
 * The common telemetry settings every provider receives, normalised from
 * `enkrypt_mcp_config.json` (snake_case there, camelCase here) with `OTEL_*`
 * environment overrides applied (per-signal variable > general variable > file > default).
 * Defaults are those of DESIGN.md.
 */
export interface TelemetrySettings {
  /** `plugins.telemetry.config.enabled` (default true); `OTEL_SDK_DISABLED=true` turns it off. */
  readonly enabled: boolean;
  /** The provider spec, `plugins.telemetry.provider`. */
  readonly provider: string;
  /** OTLP endpoint, gRPC or HTTP (default `http://localhost:4317`). */
  readonly url: string;
  /** Undefined means infer from the URL (4317 gRPC; 4318 or a path HTTP; else probed both ways). */
  readonly protocol?: OtlpProtocol | undefined;
  /** No TLS (default true); false for production. */
  readonly insecure: boolean;
  /** Resource `service.name` (default `secure-mcp-gateway`). */
  readonly serviceName: string;
  /** Resource `job` (default `enkryptai`). */
  readonly jobName: string;
  /** From `common_mcp_gateway_config.enkrypt_log_level` (default INFO). */
  readonly logLevel: LogLevel;
  /** From `common_mcp_gateway_config.timeout_settings.connectivity_timeout` seconds (default 2 s). */
  readonly connectivityTimeoutMs: number;
  /** While the backend is unreachable, core re-checks this often (0 = never; default 10 s). */
  readonly reconnectIntervalMs: number;
  /** Export headers (e.g. an auth token). Secret: never logged. */
  readonly headers: Readonly<Record<string, string>>;
  /** TLS file paths, resolved against the config file's folder (or the cwd, from the environment). */
  readonly tls: TlsFiles;
  /** gzip export payloads (default false). */
  readonly compression: 'gzip' | 'none';
  /** Deadline of one OTLP export in ms (OTEL_EXPORTER_OTLP_TIMEOUT); undefined: the provider's own. */
  readonly exportTimeoutMs?: number | undefined;
  /** Per-signal OTLP settings from `OTEL_EXPORTER_OTLP_<SIGNAL>_*` (empty objects when none is set). */
  readonly otlpSignals: Readonly<Record<TelemetrySignal, OtlpSignalOverrides>>;
  /** Where each signal goes (OTEL_{TRACES,METRICS,LOGS}_EXPORTER; an empty list is `none`). Default `otlp`. */
  readonly exporters: {
    readonly traces: readonly TraceExporterName[];
    readonly metrics: readonly MetricExporterName[];
    readonly logs: readonly LogExporterName[];
  };
  /** Span batching (file `timeout_ms`, `max_batch_size`, `max_queue_size`; OTEL_BSP_*). */
  readonly batch: BatchSettings;
  /** Log record batching: the file's batch keys, OTEL_BLRP_* over them. */
  readonly logBatch: BatchSettings;
  /** Periodic metric export interval in ms (default 5000). */
  readonly metricExportIntervalMs: number;
  /** Deadline of one metric export in ms (OTEL_METRIC_EXPORT_TIMEOUT); undefined: the provider's own. */
  readonly metricExportTimeoutMs?: number | undefined;
  /** OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE (default cumulative). */
  readonly metricTemporality: 'cumulative' | 'delta' | 'lowmemory';
  /** OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION (default explicit buckets). */
  readonly metricHistogramAggregation: 'explicit_bucket_histogram' | 'base2_exponential_bucket_histogram';
  /** OTEL_TRACES_SAMPLER (default parentbased_traceidratio, which with ratio 1 samples everything). */
  readonly sampler: TracesSamplerName;
  /** Ratio of the ratio samplers, 0..1 (file `sampling_ratio`, OTEL_TRACES_SAMPLER_ARG; default 1). */
  readonly samplingRatio: number;
  /** Attribute, event and link limits (OTEL_*_LIMIT variables). */
  readonly limits: AttributeLimits;
  /** Serve a Prometheus scrape endpoint on this port (file `prometheus_port`; OTEL_METRICS_EXPORTER=prometheus: OTEL_EXPORTER_PROMETHEUS_PORT, default 9464). */
  readonly prometheusPort?: number | undefined;
  /** Interface of that endpoint from OTEL_EXPORTER_PROMETHEUS_HOST; undefined: the provider's own. */
  readonly prometheusHost?: string | undefined;
  /** Capture tool arguments and results on spans, redacted and truncated (default false). */
  readonly capturePayloads: boolean;
  /** Extra resource attributes (`OTEL_RESOURCE_ATTRIBUTES` merged over `resource_attributes`). */
  readonly resourceAttributes: Readonly<Record<string, string>>;
  /**
   * Where the endpoint settings came from: the config path (`plugins.telemetry.config.url`) or the
   * variable (`OTEL_EXPORTER_OTLP_ENDPOINT`), so a message can name the exact key to change.
   */
  readonly sources: {
    readonly url: string;
    readonly protocol: string;
    readonly insecure: string;
  };
}
