// Public surface of @secure-mcp-gateway/telemetry-core. Named exports only.
export { defineProvider, isTelemetryProvider, PROVIDER_KIND } from './contract';
export type {
  ConnectivityResult,
  LogFields,
  LogRecord,
  OtelLogger,
  OtelLoggerOptions,
  OtelLogRecord,
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
export type {
  AttributeLimits,
  BatchSettings,
  LogExporterName,
  MetricExporterName,
  OtlpProtocol,
  OtlpSignalOverrides,
  TelemetrySettings,
  TelemetrySignal,
  TlsFiles,
  TraceExporterName,
  TracesSamplerName,
} from './settings';
export type { StandardSchemaV1 } from './standard-schema';
export { CORE_VERSION } from './version';

// config
export {
  ConfigError,
  DEFAULT_TELEMETRY_SETTINGS,
  loadGatewayConfig,
  parseGatewayConfig,
  resolveTelemetrySettings,
  warnAboutVariable,
  gatewayConfigJsonSchema,
  gatewayConfigSchema,
} from './config/index';
export type { ConfigIssue, GatewayConfig, ResolveSettingsOptions, TelemetryFileConfig } from './config/index';

// discovery
export { checkProviderCompatibility, loadProvider, normalizeProviderName, ProviderLoadError } from './discovery';
export type { LoadProviderOptions, ProviderLoadErrorCode } from './discovery';

// lifecycle
export {
  flushTelemetry,
  getLogger,
  getMeter,
  getProviderStats,
  getTelemetryStatus,
  getTracer,
  initTelemetry,
  onTelemetryStatusChange,
  shutdownTelemetry,
  TelemetryConfigManager,
} from './manager';
export type { TelemetryInitOptions, TelemetryState, TelemetryStatus, TelemetryStatusListener } from './manager';

// context, logging helpers, secrets
export { activeTraceIds, ensureContextManager, extractTraceContext, injectTraceContext } from './context';
export { readTraceCarrier, TRACE_CARRIER_LIMITS } from './trace-carrier';
export type { BoundedTraceCarrier, TraceCarrierDrops, TraceCarrierReading } from './trace-carrier';
export { createDiagnostics } from './diagnostics';
export type { DiagnosticsOptions } from './diagnostics';
export { createNoopLogger, createRecordLogger, formatLogRecord } from './logger';
export type { RecordLoggerOptions } from './logger';
export { isSecretKey, redactSecrets, REDACTED, safeUrl } from './secrets';

// providers
export { noopProvider } from './noop';
