// The naive baseline: the OpenTelemetry JS SDK wired by hand "the obvious way", default settings
// everywhere (as the getting-started docs show it): BasicTracerProvider + BatchSpanProcessor + OTLP
// exporter, MeterProvider + PeriodicExportingMetricReader, LoggerProvider + BatchLogRecordProcessor,
// all exporting OTLP/HTTP protobuf, plus the async-hooks context manager so logs carry trace ids.
import { context, trace, metrics } from '@opentelemetry/api';
import { logs, SeverityNumber } from '@opentelemetry/api-logs';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { LoggerProvider, BatchLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';

/**
 * @param {string} baseUrl the receiver's OTLP/HTTP base, e.g. http://127.0.0.1:PORT
 */
export function startNaiveSdk(baseUrl, { serviceName = 'naive-baseline' } = {}) {
  const resource = resourceFromAttributes({ 'service.name': serviceName });
  const spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter({ url: `${baseUrl}/v1/traces` }));
  const tracerProvider = new BasicTracerProvider({ resource, spanProcessors: [spanProcessor] });
  const meterProvider = new MeterProvider({
    resource,
    readers: [new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: `${baseUrl}/v1/metrics` }) })],
  });
  const loggerProvider = new LoggerProvider({
    resource,
    processors: [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${baseUrl}/v1/logs` }) })],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  logs.setGlobalLoggerProvider(loggerProvider);

  return {
    tracer: trace.getTracer('gateway'),
    meter: metrics.getMeter('gateway'),
    otelLogger: logs.getLogger('gateway.tools'),
    /** The obvious structured log call with the Logs API: body = event, attributes = fields. */
    logInfo(otelLogger, event, fields) {
      otelLogger.emit({ severityNumber: SeverityNumber.INFO, severityText: 'INFO', body: event, attributes: fields });
    },
    async forceFlush() {
      await Promise.all([tracerProvider.forceFlush(), meterProvider.forceFlush(), loggerProvider.forceFlush()]);
    },
    async shutdown() {
      await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown(), loggerProvider.shutdown()]);
    },
  };
}
