import type { MeterProvider } from '@opentelemetry/api';
import { RuntimeNodeInstrumentation } from '@opentelemetry/instrumentation-runtime-node';
import { getMeter } from '@secure-mcp-gateway/telemetry-core';

/**
 * Event-loop delay and utilisation (plus GC and heap) from the stock
 * `@opentelemetry/instrumentation-runtime-node`, so a stalled gateway shows on the dashboards
 * and trips `EnkryptEventLoopStalled`. Its meter provider is backed by core's `getMeter`, so the
 * instruments reach the configured provider whether or not the OTel API globals are bound.
 * Returns a function that stops it.
 */
export function startRuntimeMetrics(): () => void {
  const meterProvider: MeterProvider = { getMeter: (name, version, options) => getMeter(name, version, options) };
  const instrumentation = new RuntimeNodeInstrumentation({ enabled: false, monitoringPrecision: 10 });
  instrumentation.setMeterProvider(meterProvider);
  instrumentation.enable();
  return () => instrumentation.disable();
}
