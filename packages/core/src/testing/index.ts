// Public surface of @secure-mcp-gateway/telemetry-core/testing. Named exports only.
export { createInMemoryProvider } from './in-memory';
export type {
  InMemoryMeasurement,
  InMemoryProviderOptions,
  InMemorySpan,
  InMemorySpanEvent,
  InMemoryTelemetry,
  InstrumentKind,
} from './in-memory';
export { describeProviderConformance, runProviderConformance } from './conformance';
export type { ConformanceHarness, ConformanceResult } from './conformance';
