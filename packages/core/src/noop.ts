import { createNoopMeter, ProxyTracerProvider } from '@opentelemetry/api';
import { defineProvider, type ProviderInstance } from './contract';
import { createNoopLogger } from './logger';
import { CORE_VERSION } from './version';

// A ProxyTracerProvider without a delegate hands out the API's no-op tracer (which still
// carries an incoming span context through, so trace ids propagate).
const noopTracerProvider = new ProxyTracerProvider();
const noopMeter = createNoopMeter();

/** An instance that records nothing; what core binds to when telemetry is off. */
export function createNoopInstance(): ProviderInstance {
  return {
    logger: (name) => createNoopLogger(name),
    tracer: (name, version) => noopTracerProvider.getTracer(name, version),
    meter: () => noopMeter,
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
}

/** The no-op provider: logger, tracer and meter that do nothing. */
export const noopProvider = defineProvider<unknown>({
  meta: { name: 'noop', version: CORE_VERSION, core: `>=${CORE_VERSION.replace(/-.*$/, '')}`, description: 'Records nothing.' },
  create: () => createNoopInstance(),
});
