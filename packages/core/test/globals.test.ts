// The OpenTelemetry API globals follow the process's telemetry: what `trace`, `metrics`, `logs`
// and `propagation` hand out is the bound provider's pipeline, through every re-bind.
// One process per test file (vitest isolates files), so the globals start unregistered here.
import { context, metrics, propagation, ROOT_CONTEXT, trace, type Span } from '@opentelemetry/api';
import { logs, SeverityNumber, type LogRecord as ApiLogRecord } from '@opentelemetry/api-logs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { defineProvider, getLogger, getMeter, getTelemetryStatus, getTracer, initTelemetry, shutdownTelemetry, type OtelLogRecord } from '../src/index';
import { createNoopInstance } from '../src/noop';
import { createInMemoryProvider } from '../src/testing/index';
import { captureWarnings } from './helpers';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const quiet = { env: {}, installShutdownHooks: false } as const;

const warnings = captureWarnings();
afterAll(() => shutdownTelemetry({ timeoutMs: 1000 }));

function spanIn(tracerSpan: (fn: (span: Span) => void) => void): { traceId: string; recording: boolean } {
  let out = { traceId: '', recording: false };
  tracerSpan((span) => {
    out = { traceId: span.spanContext().traceId, recording: span.isRecording() };
    span.end();
  });
  return out;
}

describe('API globals bound to the provider', () => {
  // Taken before any init, as a library does at import time.
  const earlyTracer = trace.getTracer('early.lib');
  const earlyLogger = logs.getLogger('early.lib');
  const first = createInMemoryProvider({ name: 'first' });

  it('before init: the API hands out its own no-ops and core registers nothing at import', () => {
    expect(trace.getTracer('x').startSpan('s').isRecording()).toBe(false);
    expect(propagation.fields()).toEqual([]);
    expect(metrics.getMeterProvider().getMeter('m')).not.toBe(getMeter('m'));
  });

  it('after init: trace, metrics and logs hand out the provider pipeline (the same objects as core)', async () => {
    const status = await initTelemetry({ ...quiet, provider: first.provider });
    expect(status.state).toBe('active');
    expect(warnings()).toEqual([]);

    expect(trace.getTracer('lib', '1.0.0')).toBe(getTracer('lib', '1.0.0'));
    expect(metrics.getMeter('lib', '1.0.0')).toBe(getMeter('lib', '1.0.0'));

    // A span from the API and a child from core's tracer: one trace, both recorded by the provider.
    trace.getTracer('lib').startActiveSpan('api span', (span) => {
      getTracer('gateway').startSpan('core child').end();
      getLogger('gateway').info('inside');
      span.end();
    });
    const api = first.spans.find((s) => s.name === 'api span');
    const child = first.spans.find((s) => s.name === 'core child');
    expect(api?.scope).toBe('lib');
    expect(child).toMatchObject({ traceId: api?.traceId, parentSpanId: api?.spanId });
    expect(first.logs.find((r) => r.event === 'inside')?.spanId).toBe(api?.spanId);

    metrics.getMeter('lib').createCounter('api_calls_total').add(2, { route: 'a' });
    expect(first.counterValue('api_calls_total', { route: 'a' })).toBe(2);

    // A tracer taken before init (the API's ProxyTracer) binds too.
    expect(spanIn((fn) => earlyTracer.startActiveSpan('early span', fn)).recording).toBe(true);
    expect(first.spans.some((s) => s.name === 'early span' && s.scope === 'early.lib')).toBe(true);
  });

  it('logs.getLogger().emit() reaches a provider without an OTel logger as a LogRecord, level-filtered', () => {
    const parent = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: '00f067aa0ba902b7', traceFlags: 1, isRemote: true });
    const record: ApiLogRecord = {
      severityNumber: SeverityNumber.WARN,
      severityText: 'warn',
      body: 'disk almost full',
      eventName: 'disk.usage',
      attributes: { 'disk.free_mb': 12, ['__proto__']: 'kept as a key' },
      timestamp: new Date('2030-01-02T03:04:05.000Z'),
      context: parent,
    };
    logs.getLogger('lib.logs').emit(record);
    earlyLogger.emit({ severityNumber: SeverityNumber.ERROR, body: { structured: true } });
    logs.getLogger('lib.logs').emit({ severityNumber: SeverityNumber.DEBUG, body: 'below INFO' });

    const written = first.logs.find((r) => r.event === 'disk almost full');
    expect(written).toMatchObject({ level: 'WARNING', logger: 'lib.logs', traceId: TRACE_ID, spanId: '00f067aa0ba902b7', time: Date.parse('2030-01-02T03:04:05.000Z') });
    expect(written?.fields).toMatchObject({ 'disk.free_mb': 12, 'event.name': 'disk.usage' });
    expect(Object.hasOwn(written!.fields, '__proto__')).toBe(true);
    expect(first.logs.find((r) => r.logger === 'early.lib')).toMatchObject({ level: 'ERROR', event: '', fields: { body: { structured: true } } });
    expect(first.logs.some((r) => r.event === 'below INFO')).toBe(false);
    expect(logs.getLogger('lib.logs').enabled({ severityNumber: SeverityNumber.DEBUG })).toBe(false);
    expect(logs.getLogger('lib.logs').enabled({ severityNumber: SeverityNumber.INFO })).toBe(true);
  });

  it('objects taken before a re-init report to the new provider', async () => {
    const tracer = trace.getTracer('kept');
    const counter = metrics.getMeter('kept').createCounter('kept_total');
    const logger = logs.getLogger('kept');
    const second = createInMemoryProvider({ name: 'second' });
    await initTelemetry({ ...quiet, provider: second.provider });

    tracer.startSpan('after re-init').end();
    counter.add(5);
    logger.emit({ severityNumber: SeverityNumber.INFO, body: 'after re-init' });
    expect(second.spans.map((s) => s.name)).toContain('after re-init');
    expect(second.counterValue('kept_total')).toBe(5);
    expect(second.logs.map((r) => r.event)).toContain('after re-init');
    expect(first.spans.some((s) => s.name === 'after re-init')).toBe(false);
  });

  it('a provider with its own OTel logger gets the API record as it is', async () => {
    const received: { scope: string; record: OtelLogRecord }[] = [];
    const native = defineProvider({
      meta: { name: 'native-logs', version: '1.0.0', core: '*' },
      create() {
        const base = createNoopInstance();
        return { ...base, otelLogger: (scope: string) => ({ emit: (record: OtelLogRecord) => void received.push({ scope, record }), enabled: () => true }) };
      },
    });
    const logger = logs.getLogger('lib.native');
    await initTelemetry({ ...quiet, provider: native });
    const record = { severityNumber: SeverityNumber.INFO2, body: { k: [1, 2] }, attributes: { a: 1 } };
    logger.emit(record);
    expect(received).toEqual([{ scope: 'lib.native', record }]);
    expect(received[0]?.record).toBe(record);
  });

  it('waiting -> active: objects taken while the backend is down start reporting when it comes up', async () => {
    let up = false;
    const late = createInMemoryProvider({ name: 'late', connectivity: () => up });
    const status = await initTelemetry({
      ...quiet,
      provider: late.provider,
      config: { plugins: { telemetry: { config: { reconnect_interval_ms: 50 } } } },
    });
    expect(status.state).toBe('waiting');
    const tracer = trace.getTracer('while.waiting');
    const counter = metrics.getMeter('while.waiting').createCounter('waiting_total');
    const logger = logs.getLogger('while.waiting');
    expect(spanIn((fn) => tracer.startActiveSpan('dropped', fn)).recording).toBe(false);
    logger.emit({ severityNumber: SeverityNumber.ERROR, body: 'dropped while waiting' });

    up = true;
    await vi.waitFor(() => expect(getTelemetryStatus().state).toBe('active'), { timeout: 5000, interval: 20 });
    tracer.startSpan('after backend came up').end();
    counter.add(1);
    logger.emit({ severityNumber: SeverityNumber.ERROR, body: 'after backend came up' });
    expect(late.spans.map((s) => s.name)).toEqual(['after backend came up']);
    expect(late.counterValue('waiting_total')).toBe(1);
    expect(late.logs.map((r) => r.event)).toEqual(['after backend came up']);
  });

  it('disabled: the globals are no-ops, and the propagator still carries the callers context', async () => {
    const tracer = trace.getTracer('disabled');
    const status = await initTelemetry({ ...quiet, config: { plugins: { telemetry: { config: { enabled: false } } } } });
    expect(status.state).toBe('noop');
    expect(spanIn((fn) => tracer.startActiveSpan('nothing', fn)).recording).toBe(false);
    expect(() => metrics.getMeter('disabled').createHistogram('h').record(1)).not.toThrow();
    expect(logs.getLogger('disabled').enabled()).toBe(false);
    expect(() => logs.getLogger('disabled').emit({ body: 'x', severityNumber: SeverityNumber.FATAL })).not.toThrow();

    // A gateway with telemetry off still forwards its caller's trace context upstream.
    const incoming = propagation.extract(ROOT_CONTEXT, { traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01` });
    const outgoing: Record<string, string> = {};
    context.with(incoming, () => {
      const span = tracer.startSpan('gateway hop');
      propagation.inject(trace.setSpan(context.active(), span), outgoing);
      span.end();
    });
    expect(outgoing.traceparent).toBe(`00-${TRACE_ID}-00f067aa0ba902b7-01`);
  });

  it('shutdown: no-ops again; a later init binds everything taken before it', async () => {
    const tracer = trace.getTracer('across.shutdown');
    const third = createInMemoryProvider({ name: 'third' });
    await initTelemetry({ ...quiet, provider: third.provider });
    await shutdownTelemetry({ timeoutMs: 1000 });
    expect(spanIn((fn) => tracer.startActiveSpan('after shutdown', fn)).recording).toBe(false);
    const fourth = createInMemoryProvider({ name: 'fourth' });
    await initTelemetry({ ...quiet, provider: fourth.provider });
    tracer.startSpan('after second init').end();
    expect(fourth.spans.map((s) => s.name)).toEqual(['after second init']);
    expect(third.spans).toEqual([]);
    expect(warnings()).toEqual([]);
  });
});
