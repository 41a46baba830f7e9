// The gateway inside the OpenTelemetry ecosystem: after initTelemetry() with this provider, what
// the API globals hand out (and so every stock instrumentation) reports through the same
// pipeline as core's getTracer()/getMeter(), to a real OTLP receiver, in one trace.
// One process per test file: the API globals start unregistered here.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { metrics, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { logs, SeverityNumber } from '@opentelemetry/api-logs';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import {
  extractTraceContext,
  flushTelemetry,
  getMeter,
  getTelemetryStatus,
  getTracer,
  initTelemetry,
  shutdownTelemetry,
} from '@secure-mcp-gateway/telemetry-core';
import type { OtlpReceiver } from '@secure-mcp-gateway/otlp-test-receiver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import provider from '../src/index';
import { cleanup, receiver } from './helpers';

let r: OtlpReceiver;
let upstream: Server;
let upstreamUrl = '';
let unregister: () => void = () => {};

const config = (url: string, extra: Record<string, unknown> = {}) => ({
  plugins: {
    telemetry: {
      provider: 'opentelemetry',
      config: { url, protocol: 'http/protobuf', log_mirror: 'none', timeout_ms: 100, metric_export_interval_ms: 60_000, ...extra },
    },
  },
});

/** Lands the pipeline's data at the receiver and waits for `predicate`. */
async function arrives(predicate: () => boolean): Promise<void> {
  expect(await flushTelemetry({ timeoutMs: 5000 })).toBe(true);
  await r.waitFor(predicate, 10_000);
}

beforeAll(async () => {
  r = await receiver();
  // A real HTTP server the gateway calls; it continues the caller's trace from the headers.
  upstream = createServer((req, res) => {
    const parent = extractTraceContext(req.headers as Record<string, unknown>, ROOT_CONTEXT);
    getTracer('upstream').startSpan('upstream handle', { kind: SpanKind.SERVER }, parent).end();
    res.end('ok');
  });
  await new Promise<void>((done) => upstream.listen(0, '127.0.0.1', done));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/echo`;
});

afterAll(async () => {
  unregister();
  await shutdownTelemetry({ timeoutMs: 5000 });
  await new Promise((done) => upstream.close(done));
  await cleanup();
});

describe('stock instrumentation and the API globals with the OpenTelemetry provider', () => {
  // Taken at import time, before telemetry is up, as libraries do.
  const earlyTracer = trace.getTracer('early.lib');
  const earlyLogger = logs.getLogger('early.lib');

  it('spans of @opentelemetry/instrumentation-undici, trace.getTracer() and core getTracer() arrive in one trace', async () => {
    const status = await initTelemetry({ config: config(r.httpUrl), provider, env: {}, stdoutReserved: true, installShutdownHooks: false });
    expect(status.state).toBe('active');
    // The usual way: register the stock instrumentation once telemetry is initialised.
    unregister = registerInstrumentations({ instrumentations: [new UndiciInstrumentation()] });

    let traceId = '';
    await getTracer('gateway').startActiveSpan('tools/call echo', { kind: SpanKind.SERVER }, async (gatewaySpan) => {
      traceId = gatewaySpan.spanContext().traceId;
      await trace.getTracer('app.lib', '2.0.0').startActiveSpan('app work', async (appSpan) => {
        expect(await (await fetch(upstreamUrl)).text()).toBe('ok');
        earlyTracer.startSpan('early lib span').end();
        logs.getLogger('app.lib').emit({ severityNumber: SeverityNumber.WARN, body: 'app record', attributes: { 'app.step': 3 } });
        earlyLogger.emit({ severityNumber: SeverityNumber.ERROR, body: 'early record' });
        appSpan.end();
      });
      gatewaySpan.end();
    });

    const named = (name: string) => r.spans.find((s) => s.name === name);
    await arrives(() => ['tools/call echo', 'app work', 'early lib span', 'upstream handle'].every((n) => named(n)) && r.spans.some((s) => s.kind === 'CLIENT'));
    const gateway = named('tools/call echo')!;
    const app = named('app work')!;
    const client = r.spans.find((s) => s.kind === 'CLIENT' && s.scope.name === '@opentelemetry/instrumentation-undici')!;
    const server = named('upstream handle')!;
    expect(client).toBeDefined();
    for (const span of [gateway, app, client, server, named('early lib span')!]) expect(span.traceId).toBe(traceId);
    expect(app).toMatchObject({ parentSpanId: gateway.spanId, scope: { name: 'app.lib', version: '2.0.0' } });
    expect(client).toMatchObject({ parentSpanId: app.spanId, attributes: { 'http.request.method': 'GET', 'http.response.status_code': 200 } });
    // The undici instrumentation injected traceparent through the global propagator; the server continued it.
    expect(server.parentSpanId).toBe(client.spanId);
    expect(gateway.resource['service.name']).toBe(app.resource['service.name']);

    await r.waitFor(() => r.logs.some((l) => l.body === 'app record') && r.logs.some((l) => l.body === 'early record'));
    expect(r.logs.find((l) => l.body === 'app record')).toMatchObject({ severityNumber: 13, traceId, spanId: app.spanId, attributes: { 'app.step': 3 } });
    expect(r.logs.find((l) => l.body === 'early record')).toMatchObject({ severityNumber: 17, traceId });
  });

  it('a counter from metrics.getMeter() and the instrumentation\'s histogram arrive with core\'s meter', async () => {
    metrics.getMeter('app.lib').createCounter('app_requests_total').add(3, { route: '/echo' });
    getMeter('gateway').createCounter('gateway_calls_total').add(1);
    await arrives(
      () =>
        r.metrics.some((m) => m.name === 'app_requests_total') &&
        r.metrics.some((m) => m.name === 'gateway_calls_total') &&
        r.metrics.some((m) => m.name === 'http.client.request.duration'),
    );
    expect(r.metrics.filter((m) => m.name === 'app_requests_total').at(-1)).toMatchObject({ type: 'sum', value: 3, attributes: { route: '/echo' }, scope: { name: 'app.lib' } });
    expect(r.metrics.filter((m) => m.name === 'http.client.request.duration').at(-1)).toMatchObject({ type: 'histogram', count: 1 });
  });

  it('a re-init to another receiver moves everything taken before it, the instrumentation included', async () => {
    const tracer = trace.getTracer('kept.lib');
    const counter = metrics.getMeter('kept.lib').createCounter('kept_total');
    const logger = logs.getLogger('kept.lib');
    const second = await receiver();
    const status = await initTelemetry({ config: config(second.httpUrl), provider, env: {}, stdoutReserved: true, installShutdownHooks: false });
    expect(status.state).toBe('active');
    r = second;

    await tracer.startActiveSpan('after re-init', async (span) => {
      await fetch(upstreamUrl);
      span.end();
    });
    counter.add(2);
    logger.emit({ severityNumber: SeverityNumber.INFO, body: 'after re-init' });
    await arrives(
      () =>
        r.spans.some((s) => s.name === 'after re-init') &&
        r.spans.some((s) => s.kind === 'CLIENT') &&
        r.metrics.some((m) => m.name === 'kept_total') &&
        r.logs.some((l) => l.body === 'after re-init'),
    );
    const parent = r.spans.find((s) => s.name === 'after re-init')!;
    expect(r.spans.find((s) => s.kind === 'CLIENT')).toMatchObject({ traceId: parent.traceId, parentSpanId: parent.spanId });
    expect(r.metrics.filter((m) => m.name === 'kept_total').at(-1)).toMatchObject({ value: 2 });
  });

  it('OTEL_PROPAGATORS=none: the instrumentation injects nothing, and the upstream starts its own trace', async () => {
    const status = await initTelemetry({ config: config(r.httpUrl), provider, env: { OTEL_PROPAGATORS: 'none' }, stdoutReserved: true, installShutdownHooks: false });
    expect(status.state).toBe('active');
    r.reset();
    let traceId = '';
    await trace.getTracer('app.lib').startActiveSpan('no propagation', async (span) => {
      traceId = span.spanContext().traceId;
      await fetch(upstreamUrl);
      span.end();
    });
    await arrives(() => r.spans.some((s) => s.name === 'no propagation') && r.spans.some((s) => s.name === 'upstream handle'));
    const server = r.spans.find((s) => s.name === 'upstream handle')!;
    expect(server.traceId).not.toBe(traceId);
    expect(server.parentSpanId).toBeUndefined();
  });

  it('disabled: the globals are no-ops and nothing is exported', async () => {
    const status = await initTelemetry({ config: config(r.httpUrl, { enabled: false }), provider, env: {}, stdoutReserved: true, installShutdownHooks: false });
    expect(status.state).toBe('noop');
    expect(getTelemetryStatus().state).toBe('noop');
    r.reset();
    const span = trace.getTracer('app.lib').startSpan('while disabled');
    expect(span.isRecording()).toBe(false);
    span.end();
    await fetch(upstreamUrl);
    metrics.getMeter('app.lib').createCounter('disabled_total').add(1);
    logs.getLogger('app.lib').emit({ severityNumber: SeverityNumber.FATAL, body: 'while disabled' });
    await new Promise((done) => setTimeout(done, 300));
    expect(r.spans.filter((s) => s.name !== 'upstream handle')).toEqual([]);
    expect(r.requests.filter((q) => q.items > 0).map((q) => q.signal)).toEqual([]);
  });
});
