import type { LogLevel } from './levels';

export type OtlpProtocol = 'grpc' | 'http/protobuf';

/**
 * The common telemetry settings every provider receives, normalised from
 * `enkrypt_mcp_config.json` (snake_case there, camelCase here) with `OTEL_*`
 * environment overrides applied. Defaults are those of DESIGN.md.
 */
export interface TelemetrySettings {
  /** `plugins.telemetry.config.enabled` (default true); `OTEL_SDK_DISABLED=true` turns it off. */
  readonly enabled: boolean;
  /** The provider spec, `plugins.telemetry.provider`. */
  readonly provider: string;
  /** OTLP endpoint, gRPC or HTTP (default `http://localhost:4317`). */
  readonly url: string;
  /** `grpc` or `http/protobuf`; undefined means infer from the URL (port 4318 or a path → http). */
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
  /** TLS file paths, resolved against the config file's folder. */
  readonly tls: { readonly ca?: string | undefined; readonly cert?: string | undefined; readonly key?: string | undefined };
  /** gzip export payloads (default false). */
  readonly compression: 'gzip' | 'none';
  readonly batch: {
    /** Batch export timeout / schedule delay in ms (default 1000). */
    readonly timeoutMs: number;
    /** Max records per export batch (default 1024). */
    readonly maxBatchSize: number;
    /** Max records queued before new ones are dropped and counted (default 8192). */
    readonly maxQueueSize: number;
  };
  /** Periodic metric export interval in ms (default 5000). */
  readonly metricExportIntervalMs: number;
  /** Parent-based trace sampling ratio, 0..1 (default 1: sample all). */
  readonly samplingRatio: number;
  /** Serve a Prometheus scrape endpoint on this port (default: none). */
  readonly prometheusPort?: number | undefined;
  /** Capture tool arguments and results on spans, redacted and truncated (default false). */
  readonly capturePayloads: boolean;
  /** Extra resource attributes (`OTEL_RESOURCE_ATTRIBUTES` merged over `resource_attributes`). */
  readonly resourceAttributes: Readonly<Record<string, string>>;
}
