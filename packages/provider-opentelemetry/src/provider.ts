// The OpenTelemetry provider: the SDK's tracer, logger and meter providers with its OTLP
// exporters, assembled through their public interfaces. What the project adds is a decorator or an
// implementation of those interfaces (processor.ts, retry.ts, protocol-choice.ts, log-emitter.ts,
// metrics.ts, readers.ts), each saying which bench row justifies it.
import type { Server } from 'node:http';
import type { Meter } from '@opentelemetry/api';
import { ConsoleLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor, type LogRecordProcessor, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { ConsoleMetricExporter, MeterProvider, PeriodicExportingMetricReader, type MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, ConsoleSpanExporter, SimpleSpanProcessor, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ConnectivityResult, ProviderContext } from '@secure-mcp-gateway/telemetry-core';
import { Accounting } from './accounting';
import { normaliseConfig, type OpenTelemetryProviderConfig } from './config';
import { resolveEndpoint, SIGNALS, type Endpoint, type Signal } from './endpoint';
import type { ExporterOptions } from './exporters';
import { PooledIdGenerator } from './ids';
import { DeferredLogEmitter } from './log-emitter';
import { createLogger, writeRecord, type LogPipeline } from './logger';
import { MetricAggregator } from './metrics';
import { createLineSink, type LineSink } from './mirror';
import { CountingLogRecordProcessor, CountingSpanProcessor, ExportQueue, MAX_EXPORTS_IN_FLIGHT, within } from './processor';
import { ChosenProtocolExporter, ProtocolChoice } from './protocol-choice';
import { closeServer, CountingMetricExporter, DrainingPeriodicReader, DrainingPrometheusExporter, servePrometheus } from './readers';
import { buildResource } from './resource';
import { RetryGate } from './retry';
import { createSampler } from './sampler';
import type { OpenTelemetryProviderInstance, OpenTelemetryStats } from './types';
import { peerDependencies, version } from '../package.json';

export const PACKAGE_NAME = '@secure-mcp-gateway/telemetry-provider-opentelemetry';
/** From package.json at build time, so it follows changeset version bumps. */
export const PACKAGE_VERSION: string = version;
/** The core range follows the peer dependency, so a core release cannot leave it stale. */
export const CORE_RANGE: string = peerDependencies['@secure-mcp-gateway/telemetry-core'];
export type { OpenTelemetryProviderInstance, OpenTelemetryStats } from './types';

/** Calls `fn` safely: a throwing SDK call becomes a rejected promise instead of an exception. */
function attempt(fn: () => Promise<unknown> | unknown): Promise<unknown> {
  try {
    return Promise.resolve(fn());
  } catch (error) {
    return Promise.reject(error);
  }
}

/** Builds a running provider instance. Throws (with the config key named) on unusable settings. */
export async function createOpenTelemetryInstance(rawConfig: unknown, ctx: ProviderContext): Promise<OpenTelemetryProviderInstance> {
  const config = normaliseConfig(rawConfig);
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
    return await assembleInstance(config, ctx, sink, disposers);
  } catch (error) {
    await Promise.allSettled(disposers.reverse().map((dispose) => attempt(dispose)));
    throw error;
  }
}

async function assembleInstance(config: OpenTelemetryProviderConfig, ctx: ProviderContext, sink: LineSink, disposers: Array<() => unknown>): Promise<OpenTelemetryProviderInstance> {
  const { settings, diagnostics } = ctx;
  // No global registration here: core's initTelemetry registers the context manager, the
  // propagator (OTEL_PROPAGATORS) and the API globals that hand out this instance's pipeline.

  // ---- where each signal goes ----
  const otlpSignals = SIGNALS.filter((signal) => config.otlpExport && settings.exporters[signal].includes('otlp' as never));
  const endpoints = new Map<Signal, Endpoint>(otlpSignals.map((signal) => [signal, resolveEndpoint(settings, ctx.configDir, signal)]));
  const consoleSignals = SIGNALS.filter((signal) => settings.exporters[signal].includes('console' as never));
  if (consoleSignals.length > 0 && ctx.stdoutReserved) {
    diagnostics.warn('the console exporter writes to stdout, which carries the MCP protocol here: it is not used', {
      signals: consoleSignals.join(','),
      hint: 'unset OTEL_*_EXPORTER=console; the JSON log mirror (log_mirror) writes to stderr or a file',
    });
  }
  const useConsole = (signal: Signal): boolean => consoleSignals.includes(signal) && !ctx.stdoutReserved;
  const display = endpoints.get('traces')?.display ?? [...endpoints.values()][0]?.display ?? 'none (no OTLP export)';
  const exportTimeoutMs = (signal: Signal): number => endpoints.get(signal)?.timeoutMs ?? config.exportTimeoutMs;
  const batchOf = (signal: 'traces' | 'logs') => (signal === 'traces' ? settings.batch : settings.logBatch);

  const resource = await buildResource(ctx);
  const gate = new RetryGate();
  disposers.push(() => gate.close());
  const accounting = new Accounting({
    diagnostics,
    display,
    maxQueueSize: (signal) => batchOf(signal).maxQueueSize,
    failureFields: (signal) => ({
      endpoint: endpoints.get(signal)?.display ?? display,
      protocol: choices.get(signal)?.protocol,
      export_timeout_ms: signal === 'metrics' ? exportTimeoutMs(signal) : (batchOf(signal).exportTimeoutMs ?? exportTimeoutMs(signal)),
    }),
    explainFailure: (signal) => choices.get(signal)?.probe(2000) ?? Promise.resolve(undefined),
  });

  // One protocol choice per distinct endpoint: a probe that finds the protocol serves every signal there.
  const choices = new Map<Signal, ProtocolChoice>();
  const byKey = new Map<string, ProtocolChoice>();
  const exporterOptions = (signal: Signal): ExporterOptions & { probeTimeoutMs: number } => ({
    timeoutMs: exportTimeoutMs(signal),
    maxInFlight: MAX_EXPORTS_IN_FLIGHT,
    userAgent: `${PACKAGE_NAME}/${PACKAGE_VERSION}`,
    gate,
    settings,
    probeTimeoutMs: settings.connectivityTimeoutMs,
  });
  for (const [signal, endpoint] of endpoints) {
    const key = `${endpoint.display}|${endpoint.protocol ?? ''}|${endpoint.secure}`;
    let choice = byKey.get(key);
    if (!choice) {
      choice = new ProtocolChoice(endpoint, exporterOptions(signal), (found) =>
        diagnostics.warn(`OTLP endpoint ${endpoint.display}: ${found.detail}`, { hint: found.hint }),
      );
      byKey.set(key, choice);
    }
    choices.set(signal, choice);
  }
  const otlpExporter = <T>(signal: Signal) => new ChosenProtocolExporter<T>(choices.get(signal)!, endpoints.get(signal)!, exporterOptions(signal), settings);
  /** The OTLP exporter of a signal behind a counting queue. */
  const countedExport = <T>(signal: 'traces' | 'logs', scheduledDelayMs: number) => {
    const exporter = otlpExporter<T[]>(signal);
    const batch = batchOf(signal);
    const queue = new ExportQueue<T>(exporter, {
      ...batch,
      scheduledDelayMs,
      exportTimeoutMs: batch.exportTimeoutMs ?? exportTimeoutMs(signal) + 500,
      onDrop: (reason, count) => accounting.dropped(signal, reason, count),
      onExportResult: (items, result) => accounting.exported(signal, items, result),
    });
    return { exporter, queue };
  };

  // ---- traces ----
  const spanProcessors: SpanProcessor[] = [];
  let spanQueue: ExportQueue<ReadableSpan> | undefined;
  if (endpoints.has('traces')) {
    const { exporter, queue } = countedExport<ReadableSpan>('traces', settings.batch.timeoutMs);
    spanQueue = queue;
    spanProcessors.push(new CountingSpanProcessor(queue, exporter, config.shutdownTimeoutMs));
  }
  if (useConsole('traces')) spanProcessors.push(new SimpleSpanProcessor(new ConsoleSpanExporter()));
  const limits = settings.limits ?? {};
  const tracerProvider = new BasicTracerProvider({
    resource,
    idGenerator: new PooledIdGenerator(),
    sampler: createSampler(settings),
    // Every limit given (SDK defaults where unset), so nothing is read from process.env behind core's back.
    spanLimits: {
      attributeCountLimit: limits.spanAttributeCountLimit ?? limits.attributeCountLimit ?? 128,
      attributeValueLengthLimit: limits.spanAttributeValueLengthLimit ?? limits.attributeValueLengthLimit ?? Infinity,
      eventCountLimit: limits.spanEventCountLimit ?? 128,
      linkCountLimit: limits.spanLinkCountLimit ?? 128,
      attributePerEventCountLimit: limits.eventAttributeCountLimit ?? 128,
      attributePerLinkCountLimit: limits.linkAttributeCountLimit ?? 128,
    },
    // Without exporters, spans still give log records their trace ids.
    spanProcessors,
  });
  disposers.push(() => tracerProvider.shutdown());

  // ---- logs ----
  const logProcessors: LogRecordProcessor[] = [];
  let logQueue: ExportQueue<ReadableLogRecord> | undefined;
  if (endpoints.has('logs')) {
    // The emitter below has batched them already (and waited the batch delay): export at once.
    const { exporter, queue } = countedExport<ReadableLogRecord>('logs', 0);
    logQueue = queue;
    logProcessors.push(new CountingLogRecordProcessor(queue, exporter, config.shutdownTimeoutMs));
  }
  if (useConsole('logs')) logProcessors.push(new SimpleLogRecordProcessor({ exporter: new ConsoleLogRecordExporter() }));
  const loggerProvider = new LoggerProvider({
    resource,
    processors: logProcessors,
    logRecordLimits: {
      attributeCountLimit: limits.logRecordAttributeCountLimit ?? limits.attributeCountLimit ?? 128,
      attributeValueLengthLimit: limits.logRecordAttributeValueLengthLimit ?? limits.attributeValueLengthLimit ?? Infinity,
    },
  });
  disposers.push(() => loggerProvider.shutdown());
  const emitter =
    logProcessors.length > 0
      ? new DeferredLogEmitter(loggerProvider, {
          maxPending: settings.logBatch.maxQueueSize,
          maxBatch: settings.logBatch.maxBatchSize,
          delayMs: settings.logBatch.timeoutMs,
          onDrop: (reason, count) => accounting.dropped('logs', reason, count),
        })
      : undefined;
  const pipeline: LogPipeline = {
    sink,
    mirror: sink.description !== 'none',
    threshold: settings.logLevel,
    otlp: emitter,
  };

  // ---- metrics ----
  // Synchronous instruments pre-aggregate on the request path; every reader drains them into the
  // SDK right before it collects, so nothing recorded is missing from an export or a scrape.
  const aggregator = new MetricAggregator();
  disposers.push(() => aggregator.close());
  const drain = (): void => aggregator.drain();
  const readers: MetricReader[] = [];
  const interval = settings.metricExportIntervalMs;
  // The SDK requires timeout <= interval.
  const metricTimeout = Math.min(settings.metricExportTimeoutMs ?? exportTimeoutMs('metrics') + 1000, interval);
  let metricExporter: CountingMetricExporter | undefined;
  if (endpoints.has('metrics')) {
    metricExporter = new CountingMetricExporter(otlpExporter<ResourceMetrics>('metrics'), (result) => accounting.exported('metrics', 1, result));
    readers.push(new DrainingPeriodicReader(drain, { exporter: metricExporter, exportIntervalMillis: interval, exportTimeoutMillis: metricTimeout, cardinalityLimits: { default: config.metricCardinalityLimit } }));
  }
  if (useConsole('metrics')) readers.push(new PeriodicExportingMetricReader({ exporter: new ConsoleMetricExporter(), exportIntervalMillis: interval, exportTimeoutMillis: metricTimeout }));
  let prometheus: { server: Server; port: number } | undefined;
  if (settings.prometheusPort !== undefined) {
    const host = settings.prometheusHost ?? config.prometheusHost;
    const reader = new DrainingPrometheusExporter(drain, { preventServerStart: true, host, port: settings.prometheusPort });
    readers.push(reader);
    prometheus = await servePrometheus(reader, host, settings.prometheusPort, 'plugins.telemetry.config.prometheus_port');
    const server = prometheus.server;
    disposers.push(() => closeServer(server));
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
    .addCallback((result) => accounting.observe((value, { signal, reason }) => result.observe(value, { signal, reason }), sink.dropped));
  const meters = new Map<string, Meter>();

  // ---- lifecycle ----
  const flushAll = (): Promise<unknown> => {
    sink.flush();
    emitter?.drain();
    return Promise.allSettled([spanQueue?.flush(), logQueue?.flush(), attempt(() => meterProvider.forceFlush())]);
  };

  let shutdownPromise: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    shutdownPromise ??= (async () => {
      const started = Date.now();
      emitter?.close();
      // The processors flush what is queued within shutdown_timeout_ms and count the rest as dropped.
      await Promise.allSettled([attempt(() => tracerProvider.shutdown()), attempt(() => loggerProvider.shutdown())]);
      aggregator.close();
      const left = Math.max(250, Math.min(1000, config.shutdownTimeoutMs - (Date.now() - started)));
      await within(attempt(() => meterProvider.forceFlush()), left);
      metricExporter?.close();
      gate.close();
      await within(Promise.allSettled([attempt(() => meterProvider.shutdown()), closeServer(prometheus?.server)]), left);
      sink.close();
    })();
    return shutdownPromise;
  };

  const stats = (): OpenTelemetryStats => ({
    ...accounting.counts,
    queuedSpans: spanQueue?.size ?? 0,
    queuedLogRecords: (logQueue?.size ?? 0) + (emitter?.size ?? 0),
    droppedMirrorLines: sink.dropped,
    prometheusPort: prometheus?.port,
  });

  const checkConnectivity = async (timeoutMs: number): Promise<ConnectivityResult> => {
    const distinct = [...new Set(choices.values())];
    if (distinct.length === 0) return { ok: true, detail: 'OTLP export is off (otlp_export: false or OTEL_*_EXPORTER without otlp)' };
    const results = await Promise.all(distinct.map((choice) => choice.probe(timeoutMs)));
    const failed = results.find((r) => !r.ok);
    if (failed) return { ok: false, detail: failed.detail, ...(failed.hint ? { hint: failed.hint } : {}) };
    return { ok: true, detail: results.map((r) => r.detail).join('; ') };
  };

  const tracesEndpoint = endpoints.get('traces') ?? [...endpoints.values()][0];
  return {
    prometheusPort: prometheus?.port,
    get endpoint() {
      if (!tracesEndpoint) return undefined;
      const protocol = (choices.get(tracesEndpoint.signal) ?? [...choices.values()][0])?.protocol;
      return { url: tracesEndpoint.display, protocol, secure: tracesEndpoint.secure };
    },
    logger: (name) => createLogger(pipeline, name),
    tracer: (name, version) => tracerProvider.getTracer(name, version),
    meter: (name, version) => {
      const key = `${name}@${version ?? ''}`;
      let meter = meters.get(key);
      if (!meter) {
        meter = aggregator.meter(meterProvider.getMeter(name, version));
        if (meters.size < 1000) meters.set(key, meter);
      }
      return meter;
    },
    checkConnectivity,
    emit: (record) => writeRecord(pipeline, record),
    stats,
    forceFlush: () => shutdownPromise ?? within(flushAll(), config.shutdownTimeoutMs),
    shutdown,
  };
}
