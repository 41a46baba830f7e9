/**
 * Tracer, meter and the four histograms. Taken from the providers in the options, else from the
 * `@opentelemetry/api` globals. The global meter provider has no proxy (a meter taken before an
 * SDK registers stays a no-op), so the global one is looked up again on use and the instruments
 * are recreated when it changes: an SDK started after `instrumentServer()` is still recorded.
 */
import { metrics, trace } from '@opentelemetry/api';
import type { Histogram, Meter, MeterProvider, Tracer, TracerProvider } from '@opentelemetry/api';
import {
  MCP_CLIENT_OPERATION_DURATION,
  MCP_CLIENT_SESSION_DURATION,
  MCP_SERVER_OPERATION_DURATION,
  MCP_SERVER_SESSION_DURATION,
} from './semconv.js';
import type { McpMetricDefinition } from './semconv.js';

export const INSTRUMENTATION_NAME = '@secure-mcp-gateway/instrumentation-mcp';
// Kept in step with package.json by test/package.test.ts.
export const INSTRUMENTATION_VERSION = '0.1.0';

export interface McpInstruments {
  readonly clientOperation: Histogram;
  readonly serverOperation: Histogram;
  readonly clientSession: Histogram;
  readonly serverSession: Histogram;
}

function histogram(meter: Meter, def: McpMetricDefinition): Histogram {
  return meter.createHistogram(def.name, {
    unit: def.unit,
    description: def.description,
    advice: { explicitBucketBoundaries: [...def.buckets] },
  });
}

export class Telemetry {
  private tracerSource: TracerProvider | undefined;
  private cachedTracer: Tracer | undefined;
  private meterSource: MeterProvider | undefined;
  private cachedInstruments: McpInstruments | undefined;

  constructor(
    private readonly tracerProvider: TracerProvider | undefined,
    private readonly meterProvider: MeterProvider | undefined,
  ) {}

  get tracer(): Tracer {
    const source = this.tracerProvider ?? trace.getTracerProvider();
    if (source !== this.tracerSource || this.cachedTracer === undefined) {
      this.tracerSource = source;
      this.cachedTracer = source.getTracer(INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION);
    }
    return this.cachedTracer;
  }

  get instruments(): McpInstruments {
    const source = this.meterProvider ?? metrics.getMeterProvider();
    if (source !== this.meterSource || this.cachedInstruments === undefined) {
      this.meterSource = source;
      const meter = source.getMeter(INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION);
      this.cachedInstruments = {
        clientOperation: histogram(meter, MCP_CLIENT_OPERATION_DURATION),
        serverOperation: histogram(meter, MCP_SERVER_OPERATION_DURATION),
        clientSession: histogram(meter, MCP_CLIENT_SESSION_DURATION),
        serverSession: histogram(meter, MCP_SERVER_SESSION_DURATION),
      };
    }
    return this.cachedInstruments;
  }
}
