// The provider instance's public types.
import type { Meter, Tracer } from '@opentelemetry/api';
import type { ConnectivityResult, LogRecord, ProviderInstance, ProviderStats, TelemetryLogger } from '@secure-mcp-gateway/telemetry-core';
import type { Endpoint } from './endpoint';

/** Counters of the provider's own work, from `stats()`. */
export interface OpenTelemetryStats extends ProviderStats {
  /** Spans dropped because the queue was full or the provider shut down before they were sent. */
  readonly droppedSpans: number;
  readonly droppedLogRecords: number;
  /** Export calls that failed (any signal). */
  readonly failedExports: number;
  /** Items in failed exports (lost after retries). */
  readonly failedSpans: number;
  readonly failedLogRecords: number;
  readonly failedMetricExports: number;
  readonly exportedSpans: number;
  readonly exportedLogRecords: number;
  readonly exportedMetricBatches: number;
  readonly queuedSpans: number;
  readonly queuedLogRecords: number;
  /** Mirror lines not written: stderr's buffer was over its cap (nobody reads it) or the file write failed. */
  readonly droppedMirrorLines: number;
  /** The bound port of the Prometheus scrape endpoint (also when configured as 0); undefined without one. */
  readonly prometheusPort: number | undefined;
}

/** What `create` returns: the contract plus the Prometheus port and typed stats. */
export interface OpenTelemetryProviderInstance extends ProviderInstance {
  /** Bound port of the Prometheus scrape endpoint (`prometheus_port`, 0 = any free port); undefined without one. */
  readonly prometheusPort: number | undefined;
  /** The OTLP endpoint of traces (no credentials) and its protocol (undefined until a probe found it); undefined without OTLP. */
  readonly endpoint: { readonly url: string; readonly protocol: Endpoint['protocol']; readonly secure: boolean } | undefined;
  logger(name: string): TelemetryLogger;
  tracer(name: string, version?: string): Tracer;
  meter(name: string, version?: string): Meter;
  checkConnectivity(timeoutMs: number): Promise<ConnectivityResult>;
  emit(record: LogRecord): void;
  stats(): OpenTelemetryStats;
}
