// Public surface of @secure-mcp-gateway/telemetry-core. Named exports only.
export { defineProvider, isTelemetryProvider, PROVIDER_KIND } from './contract';
export type {
  ConnectivityResult,
  LogFields,
  LogRecord,
  ProviderContext,
  ProviderDefinition,
  ProviderInstance,
  ProviderMeta,
  ProviderStats,
  TelemetryDiagnostics,
  TelemetryLogger,
  TelemetryProvider,
} from './contract';
export { LOG_LEVELS, LOG_LEVEL_SEVERITY, isLevelEnabled, parseLogLevel } from './levels';
export type { LogLevel } from './levels';
export type { OtlpProtocol, TelemetrySettings } from './settings';
export type { StandardSchemaV1 } from './standard-schema';
