import { afterEach, describe, expect, it } from 'vitest';
import { Metadata, credentials } from '@grpc/grpc-js';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPMetricExporter as GrpcMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { createTestCertificates, startOtlpReceiver, type OtlpReceiver } from '../src/index';

const resource = resourceFromAttributes({ 'service.name': 'receiver-test', 'deployment.environment': 'test' });
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function receiver(options?: Parameters<typeof startOtlpReceiver>[0]): Promise<OtlpReceiver> {
  const r = await startOtlpReceiver(options);
  cleanups.push(() => r.close());
  return r;
}

type Exporters = { traces: any; metrics: any; logs: any };

function httpExporters(base: string, extra: Record<string, unknown> = {}): Exporters {
  return {
    traces: new ProtoTraceExporter({ url: `${base}/v1/traces`, ...extra }),
    metrics: new ProtoMetricExporter({ url: `${base}/v1/metrics`, ...extra }),
    logs: new ProtoLogExporter({ url: `${base}/v1/logs`, ...extra }),
  };
}

function grpcExporters(url: string, extra: Record<string, unknown> = {}): Exporters {
  return {
    traces: new GrpcTraceExporter({ url, ...extra }),
    metrics: new GrpcMetricExporter({ url, ...extra }),
    logs: new GrpcLogExporter({ url, ...extra }),
  };
}

/** Emits one parent/child pair of spans, a counter, a histogram and a log record inside the child span. */
async function emitAll(exporters: Exporters): Promise<{ traceId: string; childSpanId: string }> {
  const tracerProvider = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(exporters.traces)] });
  const reader = new PeriodicExportingMetricReader({ exporter: exporters.metrics, exportIntervalMillis: 60_000 });
  const meterProvider = new MeterProvider({ resource, readers: [reader] });
  const loggerProvider = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter: exporters.logs })] });

  const tracer = tracerProvider.getTracer('test-scope', '1.2.3');
  const parent = tracer.startSpan('tools/call echo', { kind: SpanKind.SERVER, attributes: { 'gen_ai.tool.name': 'echo', retries: 3, ok: true } });
  const child = tracer.startSpan('guardrail.input', { kind: SpanKind.CLIENT }, trace.setSpan(context.active(), parent));
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'blocked' });
  loggerProvider.getLogger('test-logger').emit({
    body: 'tool call blocked',
    severityNumber: SeverityNumber.WARN,
    severityText: 'WARNING',
    attributes: { server: 'github', count: 2 },
    context: trace.setSpan(context.active(), child),
  });
  child.end();
  parent.end();

  const meter = meterProvider.getMeter('test-meter');
  meter.createCounter('enkrypt_tool_calls_total', { unit: '1', description: 'calls' }).add(2, { server: 'github', tool: 'echo' });
  meter
    .createHistogram('enkrypt_tool_call_duration_seconds', { unit: 's', advice: { explicitBucketBoundaries: [0.1, 1, 10] } })
    .record(0.5, { server: 'github' });

  await tracerProvider.forceFlush();
  await meterProvider.forceFlush();
  await loggerProvider.forceFlush();
  cleanups.push(() => Promise.allSettled([tracerProvider.shutdown(), meterProvider.shutdown(), loggerProvider.shutdown()]));
  return { traceId: child.spanContext().traceId, childSpanId: child.spanContext().spanId };
}

async function expectEverything(r: OtlpReceiver, ids: { traceId: string; childSpanId: string }): Promise<void> {
  await r.waitFor(() => r.spans.length >= 2 && r.logs.length >= 1 && r.metrics.length >= 2);
  const parent = r.spans.find((s) => s.name === 'tools/call echo')!;
  const child = r.spans.find((s) => s.name === 'guardrail.input')!;
  expect(parent).toMatchObject({
    kind: 'SERVER',
    attributes: { 'gen_ai.tool.name': 'echo', retries: 3, ok: true },
    resource: { 'service.name': 'receiver-test', 'deployment.environment': 'test' },
    scope: { name: 'test-scope', version: '1.2.3' },
  });
  expect(parent.parentSpanId).toBeUndefined();
  expect(child).toMatchObject({ kind: 'CLIENT', traceId: ids.traceId, parentSpanId: parent.spanId, status: { code: 2, message: 'blocked' } });
  expect(child.traceId).toMatch(/^[0-9a-f]{32}$/);

  const counter = r.metrics.find((m) => m.name === 'enkrypt_tool_calls_total')!;
  expect(counter).toMatchObject({ type: 'sum', value: 2, unit: '1', description: 'calls', isMonotonic: true, attributes: { server: 'github', tool: 'echo' } });
  const histogram = r.metrics.find((m) => m.name === 'enkrypt_tool_call_duration_seconds')!;
  expect(histogram).toMatchObject({ type: 'histogram', unit: 's', count: 1, sum: 0.5, explicitBounds: [0.1, 1, 10], bucketCounts: [0, 1, 0, 0] });

  expect(r.logs[0]).toMatchObject({
    body: 'tool call blocked',
    severityText: 'WARNING',
    severityNumber: SeverityNumber.WARN,
    attributes: { server: 'github', count: 2 },
    traceId: ids.traceId,
    spanId: ids.childSpanId,
    resource: { 'service.name': 'receiver-test' },
  });
  expect(r.errors).toEqual([]);
}

describe('otlp-test-receiver', () => {
  it('decodes traces, metrics and logs sent over HTTP/protobuf (gzip) with their headers', async () => {
    const r = await receiver();
    const ids = await emitAll(httpExporters(r.httpUrl, { compression: 'gzip', headers: { 'x-api-key': 'k-123' } }));
    await expectEverything(r, ids);
    expect(new Set(r.requests.map((q) => q.signal))).toEqual(new Set(['traces', 'metrics', 'logs']));
    for (const q of r.requests) {
      expect(q).toMatchObject({ transport: 'http', behaviour: 'ok' });
      expect(q.headers['x-api-key']).toBe('k-123');
      expect(q.headers['content-encoding']).toBe('gzip');
    }
  });

  it('decodes traces, metrics and logs sent over HTTP/JSON, answering in JSON', async () => {
    const r = await receiver();
    const ids = await emitAll({
      traces: new JsonTraceExporter({ url: `${r.httpUrl}/v1/traces` }),
      metrics: new JsonMetricExporter({ url: `${r.httpUrl}/v1/metrics` }),
      logs: new JsonLogExporter({ url: `${r.httpUrl}/v1/logs`, compression: 'gzip' as never }),
    });
    await expectEverything(r, ids);
    for (const q of r.requests) expect(q).toMatchObject({ transport: 'http', encoding: 'json', behaviour: 'ok' });
    const reply = await fetch(`${r.httpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"resourceSpans":[]}' });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('application/json');
    expect(await reply.json()).toEqual({});
  });

  it('answers an empty export (a connectivity probe) over both transports, and says it was empty', async () => {
    const r = await receiver();
    const http = await fetch(`${r.httpUrl}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: new Uint8Array(0) });
    expect(http.status).toBe(200);
    const grpc = await new Promise<any>((resolve) => new GrpcTraceExporter({ url: r.grpcUrl }).export([], resolve));
    expect(grpc.code).toBe(0);
    expect(r.requests.map((q) => ({ signal: q.signal, bytes: q.bytes, items: q.items }))).toEqual([
      { signal: 'logs', bytes: 0, items: 0 },
      { signal: 'traces', bytes: 0, items: 0 },
    ]);
    const bad = await fetch(`${r.httpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'not json' });
    expect(bad.status).toBe(400);
    r.errors.length = 0;
  });

  it('decodes traces, metrics and logs sent over gRPC with their metadata', async () => {
    const r = await receiver();
    const metadata = new Metadata();
    metadata.set('authorization', 'Bearer t-1');
    const ids = await emitAll(grpcExporters(r.grpcUrl, { compression: 'gzip', metadata }));
    await expectEverything(r, ids);
    for (const q of r.requests) {
      expect(q.transport).toBe('grpc');
      expect(q.headers.authorization).toBe('Bearer t-1');
    }
  });

  it('answers 503/429 and gRPC UNAVAILABLE/RESOURCE_EXHAUSTED as told, then accepts again', async () => {
    const r = await receiver({ behaviour: 'unavailable' });
    const tracerProvider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(new ProtoTraceExporter({ url: `${r.httpUrl}/v1/traces` }))],
    });
    cleanups.push(() => tracerProvider.shutdown());
    tracerProvider.getTracer('t').startSpan('retried').end();
    await r.waitFor(() => r.requests.some((q) => q.behaviour === 'unavailable'));
    r.setBehaviour('ok'); // the exporter's retry lands on an ok receiver
    await r.waitFor(() => r.spans.some((s) => s.name === 'retried'));

    r.setBehaviour('throttle');
    tracerProvider.getTracer('t').startSpan('throttled').end();
    await r.waitFor(() => r.requests.some((q) => q.behaviour === 'throttle'));
    r.setBehaviour('ok');
    await r.waitFor(() => r.spans.some((s) => s.name === 'throttled'));

    r.setBehaviour('unavailable');
    const grpcResult = await new Promise<any>((resolve) => new GrpcTraceExporter({ url: r.grpcUrl }).export([], resolve));
    expect(grpcResult.code).toBe(1);
    expect(String(grpcResult.error?.message)).toMatch(/UNAVAILABLE|unavailable/);
  });

  it('stalls: a request is received and never answered', async () => {
    const r = await receiver({ behaviour: 'stall' });
    const exporter = new ProtoTraceExporter({ url: `${r.httpUrl}/v1/traces`, timeoutMillis: 500 });
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    cleanups.push(() => tracerProvider.shutdown());
    tracerProvider.getTracer('t').startSpan('black-holed').end();
    await r.waitFor(() => r.requests.length > 0);
    expect(r.requests[0]!.behaviour).toBe('stall');
    expect(r.spans).toEqual([]);
  });

  it('serves TLS and mTLS on both transports; refuses clients without a certificate under mTLS', async () => {
    const certs = createTestCertificates();
    cleanups.push(() => certs.cleanup());
    const r = await receiver({ tls: { cert: certs.serverCert, key: certs.serverKey, ca: certs.caCertPath, requireClientCert: true } });
    expect(r.grpcUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const ca = Buffer.from(certs.caCert);
    const key = Buffer.from(certs.clientKey);
    const cert = Buffer.from(certs.clientCert);
    const ids = await emitAll({
      traces: new ProtoTraceExporter({ url: `${r.httpUrl}/v1/traces`, httpAgentOptions: { ca, key, cert } } as any),
      metrics: new GrpcMetricExporter({ url: r.grpcUrl, credentials: credentials.createSsl(ca, key, cert) }),
      logs: new GrpcLogExporter({ url: r.grpcUrl, credentials: credentials.createSsl(ca, key, cert) }),
    });
    await expectEverything(r, ids);

    const noClientCert = await new Promise<any>((resolve) =>
      new GrpcTraceExporter({ url: r.grpcUrl, credentials: credentials.createSsl(ca), timeoutMillis: 3000 }).export([], resolve),
    );
    expect(noClientCert.code).toBe(1);
  });

  it('comes back on the ports of a closed receiver', async () => {
    const first = await receiver();
    await first.close();
    const second = await receiver({ ports: { grpc: first.grpcPort, http: first.httpPort } });
    expect(second.grpcUrl).toBe(first.grpcUrl);
    expect(second.httpUrl).toBe(first.httpUrl);
  });
});
