import { afterEach, describe, expect, it, vi } from 'vitest';
import { TelemetryConfigManager } from '../src/index';
import { createInMemoryProvider } from '../src/testing/index';

const managers: TelemetryConfigManager[] = [];
afterEach(async () => {
  await Promise.all(managers.splice(0).map((m) => m.shutdown({ timeoutMs: 500 })));
  vi.restoreAllMocks();
});
function manager(): TelemetryConfigManager {
  const m = new TelemetryConfigManager();
  managers.push(m);
  return m;
}

describe('meters from getMeter', () => {
  it('hand out instruments at import time that bind to the provider and re-bind to a new one', async () => {
    const m = manager();
    const meter = m.getMeter('gateway');
    const calls = meter.createCounter('calls_total');
    const active = meter.createUpDownCounter('active_ops');
    const duration = meter.createHistogram('duration_seconds', { unit: 's' });
    const temperature = meter.createGauge('temperature');
    let sessions = 3;
    const gauge = meter.createObservableGauge('active_sessions');
    gauge.addCallback((result) => result.observe(sessions, { transport: 'stdio' }));
    const observedCounter = meter.createObservableCounter('observed_total');
    observedCounter.addCallback((result) => result.observe(10));
    const observedUpDown = meter.createObservableUpDownCounter('observed_updown');
    const batchValue = { v: 7 };
    meter.addBatchObservableCallback((result) => result.observe(observedUpDown, batchValue.v, { via: 'batch' }), [observedUpDown]);

    calls.add(100); // before init: dropped (no-op), never thrown

    const first = createInMemoryProvider({ name: 'first' });
    await m.init({ provider: first.provider, installShutdownHooks: false });
    calls.add(1, { server: 'a' });
    calls.add(2, { server: 'b' });
    active.add(1);
    active.add(-1);
    active.add(1);
    duration.record(0.5, { outcome: 'success' });
    duration.record(1.5, { outcome: 'failure' });
    temperature.record(21);
    expect(first.counterValue('calls_total')).toBe(3);
    expect(first.counterValue('calls_total', { server: 'b' })).toBe(2);
    expect(first.counterValue('active_ops')).toBe(1);
    expect(first.histogramValues('duration_seconds')).toEqual([0.5, 1.5]);
    expect(first.histogramValues('duration_seconds', { outcome: 'success' })).toEqual([0.5]);
    expect(first.gaugeValue('temperature')).toBe(21);
    expect(first.gaugeValue('active_sessions', { transport: 'stdio' })).toBe(3);
    sessions = 1;
    expect(first.gaugeValue('active_sessions')).toBe(1);
    expect(first.counterValue('observed_total')).toBe(10);
    expect(first.counterValue('observed_updown', { via: 'batch' })).toBe(7);

    const second = createInMemoryProvider({ name: 'second' });
    await m.init({ provider: second.provider, installShutdownHooks: false });
    calls.add(5);
    sessions = 9;
    expect(second.counterValue('calls_total')).toBe(5);
    expect(first.counterValue('calls_total')).toBe(3);
    expect(second.gaugeValue('active_sessions')).toBe(9);
    batchValue.v = 8;
    expect(second.counterValue('observed_updown')).toBe(8);
  });

  it('removed callbacks stop observing on the bound meter', async () => {
    const m = manager();
    const mem = createInMemoryProvider();
    await m.init({ provider: mem.provider, installShutdownHooks: false });
    const gauge = m.getMeter('x').createObservableGauge('g');
    const cb = (r: { observe(v: number): void }) => r.observe(1);
    gauge.addCallback(cb);
    expect(mem.gaugeValue('g')).toBe(1);
    gauge.removeCallback(cb);
    mem.reset();
    expect(mem.gaugeValue('g')).toBeUndefined();
  });
});

describe('tracers from getTracer', () => {
  it('are no-op before init, bind on init and fall back to no-op after shutdown', async () => {
    const m = manager();
    const tracer = m.getTracer('gateway', '1.0.0');
    expect(m.getTracer('gateway', '1.0.0')).toBe(tracer);
    tracer.startSpan('before').end();
    const mem = createInMemoryProvider();
    await m.init({ provider: mem.provider, installShutdownHooks: false });
    const result = tracer.startActiveSpan('parent', (span) => {
      tracer.startActiveSpan('child', { attributes: { k: 'v' } }, (child) => child.end());
      span.end();
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(mem.spans.map((s) => s.name)).toEqual(['child', 'parent']);
    expect(mem.spans[0]!.parentSpanId).toBe(mem.spans[1]!.spanId);
    await m.shutdown();
    tracer.startSpan('after').end();
    expect(mem.spans).toHaveLength(2);
  });
});
