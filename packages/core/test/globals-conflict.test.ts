// Another SDK registered its globals first (e.g. the application's own NodeSDK): core keeps
// them, warns once, and its own getTracer()/getMeter() still report to the configured provider.
// One process per test file: here the application registers before core.
import { metrics, propagation, ROOT_CONTEXT, trace, type TextMapPropagator, type Tracer, type TracerProvider } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import { afterAll, describe, expect, it } from 'vitest';
import { extractTraceContext, getMeter, getTracer, initTelemetry, injectTraceContext, shutdownTelemetry } from '../src/index';
import { createInMemoryProvider } from '../src/testing/index';
import { captureWarnings } from './helpers';

const warnings = captureWarnings();
afterAll(() => shutdownTelemetry({ timeoutMs: 1000 }));

describe('globals another SDK registered first', () => {
  const theirTracer = trace.getTracer('their-noop');
  const theirs: TracerProvider = { getTracer: (): Tracer => theirTracer };
  const theirLogs = { getLogger: () => ({ emit: () => {}, enabled: () => false }) };
  const theirPropagator: TextMapPropagator = {
    inject: (_ctx, carrier, setter) => setter.set(carrier, 'x-theirs', '1'),
    extract: (ctx) => ctx,
    fields: () => ['x-theirs'],
  };

  it('are kept, with one warning naming them; the free slots are still taken by core', async () => {
    expect(trace.setGlobalTracerProvider(theirs)).toBe(true);
    logs.setGlobalLoggerProvider(theirLogs);
    expect(propagation.setGlobalPropagator(theirPropagator)).toBe(true);
    const mem = createInMemoryProvider();

    await initTelemetry({ provider: mem.provider, env: { OTEL_PROPAGATORS: 'baggage' }, installShutdownHooks: false });
    const lines = warnings();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('OTEL_PROPAGATORS="baggage" is not applied: other code registered a global propagator first');
    expect(lines[1]).toContain('the OpenTelemetry global tracer provider, logger provider were already registered by other code');
    expect(lines[1]).toContain('trace.getTracer(), logs.getLogger() and stock instrumentations report there');

    expect(trace.getTracerProvider().getTracer('x')).toBe(theirTracer);
    expect(logs.getLoggerProvider()).toBe(theirLogs);
    expect(injectTraceContext({}, ROOT_CONTEXT)).toEqual({ 'x-theirs': '1' });
    expect(extractTraceContext({}, ROOT_CONTEXT)).toBe(ROOT_CONTEXT);

    // Core's own handles report to the provider; the free meter slot is core's.
    getTracer('gateway').startSpan('core span').end();
    expect(mem.spans.map((s) => s.name)).toEqual(['core span']);
    expect(metrics.getMeter('lib')).toBe(getMeter('lib'));
  });

  it('warn once per process, not on every init', async () => {
    const mem = createInMemoryProvider();
    await initTelemetry({ provider: mem.provider, env: { OTEL_PROPAGATORS: 'baggage' }, installShutdownHooks: false });
    expect(warnings()).toEqual([]);
  });
});
