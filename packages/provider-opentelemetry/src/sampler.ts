// OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG (as core resolved them) to the SDK's samplers.
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
} from '@opentelemetry/sdk-trace-base';
import type { TelemetrySettings } from '@secure-mcp-gateway/telemetry-core';

export function createSampler(settings: Pick<TelemetrySettings, 'sampler' | 'samplingRatio'>): Sampler {
  const ratio = Math.min(1, Math.max(0, settings.samplingRatio));
  // A ratio of 1 samples everything: the always-on sampler says so without hashing the trace id.
  const byRatio = (): Sampler => (ratio >= 1 ? new AlwaysOnSampler() : new TraceIdRatioBasedSampler(ratio));
  switch (settings.sampler) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return byRatio();
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    default:
      return new ParentBasedSampler({ root: byRatio() });
  }
}
