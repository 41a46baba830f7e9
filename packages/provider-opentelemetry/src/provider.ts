import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { credentials as grpcCredentials, Metadata } from '@grpc/grpc-js';
import { propagation, TraceFlags, type Meter, type Tracer } from '@opentelemetry/api';
import {
  CompositePropagator,
  ExportResultCode,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
  type ExportResult,
} from '@opentelemetry/core';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { ProtobufLogsSerializer, ProtobufMetricsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import {
  AggregationTemporality,
  AggregationType,
  MeterProvider,
  PeriodicExportingMetricReader,
  type AggregationOption,
  type CollectionResult,
  type MetricReader,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import {
  AlwaysOnSampler,
  BasicTracerProvider,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type ReadableSpan,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import {
  ensureContextManager,
  type ConnectivityResult,
  type LogRecord,
  type ProviderContext,
  type ProviderInstance,
  type ProviderStats,
  type TelemetryLogger,
} from '@secure-mcp-gateway/telemetry-core';
import { parseProviderConfig, resolveExportTimeoutMs, type OpenTelemetryProviderConfig } from './config';
import { checkEndpoint, resolveEndpoint, type Endpoint, type Signal } from './endpoint';
import { BatchQueue, exportBatch, RetryGate, type BatchExporter } from './export';
import { GRPC_PATHS, GrpcOtlpExporter } from './grpc';
import { createLineSink, createLogger, toExportable, writeRecord, type LineSink, type LogPipeline, type PendingLog } from './logger';
import { PooledIdGenerator } from './ids';
import { MetricAggregator } from './metrics';
import { buildResource } from './resource';
import { peerDependencies, version } from '../package.json';

export const PACKAGE_NAME = '@secure-mcp-gateway/telemetry-provider-opentelemetry';
/** From package.json at build time, so it follows changeset version bumps. */
export const PACKAGE_VERSION: string = version;
/** The core range follows the peer dependency, so a core release cannot leave it stale. */
export const CORE_RANGE: string = peerDependencies['@secure-mcp-gateway/telemetry-core'];

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
  /** The resolved OTLP endpoint (no credentials) and protocol; undefined with `otlp_export: false`. */
  readonly endpoint: { readonly url: string; readonly protocol: 'grpc' | 'http/protobuf'; readonly secure: boolean } | undefined;
  logger(name: string): TelemetryLogger;
  tracer(name: string, version?: string): Tracer;
  meter(name: string, version?: string): Meter;
  checkConnectivity(timeoutMs: number): Promise<ConnectivityResult>;
  emit(record: LogRecord): void;
  stats(): OpenTelemetryStats;
}

const DROP_WARNING_INTERVAL_MS = 60_000;
const DROP_KEYS = {
  traces: { queue_full: 'traces|queue_full', shutdown: 'traces|shutdown' },
  logs: { queue_full: 'logs|queue_full', shutdown: 'logs|shutdown' },
} as const;
const FAILURE_WARNING_INTERVAL_MS = 30_000;

/** Resolves when `promise` settles or after `ms`, whichever is first; never rejects; the timer never keeps the process alive. */
function within(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, Math.max(0, ms));
    timer.unref?.();
    promise.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      () => {
        clearTimeout(timer);
        resolve();
      },
    );
  });
}

/** Calls `fn` safely: a throwing SDK call becomes a rejected promise instead of an exception. */
function attempt(fn: () => Promise<unknown> | unknown): Promise<unknown> {
  try {
    return Promise.resolve(fn());
  } catch (error) {
    return Promise.reject(error);
  }
}

function registerPropagator(): void {
  // Only when nobody registered one: the global propagator is set-once in the OTel API.
  if (propagation.fields().length > 0) return;
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
}

function errorText(error: unknown): string {
  if (!error) return 'unknown error';
  const message = (error as Error).message ?? String(error);
  return message.length > 300 ? `${message.slice(0, 300)}…` : message;
}

/** A periodic reader that first moves pre-aggregated measurements into the SDK. */
class DrainingPeriodicReader extends PeriodicExportingMetricReader {
  constructor(
    private readonly drainPending: () => void,
    options: ConstructorParameters<typeof PeriodicExportingMetricReader>[0],
  ) {
    super(options);
  }

  override collect(options?: Parameters<MetricReader['collect']>[0]): Promise<CollectionResult> {
    this.drainPending();
    return super.collect(options);
  }
}

/** The Prometheus reader, draining pre-aggregated measurements before each scrape's collection. */
class DrainingPrometheusExporter extends PrometheusExporter {
  constructor(
    private readonly drainPending: () => void,
    options: ConstructorParameters<typeof PrometheusExporter>[0],
  ) {
    super(options);
  }

  override collect(options?: Parameters<MetricReader['collect']>[0]): Promise<CollectionResult> {
    this.drainPending();
    return super.collect(options);
  }
}

const NO_SPAN_METRICS = { startSpan: () => () => {} };

/**
 * The SDK tracer records its own span metrics (otel.sdk.span.*) on every span start and end; with
 * no meterProvider given to it (ours) they go to a no-op meter, yet still cost building attribute
 * objects per span. Skip that work; nothing observable changes. (SDK version pinned in package.json.)
 */
function withoutSelfMetrics(tracer: Tracer): Tracer {
  const internal = tracer as unknown as { _tracerMetrics?: { startSpan?: unknown } };
  if (internal._tracerMetrics && typeof internal._tracerMetrics.startSpan === 'function') internal._tracerMetrics = NO_SPAN_METRICS;
  return tracer;
}

function hasDataPoints(metrics: ResourceMetrics): boolean {
  return metrics.scopeMetrics.some((scope) => scope.metrics.some((metric) => metric.dataPoints.length > 0));
}

interface SignalExporters {
  traces: BatchExporter<ReadableSpan>;
  logs: BatchExporter<ReadableLogRecord>;
  /** One ResourceMetrics per call. */
  metrics: BatchExporter<ResourceMetrics>;
}

function createExporters(endpoint: Endpoint, ctx: ProviderContext, config: OpenTelemetryProviderConfig): SignalExporters {
  const { settings } = ctx;
  if (endpoint.protocol === 'grpc') {
    const credentials = endpoint.secure
      ? grpcCredentials.createSsl(endpoint.tls.ca ?? null, endpoint.tls.key ?? null, endpoint.tls.cert ?? null)
      : grpcCredentials.createInsecure();
    const metadata = new Metadata();
    for (const [key, value] of Object.entries(settings.headers)) metadata.set(key.toLowerCase(), value);
    const options = {
      address: `${endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host}:${endpoint.port}`,
      credentials,
      metadata,
      compression: settings.compression,
      timeoutMs: config.exportTimeoutMs,
      userAgent: `${PACKAGE_NAME}/${PACKAGE_VERSION}`,
    };
    return {
      traces: new GrpcOtlpExporter(GRPC_PATHS.traces, (items: ReadableSpan[]) => ProtobufTraceSerializer.serializeRequest(items), options),
      logs: new GrpcOtlpExporter(GRPC_PATHS.logs, (items: ReadableLogRecord[]) => ProtobufLogsSerializer.serializeRequest(items), options),
      metrics: new GrpcOtlpExporter(GRPC_PATHS.metrics, (items: ResourceMetrics[]) => ProtobufMetricsSerializer.serializeRequest(items[0]!), options),
    };
  }
  const agent = {
    keepAlive: true,
    ...(endpoint.tls.ca ? { ca: endpoint.tls.ca } : {}),
    ...(endpoint.tls.cert ? { cert: endpoint.tls.cert, key: endpoint.tls.key } : {}),
  };
  const options = {
    timeoutMillis: config.exportTimeoutMs,
    // The OTLP exporters refuse exports beyond this many in flight; our queues keep one per signal
    // in flight, but an export must never be refused, so allow as many as a full queue has batches.
    concurrencyLimit: Math.ceil(settings.batch.maxQueueSize / settings.batch.maxBatchSize) + 2,
    compression: settings.compression as never,
    headers: { ...settings.headers },
    httpAgentOptions: agent,
  };
  const metrics = new ProtoMetricExporter({
    ...options,
    url: endpoint.signalUrl('metrics'),
    temporalityPreference: AggregationTemporality.CUMULATIVE,
  });
  return {
    traces: new ProtoTraceExporter({ ...options, url: endpoint.signalUrl('traces') }),
    logs: new ProtoLogExporter({ ...options, url: endpoint.signalUrl('logs') }),
    metrics: {
      export: (items, resultCallback) => metrics.export(items[0]!, resultCallback),
      shutdown: () => metrics.shutdown(),
    },
  };
}

/** Builds a running provider instance. Throws (with the config key named) on unusable settings. */
export async function createOpenTelemetryInstance(rawConfig: unknown, ctx: ProviderContext): Promise<OpenTelemetryProviderInstance> {
  const parsed = normaliseConfig(rawConfig);
  const config: OpenTelemetryProviderConfig = { ...parsed, exportTimeoutMs: resolveExportTimeoutMs(parsed.exportTimeoutMs, ctx.env) };
  const endpoint = config.otlpExport ? resolveEndpoint(ctx.settings, ctx.configDir) : undefined;
  const sink = createLineSink(config.logMirror, ctx.configDir, {
    onFirstDrop: (reason) =>
      ctx.diagnostics.warn('telemetry log mirror is dropping JSON lines (counted in stats().droppedMirrorLines)', {
        log_mirror: config.logMirror,
        reason,
        hint: 'read the process\'s stderr, or set plugins.telemetry.config.log_mirror to a file path or "none"',
      }),
  });
  // What a later step (e.g. binding prometheus_port) fails after must not leak: the mirror file,
  // exporters and servers made so far are released before the error reaches the caller.
  const disposers: Array<() => unknown> = [() => sink.close()];
  try {
    return await assembleInstance(config, ctx, endpoint, sink, disposers);
  } catch (error) {
    await Promise.allSettled(disposers.reverse().map((dispose) => attempt(dispose)));
    throw error;
  }
}

async function assembleInstance(
  config: OpenTelemetryProviderConfig,
  ctx: ProviderContext,
  endpoint: Endpoint | undefined,
  sink: LineSink,
  disposers: Array<() => unknown>,
): Promise<OpenTelemetryProviderInstance> {
  const { settings, diagnostics } = ctx;
  const otlp = config.otlpExport;
  const display = endpoint?.display ?? 'none (otlp_export is false)';

  ensureContextManager();
  registerPropagator();

  const resource = buildResource(ctx);
  const exporters = endpoint ? createExporters(endpoint, ctx, config) : undefined;
  if (exporters) {
    disposers.push(() => exporters.traces.shutdown(), () => exporters.logs.shutdown(), () => exporters.metrics.shutdown());
  }
  const retryGrpc = endpoint?.protocol === 'grpc';
  const gate = new RetryGate();
  disposers.push(() => gate.close());

  const counts = {
    droppedSpans: 0,
    droppedLogRecords: 0,
    failedExports: 0,
    failedSpans: 0,
    failedLogRecords: 0,
    failedMetricExports: 0,
    exportedSpans: 0,
    exportedLogRecords: 0,
    exportedMetricBatches: 0,
  };
  const dropsByReason = new Map<string, number>();
  const lastWarning = new Map<string, number>();
  const failing = new Set<Signal>();

  /** True at most once per key per interval (the caller then warns); repeats are only counted. */
  const claimWarning = (key: string, intervalMs: number): boolean => {
    const now = Date.now();
    const last = lastWarning.get(key);
    if (last !== undefined && now - last < intervalMs) return false;
    lastWarning.set(key, now);
    return true;
  };
  const warnLimited = (key: string, intervalMs: number, message: string, fields: Record<string, unknown>): void => {
    if (claimWarning(key, intervalMs)) diagnostics.warn(message, fields);
  };

  const onDrop = (signal: 'traces' | 'logs', cause: 'queue_full' | 'shutdown' | 'closed', count: number): void => {
    if (signal === 'traces') counts.droppedSpans += count;
    else counts.droppedLogRecords += count;
    const reason = cause === 'closed' ? 'shutdown' : cause;
    // Constant keys: drops come in bursts (a full queue), one call per item.
    const key = DROP_KEYS[signal][reason];
    dropsByReason.set(key, (dropsByReason.get(key) ?? 0) + count);
    const what = signal === 'traces' ? 'spans' : 'log records';
    if (reason === 'queue_full') {
      warnLimited(`drop:${signal}`, DROP_WARNING_INTERVAL_MS, `telemetry export queue full: dropping ${what} (counted)`, {
        signal,
        dropped_total: signal === 'traces' ? counts.droppedSpans : counts.droppedLogRecords,
        max_queue_size: settings.batch.maxQueueSize,
        endpoint: display,
        hint: 'the collector is slow or unreachable; raise max_queue_size or lower the volume',
      });
    } else if (cause === 'shutdown') {
      // Recorded after shutdown ('closed') is only counted: the host is going away on purpose.
      warnLimited(`shutdown:${signal}`, DROP_WARNING_INTERVAL_MS, `telemetry shut down before sending every item: ${what} dropped (counted)`, {
        signal,
        dropped: dropsByReason.get(key),
        endpoint: display,
      });
    }
  };

  const onExportResult = (signal: Signal, items: number, result: ExportResult): void => {
    if (result.code === ExportResultCode.SUCCESS) {
      if (signal === 'traces') counts.exportedSpans += items;
      else if (signal === 'logs') counts.exportedLogRecords += items;
      else counts.exportedMetricBatches += 1;
      if (failing.delete(signal)) diagnostics.debug('OTLP export recovered', { signal, endpoint: display });
      return;
    }
    counts.failedExports += 1;
    if (signal === 'traces') counts.failedSpans += items;
    else if (signal === 'logs') counts.failedLogRecords += items;
    else counts.failedMetricExports += 1;
    const key = `${signal}|export_failed`;
    if (signal !== 'metrics') dropsByReason.set(key, (dropsByReason.get(key) ?? 0) + items);
    failing.add(signal);
    const fields: Record<string, unknown> = {
      signal,
      endpoint: display,
      protocol: endpoint?.protocol,
      items,
      failed_exports_total: counts.failedExports,
      export_timeout_ms: config.exportTimeoutMs,
      error: errorText(result.error),
    };
    if (!claimWarning(`fail:${signal}`, FAILURE_WARNING_INTERVAL_MS)) return;
    // A failed export often says little ("deadline exceeded" on gRPC); a quick check of the
    // endpoint names the cause (refused, TLS certificate, handshake) and the fix.
    const probe = endpoint ? checkEndpoint(endpoint, 2000) : Promise.resolve(undefined);
    void probe
      .then((check) => (check && !check.ok ? { ...fields, cause: check.detail, hint: check.hint } : fields))
      .catch(() => fields)
      .then((withCause) => diagnostics.warn('OTLP export failed; the data is counted as lost', withCause));
  };

  const sendTimeoutMs = config.exportTimeoutMs + 500;

  // ---- traces ----
  const spanQueue = new BatchQueue<ReadableSpan>({
    send: (items) => exportBatch(exporters!.traces, items, { timeoutMs: sendTimeoutMs, retryGrpc, gate }),
    maxQueueSize: settings.batch.maxQueueSize,
    maxBatchSize: settings.batch.maxBatchSize,
    scheduledDelayMs: settings.batch.timeoutMs,
    onDrop: (reason, count) => onDrop('traces', reason, count),
    onExportResult: (items, result) => onExportResult('traces', items, result),
  });
  const spanProcessor: SpanProcessor = {
    onStart: () => {},
    onEnd: (span) => {
      if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
      spanQueue.add(span);
    },
    forceFlush: () => spanQueue.flush(),
    shutdown: () => Promise.resolve(),
  };
  const ratio = Math.min(1, Math.max(0, settings.samplingRatio));
  const tracerProvider = new BasicTracerProvider({
    resource,
    idGenerator: new PooledIdGenerator(),
    sampler: new ParentBasedSampler({ root: ratio >= 1 ? new AlwaysOnSampler() : new TraceIdRatioBasedSampler(ratio) }),
    // Without OTLP, spans still give log records their trace ids; they are not exported.
    spanProcessors: otlp ? [spanProcessor] : [],
  });

  // ---- logs ----
  // Records are queued as light snapshots; redaction and conversion to OTLP log records happen
  // here in the export step, off the request path (no SDK LogRecord per call).
  const scopes = new Map<string, { readonly name: string; readonly version?: string; readonly schemaUrl?: string }>();
  const scopeOf = (name: string) => {
    let scope = scopes.get(name);
    if (!scope) {
      scope = { name, version: undefined, schemaUrl: undefined };
      if (scopes.size < 1000) scopes.set(name, scope);
    }
    return scope;
  };
  const logQueue = new BatchQueue<PendingLog>({
    send: (items) =>
      exportBatch(exporters!.logs, toExportable<ReadableLogRecord>(items, resource, scopeOf), { timeoutMs: sendTimeoutMs, retryGrpc, gate }),
    maxQueueSize: settings.batch.maxQueueSize,
    maxBatchSize: settings.batch.maxBatchSize,
    scheduledDelayMs: settings.batch.timeoutMs,
    onDrop: (reason, count) => onDrop('logs', reason, count),
    onExportResult: (items, result) => onExportResult('logs', items, result),
  });
  disposers.push(() => tracerProvider.shutdown());
  let logsOpen = true;
  const pipeline: LogPipeline = {
    sink,
    mirror: sink.description !== 'none',
    threshold: settings.logLevel,
    enqueue: otlp
      ? (record) => {
          if (logsOpen) logQueue.add(record);
        }
      : undefined,
  };

  // ---- metrics ----
  let metricsClosed = false;
  const metricExporter: PushMetricExporter = {
    export: (metrics, resultCallback) => {
      // Nothing recorded, or already flushed at shutdown: no request.
      if (metricsClosed || !hasDataPoints(metrics)) {
        resultCallback({ code: ExportResultCode.SUCCESS });
        return;
      }
      void exportBatch(exporters!.metrics, [metrics], { timeoutMs: sendTimeoutMs, retryGrpc, gate }).then((result) => {
        onExportResult('metrics', 1, result);
        resultCallback(result);
      });
    },
    forceFlush: () => Promise.resolve(),
    shutdown: () => exporters?.metrics.shutdown() ?? Promise.resolve(),
    selectAggregationTemporality: () => AggregationTemporality.CUMULATIVE,
    selectAggregation: (): AggregationOption => ({ type: AggregationType.DEFAULT }),
  };
  // Synchronous instruments pre-aggregate on the request path; every reader drains them into the
  // SDK right before it collects, so nothing recorded is missing from an export or a scrape.
  const aggregator = new MetricAggregator();
  disposers.push(() => aggregator.close());
  const drain = (): void => aggregator.drain();
  const readers: MetricReader[] = [];
  if (otlp) {
    readers.push(
      new DrainingPeriodicReader(drain, {
        exporter: metricExporter,
        exportIntervalMillis: settings.metricExportIntervalMs,
        // The SDK requires timeout <= interval.
        exportTimeoutMillis: Math.min(sendTimeoutMs + 500, settings.metricExportIntervalMs),
        cardinalityLimits: { default: config.metricCardinalityLimit },
      }),
    );
  }

  let prometheusServer: http.Server | undefined;
  let prometheusPort: number | undefined;
  if (settings.prometheusPort !== undefined) {
    const prometheus = new DrainingPrometheusExporter(drain, { preventServerStart: true, host: config.prometheusHost, port: settings.prometheusPort });
    readers.push(prometheus);
    prometheusServer = http.createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if ((req.method === 'GET' || req.method === 'HEAD') && path === '/metrics') {
        prometheus.getMetricsRequestHandler(req, res);
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Prometheus metrics are served at /metrics\n');
    });
    const server = prometheusServer;
    disposers.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    );
    try {
      prometheusPort = await new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen(settings.prometheusPort, config.prometheusHost, () => resolve((server.address() as AddressInfo).port));
      });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new Error(
        `opentelemetry telemetry: cannot serve Prometheus metrics on ${config.prometheusHost}:${settings.prometheusPort} ` +
          `(plugins.telemetry.config.prometheus_port): ${code ?? (error as Error).message}` +
          (code === 'EADDRINUSE' ? '; the port is in use: choose a free one, or 0 for any free port' : ''),
        { cause: error },
      );
    }
    server.unref(); // a scrape endpoint must not keep the host alive
  }

  const meterProvider = new MeterProvider({
    resource,
    readers,
    // Applies the cardinality limit to every reader (the Prometheus one has no option of its own);
    // a view without an aggregation keeps the default one, which honours bucket advice.
    views: [{ instrumentName: '*', aggregationCardinalityLimit: config.metricCardinalityLimit }],
  });
  disposers.push(() => meterProvider.shutdown());
  // Self-monitoring: what was lost, so a dashboard can alert on it.
  meterProvider
    .getMeter(PACKAGE_NAME, PACKAGE_VERSION)
    .createObservableCounter('enkrypt_telemetry_dropped_total', {
      description: 'Telemetry items the OpenTelemetry provider dropped (queue full, shutdown, unwritable log mirror) or failed to export.',
      unit: '{item}',
    })
    .addCallback((observe) => {
      for (const [key, value] of dropsByReason) {
        const [signal, reason] = key.split('|');
        observe.observe(value, { signal, reason });
      }
      if (sink.dropped > 0) observe.observe(sink.dropped, { signal: 'log_mirror', reason: 'not_written' });
    });

  const meters = new Map<string, Meter>();

  // ---- lifecycle ----
  const flushAll = (): Promise<unknown> => {
    sink.flush();
    return Promise.allSettled([spanQueue.flush(), logQueue.flush(), attempt(() => meterProvider.forceFlush())]);
  };

  let shutdownPromise: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    shutdownPromise ??= (async () => {
      const started = Date.now();
      spanQueue.close();
      logQueue.close();
      await within(flushAll(), config.shutdownTimeoutMs);
      // Past the deadline (or done): whatever is still queued is lost; count it.
      spanQueue.drop();
      logQueue.drop();
      logsOpen = false;
      aggregator.close();
      metricsClosed = true;
      gate.close();
      const left = Math.max(250, Math.min(1000, config.shutdownTimeoutMs - (Date.now() - started)));
      await within(
        Promise.allSettled([
          attempt(() => meterProvider.shutdown()),
          attempt(() => tracerProvider.shutdown()),
          attempt(() => exporters?.traces.shutdown()),
          attempt(() => exporters?.logs.shutdown()),
          attempt(() => exporters?.metrics.shutdown()),
          new Promise<void>((resolve) => {
            if (!prometheusServer) return resolve();
            prometheusServer.close(() => resolve());
            prometheusServer.closeAllConnections();
          }),
        ]),
        left,
      );
      sink.close();
    })();
    return shutdownPromise;
  };

  const stats = (): OpenTelemetryStats => ({
    ...counts,
    queuedSpans: spanQueue.size,
    queuedLogRecords: logQueue.size,
    droppedMirrorLines: sink.dropped,
    prometheusPort,
  });

  return {
    prometheusPort,
    endpoint: endpoint ? { url: endpoint.display, protocol: endpoint.protocol, secure: endpoint.secure } : undefined,
    logger: (name) => createLogger(pipeline, name),
    tracer: (name, version) => withoutSelfMetrics(tracerProvider.getTracer(name, version)),
    meter: (name, version) => {
      const key = `${name}@${version ?? ''}`;
      let meter = meters.get(key);
      if (!meter) {
        meter = aggregator.meter(meterProvider.getMeter(name, version));
        if (meters.size < 1000) meters.set(key, meter);
      }
      return meter;
    },
    checkConnectivity: (timeoutMs) =>
      endpoint ? checkEndpoint(endpoint, timeoutMs) : Promise.resolve({ ok: true, detail: 'OTLP export is off (otlp_export: false)' }),
    emit: (record) => writeRecord(pipeline, record),
    stats,
    forceFlush: () => (shutdownPromise ? shutdownPromise : within(flushAll(), config.shutdownTimeoutMs)),
    shutdown,
  };
}

function normaliseConfig(raw: unknown): OpenTelemetryProviderConfig {
  // Core hands over the configSchema's output; tolerate the raw object too (direct callers, tests).
  if (raw && typeof raw === 'object' && 'logMirror' in raw && 'exportTimeoutMs' in raw) return raw as OpenTelemetryProviderConfig;
  const result = parseProviderConfig(raw);
  if (result.issues) {
    const detail = result.issues.map((issue) => `${issue.path?.join('.') ?? 'config'}: ${issue.message}`).join('; ');
    throw new Error(`opentelemetry telemetry: invalid plugins.telemetry.config: ${detail}`);
  }
  return result.value;
}
