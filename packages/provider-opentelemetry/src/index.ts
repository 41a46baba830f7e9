// Public surface of @secure-mcp-gateway/telemetry-provider-opentelemetry. Named exports, plus the
// provider object as the default export (what core's loader imports).
import { defineProvider } from '@secure-mcp-gateway/telemetry-core';
import { configSchema, type OpenTelemetryProviderConfig } from './config';
import { CORE_RANGE, createOpenTelemetryInstance, PACKAGE_VERSION } from './provider';

/** The OpenTelemetry provider: JSON logs, traces and metrics over OTLP (gRPC, HTTP/protobuf or HTTP/JSON). */
export const opentelemetryProvider = defineProvider<OpenTelemetryProviderConfig>({
  meta: {
    name: 'opentelemetry',
    version: PACKAGE_VERSION,
    core: CORE_RANGE,
    description: 'JSON logs, traces and metrics over OTLP (gRPC, HTTP/protobuf or HTTP/JSON), optional Prometheus scrape endpoint.',
  },
  configSchema,
  create: (config, ctx) => createOpenTelemetryInstance(config, ctx),
});

export default opentelemetryProvider;

export { configSchema } from './config';
export type { OpenTelemetryProviderConfig } from './config';
export type { OpenTelemetryProviderInstance, OpenTelemetryStats } from './types';
