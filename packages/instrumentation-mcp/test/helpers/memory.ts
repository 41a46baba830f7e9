// In-process helpers for the fast tests: real SDK v1 client and server over the SDK's
// InMemoryTransport, real OpenTelemetry SDK providers passed in the options, spans and metric
// points read back in memory.
import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import type { DataPoint, Histogram, HistogramMetricData } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { z } from 'zod';
import { createMcpInstrumentation } from '../../src/index';
import type { McpInstrumentationConfig } from '../../src/index';

/** Global context manager and W3C propagator, once per test file (what an SDK setup installs). */
export function installGlobals(): () => void {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
  return () => {
    context.disable();
    propagation.disable();
  };
}

export interface MemoryTelemetry {
  readonly tracerProvider: BasicTracerProvider;
  readonly meterProvider: MeterProvider;
  spans(): ReadableSpan[];
  span(name: string, kind?: number): ReadableSpan;
  points(metric: string): DataPoint<Histogram>[];
  histograms(): HistogramMetricData[];
  /** Reads the metrics as they are now (before `points()`/`histograms()`). */
  collect(): Promise<void>;
}

export function memoryTelemetry(): MemoryTelemetry {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const reader = new PeriodicExportingMetricReader({ exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE), exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  let collected: HistogramMetricData[] = [];
  const telemetry: MemoryTelemetry = {
    tracerProvider,
    meterProvider,
    spans: () => exporter.getFinishedSpans(),
    span(name, kind) {
      const found = exporter.getFinishedSpans().filter((s) => s.name === name && (kind === undefined || s.kind === kind));
      if (found.length !== 1) throw new Error(`expected one span "${name}"${kind === undefined ? '' : ` of kind ${kind}`}, found ${found.length}: ${exporter.getFinishedSpans().map((s) => `${s.name}/${s.kind}`).join(', ')}`);
      return found[0]!;
    },
    points: (metric) => collected.filter((m) => m.descriptor.name === metric).flatMap((m) => m.dataPoints),
    histograms: () => collected,
    async collect() {
      const { resourceMetrics } = await reader.collect();
      collected = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics) as HistogramMetricData[];
    },
  };
  return telemetry;
}

/**
 * A v1 McpServer with a few tools and a prompt, and a connected v1 Client, both instrumented.
 * Like most hosts, the client lists tools and prompts first (`prelist: false` skips that), so the
 * server's names are advertised.
 */
export async function memoryPair(telemetry: MemoryTelemetry, config: McpInstrumentationConfig = {}, setup?: (server: McpServer) => void, { prelist = true } = {}) {
  const instrumentation = createMcpInstrumentation({ tracerProvider: telemetry.tracerProvider, meterProvider: telemetry.meterProvider, ...config });
  const server = instrumentation.instrumentServer(new McpServer({ name: 'memory', version: '1.0.0' }));
  server.registerTool('echo', { inputSchema: { text: z.string() } }, async ({ text }) => ({ content: [{ type: 'text', text }] }));
  server.registerPrompt('greet', { argsSchema: { name: z.string() } }, ({ name }) => ({ messages: [{ role: 'user', content: { type: 'text', text: `Hi ${name}` } }] }));
  setup?.(server);
  const client = instrumentation.instrumentClient(new Client({ name: 'memory-client', version: '1.0.0' }));
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await server.connect(serverTransport);
  await client.connect(clientTransport);
  if (prelist) {
    await client.listTools();
    await client.listPrompts();
  }
  return { instrumentation, server, client, clientTransport, serverTransport };
}
