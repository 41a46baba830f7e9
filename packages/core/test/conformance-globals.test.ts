// The conformance suite's checks of the OpenTelemetry globals fail where a provider (or the
// process) breaks the wiring. One process per test file: nothing is registered at the start.
import { propagation, ProxyTracerProvider, trace, type TextMapPropagator, type TracerProvider } from '@opentelemetry/api';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defineProvider, type ProviderInstance } from '../src/index';
import { createNoopInstance } from '../src/noop';
import { createInMemoryProvider, runProviderConformance } from '../src/testing/index';

afterEach(() => vi.restoreAllMocks());

const failures = async (provider: Parameters<typeof runProviderConformance>[0], readLogs: () => Record<string, unknown>[] = () => []) => {
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  const results = await runProviderConformance(provider, { harness: { readLogs, writesLogs: false } });
  return Object.fromEntries(results.filter((r) => !r.ok).map((r) => [r.name, r.error?.message]));
};

describe('conformance: the OpenTelemetry globals', () => {
  it('fails a provider whose create() registers a global propagator itself', async () => {
    const registering = defineProvider({
      meta: { name: 'registering', version: '1.0.0', core: '*' },
      create: (): ProviderInstance => {
        const w3c: TextMapPropagator = { inject: () => {}, extract: (ctx) => ctx, fields: () => ['traceparent'] };
        propagation.setGlobalPropagator(w3c);
        return createNoopInstance();
      },
    });
    const failed = await failures(registering);
    expect(failed['create() leaves the OpenTelemetry globals to core']).toMatch(
      /create\(\) registered a global propagator: core registers the API globals, the propagator \(OTEL_PROPAGATORS\) and the context manager at initTelemetry; a provider must not/,
    );
  });

  it('fails the wiring check when trace.getTracer() does not reach the provider', async () => {
    const noop = new ProxyTracerProvider(); // no delegate: the API's no-op tracers
    const foreign: TracerProvider = { getTracer: () => noop.getTracer('foreign') };
    // The first test's run registered core's providers; other code replaces the tracer provider.
    trace.disable();
    expect(trace.setGlobalTracerProvider(foreign)).toBe(true);
    const mem = createInMemoryProvider();
    const failed = await failures(mem.provider, () => mem.jsonLogs());
    expect(failed['once core binds it, trace, metrics, logs and propagation of the API hand out its pipeline']).toMatch(
      /a span from trace\.getTracer\(\) must record exactly when the provider's own tracer does \(true\)/,
    );
  });
});
