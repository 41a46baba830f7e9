// The SDK's own OTLP exporters (gRPC, HTTP/protobuf, HTTP/JSON) per signal, configured through
// their public options from the resolved endpoint. Nothing here serialises or sends by itself.
import { credentials as grpcCredentials, Metadata } from '@grpc/grpc-js';
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter as GrpcMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { AggregationTemporalityPreference, OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import { AggregationType, InstrumentType, type AggregationOption, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { OtlpProtocol, TelemetrySettings } from '@secure-mcp-gateway/telemetry-core';
import type { Endpoint, Signal } from './endpoint';
import type { Exporter } from './exporter';
import { RetryingGrpcExporter, type RetryGate } from './retry';

export interface ExporterOptions {
  /** Deadline of one export (the transport's, retries included). */
  readonly timeoutMs: number;
  /** The processor keeps at most this many exports in flight; the SDK exporter must accept them all. */
  readonly maxInFlight: number;
  readonly userAgent: string;
  readonly gate: RetryGate;
  /** Keep HTTP connections open between exports (default true; the probe's throw-away exporters do not). */
  readonly keepAlive?: boolean;
  readonly settings: Pick<TelemetrySettings, 'metricTemporality' | 'metricHistogramAggregation'>;
}

const TEMPORALITY = {
  cumulative: AggregationTemporalityPreference.CUMULATIVE,
  delta: AggregationTemporalityPreference.DELTA,
  lowmemory: AggregationTemporalityPreference.LOWMEMORY,
} as const;

/** OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION as an SDK aggregation selector. */
export function metricAggregation(settings: ExporterOptions['settings']): (type: InstrumentType) => AggregationOption {
  const exponential = settings.metricHistogramAggregation === 'base2_exponential_bucket_histogram';
  return (type) => (exponential && type === InstrumentType.HISTOGRAM ? { type: AggregationType.EXPONENTIAL_HISTOGRAM } : { type: AggregationType.DEFAULT });
}

function metricOptions(options: ExporterOptions) {
  return { temporalityPreference: TEMPORALITY[options.settings.metricTemporality], aggregationPreference: metricAggregation(options.settings) };
}

function grpcOptions(endpoint: Endpoint, options: ExporterOptions) {
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(endpoint.headers)) metadata.set(key.toLowerCase(), value);
  return {
    url: endpoint.grpcUrl,
    credentials: endpoint.secure
      ? grpcCredentials.createSsl(endpoint.tls.ca ?? null, endpoint.tls.key ?? null, endpoint.tls.cert ?? null)
      : grpcCredentials.createInsecure(),
    metadata,
    compression: endpoint.compression as never,
    timeoutMillis: options.timeoutMs,
    concurrencyLimit: options.maxInFlight + 2,
    userAgent: options.userAgent,
  };
}

function httpOptions(endpoint: Endpoint, signal: Signal, options: ExporterOptions) {
  return {
    url: endpoint.signalUrl(signal),
    headers: { ...endpoint.headers },
    compression: endpoint.compression as never,
    timeoutMillis: options.timeoutMs,
    concurrencyLimit: options.maxInFlight + 2,
    userAgent: options.userAgent,
    httpAgentOptions: {
      keepAlive: options.keepAlive ?? true,
      ...(endpoint.tls.ca ? { ca: endpoint.tls.ca } : {}),
      ...(endpoint.tls.cert ? { cert: endpoint.tls.cert, key: endpoint.tls.key } : {}),
    },
  };
}

/** The SDK exporter of one signal and protocol (no retry decorator). */
export function createSdkExporter(signal: 'traces', protocol: OtlpProtocol, endpoint: Endpoint, options: ExporterOptions): SpanExporter;
export function createSdkExporter(signal: 'logs', protocol: OtlpProtocol, endpoint: Endpoint, options: ExporterOptions): LogRecordExporter;
export function createSdkExporter(signal: 'metrics', protocol: OtlpProtocol, endpoint: Endpoint, options: ExporterOptions): PushMetricExporter;
export function createSdkExporter(signal: Signal, protocol: OtlpProtocol, endpoint: Endpoint, options: ExporterOptions): Exporter<never>;
export function createSdkExporter(signal: Signal, protocol: OtlpProtocol, endpoint: Endpoint, options: ExporterOptions): Exporter<never> {
  if (protocol === 'grpc') {
    const config = grpcOptions(endpoint, options);
    if (signal === 'traces') return new GrpcTraceExporter(config) as Exporter<never>;
    if (signal === 'logs') return new GrpcLogExporter(config) as Exporter<never>;
    return new GrpcMetricExporter({ ...config, ...metricOptions(options) }) as Exporter<never>;
  }
  const config = httpOptions(endpoint, signal, options);
  if (protocol === 'http/json') {
    if (signal === 'traces') return new JsonTraceExporter(config) as Exporter<never>;
    if (signal === 'logs') return new JsonLogExporter(config) as Exporter<never>;
    return new JsonMetricExporter({ ...config, ...metricOptions(options) }) as Exporter<never>;
  }
  if (signal === 'traces') return new ProtoTraceExporter(config) as Exporter<never>;
  if (signal === 'logs') return new ProtoLogExporter(config) as Exporter<never>;
  return new ProtoMetricExporter({ ...config, ...metricOptions(options) }) as Exporter<never>;
}

/** The exporter the pipeline uses: the SDK's, with gRPC retries and connections around it (see retry.ts). */
export function createExporter<T>(signal: Signal, protocol: OtlpProtocol, endpoint: Endpoint, options: ExporterOptions): Exporter<T> {
  if (protocol !== 'grpc') return createSdkExporter(signal, protocol, endpoint, options) as unknown as Exporter<T>;
  // grpc-js shares one connection between clients of equal options: the user agent's connection
  // number (a public option) keeps each SDK exporter on a connection of its own.
  const make = (index: number): Exporter<T> =>
    createSdkExporter(signal, protocol, endpoint, { ...options, userAgent: `${options.userAgent} (connection ${index + 1})` }) as unknown as Exporter<T>;
  return new RetryingGrpcExporter<T>(make, { deadlineMs: options.timeoutMs, gate: options.gate, connections: options.maxInFlight });
}
